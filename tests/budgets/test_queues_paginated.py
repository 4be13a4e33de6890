"""Queues are a page at a time, counted in SQL, and hold exactly what they held when drawn whole:
the home page's tasks (only the steps the person's role may take, filtered in the query so a page
is never short), finance's batches, and the authorised payments waiting for a batch."""

from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from payments.models import PaymentBatch
from process import labels, selectors
from process.views import PAGE_SIZE
from tests import scenario
from tests.helpers import ok


@pytest.mark.django_db
class TestHomeQueues:
    def test_the_queue_is_a_page_of_25_with_its_count(self, world, signed_in):
        for _ in range(PAGE_SIZE + 2):
            scenario.referral(world)
        client = signed_in("tm.east")
        first = ok(client.get(reverse("process:home"))).content.decode()
        assert first.count("Allocate a lead practitioner<span") == PAGE_SIZE
        assert f"Showing 1 to 25 of {PAGE_SIZE + 2} tasks available to take" in first
        second = ok(client.get(reverse("process:home") + "?available_page=2")).content.decode()
        assert second.count("Allocate a lead practitioner<span") == 2
        assert "Showing 26 to 27 of 27 tasks available to take" in second
        # Read by ids first with their count (core.paging.IdsFirstPaginator), it pages as Paginator
        # does: a page past the end (or before the first) draws the last, a page that is no number the first.
        for past in ("9", "0", "-1"):
            last = ok(client.get(reverse("process:home") + f"?available_page={past}")).content.decode()
            assert last.count("Allocate a lead practitioner<span") == 2, past
            assert "Showing 26 to 27 of 27 tasks available to take" in last
        first_again = ok(client.get(reverse("process:home") + "?available_page=two")).content.decode()
        assert first_again.count("Allocate a lead practitioner<span") == PAGE_SIZE
        assert f"Showing 1 to 25 of {PAGE_SIZE + 2} tasks available to take" in first_again

    @pytest.mark.parametrize("who", ["prac.east", "coord", "tm.east", "tm.west", "sm", "hos", "fin1", "fin2"])
    def test_the_pages_hold_exactly_the_steps_the_role_may_take(self, world, grow, who):
        """The SQL filter (selectors.my_tasks / tasks_to_take) keeps the rule it replaced: every task of
        the person's task list that labels.may_take allows, mine or to take — no more, no fewer."""
        grow(1)
        scenario.plan_accepted(world)  # a plan waiting for its lead to accept it (prac.east's inbox)
        user = getattr(world.u, who.replace(".", "_"))
        tasks = list(selectors.task_list(user=user))
        assert {t.pk for t in selectors.my_tasks(user=user)} == {
            t.pk for t in tasks if t.owner_id == user.pk and labels.may_take(user, t)
        }
        assert {t.pk for t in selectors.tasks_to_take(user=user)} == {
            t.pk for t in tasks if t.owner_id is None and labels.may_take(user, t)
        }

    def test_the_queue_finds_each_tasks_case_by_its_process_not_through_the_process_row(self, world):
        """At England a manager's queue holds about 4,000 candidate tasks: each one's case is tested
        for visibility by one probe of the case by its process (case_process_scope), not by joining
        the task to viewflow_process and that to the case row (three probes and a row each)."""
        scenario.referral(world)
        user = world.u.tm_east
        ids = str(selectors.task_list_ids(user=user).query)
        assert "viewflow_process" not in ids and "fgdm_case" in ids
        assert [t.pk for t in selectors.tasks_to_take(user=user)] == [
            t.pk for t in selectors.task_list(user=user) if t.owner_id is None and labels.may_take(user, t)
        ]

    def test_a_task_no_role_step_takes_is_not_offered(self, world):
        """A coordinator holds fgdm.view_case, but no step of a practitioner's is theirs: the queue
        offers them none of the practitioners' tasks."""
        scenario.allocated(world)
        assert selectors.tasks_to_take(user=world.u.coord).count() == 0


