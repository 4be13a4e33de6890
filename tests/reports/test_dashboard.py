"""The dashboard page and its CSV downloads: who sees it, whose figures they see, the filters, small
numbers in the downloads, bad filters, and a number of queries that does not grow with the data."""

import csv
import datetime
import io
import re

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from fgdm import services as case_services
from fgdm.models import Case
from reports import figures, summary
from reports.charts import DRAWN, _Drawn
from reports.forms import DashboardFilterForm
from reports.scope import Filters
from reports.summary import READS
from tests import scenario
from tests.factories import HubFactory

pytestmark = pytest.mark.django_db

URL = "/dashboard/"


def test_the_url_name_is_fixed():
    assert reverse("reports:dashboard") == URL
    assert reverse("reports:dashboard-referrals-csv") == "/dashboard/referrals.csv"


def signed_in(client, user):
    client.force_login(user)
    return client


def received(response) -> str:
    """The "Referrals received" row of the page's table, as text."""
    html = response.content.decode()
    start = html.index(">Referrals received<")
    return html[start : html.index("</tr>", start)]


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def csv_value(response, row: str, column: str) -> str:
    return next(r[3] for r in csv_rows(response) if len(r) == 4 and r[1] == row and r[2] == column)


class TestWhoSeesIt:
    @pytest.mark.parametrize("who", ["prac_east", "coord", "fin1", "auditor"])
    def test_others_are_refused(self, client, world, who):
        signed_in(client, getattr(world.u, who))
        assert client.get(URL).status_code == 403
        assert client.get("/dashboard/referrals.csv").status_code == 403

    def test_anonymous_is_sent_to_sign_in(self, client, world):
        response = client.get(URL)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    @pytest.mark.parametrize("who", ["tm_east", "sm", "hos"])
    def test_managers_see_it(self, client, world, who):
        response = signed_in(client, getattr(world.u, who)).get(URL)
        assert response.status_code == 200
        html = response.content.decode()
        assert "<title>Dashboard" in html
        assert "On this page" in html
        for title in (
            "Referrals and meetings",
            "Plans",
            "Support packages",
            "Pre-proceedings",
            "Children&#x27;s outcomes",
        ):
            assert title in html

    def test_an_unknown_section_is_not_found(self, client, world):
        assert signed_in(client, world.u.sm).get("/dashboard/secrets.csv").status_code == 404


class TestWhoseFigures:
    def test_a_team_manager_counts_their_team_only(self, client, world):
        scenario.referral(world)
        scenario.referral(world)
        scenario.referral(world, by=world.u.prac_west, locality=world.west)

        east = signed_in(client, world.u.tm_east).get(URL)
        assert "Your team: East team" in east.content.decode()
        assert ">2<" in received(east)
        west = signed_in(client, world.u.tm_west).get(URL)
        assert ">1<" in received(west)
        county = signed_in(client, world.u.sm).get(URL)
        assert "Whole county" in county.content.decode()
        assert ">3<" in received(county)

    def test_a_declared_conflict_excludes_the_case(self, world):
        case = scenario.referral(world)
        scenario.referral(world)
        filters = Filters(date_from=timezone.localdate(), date_to=timezone.localdate())
        count = lambda user: figures.referrals_and_meetings(user, filters).tables[0].rows[0].values[0]  # noqa: E731
        assert count(world.u.sm) == 2
        case_services.conflict_declare(by=world.u.sm, case_reference=case.reference, reason="She is my cousin")
        assert count(world.u.sm) == 1
        assert count(world.u.hos) == 2

    def test_a_team_manager_cannot_choose_another_team(self, client, world):
        response = signed_in(client, world.u.tm_east).get(URL, {"team": "west"})
        assert response.status_code == 400
        assert (
            "Select a team from the list" in response.content.decode() or "from the list" in response.content.decode()
        )


