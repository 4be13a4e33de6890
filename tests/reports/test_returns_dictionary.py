"""The data dictionary (docs/returns.md) lists exactly the columns each return writes, in order,
for the version the return writes."""

import csv
import io
import pathlib
import re

import openpyxl
import pytest

from reports import returns
from reports.scope import Filters

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "returns.md"


def dictionary() -> dict[str, list[str]]:
    """Version ("meetings 1.0") → the column names of its table, in order."""
    tables: dict[str, list[str]] = {}
    version = None
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^## .*`(?P<version>[a-z]+ \d+\.\d+)`\s*$", line)
        if heading:
            version = heading["version"]
            tables[version] = []
            continue
        cell = re.match(r"^\| `(?P<name>[a-z0-9_]+)` \|", line)
        if cell and version:
            tables[version].append(cell["name"])
    return tables


def test_every_return_has_its_table():
    assert set(dictionary()) == {r.version for r in returns.RETURNS.values()}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(returns.RETURNS))
def test_the_files_columns_are_the_dictionarys(world, name, today):
    the_return = returns.RETURNS[name]
    filters = Filters(date_from=today, date_to=today)
    body = b"".join(returns.csv_chunks(the_return, user=world.u.sm, filters=filters)).decode("utf-8")
    header = next(csv.reader(io.StringIO(body)))
    assert header == dictionary()[the_return.version]
    sheet = openpyxl.load_workbook(io.BytesIO(returns.xlsx_file(the_return, user=world.u.sm, filters=filters))).active
    assert list(next(sheet.iter_rows(values_only=True))) == dictionary()[the_return.version]


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(returns.RETURNS))
def test_every_row_is_as_wide_as_the_header(world, name, today):
    from tests import scenario

    scenario.package_approved(world)
    the_return = returns.RETURNS[name]
    rows = list(the_return.rows(user=world.u.sm, filters=Filters(date_from=today, date_to=today)))
    assert rows and all(len(row) == len(the_return.header) for row in rows)
    assert all(row[0] == the_return.version for row in rows)
