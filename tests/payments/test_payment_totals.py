"""Issue 18: the payments' running totals per status (payments.totals). After each event that creates
a payment or moves one to another status — scheduling, authorising (one or many), cancelling (one,
a package's unpaid ones when it ends, pauses or is replaced), a batch made and confirmed (set-based
UPDATEs), a bank return reopening it — the totals equal the payments recounted. The payments list
reads them for whoever sees every payment and shows what the count and sum of the list itself
would; `check_payment_totals` finds a total that differs and `--fix` rewrites it, audited; two
transactions changing the totals at once lose nothing."""

import datetime
import io
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from audit.models import DomainEvent
from fgdm import services as case_services
from network_packages import services as package_services
from network_packages.services import ItemInput
from payments import selectors, totals
from payments import services as payment_services
from payments.constants import PaymentStatus
from payments.models import Payment, PaymentTotal
from tests import scenario


def agree() -> None:
    """The running totals are the payments recounted, status by status."""
    with transaction.atomic():
        assert totals.differences() == []
    assert totals.kept() == totals.recomputed()


def figures(status) -> tuple[int, int]:
    return totals.kept()[status]


def weekly(world, *, amount="25.00", instalments=4):
    return scenario.payments_authorised(world, amount=Decimal(amount), frequency="weekly", instalments=instalments)


def returns_file(*payments) -> bytes:
    lines = "".join(
        f"{p.reference},{p.amount},{timezone.localdate().isoformat()},ARUCS-2,Account closed\r\n" for p in payments
    )
    return ("reference,amount,returned_on,reason_code,reason\r\n" + lines).encode()


