"""Drive a case along the path through the services, stopping wherever a test needs it; and run
the scheduled commands (review timers, escalations) as if on a given day."""

import datetime
from decimal import Decimal

import time_machine
from django.core.management import call_command
from django.utils import timezone

from fgdm import services as case_services
from fgdm.services import ActionInput, ChildInput
from network_packages import services as package_services
from network_packages.services import ItemInput
from payments import services as payment_services

# A child born long ago: 18 in 2013, so a closed case of theirs is due for destruction (children in
# need) since June 2020.
BORN_LONG_AGO = datetime.date(1995, 6, 1)


def no_payee_cap_or_checks():
    """Set-up for tests about something else (schedules, tiers) with large amounts or childcare paid to
    Nan: no yearly cap per person and no check on paid carers (the payee policy's own tests are in
    tests/network_packages/test_payee_policy.py)."""
    from network_packages.models import PayeePolicy

    PayeePolicy.objects.update(annual_cap_per_payee=None, checks_required="none")


def referral(world, *, by=None, stage="family_help", locality=None):
    return case_services.case_create(
        by=by or world.u.prac_east,
        family_name="Hardy",
        locality=locality or world.east,
        stage=stage,
        referral_reason="Mum is going into hospital for several weeks.",
        children=[
            ChildInput(
                first_name="Lily",
                last_name="Hardy",
                date_of_birth=datetime.date(2017, 3, 9),
                wishes_and_feelings="Wants to stay at her school and see Nan every day.",
                participation="attends",
            )
        ],
        consent_given_by="Sarah Hardy (mother)",
    )


def allocated(world, **kwargs):
    case = referral(world, **kwargs)
    lead = world.u.prac_east if case.locality == world.east else world.u.prac_west
    manager = world.u.tm_east if case.locality == world.east else world.u.tm_west
    return case_services.case_allocate(case_id=case.pk, by=manager, lead_practitioner=lead)


def with_network(world, **kwargs):
    case = allocated(world, **kwargs)
    lead = case.lead_practitioner
    grandmother = case_services.member_add(
        case_id=case.pk, by=lead, full_name="Margaret Hardy", relationship="grandparent"
    )
    case_services.member_add(
        case_id=case.pk,
        by=lead,
        full_name="Sarah Hardy",
        relationship="parent",
        is_parent=True,
        has_parental_responsibility=True,
        lives_with_child=True,
    )
    return case, grandmother


def prepare_everyone(case, *, by):
    """The coordinator has prepared and invited everyone in the network."""
    for member in case.network_members.order_by("id"):
        case_services.member_record_preparation(member_id=member.pk, by=by, status="invited")


def meeting_held(world, *, model="fnm", **kwargs):
    case, grandmother = with_network(world, **kwargs)
    lead = case.lead_practitioner
    meeting = case_services.meeting_schedule(
        case_id=case.pk,
        by=lead,
        model=model,
        scheduled_for=timezone.now() - datetime.timedelta(days=1),
        venue="Leigh Park Family Hub",
        coordinator=world.u.coord if model == "fgc" else None,
    )
    runner = world.u.coord if model == "fgc" else lead
    if model == "fgc":
        prepare_everyone(case, by=runner)
        case_services.meeting_prepare(meeting_id=meeting.pk, by=runner)
    plan = case_services.meeting_record(
        meeting_id=meeting.pk,
        by=runner,
        held_on=timezone.localdate(),
        attendees="Margaret, Sarah, Lily",
        private_family_time=True,
        actions=[
            ActionInput(
                description="Nan stays over while mum is in hospital",
                owner_member_id=grandmother.pk,
                due_by=timezone.localdate() + datetime.timedelta(days=7),
            )
        ],
        contingency="If Nan is unwell, Aunt Jo steps in.",
        review_by=timezone.localdate() + datetime.timedelta(days=42),
    )
    return case, grandmother, plan


def plan_accepted(world, **kwargs):
    case, grandmother, plan = meeting_held(world, **kwargs)
    case_services.plan_accept(plan_id=plan.pk, by=case.lead_practitioner, support_needed=True)
    plan.refresh_from_db()
    return case, grandmother, plan


def package_drafted(case, *, plan, payee, by=None, amount=Decimal("300.00"), frequency="one_off", instalments=1):
    """A draft package for an accepted plan: a sofa bed paid to `payee` (Nan) for the plan's first
    action, drafted by `by` (the case's lead practitioner)."""
    return package_services.package_create(
        case_id=case.pk,
        by=by or case.lead_practitioner,
        plan_id=plan.pk,
        justification="A sofa bed so Nan can stay over while mum is in hospital.",
        other_funding_checked=True,
        agreement_signed_on=timezone.localdate(),
        review_by=timezone.localdate() + datetime.timedelta(days=42),
        items=[
            ItemInput(
                description="Sofa bed",
                category="furniture_and_bedding",
                payee_id=payee.pk,
                amount=Decimal(amount),
                frequency=frequency,
                instalments=instalments,
                plan_action_id=plan.actions.first().pk,
            )
        ],
    )


