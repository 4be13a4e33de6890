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
from collections.abc import Iterable
from typing import Any

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
