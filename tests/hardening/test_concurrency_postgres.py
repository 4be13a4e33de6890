"""Twenty people doing the same thing to the same record at the same moment, on PostgreSQL (issue 14):
exactly one of them changes it, the others are refused with a clear 409-type error (or, for an
export, get the same file), nothing is done twice — no payment in two batches — and the trail holds
exactly one event of that change.

Each test releases 20 threads together (a barrier), each calling the service as a person allowed to
do it. Row locks are real only on PostgreSQL (SQLite queues writers: tests/hardening/test_sqlite_writers.py).
"""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from audit.models import DomainEvent
from core.exceptions import DomainError, InvalidTransition
from core.roles import Role
from network_packages import services as package_services
from network_packages.constants import PackageStatus
from network_packages.models import Approval
from payments import services as payment_services
from payments.constants import BatchStatus, PaymentStatus
from payments.models import BatchExport, Payment, PaymentBatch
from tests import scenario
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are real only on PostgreSQL (SQLite serialises writers)"
    ),
    # transaction=True: each thread commits on its own connection; the migrations' data come back after.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

THREADS = 20


def race(people, act):
    """`act(by)` in THREADS threads released at once, `by` taking turns among `people`. Any error but
    a domain error fails the test. Returns (results, domain_errors)."""
    calls = [people[n % len(people)] for n in range(THREADS)]
    barrier = threading.Barrier(len(calls))
    lock = threading.Lock()
    results, refused, broken = [], [], []

    def run(by):
        try:
            barrier.wait(timeout=60)
            result = act(by)
            with lock:
                results.append(result)
        except DomainError as error:
            with lock:
                refused.append(error)
        except Exception as error:  # anything else is a failure of the test: reported, not swallowed
            with lock:
                broken.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(by,)) for by in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread is still waiting (deadlock?)"
    assert broken == [], broken[:3]
    assert len(results) + len(refused) == len(calls)
    return results, refused


def events(action, obj):
    return DomainEvent.objects.filter(action=action, object_type=obj._meta.model_name, object_id=obj.pk)


def finance_officers(world, extra=3):
    return [world.u.fin1, world.u.fin2] + [
        UserFactory(username=f"fin.race{n}", roles=[Role.FINANCE_OFFICER]) for n in range(extra)
    ]


def test_package_approve_one_winner(world):
    package = scenario.package_submitted(world, amount=Decimal("100.00"), frequency="weekly", instalments=4)
    assert package.total == Decimal("400.00")  # within a team manager's £500: nobody escalates it
    approvers = [world.u.tm_east, world.u.sm, world.u.hos]

    results, refused = race(
        approvers, lambda by: package_services.package_approve(package_id=package.pk, by=by, note="Agreed")
    )

    assert len(results) == 1, [str(e) for e in refused[:3]]
    assert len(refused) == THREADS - 1 and all(isinstance(e, InvalidTransition) for e in refused), refused
    assert all("package" in str(e).lower() for e in refused)
    package.refresh_from_db()
    assert package.status == PackageStatus.APPROVED and package.decided_by == results[0].decided_by
    assert Approval.objects.filter(package=package).count() == 1
    assert package.payments.count() == 4, "the payments are scheduled once"
    assert events("package_approved", package).count() == 1
    assert not events("package_escalated", package).exists()


def test_payment_authorise_one_winner(world):
    package = scenario.package_approved(world, amount=Decimal("50.00"))  # approved by tm.east
    payee = package.items.get().payee
    payment_services.bank_account_set(
        member_id=payee.pk, by=world.u.fin1, account_name="M HARDY", sort_code="40-00-00", account_number="12165678"
    )
    payment_services.bank_account_verify(member_id=payee.pk, by=world.u.fin2)
    payment = package.payments.get()
    officers = finance_officers(world)

    results, refused = race(officers, lambda by: payment_services.payment_authorise(payment_id=payment.pk, by=by))

    assert len(results) == 1, [str(e) for e in refused[:3]]
    assert len(refused) == THREADS - 1 and all(isinstance(e, InvalidTransition) for e in refused), refused
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.AUTHORISED and payment.authorised_by == results[0].authorised_by
    assert events("payment_authorised", payment).count() == 1


def test_batch_create_no_payment_in_two_batches(world):
    scenario.payments_authorised(world, amount="30.00", frequency="weekly", instalments=6)
    due_by = timezone.localdate() + datetime.timedelta(days=400)
    officers = finance_officers(world)

    results, refused = race(officers, lambda by: payment_services.batch_create(by=by, due_by=due_by))

    assert len(results) == 1, "the others find nothing left to batch"
    assert len(refused) == THREADS - 1
    [batch] = PaymentBatch.objects.all()
    assert batch.payment_count == 6 and batch.payments.count() == 6
    assert Payment.objects.filter(batch__isnull=True).count() == 0
    assert set(Payment.objects.values_list("status", flat=True)) == {PaymentStatus.BATCHED}
    assert events("batch_created", batch).count() == 1
    assert DomainEvent.objects.filter(action="payment_batched").count() == 6


def test_batch_approve_one_winner(world):
    scenario.payments_authorised(world, amount="30.00", frequency="weekly", instalments=2)
    batch = payment_services.batch_create(by=world.u.fin1, due_by=timezone.localdate() + datetime.timedelta(days=400))
    approvers = finance_officers(world)[1:]  # not fin1, who made it

    results, refused = race(approvers, lambda by: payment_services.batch_approve(batch_id=batch.pk, by=by))

    assert len(results) == 1, [str(e) for e in refused[:3]]
    assert len(refused) == THREADS - 1 and all(isinstance(e, InvalidTransition) for e in refused), refused
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPROVED and batch.approved_by == results[0].approved_by
    assert events("batch_approved", batch).count() == 1


def test_batch_export_once(world):
    """Exporting is repeatable by design (the same bytes again, a `batch_downloaded` event), so
    twenty officers exporting at once make one file and one `batch_exported` event, and all twenty
    get that file."""
    batch = scenario.approved_batch(world)
    officers = finance_officers(world)

    results, refused = race(officers, lambda by: payment_services.batch_export(batch_id=batch.pk, by=by))

    assert refused == []
    assert len({content for _, content in results}) == 1
    batch.refresh_from_db()
    assert batch.status == BatchStatus.EXPORTED
    assert BatchExport.objects.filter(batch=batch).count() == 1
    assert events("batch_exported", batch).count() == 1
    assert events("batch_downloaded", batch).count() == THREADS - 1
    assert batch.payments.filter(status=PaymentStatus.BATCHED).count() == batch.payment_count