def package_submitted(world, *, amount=Decimal("300.00"), frequency="one_off", instalments=1, **kwargs):
    case, grandmother, plan = plan_accepted(world, **kwargs)
    package = package_drafted(
        case, plan=plan, payee=grandmother, amount=amount, frequency=frequency, instalments=instalments
    )
    return package_services.package_submit(package_id=package.pk, by=case.lead_practitioner)


def package_approved(world, *, approver=None, **kwargs):
    package = package_submitted(world, **kwargs)
    return package_services.package_approve(package_id=package.pk, by=approver or world.u.tm_east, note="Agreed")


def payments_authorised(world, **kwargs):
    package = package_approved(world, **kwargs)
    payee = package.items.first().payee
    payment_services.bank_account_set(
        member_id=payee.pk, by=world.u.fin1, account_name="M HARDY", sort_code="40-00-00", account_number="12165678"
    )
    # Every scenario's Nan banks with the same test account: fin2 confirms they checked it.
    payment_services.bank_account_verify(member_id=payee.pk, by=world.u.fin2, confirm_shared_account=True)
    for payment in package.payments.order_by("id"):
        payment_services.payment_authorise(payment_id=payment.pk, by=world.u.fin1)
    return package


def approved_batch(world, *, amount="123.45", instalments=3, name="Mrs Zoë O'Brien-Hardy & Sons (Nan)"):
    """A weekly package's payments, authorised against verified bank details, in an approved batch."""
    package = package_approved(world, amount=Decimal(amount), frequency="weekly", instalments=instalments)
    payee = package.items.first().payee
    payment_services.bank_account_set(
        member_id=payee.pk, by=world.u.fin1, account_name=name, sort_code="40-00-00", account_number="12165678"
    )
    # Every scenario's Nan banks with the same test account: fin2 confirms they checked it.
    payment_services.bank_account_verify(member_id=payee.pk, by=world.u.fin2, confirm_shared_account=True)
    for payment in package.payments.order_by("id"):
        payment_services.payment_authorise(payment_id=payment.pk, by=world.u.fin1)
    batch = payment_services.batch_create(by=world.u.fin1, due_by=timezone.localdate() + datetime.timedelta(days=400))
    payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
    return batch


def born_long_ago(case, born=BORN_LONG_AGO) -> None:
    """Store `born` as the date of birth of the case's children, as a case kept for years holds it
    (a referral made today refuses a child born more than 25 years ago: core.bounds)."""
    from fgdm.models import Child

    Child.objects.filter(case=case).update(date_of_birth=born)


def closed_case(world, *, born=BORN_LONG_AGO, outcome="remained_at_home", family="Hardy", stages=()):
    """A case taken through a family network meeting to its review, and closed there; `stages`:
    (stage, reason) pairs of changes of stage made once it is allocated."""
    case = case_services.case_create(
        by=world.u.prac_east,
        family_name=family,
        locality=world.east,
        stage="family_help",
        referral_reason="Mum in hospital",
        consent_given_by="Sarah Hardy",
        children=[
            ChildInput(
                first_name="Lily",
                last_name=family,
                date_of_birth=datetime.date(2017, 3, 9),
                wishes_and_feelings="Wants to stay with Nan",
            )
        ],
    )
    # A record kept from long ago: its child was born more than the 25 years a referral accepts now.
    born_long_ago(case, born)
    case_services.case_allocate(case_id=case.pk, by=world.u.tm_east, lead_practitioner=world.u.prac_east)
    for stage, reason in stages:
        case_services.case_change_stage(case_id=case.pk, by=world.u.prac_east, stage=stage, reason=reason)
    nan = case_services.member_add(
        case_id=case.pk,
        by=world.u.prac_east,
        full_name="Margaret Hardy",
        relationship="grandparent",
        phone="07700 900123",
    )
    meeting = case_services.meeting_schedule(
        case_id=case.pk,
        by=world.u.prac_east,
        model="fnm",
        venue="Hub",
        scheduled_for=timezone.now() - datetime.timedelta(hours=1),
    )
    plan = case_services.meeting_record(
        meeting_id=meeting.pk,
        by=world.u.prac_east,
        held_on=timezone.localdate(),
        attendees="Margaret",
        private_family_time=True,
        actions=[ActionInput(description="Nan has Lily", owner_member_id=nan.pk)],
        contingency="Aunt Jo",
        review_by=timezone.localdate() + datetime.timedelta(days=30),
    )
    case_services.plan_accept(plan_id=plan.pk, by=world.u.prac_east, support_needed=False)
    fire_timers_on(plan.review_by)
    return case_services.case_review(case_id=case.pk, by=world.u.prac_east, close=True, outcome=outcome)


# The clock: a scheduled command run as if at 10:00 on a given day


def run_on(day: datetime.date, command: str, **kwargs):
    with time_machine.travel(datetime.datetime.combine(day, datetime.time(10, 0)).astimezone(), tick=False):
        call_command(command, stdout=open("/dev/null", "w"), **kwargs)


def fire_timers_on(day: datetime.date):
    with time_machine.travel(datetime.datetime.combine(day, datetime.time(10, 0)).astimezone(), tick=False):
        call_command("workflow_timers", stdout=open("/dev/null", "w"))