class TestFilters:
    def test_locality_stage_hub_and_team_cut_the_figures(self, client, world):
        hub = HubFactory(locality=world.east, name="Leigh Park Family Hub")
        first = scenario.referral(world)
        Case.objects.filter(pk=first.pk).update(hub=hub)
        scenario.referral(world, stage="child_protection")
        scenario.referral(world, by=world.u.prac_west, locality=world.west)
        signed_in(client, world.u.sm)
        assert ">2<" in received(client.get(URL, {"locality": "east"}))
        assert ">1<" in received(client.get(URL, {"stage": "child_protection"}))
        assert ">1<" in received(client.get(URL, {"hub": hub.pk}))
        assert ">1<" in received(client.get(URL, {"team": "west"}))

    def test_the_period(self, client, world):
        old = scenario.referral(world)
        Case.objects.filter(pk=old.pk).update(opened_on=datetime.date(2025, 5, 1))
        scenario.referral(world)
        signed_in(client, world.u.sm)
        period = {
            "date_from-day": "1",
            "date_from-month": "4",
            "date_from-year": "2025",
            "date_to-day": "31",
            "date_to-month": "3",
            "date_to-year": "2026",
        }
        response = client.get(URL, period)
        assert ">1<" in received(response)
        assert "1 April 2025 to 31 March 2026" in response.content.decode()

    def test_the_default_period_is_the_financial_year_so_far(self, client, world):
        today = timezone.localdate()
        start = datetime.date(today.year if today.month >= 4 else today.year - 1, 4, 1)
        html = signed_in(client, world.u.sm).get(URL).content.decode()
        assert f"{start.day} {start:%B %Y} to {today.day} {today:%B %Y}" in html

    @pytest.mark.parametrize(
        "bad, message",
        [
            ({"date_from-day": "31", "date_from-month": "2", "date_from-year": "2026"}, "must be a real date"),
            ({"date_from-day": "1", "date_from-month": "4", "date_from-year": "26"}, "Year must include 4 numbers"),
            ({"date_from-day": "1", "date_from-month": "4"}, "must include a year"),
            (
                {"date_from": "2026-05-01", "date_to": "2026-04-01"},
                "Period to must be the same as or after period from",
            ),
            ({"date_from": "1900-01-01", "date_to": "2026-04-01"}, "10 years or shorter"),
            ({"locality": "atlantis"}, "from the list"),
            ({"hub": "not-a-number"}, "from the list"),
            ({"hub": "99999999999999999999999"}, "from the list"),
            ({"stage": "nonsense"}, "from the list"),
            ({"alliance_group": "'; drop table"}, "from the list"),
        ],
    )
    def test_bad_filters_are_form_errors_not_figures(self, client, world, bad, message):
        scenario.referral(world)
        response = signed_in(client, world.u.sm).get(URL, bad)
        assert response.status_code == 400
        html = response.content.decode()
        assert "There is a problem" in html
        assert message in html
        assert "Referrals received" not in html
        csv_response = client.get("/dashboard/referrals.csv", bad)
        assert csv_response.status_code == 400


class TestFilterLists:
    @pytest.mark.parametrize("data", [{}, {"locality": "east", "stage": "family_help", "hub": "0", "team": "west"}])
    def test_each_list_is_the_html_of_djangos_select(self, world, data):
        HubFactory(locality=world.east, name='Leigh Park & "Havant" <Hub>')
        form = DashboardFilterForm(data, user=world.u.sm)
        form.is_valid()
        for name in ("locality", "alliance_group", "hub", "team", "stage"):
            bound = form[name]
            attrs = {"class": "govuk-select govuk-select--error", "aria-describedby": f"{name}-hint"}
            django = forms.Select(choices=bound.field.choices)
            django.is_required = bound.field.widget.is_required
            assert bound.as_widget(attrs=attrs) == bound.as_widget(widget=django, attrs=attrs), name


