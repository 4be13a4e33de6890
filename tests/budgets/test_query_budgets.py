"""Each key page and API list within a fixed number of SQL queries, the same with 4 cases and with 40.

The first case and the first batch stay the ones the case page, its timeline and the batch page
show, so what grows between the two measurements is only everything else: a count that grows with
it is an N+1 (or a list drawn whole instead of a page)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payments import services as payment_services
from payments.models import PaymentBatch
from tests import scenario

# (who, what, url, at most this many queries). `{case}` and `{batch}` are the first case and batch.
# Each budget is the count measured when the budgets were set, plus 3: room for a small change, none
# for a query per row (40 cases add dozens).
BUDGETS = [
    # The home page of each role: my tasks, the queue I may take, finance's batches and payees.
    ("prac.east", "home", "/", 14),
    ("prac.west", "home", "/", 14),
    ("coord", "home", "/", 14),
    ("tm.east", "home", "/", 19),
    ("tm.west", "home", "/", 19),
    ("sm", "home", "/", 19),
    ("hos", "home", "/", 19),
    ("fin1", "home", "/", 17),
    ("fin2", "home", "/", 17),
    # The case list and its search.
    ("tm.east", "case list", "/cases/", 13),
    ("sm", "case search", "/cases/?q=hardy", 13),
    ("auditor", "case search", "/cases/?q=FGDM", 16),
    # One case: its page and its audit timeline.
    ("tm.east", "case page", "/cases/{case}/", 25),
    ("auditor", "audit timeline", "/cases/{case}/timeline/", 20),
    # The managers' dashboard.
    ("sm", "dashboard", "/dashboard/", 35),
    ("tm.east", "dashboard", "/dashboard/", 36),
    # Finance: the payments list, the batch list (with its form of payments waiting), one batch.
    ("fin1", "finance list", "/finance/", 14),
    ("fin1", "batch list", "/finance/batches/", 14),
    ("fin2", "batch detail", "/finance/batches/{batch}/", 14),
    # The API lists.
    ("prac.east", "API cases", "/api/v1/cases/", 12),
    ("tm.east", "API tasks", "/api/v1/tasks/", 12),
    ("fin1", "API payments", "/api/v1/payments/", 11),
    ("fin1", "API batches", "/api/v1/payment-batches/", 11),
    ("auditor", "API audit", "/api/v1/cases/{case}/audit/", 20),
]


def _measure(signed_in, first_case, first_batch, *, within=None) -> dict:
    """The queries of each read. `within`: pytest-django's django_assert_max_num_queries, to hold each
    read to its budget (failing with the queries listed)."""
    counts = {}
    for who, what, url, budget in BUDGETS:
        client = signed_in(who)
        url = url.format(case=first_case.pk, batch=first_batch.pk)
        client.get(url)  # a first visit fills the per-process caches (content types, roles)
        with within(budget) if within else CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (who, url, response.status_code)
        counts[(who, what)] = len(queries)
    return counts


@pytest.mark.django_db
def test_key_reads_stay_within_budget_and_constant_as_data_grows(grow, signed_in, django_assert_max_num_queries):
    cases = grow(1)
    first_batch = PaymentBatch.objects.order_by("id").first()
    small = _measure(signed_in, cases[0], first_batch)
    grow(9)
    large = _measure(signed_in, cases[0], first_batch, within=django_assert_max_num_queries)

    report = "\n".join(f"{who:10} {what:15} {small[who, what]:4} → {large[who, what]:4}" for who, what in small)
    grown = [key for key in small if large[key] != small[key]]
    assert not grown, f"the query count grows with the data (4 cases → 40):\n{report}"


def test_the_batch_lists_make_no_query_per_batch_whoever_moved_them_on(world, signed_in):
    """Each batch names who created, approved, exported and confirmed it: the API list and the batch
    page read those people with the batches, not one query per batch (exported and confirmed
    batches included)."""
    scenario.no_payee_cap_or_checks()

    def batch_paid():
        batch = scenario.approved_batch(world)
        payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1)
        payment_services.batch_confirm(batch_id=batch.pk, by=world.u.fin1)

    def count(url: str) -> int:
        client = signed_in("fin1")
        assert client.get(url).status_code == 200  # the session settled before counting
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    batch_paid()
    one = {url: count(url) for url in ("/api/v1/payment-batches/", "/finance/batches/")}
    batch_paid()
    batch_paid()
    three = {url: count(url) for url in one}
    assert three == one


# The dashboard read from its summary (reports.summary), once refreshed: a few queries of the summary
# whatever the number of cases.
# Measured 15 and 17, plus 3 (21 and 22 before a repeat view kept the summary reads of its refresh).
SUMMARY_BUDGETS = [("sm", 18), ("tm.east", 20)]


@pytest.mark.django_db
def test_the_dashboard_from_its_summary_stays_within_budget(grow, signed_in, django_assert_max_num_queries):
    from reports import summary

    def measure(within=None) -> dict:
        counts = {}
        for who, budget in SUMMARY_BUDGETS:
            client = signed_in(who)
            client.get("/dashboard/")
            with within(budget) if within else CaptureQueriesContext(connection) as queries:
                response = client.get("/dashboard/")
            assert response.status_code == 200
            assert b"Figures as of" in response.content and b"counted from the records" not in response.content
            counts[who] = len(queries)
        return counts

    grow(1)
    summary.refresh(everything=True)
    small = measure()
    grow(4)
    summary.refresh(everything=True)
    large = measure(within=django_assert_max_num_queries)
    assert small == large, (small, large)


# The conflict rule on the dashboard read from its summary: the cases the reader declared a conflict
# in are summarised on the spot and taken away, in a few statements whatever the number of figures
# and cases (one for the cases, one UNION ALL of the figures, the families, the outcomes recorded,
# and the largest package read again if it was one of theirs): not one query per figure.
CONFLICT_STATEMENTS = 5


@pytest.mark.django_db
def test_the_dashboards_conflict_adjustment_takes_a_few_statements(grow, signed_in, world):
    from fgdm.models import Case, DeclaredConflict
    from reports import summary

    def measure() -> dict:
        counts = {}
        for who in ("sm", "tm.east"):
            client = signed_in(who)
            client.get("/dashboard/")
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/dashboard/").status_code == 200
            counts[who] = len(queries)
        return counts

    grow(2)
    summary.refresh(everything=True)
    none = measure()
    cases = list(Case.objects.filter(team=world.team_east, packages__isnull=False).order_by("pk").distinct())
    assert len(cases) >= 3
    for count in (1, 3):
        for case in cases[:count]:
            for who in (world.u.sm, world.u.tm_east):
                DeclaredConflict.objects.get_or_create(case=case, user=who, defaults={"reason": "My neighbour"})
        counted = measure()
        assert all(counted[who] <= none[who] + CONFLICT_STATEMENTS for who in none), (count, none, counted)
