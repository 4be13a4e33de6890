"""The Returns page (/reports/) and `manage.py export_return`."""

import csv
import datetime
import io
import re

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from audit.models import AccessLog
from reports import returns
from tests import scenario

pytestmark = pytest.mark.django_db


class TestPage:
    @pytest.mark.parametrize("role", ["tm_east", "sm", "hos"])
    def test_managers_see_the_returns_and_their_columns(self, client, world, role):
        client.force_login(getattr(world.u, role))
        response = client.get(reverse("reports:returns"))
        assert response.status_code == 200
        text = response.content.decode()
        for r in returns.RETURNS.values():
            assert r.version in text and f'value="{r.name}:csv"' in text and f'value="{r.name}:xlsx"' in text
        assert "network_grandparent" in text and "docs/returns.md" in text

    def test_a_date_with_its_own_example_gets_no_second_one(self, client, world):
        """The period's "From" hint gives its own example; the date box's standard one is not added too."""
        client.force_login(world.u.sm)
        text = client.get(reverse("reports:returns")).content.decode()
        hint = re.search(r'<div id="[^"]*date_from-hint" class="govuk-hint">(.*?)</div>', text, re.S).group(1)
        assert hint.count("For example") == 1

    @pytest.mark.parametrize("role", ["prac_east", "coord", "fin1", "auditor"])
    def test_others_are_refused(self, client, world, role):
        client.force_login(getattr(world.u, role))
        assert client.get(reverse("reports:returns")).status_code == 403

    def test_download_csv_for_the_team(self, client, world, today):
        scenario.package_approved(world)
        scenario.meeting_held(world, locality=world.west)
        client.force_login(world.u.tm_east)
        response = client.get(reverse("reports:returns"), {"download": "meetings:csv"})
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert {r["locality"] for r in rows} == {"east"}
        assert AccessLog.objects.filter(what="meetings_return", door="page", actor_username="tm.east").exists()

    def test_download_xlsx_for_a_period(self, client, world, today):
        scenario.package_approved(world)
        client.force_login(world.u.sm)
        response = client.get(
            reverse("reports:returns"),
            {
                "download": "spend:xlsx",
                "date_from-day": today.day,
                "date_from-month": today.month,
                "date_from-year": today.year,
                "locality": "east",
            },
        )
        assert response.status_code == 200
        assert response["Content-Disposition"].endswith(
            f'-{today}-to-{datetime.date(today.year + (today.month >= 4), 3, 31)}.xlsx"'
        )
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        assert len(list(sheet.iter_rows(values_only=True))) == 2

    def test_a_bad_period_is_a_form_error(self, client, world):
        client.force_login(world.u.sm)
        response = client.get(
            reverse("reports:returns"),
            {
                "download": "meetings:csv",
                "date_from-day": "1",
                "date_from-month": "5",
                "date_from-year": "2026",
                "date_to-day": "1",
                "date_to-month": "4",
                "date_to-year": "2026",
            },
        )
        assert response.status_code == 400
        assert "The end date must be on or after the start date" in response.content.decode()


class TestCommand:
    def test_csv_to_standard_output_is_the_county(self, world, today):
        scenario.package_approved(world)
        scenario.meeting_held(world, locality=world.west)
        out = io.StringIO()
        call_command("export_return", "meetings", "--from", str(today), "--to", str(today), stdout=out)
        rows = list(csv.DictReader(io.StringIO(out.getvalue())))
        assert {r["locality"] for r in rows} == {"east", "west"}
        entry = AccessLog.objects.get(what="meetings_return")
        assert entry.door == "command" and entry.actor_username.startswith("system:")

    def test_xlsx_to_a_file(self, world, today, tmp_path):
        scenario.package_approved(world)
        target = tmp_path / "children.xlsx"
        call_command(
            "export_return", "children", "--format", "xlsx", "--output", str(target), "--as", "sm", stderr=io.StringIO()
        )
        sheet = openpyxl.load_workbook(target).active
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == returns.RETURNS["children"].header and len(rows) == 2
        assert AccessLog.objects.get(what="children_return").actor_username == "sm"

    @pytest.mark.parametrize(
        "args",
        [
            ["spend", "--from", "2026-13-01"],
            ["spend", "--from", "2026-05-01", "--to", "2026-04-01"],
            ["spend", "--locality", "atlantis"],
            ["spend", "--format", "xlsx"],
        ],
    )
    def test_bad_arguments(self, world, args):
        with pytest.raises(CommandError):
            call_command("export_return", *args, stdout=io.StringIO())
