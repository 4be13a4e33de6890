"""Rule 4: no payment in two batches, and no duplicate payment batched twice, even when two officers
create batches at the same moment."""

import threading
import time

import pytest
from django.db import connection, connections

from core.exceptions import RuleBroken
from payments import services as payment_services
from payments.models import Payment, PaymentBatch
from payments.services import batches as batch_services
from tests import scenario

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are real only on PostgreSQL (SQLite serialises writers)"
)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # needs the migrations' data back
def test_two_officers_racing_never_share_a_payment(world):
    from django.contrib.auth.models import Group

    from core.roles import Role
    from tests.factories import UserFactory

    scenario.payments_authorised(world, amount="30.00", frequency="weekly", instalments=10)
    last_due = Payment.objects.order_by("-due_on").first().due_on
    fin3 = UserFactory(username="fin3", roles=[Role.FINANCE_OFFICER])
    assert Group.objects.get(name=Role.FINANCE_OFFICER).user_set.count() == 3
    barrier = threading.Barrier(2)
    results, errors = [], []

    def create(user):
        try:
            barrier.wait(timeout=10)
            results.append(payment_services.batch_create(by=user, due_by=last_due))
        except RuleBroken as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(u,)) for u in (world.u.fin1, fin3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert len(results) + len(errors) == 2
    batched = Payment.objects.filter(batch__isnull=False)
    assert batched.count() == 10
    assert sum(b.payment_count for b in PaymentBatch.objects.all()) == 10
    assert len(results) == 1, "the second officer finds nothing left to batch"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # needs the migrations' data back
def test_two_officers_racing_duplicates_batch_at_most_one(world, monkeypatch):
    """Two payments that duplicate each other (same payee, amount, item and period — a double
    entry), each named by a different officer in a batch made at the same moment: one is batched,
    the other refused naming the first. The window between looking for duplicates and writing the
    batch is held open, so without the lock on the payee's bank details both would get through.
    (With the lock, the second officer looks for duplicates after the first has committed and, at
    PostgreSQL's default READ COMMITTED isolation, sees the first's batch.)"""
    from django.utils import timezone

    from core.roles import Role
    from payments.constants import PaymentStatus
    from tests.factories import UserFactory

    package = scenario.payments_authorised(world, amount="40.00")
    first = package.payments.get()
    double = Payment.objects.create(
        item=first.item,
        package=package,
        case=first.case,
        payee=first.payee,
        instalment=first.instalment + 1,
        amount=first.amount,
        due_on=first.due_on,
        status=PaymentStatus.AUTHORISED,
        authorised_by=world.u.fin1,
        authorised_at=timezone.now(),
    )
    assert payment_services.find_duplicates([first, double])  # they are duplicates of each other
    fin3 = UserFactory(username="fin3", roles=[Role.FINANCE_OFFICER])

    looked = payment_services.find_duplicates

    def find_duplicates_then_wait(payments):
        found = looked(payments)
        time.sleep(0.5)  # both officers have looked before either has written
        return found

    monkeypatch.setattr(batch_services, "find_duplicates", find_duplicates_then_wait)
    barrier = threading.Barrier(2)
    results, errors = {}, {}

    def create(user, payment):
        try:
            barrier.wait(timeout=10)
            results[payment.pk] = payment_services.batch_create(by=user, payment_ids=[payment.pk])
        except RuleBroken as error:
            errors[payment.pk] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=args) for args in ((world.u.fin1, first), (fin3, double))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert len(results) == 1 and len(errors) == 1, (results, errors)
    [(batched_id, batch)] = results.items()
    [(refused_id, error)] = errors.items()
    batched, refused = Payment.objects.get(pk=batched_id), Payment.objects.get(pk=refused_id)
    assert (batched.status, batched.batch_id) == ("batched", batch.pk)
    assert (refused.status, refused.batch_id) == ("authorised", None)
    assert "Possible duplicate payments" in str(error) and f"duplicates {batched.reference}" in str(error)
    assert batch.reference in str(error)
    assert PaymentBatch.objects.count() == 1
