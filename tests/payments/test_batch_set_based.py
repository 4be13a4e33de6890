"""Batches are set-based (issue 18): batch_create and batch_confirm run a fixed number of statements
whatever the number of payments, and still keep every rule, the trail (one chained event per
payment, saying what changed) and the budgets' running totals."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import DomainEvent
from audit.sealing import seal
from audit.verification import verify_all
from core.exceptions import RuleBroken
from network_packages import commitments
from payments import services as payment_services
from payments.models import BankAccount, Payment
from tests import scenario

pytestmark = pytest.mark.django_db
FAR = datetime.timedelta(days=400)


def more_payments(package, count: int) -> list[int]:
    """`count` more authorised payments of the package's item, each a penny apart (no duplicates)."""
    first = package.payments.order_by("id").first()
    last = package.payments.order_by("-instalment").first().instalment
    made = Payment.objects.bulk_create(
        Payment(
            item=first.item,
            package=package,
            case=first.case,
            payee=first.payee,
            instalment=last + n,
            amount=Decimal("5.00") + Decimal(last + n) / 100,
            due_on=timezone.localdate() - datetime.timedelta(days=1),
            status="authorised",
            authorised_by=first.authorised_by,
            authorised_at=timezone.now(),
        )
        for n in range(1, count + 1)
    )
    return [p.pk for p in made]


def statements(call) -> int:
    """Statements run by `call`. On SQLite (at most 999 parameters a statement) Django splits a
    multi-row INSERT of events every 58 rows, so those are counted once; PostgreSQL COPYs them all."""
    with CaptureQueriesContext(connection) as queries:
        call()
    sqls = [q["sql"] for q in queries]
    if connection.vendor == "sqlite":
        inserts = [sql for sql in sqls if sql.startswith('INSERT INTO "audit_domainevent"')]
        return len(sqls) - len(inserts) + min(len(inserts), 1)
    return len(sqls)


def trail_intact() -> bool:
    _, breaks = verify_all()
    return not breaks


def budgets_right() -> bool:
    with transaction.atomic():
        return commitments.differences() == []


class TestStatementsDoNotGrowWithTheBatch:
    def test_create_and_confirm_run_the_same_statements_for_10_and_100_payments(self, world):
        package = scenario.payments_authorised(world, amount=Decimal("10.00"))
        counts = {}
        for size in (1, 10, 100):  # the first warms what is made once (chain heads, budget rows)
            ids = more_payments(package, size)
            create = statements(lambda ids=ids: payment_services.batch_create(by=world.u.fin1, payment_ids=ids))
            batch = Payment.objects.get(pk=ids[0]).batch
            assert batch.payment_count == size
            payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
            payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format="csv")
            confirm = statements(lambda batch=batch: payment_services.batch_confirm(batch_id=batch.pk, by=world.u.fin1))
            counts[size] = (create, confirm)
        assert counts[10] == counts[100], counts
        assert Payment.objects.filter(status="paid").count() == 111
        assert DomainEvent.objects.filter(action="payment_paid").count() == 111
        assert trail_intact()


