"""Cells that a spreadsheet will not run: every export that writes CSV (or XLSX) writes through here.

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel, LibreOffice
and Google Sheets as a formula (`=HYPERLINK(...)`, `=cmd|...`, DDE). As OWASP's "CSV Injection"
page advises, such a text cell is prefixed with a single quote, which makes the spreadsheet show it
as text; the csv module then quotes it as usual. Numbers (int, Decimal) are left alone; text that
only looks like a number is text and is prefixed too (no export writes negative amounts).

This lives on the ground floor so that every app (audit's own trail export included) uses the one
helper; `tests/rules/test_spreadsheet_cells.py` fails on a CSV or XLSX writer anywhere else.
"""

import csv
import datetime
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value, or for text that begins like a formula, the text with a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    """Every cell of a row through `safe_cell` (for CSV rows and XLSX `append`)."""
    return [safe_cell(value) for value in row]


class SafeCsvWriter:
    """`csv.writer` whose rows are neutralised cell by cell; `writerow` returns what the file's
    `write` returns (so an echo buffer can stream lines)."""

    def __init__(self, out, **options):
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out, **options) -> SafeCsvWriter:
    """A CSV writer over `out` (options as for `csv.writer`) that writes no formulas."""
    return SafeCsvWriter(out, **options)


# -- XLSX -----------------------------------------------------------------------------------------

MONEY_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"


def xlsx_bytes(*, title: str, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """One sheet as an .xlsx file: a header row, then `rows`.

    The workbook is write-only (openpyxl streams rows to a temporary file rather than keeping every
    cell in memory). Text goes through `safe_cell`; numbers stay numbers so the spreadsheet can add
    them up; a Decimal is money and is shown with two places (0.00); a date is a date (yyyy-mm-dd).
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])

    def cell(value):
        value = safe_cell(value)
        if isinstance(value, Decimal):
            written = WriteOnlyCell(sheet, value=value)
            written.number_format = MONEY_FORMAT
            return written
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            written = WriteOnlyCell(sheet, value=value)
            written.number_format = DATE_FORMAT
            return written
        return value

    bold = Font(bold=True)
    heading = []
    for name in header:
        written = WriteOnlyCell(sheet, value=safe_cell(name))
        written.font = bold
        heading.append(written)
    sheet.append(heading)
    for row in rows:
        sheet.append([cell(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
