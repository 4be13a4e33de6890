"""Rule 4: no payment in two batches, even when two officers create batches at the same moment."""
import threading

import pytest
from django.db import connection, connections

from fgdm.exceptions import RuleBroken
from payments import services as payment_services
from payments.models import Payment, PaymentBatch
from tests import scenario

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are real only on PostgreSQL (SQLite serialises writers)"
)


@pytest.mark.django_db(transaction=True)
def test_two_officers_racing_never_share_a_payment(world):
    from django.contrib.auth.models import Group

    from fgdm.constants import Role
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