@pytest.mark.django_db
class TestFinanceQueues:
    def test_batches_fin2_may_approve_come_first_and_the_creator_is_not_offered_approval(self, world, grow, signed_in):
        grow(2)
        home = ok(signed_in("fin2").get(reverse("process:home"))).content.decode()
        assert home.count("Approve it (created by fin1)") == PaymentBatch.objects.filter(status="open").count() == 2
        home = ok(signed_in("fin1").get(reverse("process:home"))).content.decode()
        assert "Approve it" not in home
        assert home.count("Another finance officer approves it") == 2

    def test_a_batch_in_a_case_of_a_declared_conflict_is_not_offered_for_approval(self, world, grow, signed_in):
        from fgdm.models import DeclaredConflict

        grow(1)
        batch = PaymentBatch.objects.get()
        case = batch.payments.first().case
        DeclaredConflict.objects.create(user=world.u.fin2, case=case, reason="My neighbour")
        home = ok(signed_in("fin2").get(reverse("process:home"))).content.decode()
        assert "Approve it" not in home

    def test_payments_waiting_for_a_batch_are_a_page_at_a_time_and_any_page_can_be_ticked(self, world, signed_in):
        scenario.no_payee_cap_or_checks()
        for _ in range(2):
            scenario.payments_authorised(world, amount=Decimal("5.00"), frequency="weekly", instalments=30)
        client = signed_in("fin1")
        first = ok(client.get(reverse("payments:batch_list"))).content.decode()
        assert "60 authorised payments (£300.00) are waiting for a batch. Showing 1 to 50 of 60 below." in first
        assert first.count('name="payment_ids"') == 50
        second = ok(client.get(reverse("payments:batch_list") + "?waiting_page=2")).content.decode()
        assert second.count('name="payment_ids"') == 10
        from payments.models import Payment

        last = Payment.objects.filter(status="authorised").order_by("due_on", "id").last()
        response = client.post(reverse("payments:batch_list"), {"payment_ids": [last.pk]})
        assert response.status_code == 302, response.content.decode()[:2000]
        batch = PaymentBatch.objects.get()
        assert list(batch.payments.values_list("pk", flat=True)) == [last.pk]

    def test_the_finance_list_counts_and_sums_in_sql(self, world, signed_in):
        scenario.no_payee_cap_or_checks()
        scenario.payments_authorised(world, amount=Decimal("5.00"), frequency="weekly", instalments=60)
        page = ok(signed_in("fin1").get(reverse("payments:payment_list"))).content.decode()
        assert page.count('href="/finance/payments/') >= 50
        assert "60" in page and "300.00" in page


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's trigram indexes")
def test_case_search_can_use_the_trigram_indexes(world):
    """The GIN trigram indexes are on the very expressions the search's icontains compiles to: with
    sequential scans off, PostgreSQL's plan for the search reads them."""
    from django.db import connection

    from fgdm.selectors import case_list

    scenario.referral(world)
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'fgdm_case' AND indexname LIKE '%%trgm'")
        assert {row[0] for row in cursor.fetchall()} == {"case_reference_trgm", "case_family_name_trgm"}
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # not the primary key's index either
        # What case_list's search filters on, column by column (no ordering index to prefer instead).
        from fgdm.models import Case

        for column, index in (("family_name", "case_family_name_trgm"), ("reference", "case_reference_trgm")):
            plan = Case.objects.filter(**{f"{column}__icontains": "ard"}).values("pk").explain()
            assert index in plan, plan
    assert [c.family_name for c in case_list(user=world.u.sm, filters={"q": "ARD"})] == ["Hardy"]


@pytest.mark.django_db
class TestCasePagePayments:
    """The case page draws its payments a page at a time (25), with the number and total of all of
    them, in the same number of queries whether the case has 30 payments or 60."""

    def test_a_page_of_25_with_the_count_and_total_of_all(self, world, signed_in):
        scenario.no_payee_cap_or_checks()
        package = scenario.payments_authorised(world, amount=Decimal("5.00"), frequency="weekly", instalments=30)
        case = package.case
        url = reverse("fgdm:case_detail", args=[case.pk])
        client = signed_in("tm.east")
        first = ok(client.get(url)).content.decode()
        assert "Showing 1 to 25 of 30 payments" in first
        assert "Total of all 30 payments" in first and "£150.00" in first
        second = ok(client.get(url + "?payments_page=2")).content.decode()
        assert "Showing 26 to 30 of 30 payments" in second
        references = {p.reference for p in case.payments.all()}
        shown = {r for r in references if r in first} | {r for r in references if r in second}
        assert shown == references  # every payment is on one of the two pages

    def test_a_page_past_the_end_or_not_a_number_shows_a_page_with_the_same_totals(self, world, signed_in):
        """The count and total come with the page's rows (one window aggregate): a page past the end
        (the last page) or a page that is no number (the first) still shows them all."""
        scenario.no_payee_cap_or_checks()
        package = scenario.payments_authorised(world, amount=Decimal("5.00"), frequency="weekly", instalments=30)
        url = reverse("fgdm:case_detail", args=[package.case_id])
        client = signed_in("tm.east")
        for page, showing in (
            ("99", "26 to 30"),
            ("99999999999999999999", "26 to 30"),
            ("x", "1 to 25"),
            ("0", "1 to 25"),
        ):
            body = ok(client.get(f"{url}?payments_page={page}")).content.decode()
            assert f"Showing {showing} of 30 payments" in body, page
            assert "Total of all 30 payments" in body and "£150.00" in body, page

    def test_the_query_count_does_not_grow_with_the_payments(self, world, signed_in):
        from django.test.utils import CaptureQueriesContext

        scenario.no_payee_cap_or_checks()
        client = signed_in("tm.east")
        counts = []
        for instalments in (30, 60):
            package = scenario.payments_authorised(
                world, amount=Decimal("5.00"), frequency="weekly", instalments=instalments
            )
            url = reverse("fgdm:case_detail", args=[package.case.pk])
            ok(client.get(url))
            with CaptureQueriesContext(connection) as queries:
                page = ok(client.get(url)).content.decode()
            assert f"Showing 1 to 25 of {instalments} payments" in page
            counts.append(len(queries.captured_queries))
        assert counts[0] == counts[1]