@pytest.mark.django_db
class TestEachEventKeepsTheTotals:
    def test_scheduling_adds_the_packages_payments(self, world):
        scenario.package_approved(world, amount=Decimal("25.00"), frequency="weekly", instalments=4)
        assert figures(PaymentStatus.SCHEDULED) == (4, 10000)
        agree()

    def test_authorising_one_and_many_moves_them(self, world):
        package = weekly(world)  # each authorised on its own
        assert figures(PaymentStatus.SCHEDULED) == (0, 0)
        assert figures(PaymentStatus.AUTHORISED) == (4, 10000)
        agree()
        other = scenario.package_approved(world, amount=Decimal("10.00"), frequency="weekly", instalments=3)
        ids = list(other.payments.values_list("pk", flat=True))
        # Refused, each in its own savepoint (no bank details yet): no total moves.
        authorised, refused = payment_services.payments_authorise_many(payment_ids=ids, by=world.u.fin1)
        assert (len(authorised), len(refused)) == (0, 3)
        assert figures(PaymentStatus.SCHEDULED) == (3, 3000)
        agree()
        payee = other.items.first().payee
        payment_services.bank_account_set(
            member_id=payee.pk,
            by=world.u.fin1,
            account_name="A N OTHER",
            sort_code="40-00-00",
            account_number="12165678",
        )
        payment_services.bank_account_verify(member_id=payee.pk, by=world.u.fin2, confirm_shared_account=True)
        authorised, refused = payment_services.payments_authorise_many(payment_ids=ids + [10**9], by=world.u.fin1)
        assert (len(authorised), len(refused)) == (3, 1)  # the one refused moves nothing
        assert figures(PaymentStatus.AUTHORISED) == (7, 13000)
        assert package.payments.count() == 4
        agree()

    def test_finance_cancelling_one(self, world):
        package = weekly(world)
        payment = package.payments.order_by("id").first()
        payment_services.payment_cancel(payment_id=payment.pk, by=world.u.fin1, reason="A duplicate")
        assert figures(PaymentStatus.CANCELLED) == (1, 2500)
        agree()

    def test_ending_and_pausing_a_package_cancel_its_unpaid_payments(self, world):
        package = scenario.package_approved(world, amount=Decimal("25.00"), frequency="weekly", instalments=6)
        due = list(package.payments.order_by("due_on").values_list("due_on", flat=True))
        package_services.package_pause(
            package_id=package.pk, by=world.u.prac_east, pause_from=due[1], pause_to=due[2], reason="In hospital"
        )
        assert figures(PaymentStatus.CANCELLED) == (2, 5000)
        agree()
        package_services.package_end(package_id=package.pk, by=world.u.prac_east, reason="Mum is home")
        assert figures(PaymentStatus.CANCELLED) == (6, 15000)
        assert figures(PaymentStatus.SCHEDULED) == (0, 0)
        agree()

    def test_a_changed_version_cancels_the_one_it_replaces_and_schedules_its_own(self, world):
        package = weekly(world)
        item = package.items.get()
        changed = package_services.package_revise(
            package_id=package.pk,
            by=world.u.prac_east,
            plan_id=package.plan_id,
            justification="Two more weeks",
            other_funding_checked=True,
            agreement_signed_on=timezone.localdate(),
            review_by=package.review_by,
            items=[ItemInput(item.description, item.category, item.payee_id, Decimal("25.00"), "weekly", 6)],
        )
        package_services.package_submit(package_id=changed.pk, by=world.u.prac_east)
        package_services.package_approve(package_id=changed.pk, by=world.u.tm_east)
        assert figures(PaymentStatus.CANCELLED) == (4, 10000)
        assert figures(PaymentStatus.SCHEDULED) == (6, 15000)
        agree()

    def test_a_batch_made_confirmed_and_returned(self, world):
        batch = scenario.approved_batch(world, amount="40.00", instalments=3)
        assert figures(PaymentStatus.BATCHED) == (3, 12000)
        assert figures(PaymentStatus.AUTHORISED) == (0, 0)
        agree()
        payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1)
        payment_services.batch_confirm(batch_id=batch.pk, by=world.u.fin1)
        assert figures(PaymentStatus.PAID) == (3, 12000)
        assert figures(PaymentStatus.BATCHED) == (0, 0)
        agree()
        # The bank returns one: it is reopened for correction (scheduled again, out of its batch).
        returned = batch.payments.order_by("id").first()
        payment_services.returns_import(by=world.u.fin2, content=returns_file(returned))
        assert figures(PaymentStatus.PAID) == (2, 8000)
        assert figures(PaymentStatus.SCHEDULED) == (1, 4000)
        agree()

    def test_a_return_from_a_batch_not_yet_confirmed(self, world):
        batch = scenario.approved_batch(world, amount="12.34", instalments=2)
        payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1)
        payment_services.returns_import(by=world.u.fin2, content=returns_file(*batch.payments.all()))
        assert figures(PaymentStatus.BATCHED) == (0, 0)
        assert figures(PaymentStatus.SCHEDULED) == (2, 2468)
        agree()

    def test_a_refused_event_changes_no_total(self, world):
        package = weekly(world)
        payment = package.payments.order_by("id").first()
        payment_services.payment_cancel(payment_id=payment.pk, by=world.u.fin1, reason="A duplicate")
        before = totals.kept()
        with pytest.raises(Exception):  # noqa: B017 — whichever refusal: nothing may move
            payment_services.payment_cancel(payment_id=payment.pk, by=world.u.fin1, reason="Again")
        assert totals.kept() == before
        agree()


def test_figures_are_added_in_sql_per_status():
    """One change adds to the columns of the statuses it names; a move takes from one and adds to
    the other; an unknown status is refused, not silently dropped."""
    assert totals.pence(Decimal("12.34")) == 1234 and totals.pounds(1234) == Decimal("12.34")
    with pytest.raises(ValueError):
        totals.add({"lost": (1, 100)})


def page_figures(client, query="") -> tuple[int, Decimal]:
    response = client.get(reverse("payments:payment_list") + query)
    assert response.status_code == 200
    return response.context["count"], response.context["total"]


def listed(user, **filters) -> tuple[int, Decimal]:
    """The count and sum of the list itself (the aggregate the page used before the totals)."""
    found = selectors.payment_totals(selectors.payment_list(user=user, **filters))
    return found["count"], found["total"]