class TestCsv:
    def test_small_counts_are_suppressed_money_is_decimal_and_access_is_logged(self, client, world):
        for _ in range(5):
            scenario.referral(world)
        declined = Case.objects.order_by("pk").first()
        case_services.case_decline(case_id=declined.pk, by=world.u.tm_east, reason="Support elsewhere")
        signed_in(client, world.u.sm)
        response = client.get("/dashboard/referrals.csv", {"locality": "east"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        assert csv_value(response, "Referrals received", "Cases") == "5"
        assert csv_value(response, "Referrals declined by a manager", "Cases") == "fewer than 5"
        assert csv_value(response, "Closed because the family declined or withdrew", "Cases") == "0"
        log = AccessLog.objects.get(what="dashboard_referrals")
        assert log.actor_username == "sm" and "locality=east" in log.path

    def test_money_is_a_decimal_string(self, client, world):
        scenario.package_approved(world)
        response = signed_in(client, world.u.sm).get("/dashboard/support.csv")
        assert csv_value(response, "Furniture and bedding", "Total") == "300.00"
        assert csv_value(response, "Furniture and bedding", "Items") == "fewer than 5"
        assert csv_value(response, "Largest package", "Amount") == "300.00"

    def test_every_section_downloads(self, client, world):
        signed_in(client, world.u.tm_east)
        for section in figures.SECTIONS:
            response = client.get(f"/dashboard/{section}.csv")
            assert response.status_code == 200, section
            assert csv_rows(response)[0] == ["Table", "Row", "Column", "Value"]


class TestCharts:
    def test_each_chart_is_an_svg_image_without_script(self, client, world):
        import base64

        scenario.package_approved(world)
        html = signed_in(client, world.u.sm).get(URL).content.decode()
        prefix = 'src="data:image/svg+xml;base64,'
        assert html.count(prefix) >= 5
        start = html.index(prefix) + len(prefix)
        svg = base64.b64decode(html[start : html.index('"', start)]).decode()
        assert "<svg" in svg and "viewBox" in svg
        assert "<script" not in svg
        assert "Arial" in svg


def charts(response) -> dict[str, str]:
    """Each table's title and the chart drawn above it (its data: URI), from the page."""
    html = response.content.decode()
    found = re.findall(
        r'<h3 class="govuk-heading-m">([^<]*)</h3>\s*<div class="app-dashboard-chart"><img src="([^"]+)"', html
    )
    return dict(found)


class TestChartCache:
    def test_a_repeat_view_draws_no_chart_again(self, client, world):
        scenario.package_approved(world)
        DRAWN.clear()
        first = charts(signed_in(client, world.u.sm).get(URL))
        assert len(first) >= 5 and DRAWN.misses == len(first) and len(DRAWN) == len(first)
        again = charts(client.get(URL))
        assert again == first
        # The head of service counts the whole county too: the same figures, the same charts.
        assert charts(signed_in(client, world.u.hos).get(URL)) == first
        assert DRAWN.misses == len(first) and DRAWN.hits == 2 * len(first)

    def test_a_changed_figure_draws_a_new_chart(self, client, world):
        scenario.package_approved(world)
        DRAWN.clear()
        before = charts(signed_in(client, world.u.sm).get(URL))
        scenario.referral(world)
        after = charts(client.get(URL))
        assert after["Referrals received and declined"] != before["Referrals received and declined"]
        assert (
            after["Approved support by category"] == before["Approved support by category"]
        )  # its figures did not change
        assert len(DRAWN) > len(before)

    def test_the_cache_keeps_what_it_was_given_room_for(self):
        drawn = _Drawn(size=25)
        for key in (b"a", b"b", b"c"):
            drawn.put(key, "x" * 10)
        assert b"a" not in drawn and b"b" in drawn and b"c" in drawn and drawn.used == 20
        drawn.get(b"b")  # used last: kept when the next one comes
        drawn.put(b"d", "x" * 10)
        assert b"b" in drawn and b"c" not in drawn


class TestSummaryReads:
    def test_a_repeat_view_on_the_same_refresh_reads_the_summary_once(self, client, world):
        scenario.referral(world)
        summary.refresh(everything=True)
        READS.clear()
        first = signed_in(client, world.u.sm).get(URL).content.decode()
        assert READS.misses == 1 and READS.hits == 0
        again = client.get(URL).content.decode()
        assert READS.misses == 1 and READS.hits == 1
        assert ">1<" in received(client.get(URL)) and again.count(">1<") == first.count(">1<")

    def test_the_next_refresh_is_read_again(self, client, world):
        scenario.referral(world)
        summary.refresh(everything=True)
        assert ">1<" in received(signed_in(client, world.u.sm).get(URL))
        scenario.referral(world)
        assert ">1<" in received(client.get(URL))  # as of the last refresh
        summary.refresh()
        assert ">2<" in received(client.get(URL))

    def test_a_manager_taken_off_a_team_no_longer_counts_it_at_once(self, client, world):
        scenario.referral(world)
        summary.refresh(everything=True)
        assert ">1<" in received(signed_in(client, world.u.tm_east).get(URL))
        world.team_east.managers.remove(world.u.tm_east)
        assert ">0<" in received(client.get(URL))


class TestQueries:
    def build(self, world, n):
        for _ in range(n):
            scenario.package_approved(world)

    @pytest.mark.parametrize("cases", [1, 6])
    def test_the_page_costs_a_fixed_number_of_queries(self, client, world, django_assert_max_num_queries, cases):
        self.build(world, cases)
        case = Case.objects.first()
        case_services.conflict_declare(by=world.u.sm, case_reference=case.reference, reason="Neighbour")
        signed_in(client, world.u.sm)
        client.get(URL)  # warm the session and the caches
        with django_assert_max_num_queries(QUERY_BUDGET):
            assert client.get(URL).status_code == 200
        with django_assert_max_num_queries(QUERY_BUDGET):
            assert client.get(URL, {"locality": "east", "stage": "family_help"}).status_code == 200

    @pytest.mark.parametrize("conflict", [False, True])
    def test_from_the_summary_the_page_costs_fewer(self, client, world, django_assert_max_num_queries, conflict):
        self.build(world, 3)
        if conflict:
            case = Case.objects.first()
            case_services.conflict_declare(by=world.u.sm, case_reference=case.reference, reason="Neighbour")
        summary.refresh(everything=True)
        signed_in(client, world.u.sm)
        client.get(URL)  # warm the session and the caches (the summary's reads among them)
        client.get(URL, {"locality": "east", "stage": "family_help"})
        # The conflicted cases' own rows (3), and the largest package again if it was one of theirs.
        budget = SUMMARY_QUERY_BUDGET + (4 if conflict else 0)
        with django_assert_max_num_queries(budget):
            assert client.get(URL).status_code == 200
        with django_assert_max_num_queries(budget):
            assert client.get(URL, {"locality": "east", "stage": "family_help"}).status_code == 200


# The page measured 32 queries (session, user, menu, the form's choices and the figures), whatever
# the number of cases; a little room for the page's frame.
QUERY_BUDGET = 36
# From the summary (once the timer job has refreshed it), seen before since its last refresh: the
# session, the user and the menu (4), the summary's refresh (1), the person's conflicts (1), the
# localities and their budgets (2), the form's four lists (4), the session saved (3); a locality
# chosen is looked up (1). A first view since the refresh reads the summary's whole months and other
# days (2 more). It was 22 (first view or not) before the packages by month and the spend by locality
# came in the statements of every other figure, and before a repeat of those was kept (2026-12).
SUMMARY_QUERY_BUDGET = 16
