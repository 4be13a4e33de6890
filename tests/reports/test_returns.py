"""The returns (issue 16): rows against a hand-built set of cases, no names or dates of birth,
stable pseudonymous keys, who sees which rows, CSV and XLSX, bad parameters, a constant number of
queries whatever the number of rows."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from audit.models import AccessLog
from fgdm.models import DeclaredConflict, LocalAllianceGroup
from reports import returns
from reports.scope import Filters
from tests import scenario

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/{}/"
NAMES = ("Hardy", "Lily", "Margaret", "Sarah", "Leigh Park", "Nan", "Sofa bed", "hospital")


def period(today):
    return Filters(date_from=today - datetime.timedelta(days=30), date_to=today + datetime.timedelta(days=30))


def as_dicts(name: str, rows) -> list[dict]:
    header = returns.RETURNS[name].header
    return [dict(zip(header, row, strict=True)) for row in rows]


def rows_of(response) -> list[dict]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def get(api, user, name, **params):
    client = api.as_user(user)
    return client.get(URL.format(name), params)


@pytest.fixture
def two_cases(world):
    """East: a Family Network Meeting held, its plan accepted, a £300 sofa bed approved. West: a
    Family Group Conference held, its plan waiting for acceptance, no package."""
    group = LocalAllianceGroup.objects.create(code="weymouth_portland", name="Weymouth and Portland")
    group.localities.add(world.east)
    east = scenario.package_approved(world)
    west_case, _, west_plan = scenario.meeting_held(world, model="fgc", locality=world.west)
    return east, west_case, west_plan


class TestMeetingsReturn:
    def test_a_held_meeting_row(self, world, two_cases, today):
        package, west_case, _ = two_cases
        case = package.case
        meeting = case.meetings.get()
        rows = as_dicts("meetings", returns.meeting_rows(user=world.u.sm, filters=period(today)))
        assert len(rows) == 2
        east = next(r for r in rows if r["locality"] == "east")
        assert east["return_version"] == "meetings 1.0"
        assert east["case_key"] == returns.pseudonym("case", case.pk)
        assert east["meeting_key"] == returns.pseudonym("meeting", meeting.pk)
        assert east["alliance_groups"] == "weymouth_portland"
        assert east["team"] == "east"
        assert east["stage"] == "family_help"
        assert east["referral_date"] == case.opened_on
        assert (east["offer_date"], east["offer_date_source"]) == (
            timezone.localtime(meeting.created_at).date(),
            "arranged",
        )
        assert east["meeting_date"] == today
        assert east["plan_date"] == today
        assert (east["meeting_kind"], east["purpose"], east["status"]) == ("fnm", "first", "held")
        assert east["private_family_time"] == "yes"
        assert east["attendees_recorded"] == 3  # "Margaret, Sarah, Lily"
        assert east["network_grandparent"] == 1 and east["network_parent"] == 1 and east["network_friend"] == 0
        assert east["children"] == 1
        assert (east["plan_agreed"], east["plan_status"]) == ("yes", "accepted")
        assert east["package_total"] == Decimal("300.00")
        assert east["package_categories"] == "furniture_and_bedding"
        assert (east["case_outcome"], east["close_reason"]) == ("", "")
        west = next(r for r in rows if r["locality"] == "west")
        assert west["case_key"] == returns.pseudonym("case", west_case.pk)
        assert (west["meeting_kind"], west["plan_status"], west["package_total"]) == ("fgc", "agreed", Decimal("0.00"))
        assert west["alliance_groups"] == ""

    def test_a_cancelled_meeting_is_in_with_no_plan(self, world, today):
        from fgdm import services as case_services

        case, _ = scenario.with_network(world)
        meeting = case_services.meeting_schedule(
            case_id=case.pk,
            by=case.lead_practitioner,
            model="fnm",
            scheduled_for=timezone.now() + datetime.timedelta(days=3),
            venue="Hub",
        )
        case_services.meeting_cancel(meeting_id=meeting.pk, by=case.lead_practitioner, reason="Nan is ill")
        (row,) = as_dicts("meetings", returns.meeting_rows(user=world.u.sm, filters=period(today)))
        assert row["status"] == "cancelled"
        assert row["meeting_date"] == timezone.localtime(meeting.scheduled_for).date()
        assert (row["plan_agreed"], row["plan_date"], row["plan_status"]) == ("no", "", "")
        assert row["private_family_time"] == "" and row["attendees_recorded"] == ""

    def test_a_pre_proceedings_offer_is_the_offer_date(self, world, today):
        from fgdm import services as case_services

        case, _ = scenario.with_network(world, stage="pre_proceedings")
        mother = case.network_members.get(relationship="parent")
        offered = today - datetime.timedelta(days=9)
        case_services.pre_proceedings_record_intention(
            case_id=case.pk, by=world.u.prac_east, order_kind="care", intended_on=today - datetime.timedelta(days=10)
        )
        case_services.pre_proceedings_record_offer(
            case_id=case.pk, by=world.u.prac_east, method="letter", offered_on=offered, member_id=mother.pk
        )
        case_services.meeting_schedule(
            case_id=case.pk,
            by=world.u.prac_east,
            model="fgc",
            scheduled_for=timezone.now() + datetime.timedelta(days=3),
            venue="Hub",
            coordinator=world.u.coord,
        )
        (row,) = as_dicts("meetings", returns.meeting_rows(user=world.u.sm, filters=period(today)))
        assert (row["offer_date"], row["offer_date_source"]) == (offered, "pre_proceedings_offer")
        assert (row["stage"], row["status"], row["meeting_kind"]) == ("pre_proceedings", "scheduled", "fgc")

    def test_the_period_applies_to_the_meeting_date(self, world, two_cases, today):
        later = Filters(date_from=today + datetime.timedelta(days=1), date_to=today + datetime.timedelta(days=60))
        assert list(returns.meeting_rows(user=world.u.sm, filters=later)) == []


class TestChildrenReturn:
    def test_a_child_row(self, world, two_cases, today):
        package, _, _ = two_cases
        child = package.case.children.get()
        rows = as_dicts("children", returns.child_rows(user=world.u.sm, filters=period(today)))
        assert len(rows) == 2
        east = next(r for r in rows if r["locality"] == "east")
        assert east["child_key"] == returns.pseudonym("child", child.pk)
        assert east["case_key"] == returns.pseudonym("case", package.case_id)
        assert east["age_band"] == "5_to_9"  # born 9 March 2017
        assert (east["first_meeting_date"], east["first_meeting_kind"]) == (today, "fnm")
        assert east["plan_agreed"] == "yes"
        assert east["package_total"] == Decimal("300.00")
        assert east["closure_living_with"] == "" and east["12m_entered_care"] == ""

    def test_outcomes_at_closure(self, world, today):
        from fgdm import services as case_services
        from fgdm.models import ChildOutcome

        case = scenario.closed_case(world)
        check = ChildOutcome.objects.get(case=case, checkpoint="closure")
        case_services.outcome_record(
            outcome_id=check.pk,
            by=world.u.prac_east,
            living_with="at_home",
            on_child_protection_plan=False,
            proceedings_issued=False,
            entered_care=False,
        )
        filters = Filters(date_from=case.opened_on, date_to=case.opened_on)
        (row,) = as_dicts("children", returns.child_rows(user=world.u.sm, filters=filters))
        assert row["age_band"] == "18_plus"
        assert (row["case_status"], row["case_outcome"]) == ("closed", "remained_at_home")
        assert (row["closure_living_with"], row["closure_on_cp_plan"], row["closure_entered_care"]) == (
            "at_home",
            "no",
            "no",
        )
        assert row["6m_living_with"] == ""

    @pytest.mark.parametrize(
        ("born", "expected", "band"),
        [
            (None, datetime.date(2026, 9, 1), "unborn"),
            (None, None, "unknown"),
            (datetime.date(2026, 1, 2), None, "under_1"),
            (datetime.date(2025, 12, 31), None, "1_to_4"),
            (datetime.date(2010, 1, 1), None, "16_to_17"),
        ],
    )
    def test_age_bands(self, born, expected, band):
        assert returns.age_band(born, expected, datetime.date(2026, 12, 31)) == band


class TestSpendReturn:
    def test_approved_and_paid_by_locality_category_and_month(self, world, today):
        from payments import services as payment_services
        from payments.models import Payment

        batch = scenario.approved_batch(world, amount="100.00", instalments=3)
        payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format="csv")
        payment_services.batch_confirm(batch_id=batch.pk, by=world.u.fin1)
        paid = Payment.objects.filter(status="paid")
        rows = as_dicts("spend", returns.spend_rows(user=world.u.sm, filters=period(today)))
        assert len(rows) == 1
        (row,) = rows
        assert (row["locality"], row["category"], row["month"]) == ("east", "furniture_and_bedding", f"{today:%Y-%m}")
        assert row["approved_amount"] == Decimal("300.00")
        assert row["approved_packages"] == "fewer than 5" and row["approved_families"] == "fewer than 5"
        assert row["paid_amount"] == sum(p.amount for p in paid)
        assert row["paid_payments"] == ("fewer than 5" if 0 < paid.count() < 5 else paid.count())

    def test_five_families_are_counted(self, world, today):
        for _ in range(5):
            scenario.package_approved(world, amount=Decimal("20.00"))
        (row,) = as_dicts("spend", returns.spend_rows(user=world.u.sm, filters=period(today)))
        assert (row["approved_amount"], row["approved_packages"], row["approved_families"]) == (Decimal("100.00"), 5, 5)
        assert (row["paid_amount"], row["paid_payments"]) == (Decimal("0.00"), 0)


class TestNoNamesAndKeys:
    @pytest.mark.parametrize("name", ["meetings", "children", "spend"])
    @pytest.mark.parametrize("file_format", ["csv", "xlsx"])
    def test_no_names_or_dates_of_birth(self, world, api, two_cases, name, file_format):
        response = get(api, world.u.sm, name, format=file_format)
        assert response.status_code == 200
        if file_format == "csv":
            text = b"".join(response.streaming_content).decode("utf-8")
        else:
            sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
            text = "\n".join(",".join(str(v) for v in r) for r in sheet.iter_rows(values_only=True))
        for word in NAMES:
            assert word not in text
        assert "2017-03-09" not in text and "2017" not in text.replace("2017-", "")  # the date of birth

    def test_keys_are_stable_and_differ(self, world, api, two_cases):
        first = rows_of(get(api, world.u.sm, "meetings"))
        second = rows_of(get(api, world.u.sm, "meetings"))
        assert [r["case_key"] for r in first] == [r["case_key"] for r in second]
        assert len({r["case_key"] for r in first}) == 2
        assert all(r["case_key"].startswith("C-") and len(r["case_key"]) == 14 for r in first)

    def test_keys_follow_the_key(self):
        with override_settings(REPORTS_PSEUDONYM_KEY="one"):
            one = returns.pseudonym("case", 7)
            assert returns.pseudonym("case", 7) == one
            assert returns.pseudonym("child", 7) != one.replace("C-", "K-")
            assert returns.pseudonym("case", 8) != one
        with override_settings(REPORTS_PSEUDONYM_KEY="two"):
            assert returns.pseudonym("case", 7) != one


class TestWhoSeesWhat:
    @pytest.mark.parametrize("name", ["meetings", "children", "spend"])
    @pytest.mark.parametrize("role", ["prac_east", "coord", "fin1", "auditor"])
    def test_others_are_refused(self, world, api, two_cases, name, role):
        assert get(api, getattr(world.u, role), name).status_code == 403

    def test_signed_out(self, client):
        assert client.get(URL.format("meetings")).status_code == 401

    def test_team_manager_sees_their_team_only(self, world, api, two_cases):
        assert {r["locality"] for r in rows_of(get(api, world.u.tm_east, "meetings"))} == {"east"}
        assert {r["locality"] for r in rows_of(get(api, world.u.tm_west, "children"))} == {"west"}
        assert {r["locality"] for r in rows_of(get(api, world.u.sm, "meetings"))} == {"east", "west"}

    def test_a_declared_conflict_leaves_the_case_out(self, world, api, two_cases):
        package, _, _ = two_cases
        DeclaredConflict.objects.create(user=world.u.sm, case=package.case, reason="Margaret is my aunt")
        assert {r["locality"] for r in rows_of(get(api, world.u.sm, "meetings"))} == {"west"}
        assert rows_of(get(api, world.u.sm, "spend")) == []
        assert {r["locality"] for r in rows_of(get(api, world.u.hos, "meetings"))} == {"east", "west"}

    def test_locality_filter(self, world, api, two_cases):
        assert {r["locality"] for r in rows_of(get(api, world.u.sm, "meetings", locality="west"))} == {"west"}

    def test_each_download_is_in_the_access_log(self, world, api, two_cases):
        get(api, world.u.sm, "children", format="xlsx")
        entry = AccessLog.objects.filter(what="children_return").get()
        assert (entry.actor_username, entry.door) == ("sm", "api")


class TestFiles:
    def test_xlsx_reads_back(self, world, api, two_cases):
        response = get(api, world.u.sm, "meetings", format="xlsx")
        assert response["Content-Type"] == returns.CONTENT_TYPES["xlsx"]
        assert 'filename="fgdm-meetings-return-v1.0-' in response["Content-Disposition"]
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == returns.RETURNS["meetings"].header
        east = dict(zip(rows[0], next(r for r in rows[1:] if r[3] == "east"), strict=True))
        assert east["package_total"] == 300  # a number, not text
        assert east["children"] == 1
        money = next(c for c in sheet[2] if c.column == rows[0].index("package_total") + 1)
        assert money.number_format == "0.00"

    def test_csv_is_streamed_with_its_name(self, world, api, two_cases, today):
        response = get(api, world.u.sm, "spend")
        assert response.streaming and response["Content-Type"].startswith("text/csv")
        assert response["Content-Disposition"].startswith('attachment; filename="fgdm-spend-return-v1.0-')
        rows = rows_of(response)
        assert rows[0]["approved_amount"] == "300.00"

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"format": "pdf"}, "format"),
            ({"from": "2026-13-01"}, "from"),
            ({"to": "yesterday"}, "to"),
            ({"from": "2026-05-01", "to": "2026-04-01"}, "to"),
            ({"from": "2010-01-01", "to": "2026-01-01"}, "to"),
            ({"locality": "atlantis"}, "locality"),
        ],
    )
    def test_bad_parameters_are_400_with_the_field(self, world, api, params, field):
        response = get(api, world.u.sm, "meetings", **params)
        assert response.status_code == 400
        assert field in response.json()


class TestQueries:
    @pytest.mark.parametrize("name", ["meetings", "children", "spend"])
    def test_constant_number_of_queries(self, world, api, name, today):
        scenario.package_approved(world)
        the_return = returns.RETURNS[name]

        queries_seen = []

        def count():
            with CaptureQueriesContext(connection) as queries:
                rows = list(the_return.rows(user=world.u.sm, filters=period(today)))
            queries_seen[:] = queries.captured_queries
            return len(queries), len(rows)

        count()  # the user's roles are read once, then cached on the user
        few, few_rows = count()
        for _ in range(3):
            scenario.package_approved(world)
        scenario.package_approved(world, locality=world.west, approver=world.u.tm_west)
        many, many_rows = count()
        assert many_rows > few_rows
        assert many == few, [q["sql"][:150] for q in queries_seen]