@pytest.mark.django_db
class TestTheListReadsThem:
    @pytest.fixture
    def money(self, world):
        """Payments in several statuses, in East and West."""
        scenario.approved_batch(world, amount="40.00", instalments=3)
        weekly(world, amount="12.50", instalments=2)
        scenario.package_approved(world, amount=Decimal("7.77"), frequency="weekly", instalments=2)
        west = scenario.package_approved(world, amount=Decimal("100.00"), locality=world.west, approver=world.u.tm_west)
        return west

    def test_every_role_sees_the_count_and_sum_of_its_own_list(self, world, money, as_page):
        for name, user in vars(world.u).items():
            client = as_page(user)
            for status in ["", *PaymentStatus.values]:
                query = f"?status={status}" if status else ""
                assert page_figures(client, query) == listed(user, status=status or None), (name, status)

    def test_whoever_sees_every_payment_is_whom_payment_scope_shows_every_payment(self, world, money):
        every = Payment.objects.count()
        for name, user in vars(world.u).items():
            if selectors.sees_every_payment(user):
                assert selectors.payment_list(user=user).count() == every, name

    def test_finance_reads_the_totals_others_the_list(self, world, money, as_page):
        """Proof that the totals are what finance's page shows: tampered, they show through; a
        scoped user's page and a narrowed list (by case, by due date) still count the list."""
        real = listed(world.u.fin1, status="scheduled")
        with transaction.atomic():
            totals.add({PaymentStatus.SCHEDULED: (5, 500)})  # five payments that are not there
        fin1 = as_page(world.u.fin1)
        assert page_figures(fin1, "?status=scheduled") == (real[0] + 5, real[1] + Decimal("5.00"))
        case = Payment.objects.filter(status=PaymentStatus.SCHEDULED).first().case
        assert page_figures(fin1, f"?status=scheduled&case={case.reference}") == listed(
            world.u.fin1, status="scheduled", case_id=case.pk
        )
        later = (timezone.localdate() + datetime.timedelta(days=400)).strftime("%d/%m/%Y")
        assert page_figures(fin1, f"?status=scheduled&due_before={later}") == real
        assert page_figures(as_page(world.u.tm_east), "?status=scheduled") == listed(
            world.u.tm_east, status="scheduled"
        )

    def test_a_declared_conflict_takes_that_cases_payments_off(self, world, money, as_page):
        conflicted = money.case  # West's package
        case_services.conflict_declare(by=world.u.fin1, case_reference=conflicted.reference, reason="My cousin")
        fin1, fin2 = as_page(world.u.fin1), as_page(world.u.fin2)
        for status in ("", PaymentStatus.SCHEDULED, PaymentStatus.PAID):
            query = f"?status={status}" if status else ""
            assert page_figures(fin1, query) == listed(world.u.fin1, status=status or None)
            assert page_figures(fin2, query) == listed(world.u.fin2, status=status or None)
        assert page_figures(fin1)[0] == page_figures(fin2)[0] - conflicted.payments.count()
        agree()

    def test_the_api_counts_its_own_list_and_finance_the_totals(self, world, money, api):
        for name, user in vars(world.u).items():
            client = api.as_user(user)
            for status in ["", PaymentStatus.SCHEDULED, PaymentStatus.PAID]:
                response = client.get("/api/v1/payments/" + (f"?status={status}" if status else ""))
                if response.status_code == 403:
                    continue
                assert response.json()["count"] == listed(user, status=status or None)[0], (name, status)
        real = listed(world.u.fin1)[0]
        with transaction.atomic():
            totals.add({PaymentStatus.SCHEDULED: (5, 500)})  # five payments that are not there
        fin1 = api.as_user(world.u.fin1)
        assert fin1.get("/api/v1/payments/").json()["count"] == real + 5
        case = Payment.objects.first().case
        assert fin1.get(f"/api/v1/payments/?case={case.pk}").json()["count"] == case.payments.count()

    def test_the_totals_cost_one_statement(self, world, money, django_assert_num_queries):
        case_services.conflict_declare(by=world.u.fin1, case_reference=money.case.reference, reason="My cousin")
        with django_assert_num_queries(1):
            selectors.payment_list_totals(None, user=world.u.fin1, status=PaymentStatus.SCHEDULED, narrowed=False)