class TestSameResultAsOneByOne:
    def test_a_mixed_set(self, world):
        """Two cases; payments authorised and due, authorised but not yet due, scheduled; a third
        case whose payee's details are no longer verified. The batch takes exactly the authorised
        payments due, sums them in pence, and the trail says what happened to each."""
        first = scenario.payments_authorised(world, amount=Decimal("30.00"), frequency="weekly", instalments=3)
        second = scenario.payments_authorised(world, amount=Decimal("12.34"), frequency="weekly", instalments=3)
        later = second.payments.order_by("-due_on").first()
        today = timezone.localdate()
        Payment.objects.filter(pk=later.pk).update(due_on=today + datetime.timedelta(days=30))
        not_authorised = more_payments(first, 1)
        Payment.objects.filter(pk__in=not_authorised).update(status="scheduled", authorised_by=None, authorised_at=None)
        due_by = today + datetime.timedelta(days=20)
        expected = list(
            Payment.objects.filter(status="authorised", due_on__lte=due_by).order_by("id").values_list("pk", flat=True)
        )
        assert {Payment.objects.get(pk=pk).case_id for pk in expected} == {first.case_id, second.case_id}

        # A payee whose details are no longer verified stops the whole batch, as before.
        unverified = scenario.payments_authorised(world, amount=Decimal("7.00"))
        BankAccount.objects.filter(member=unverified.payments.get().payee).update(verified_at=None)
        unverified.payments.update(due_on=today + datetime.timedelta(days=25))  # after due_by
        events_before = DomainEvent.objects.count()
        with pytest.raises(RuleBroken, match="1 payment\\(s\\) have payees whose bank details are not verified"):
            payment_services.batch_create(by=world.u.fin1, due_by=due_by + FAR)
        assert DomainEvent.objects.count() == events_before
        assert not Payment.objects.filter(batch__isnull=False).exists()

        batch = payment_services.batch_create(by=world.u.fin1, due_by=due_by)
        batched = list(batch.payments.order_by("id"))
        assert [p.pk for p in batched] == expected
        assert {p.status for p in batched} == {"batched"}
        assert batch.payment_count == len(expected)
        assert batch.total == sum((p.amount for p in batched), Decimal("0.00"))
        assert isinstance(batch.total, Decimal)
        assert Payment.objects.get(pk=later.pk).status == "authorised"  # not due yet
        assert Payment.objects.get(pk=not_authorised[0]).status == "scheduled"
        seal()  # the sequencer seals the bulk events into the chain with the rest, in the order written
        events = DomainEvent.objects.filter(action="payment_batched").order_by("seq")
        assert [(e.object_id, e.case_id, e.from_state, e.to_state) for e in events] == [
            (p.pk, p.case_id, "authorised", "batched") for p in batched
        ]
        assert {e.changes["batch"] for e in events} == {batch.reference}
        assert {e.actor_username for e in events} == {world.u.fin1.username}
        assert events[0].object_repr == str(batched[0])
        assert DomainEvent.objects.get(action="batch_created").seq == events.last().seq + 1  # one chain, in order
        assert trail_intact()
        assert budgets_right()

        payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
        payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format="bacs18")
        payment_services.batch_confirm(batch_id=batch.pk, by=world.u.fin1)
        paid = list(batch.payments.order_by("id"))
        assert {(p.status, p.paid_at is not None) for p in paid} == {("paid", True)}
        assert len({p.paid_at for p in paid}) == 1
        seal()
        events = DomainEvent.objects.filter(action="payment_paid").order_by("seq")
        assert [(e.object_id, e.case_id, e.from_state, e.to_state) for e in events] == [
            (p.pk, p.case_id, "batched", "paid") for p in paid
        ]
        assert trail_intact()
        assert budgets_right()

    def test_an_ended_package_s_payments_batched_count_in_its_budget(self, world):
        """Payments of an ended package put in a batch add to its running total, as before."""
        from network_packages import services as package_services

        package = scenario.payments_authorised(world, amount=Decimal("25.00"), frequency="weekly", instalments=3)
        ids = list(package.payments.values_list("pk", flat=True))
        first_due = package.payments.order_by("due_on").first().due_on
        package_services.package_end(
            package_id=package.pk, by=package.case.lead_practitioner, reason="Mum home", last_due_on=first_due
        )
        remaining = list(Payment.objects.filter(pk__in=ids, status="authorised").values_list("pk", flat=True))
        assert len(remaining) == 1  # the one due by the end stays to be paid
        payment_services.batch_create(by=world.u.fin1, payment_ids=remaining)
        assert budgets_right()
        assert trail_intact()


class TestTheBatchTotalIsToThePenny:
    def test_a_sum_sqlite_adds_in_floating_point_is_recorded_to_the_penny(self, world):
        """SQLite sums a decimal column in floating point: £0.10 + £0.20 came back as
        0.30000000000000004, which batch_create returned as the batch's total and wrote into the
        batch_created event (hypothesis found 64.1300000000001). The total is kept to the penny."""
        package = scenario.payments_authorised(world, amount=Decimal("10.00"))
        ids = more_payments(package, 2)
        Payment.objects.filter(pk=ids[0]).update(amount=Decimal("0.10"))
        Payment.objects.filter(pk=ids[1]).update(amount=Decimal("0.20"))
        batch = payment_services.batch_create(by=world.u.fin1, payment_ids=ids)
        assert batch.total == Decimal("0.30") and str(batch.total) == "0.30"
        event = DomainEvent.objects.get(action="batch_created", object_id=batch.pk)
        assert event.changes["total"] == "0.30"
