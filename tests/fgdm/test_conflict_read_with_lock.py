"""A declared conflict of interest is read with the row each workflow step locks (one statement, not
two): it still stops the step, for the person who declared it only."""

import datetime
from contextlib import contextmanager

import pytest
from django.utils import timezone

from core.exceptions import SeparationOfDuties
from fgdm import services as case_services
from fgdm.models import DeclaredConflict
from fgdm.services import ActionInput
from network_packages import services as package_services
from payments import services as payment_services
from tests import scenario


@contextmanager
def refused_while_declared(user, case):
    conflict = DeclaredConflict.objects.create(user=user, case=case, reason="my cousin's family")
    with pytest.raises(SeparationOfDuties):
        yield
    conflict.delete()


def test_a_conflict_read_with_the_lock_stops_each_step(world):
    u, today = world.u, timezone.localdate()
    case = scenario.referral(world)
    with refused_while_declared(u.tm_east, case):
        case_services.case_allocate(case_id=case.pk, by=u.tm_east, lead_practitioner=u.prac_east)
    case_services.case_allocate(case_id=case.pk, by=u.tm_east, lead_practitioner=u.prac_east)
    nan = case_services.member_add(
        case_id=case.pk, by=u.prac_east, full_name="Margaret Hardy", relationship="grandparent"
    )
    case_services.member_add(
        case_id=case.pk,
        by=u.prac_east,
        full_name="Sarah Hardy",
        relationship="parent",
        is_parent=True,
        has_parental_responsibility=True,
        lives_with_child=True,
    )

    def schedule():
        return case_services.meeting_schedule(
            case_id=case.pk,
            by=u.prac_east,
            model="fnm",
            scheduled_for=timezone.now() - datetime.timedelta(days=1),
            venue="Leigh Park Family Hub",
        )

    with refused_while_declared(u.prac_east, case):
        schedule()
    meeting = schedule()

    def record():
        return case_services.meeting_record(
            meeting_id=meeting.pk,
            by=u.prac_east,
            held_on=today,
            attendees="Margaret, Sarah",
            private_family_time=True,
            actions=[ActionInput(description="Nan stays over", owner_member_id=nan.pk)],
            contingency="Aunt Jo steps in",
            review_by=today + datetime.timedelta(days=42),
        )

    with refused_while_declared(u.prac_east, case):
        record()
    plan = record()
    with refused_while_declared(u.prac_east, case):
        case_services.plan_accept(plan_id=plan.pk, by=u.prac_east)
    case_services.plan_accept(plan_id=plan.pk, by=u.prac_east)
    package = scenario.package_drafted(case, plan=plan, payee=nan, by=u.prac_east)
    with refused_while_declared(u.prac_east, case):
        package_services.package_submit(package_id=package.pk, by=u.prac_east)
    package_services.package_submit(package_id=package.pk, by=u.prac_east)
    package_services.package_approve(package_id=package.pk, by=u.tm_east)
    payment_services.bank_account_set(
        member_id=nan.pk, by=u.fin1, account_name="M HARDY", sort_code="40-00-00", account_number="12165678"
    )
    payment_services.bank_account_verify(member_id=nan.pk, by=u.fin2, confirm_shared_account=True)
    payment = package.payments.get()
    with refused_while_declared(u.fin1, case):
        payment_services.payment_authorise(payment_id=payment.pk, by=u.fin1)
    # Someone else's conflict stops nobody else.
    DeclaredConflict.objects.create(user=u.fin2, case=case, reason="my neighbour")
    assert payment_services.payment_authorise(payment_id=payment.pk, by=u.fin1).status == "authorised"