@pytest.mark.django_db
class TestCheckCommand:
    def run(self, *args):
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("check_payment_totals", *args, stdout=out, stderr=err)
            code = 0
        except SystemExit as exit:
            code = exit.code
        return code, out.getvalue(), err.getvalue()

    def test_agreeing_totals_pass(self, world):
        weekly(world)
        code, out, _ = self.run()
        assert code == 0 and "agree" in out

    def test_a_tampered_total_is_found_and_fixed_with_an_event(self, world):
        weekly(world)
        with transaction.atomic():
            totals.fill()  # the figures in slot 0, whichever slots the events used
        PaymentTotal.objects.filter(slot=3).update(
            authorised_count=F("authorised_count") + 1, authorised_pence=F("authorised_pence") + 1, cancelled_count=5
        )
        code, out, err = self.run()
        assert code == 1 and "run with --fix" in err
        assert "Authorised: kept 5 payments, £100.01; recounted 4, £100.00" in out
        assert "Cancelled: kept 5 payments, £0.00; recounted 0, £0.00" in out
        assert not DomainEvent.objects.filter(action="payment_total_fixed").exists()
        code, out, err = self.run("--fix")
        assert code == 1 and "(fixed)" in out
        events = DomainEvent.objects.filter(action="payment_total_fixed").order_by("id")
        assert [(e.changes["count"], e.changes["total"]) for e in events] == [
            ([5, 4], ["100.01", "100.00"]),
            ([5, 0], ["0.00", "0.00"]),
        ]
        agree()
        assert self.run()[0] == 0


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are real only on PostgreSQL (SQLite serialises writers)"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # needs the migrations' data back
def test_two_transactions_at_once_are_both_counted(world):
    """Two approvals scheduling payments at the same moment (in whichever slots their transactions
    fall), while finance authorises: nothing is lost."""
    from core.roles import Role
    from tests.factories import UserFactory

    first = scenario.package_submitted(world, amount=Decimal("300.00"))
    second = scenario.package_submitted(world, amount=Decimal("45.67"))
    other_manager = UserFactory(username="tm2.east", roles=[Role.TEAM_MANAGER])
    world.team_east.managers.add(other_manager)
    barrier = threading.Barrier(2)
    errors = []

    def approve(package, by):
        try:
            barrier.wait(timeout=10)
            for _ in range(3):  # each adds in its own transaction: several slots, some shared
                with transaction.atomic():
                    totals.created(PaymentStatus.PAID, count=1, amount=Decimal("1.00"))
            package_services.package_approve(package_id=package.pk, by=by)
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=approve, args=(first, world.u.tm_east)),
        threading.Thread(target=approve, args=(second, other_manager)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert figures(PaymentStatus.SCHEDULED) == (2, 34567)
    assert figures(PaymentStatus.PAID) == (6, 600)
    PaymentTotal.objects.update(paid_count=0, paid_pence=0)  # the six were not payments
    agree()


@pytest.mark.django_db
def test_payments_written_in_bulk_end_with_their_totals():
    """bench/bulk_cases.py writes payments without the services, then fills the totals."""
    from bench.bulk_cases import generate

    generate(cases=30, seed=3, practitioners_per_team=2, coordinators=1, log=lambda *_: None)
    assert Payment.objects.exists()
    assert PaymentTotal.objects.count() == PaymentTotal.SLOTS
    agree()


@pytest.mark.django_db
def test_the_benchmarks_payments_written_in_bulk_keep_the_totals():
    """bench/scale.py's batch run writes 50,000 authorised payments and can batch them in bulk, without
    the services: the totals follow (or check_payment_totals would fail on a benchmarked database)."""
    from bench.scale import batch_in_bulk, bulk_authorised_payments
    from process import demo as seed

    seed.seed_reference()
    users = seed.seed_users()
    seed.seed_budgets(users)
    ids = bulk_authorised_payments(12)
    assert len(ids) >= 12
    agree()
    batch_in_bulk(ids[:7], by=users["fin1"])
    agree()
