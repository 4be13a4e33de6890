"""Every state-changing service leaves its domain events, with the right actor — found by introspection.

The services are discovered from each app's `services.py`: every public function defined there must
have a row in ROWS (how to drive it, which events it must leave) or in READS_ONLY (it changes
nothing). A new service without a row fails `test_every_service_has_a_row`; a service that writes no
event, or an event without its actor, fails `test_service_leaves_its_events`.

A service leaves exactly one domain event unless its row lists several and says why (each extra
event is another object's own state change, e.g. a meeting held also moves the case).
"""

import datetime
import importlib
import inspect
import pkgutil
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from audit import services as audit_services
from audit.models import AccessLog, DomainEvent
from core import sar_services
from core import services as core_services
from family import services as family_services
from fgdm import services as case_services
from fgdm.services import ActionInput, ChildInput
from network_packages import services as package_services
from network_packages.selectors import financial_year_of
from network_packages.services import ItemInput
from payments import services as payment_services
from process import services as process_services
from tests import scenario
from tests.factories import LocalityFactory, UserFactory
from tests.scenario import fire_timers_on

SERVICE_MODULES = [
    "fgdm.services",
    "network_packages.services",
    "payments.services",
    "process.services",
    "audit.services",
    "core.services",
    "core.sar_services",
    "family.services",
    "notifications.services",
]


@dataclass(frozen=True)
class Row:
    """How to drive one service: `setup(world)` returns (call, actor); `call()` runs the service once."""

    setup: Callable
    events: list[str]
    why_several: str = ""
    access_logs: int = 0
    variants: dict = field(default_factory=dict)


def _today():
    return timezone.localdate()


# --- drivers: each returns (the service call, the person it acts as) --------------------------------


def _case_create(world):
    return (
        lambda: case_services.case_create(
            by=world.u.prac_east,
            family_name="Hardy",
            locality=world.east,
            stage="family_help",
            referral_reason="x",
            children=[ChildInput(first_name="Lily", last_name="Hardy", date_of_birth=datetime.date(2017, 3, 9))],
        ),
        world.u.prac_east,
    )


def _case_allocate(world):
    case = scenario.referral(world)
    return lambda: case_services.case_allocate(
        case_id=case.pk, by=world.u.tm_east, lead_practitioner=world.u.prac_east
    ), world.u.tm_east


def _case_record_consent(world):
    case = scenario.allocated(world)
    return lambda: case_services.case_record_consent(
        case_id=case.pk, by=world.u.prac_east, given_by="Sarah"
    ), world.u.prac_east


def _case_review_continue(world):
    case, _, plan = scenario.meeting_held(world)
    case_services.plan_accept(plan_id=plan.pk, by=world.u.prac_east, support_needed=False)
    fire_timers_on(plan.review_by)
    return lambda: case_services.case_review(
        case_id=case.pk, by=world.u.prac_east, close=False, notes="Going well"
    ), world.u.prac_east


def _case_review_close(world):
    case, _, plan = scenario.meeting_held(world)
    case_services.plan_accept(plan_id=plan.pk, by=world.u.prac_east, support_needed=False)
    fire_timers_on(plan.review_by)
    return lambda: case_services.case_review(
        case_id=case.pk, by=world.u.prac_east, close=True, outcome="remained_at_home"
    ), world.u.prac_east


def _case_transfer(world):
    case = scenario.allocated(world)
    return lambda: case_services.case_transfer(
        case_id=case.pk, by=world.u.sm, team=world.team_west, lead_practitioner=world.u.prac_west, locality=world.west
    ), world.u.sm


def _case_reassign(world):
    case = scenario.allocated(world)
    return lambda: case_services.case_reassign(
        case_id=case.pk, by=world.u.tm_east, lead_practitioner=world.u.prac_east2, reason="Off sick"
    ), world.u.tm_east


def _case_change_stage(world):
    case = scenario.allocated(world)
    return lambda: case_services.case_change_stage(
        case_id=case.pk, by=world.u.prac_east, stage="pre_proceedings", reason="Legal gateway meeting"
    ), world.u.prac_east


def _case_decline(world):
    case = scenario.referral(world)
    return lambda: case_services.case_decline(
        case_id=case.pk, by=world.u.tm_east, reason="Already supported by another service"
    ), world.u.tm_east


def _case_close(world):
    case = scenario.allocated(world)
    return lambda: case_services.case_close(
        case_id=case.pk, by=world.u.prac_east, reason="family_declined", note="They withdrew"
    ), world.u.prac_east


def _case_close_with_package(world):
    package = scenario.package_approved(world, amount=Decimal("25.00"), frequency="weekly", instalments=2)
    return lambda: case_services.case_close(
        case_id=package.case_id, by=world.u.tm_east, reason="moved_away"
    ), world.u.tm_east


def _case_reopen(world):
    case = scenario.allocated(world)
    case_services.case_close(case_id=case.pk, by=world.u.prac_east, reason="needs_met")
    return lambda: case_services.case_reopen(case_id=case.pk, by=world.u.tm_east, reason="Asked again"), world.u.tm_east


def _closed_without_the_flow(case):
    """The case as the flow's close step finds it: closed, its packages not yet touched."""
    from fgdm.models import Case

    Case.objects.filter(pk=case.pk).update(status="closed", closed_on=_today())


def _packages_close_with_case(world):
    package = scenario.package_approved(world, amount=Decimal("25.00"), frequency="weekly", instalments=2)
    _closed_without_the_flow(package.case)
    return lambda: package_services.packages_close_with_case(
        case=package.case, by=world.u.tm_east, reason="Needs met"
    ), world.u.tm_east


def _packages_close_with_case_submitted(world):
    package = scenario.package_submitted(world)
    _closed_without_the_flow(package.case)
    return lambda: package_services.packages_close_with_case(
        case=package.case, by=world.u.tm_east, reason="Needs met"
    ), world.u.tm_east


def _case_update(world):
    case = scenario.allocated(world)
    return lambda: case_services.case_update(
        case_id=case.pk, by=world.u.prac_east, family_name="Hardie", referral_reason="Mum is in hospital."
    ), world.u.prac_east


def _case_update_unchanged(world):
    case = scenario.allocated(world)
    return lambda: case_services.case_update(
        case_id=case.pk, by=world.u.prac_east, family_name=case.family_name
    ), world.u.prac_east


def _child_add(world):
    case = scenario.allocated(world)
    return lambda: case_services.child_add(
        case_id=case.pk,
        by=world.u.prac_east,
        last_name="Hardy",
        expected_on=_today() + datetime.timedelta(weeks=10),
        reason="Mum is expecting",
    ), world.u.prac_east


def _child_update(world):
    case = scenario.allocated(world)
    child = case.children.get()
    return lambda: case_services.child_update(
        child_id=child.pk, by=world.u.prac_east, first_name="Lilly"
    ), world.u.prac_east


def _child_update_birth(world):
    case = scenario.allocated(world)
    baby = case_services.child_add(
        case_id=case.pk,
        by=world.u.prac_east,
        last_name="Hardy",
        expected_on=_today() + datetime.timedelta(weeks=1),
        reason="Mum is expecting",
    )
    return lambda: case_services.child_update(
        child_id=baby.pk, by=world.u.prac_east, date_of_birth=_today(), first_name="Rose"
    ), world.u.prac_east


def _child_update_unchanged(world):
    case = scenario.allocated(world)
    child = case.children.get()
    return lambda: case_services.child_update(
        child_id=child.pk, by=world.u.prac_east, first_name=child.first_name
    ), world.u.prac_east


def _child_remove(world):
    case = scenario.allocated(world)
    wrong = case_services.child_add(
        case_id=case.pk,
        by=world.u.prac_east,
        first_name="Tom",
        last_name="Hardy",
        date_of_birth=datetime.date(2019, 5, 1),
        reason="Named by school",
    )
    return lambda: case_services.child_remove(
        child_id=wrong.pk, by=world.u.prac_east, reason="Added in error: a cousin"
    ), world.u.prac_east


def _member_update(world):
    _, grandmother = scenario.with_network(world)
    return lambda: case_services.member_update(
        member_id=grandmother.pk, by=world.u.prac_east, phone="07700 900456", language="Polish", interpreter_needed=True
    ), world.u.prac_east


def _member_update_unchanged(world):
    _, grandmother = scenario.with_network(world)
    return lambda: case_services.member_update(
        member_id=grandmother.pk, by=world.u.prac_east, full_name=grandmother.full_name
    ), world.u.prac_east


def _member_remove(world):
    _, grandmother = scenario.with_network(world)
    return lambda: case_services.member_remove(
        member_id=grandmother.pk, by=world.u.prac_east, reason="The family asked for her to be left out"
    ), world.u.prac_east


def _nan_agreed_to_email(world):
    _, grandmother = scenario.with_network(world)
    case_services.member_update(member_id=grandmother.pk, by=world.u.prac_east, email="nan@example.org")
    return grandmother


def _member_messages_set(world, *, messages="email"):
    grandmother = _nan_agreed_to_email(world) if messages == "email" else scenario.with_network(world)[1]
    return lambda: case_services.member_messages_set(
        member_id=grandmother.pk, by=world.u.prac_east, messages=messages
    ), world.u.prac_east


def _family_link_issue(world, *, again=False):
    grandmother = _nan_agreed_to_email(world)
    case_services.member_messages_set(member_id=grandmother.pk, by=world.u.prac_east, messages="email")
    if again:
        family_services.family_link_issue(member_id=grandmother.pk, by=world.u.prac_east)
    return lambda: family_services.family_link_issue(member_id=grandmother.pk, by=world.u.prac_east), world.u.prac_east


def _family_link_revoke(world):
    call, prac = _family_link_issue(world)
    link = call()
    return lambda: family_services.family_link_revoke(link_id=link.pk, by=prac, reason="Phone lost"), prac


def _member_exclusion_propose(world):
    _, grandmother = scenario.with_network(world)
    return lambda: case_services.member_exclusion_propose(
        member_id=grandmother.pk,
        by=world.u.prac_east,
        reason="Bail conditions",
        how_to_contribute="A letter",
        how_to_challenge="Write to the team manager",
    ), world.u.prac_east


def _proposed_exclusion(world):
    _, grandmother = scenario.with_network(world)
    return case_services.member_exclusion_propose(
        member_id=grandmother.pk,
        by=world.u.prac_east,
        reason="Bail conditions",
        how_to_contribute="A letter",
        how_to_challenge="Write to the team manager",
    )


def _member_exclusion_sign_off(world):
    member = _proposed_exclusion(world)
    return lambda: case_services.member_exclusion_sign_off(member_id=member.pk, by=world.u.tm_east), world.u.tm_east


def _advocacy_offer_record(world):
    case = scenario.allocated(world)
    child = case.children.get()
    return lambda: case_services.advocacy_offer_record(
        child_id=child.pk, by=world.u.prac_east, offered_on=_today()
    ), world.u.prac_east


def _case_note_write(world):
    case = scenario.allocated(world)
    return lambda: case_services.case_note_write(case_id=case.pk, by=world.u.prac_east, text="Visit"), world.u.prac_east


def _case_note_correct(world):
    case = scenario.allocated(world)
    note = case_services.case_note_write(case_id=case.pk, by=world.u.prac_east, text="Visit")
    return lambda: case_services.case_note_correct(note_id=note.pk, by=world.u.tm_east, text="Visit, Nan there"), (
        world.u.tm_east
    )


def _case_document_upload(world):
    case = scenario.allocated(world)
    return lambda: case_services.case_document_upload(
        case_id=case.pk, by=world.u.prac_east, kind="consent_form", content=b"%PDF-1.4\n%%EOF\n", file_name="c.pdf"
    ), world.u.prac_east


def _case_document_upload_file(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = scenario.allocated(world)
    upload = SimpleUploadedFile("c.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    return lambda: case_services.case_document_upload_file(
        case_id=case.pk, by=world.u.prac_east, kind="consent_form", upload=upload
    ), world.u.prac_east


def _advocacy_offer_answer(world):
    case = scenario.allocated(world)
    offer = case_services.advocacy_offer_record(
        child_id=case.children.get().pk, by=world.u.prac_east, offered_on=_today()
    )
    return lambda: case_services.advocacy_offer_answer(
        offer_id=offer.pk, by=world.u.prac_east, answer="declined", answered_on=_today()
    ), world.u.prac_east


def _closure_outcome(world):
    case = case_services.case_close(case_id=scenario.allocated(world).pk, by=world.u.tm_east, reason="needs_met")
    return case.child_outcomes.get(checkpoint="closure")


def _outcome_record(world):
    outcome = _closure_outcome(world)
    return lambda: case_services.outcome_record(
        outcome_id=outcome.pk,
        by=world.u.prac_east,
        living_with="at_home",
        on_child_protection_plan=False,
        proceedings_issued=False,
        entered_care=False,
    ), world.u.prac_east


def _member_add(world):
    case = scenario.allocated(world)
    return lambda: case_services.member_add(
        case_id=case.pk, by=world.u.prac_east, full_name="Margaret Hardy", relationship="grandparent"
    ), world.u.prac_east


def _meeting_schedule(world):
    case, _ = scenario.with_network(world)
    return lambda: case_services.meeting_schedule(
        case_id=case.pk,
        by=world.u.prac_east,
        model="fnm",
        venue="Hub",
        scheduled_for=timezone.now() - datetime.timedelta(hours=2),
    ), world.u.prac_east


def _fgc_scheduled(world):
    case, grandmother = scenario.with_network(world)
    meeting = case_services.meeting_schedule(
        case_id=case.pk,
        by=world.u.prac_east,
        model="fgc",
        venue="Hub",
        coordinator=world.u.coord,
        scheduled_for=timezone.now() - datetime.timedelta(hours=2),
    )
    return case, grandmother, meeting


def _meeting_prepare(world):
    case, _, meeting = _fgc_scheduled(world)
    scenario.prepare_everyone(case, by=world.u.coord)
    return lambda: case_services.meeting_prepare(meeting_id=meeting.pk, by=world.u.coord), world.u.coord


def _meeting_record(world):
    case, grandmother = scenario.with_network(world)
    meeting = case_services.meeting_schedule(
        case_id=case.pk,
        by=world.u.prac_east,
        model="fnm",
        venue="Hub",
        scheduled_for=timezone.now() - datetime.timedelta(hours=2),
    )
    return lambda: case_services.meeting_record(
        meeting_id=meeting.pk,
        by=world.u.prac_east,
        held_on=_today(),
        attendees="Family",
        private_family_time=True,
        actions=[ActionInput(description="Stay over", owner_member_id=grandmother.pk)],
        contingency="Aunt",
        review_by=_today() + datetime.timedelta(days=30),
    ), world.u.prac_east


def _in_days(days):
    return timezone.now() + datetime.timedelta(days=days)


def _meeting_reschedule(world):
    case, _ = scenario.with_network(world)
    meeting = case_services.meeting_schedule(
        case_id=case.pk, by=world.u.prac_east, model="fnm", venue="Hub", scheduled_for=_in_days(3)
    )
    return lambda: case_services.meeting_reschedule(
        meeting_id=meeting.pk, by=world.u.prac_east, scheduled_for=_in_days(5), reason="Nan is in hospital"
    ), world.u.prac_east


def _meeting_cancel(world):
    _, _, meeting = _fgc_scheduled(world)
    return lambda: case_services.meeting_cancel(
        meeting_id=meeting.pk, by=world.u.coord, reason="The family withdrew"
    ), world.u.coord


def _meeting_reconvene(world):
    _, _, plan = scenario.meeting_held(world)
    return lambda: case_services.meeting_reconvene(
        meeting_id=plan.meeting_id, by=world.u.prac_east, scheduled_for=_in_days(4), venue="Hub", reason="More to agree"
    ), world.u.prac_east


def _at_review(world):
    case, grandmother, plan = scenario.meeting_held(world)
    case_services.plan_accept(plan_id=plan.pk, by=world.u.prac_east, support_needed=False)
    fire_timers_on(plan.review_by)
    return case, grandmother


def _meeting_schedule_review(world):
    case, _ = _at_review(world)
    return lambda: case_services.meeting_schedule(
        case_id=case.pk, by=world.u.prac_east, model="fnm", venue="Hub", scheduled_for=_in_days(3)
    ), world.u.prac_east


def _meeting_record_review(world):
    case, grandmother = _at_review(world)
    meeting = case_services.meeting_schedule(
        case_id=case.pk, by=world.u.prac_east, model="fnm", venue="Hub", scheduled_for=_in_days(3)
    )
    return lambda: case_services.meeting_record(
        meeting_id=meeting.pk,
        by=world.u.prac_east,
        held_on=_today(),
        attendees="Family",
        private_family_time=True,
        actions=[ActionInput(description="Stay over", owner_member_id=grandmother.pk)],
        contingency="Aunt",
        review_by=_today() + datetime.timedelta(days=30),
    ), world.u.prac_east


def _plan_accept(world):
    case, _, plan = scenario.meeting_held(world)
    return lambda: case_services.plan_accept(plan_id=plan.pk, by=world.u.prac_east), world.u.prac_east


def _plan_return(world):
    case, _, plan = scenario.meeting_held(world)
    return lambda: case_services.plan_return(
        plan_id=plan.pk, by=world.u.prac_east, reason="Say who collects Lily"
    ), world.u.prac_east


def _plan_revise(world):
    case, grandmother, plan = scenario.meeting_held(world)
    case_services.plan_return(plan_id=plan.pk, by=world.u.prac_east, reason="Say who collects Lily")
    return lambda: case_services.plan_revise(
        plan_id=plan.pk,
        by=world.u.prac_east,
        actions=[ActionInput(description="Nan collects", owner_member_id=grandmother.pk)],
        contingency="Aunt",
        review_by=_today() + datetime.timedelta(days=30),
    ), world.u.prac_east


def _conflict_declare(world):
    case = scenario.allocated(world)
    return lambda: case_services.conflict_declare(
        by=world.u.prac_east2, case_reference=case.reference, reason="The grandmother is my neighbour"
    ), world.u.prac_east2


def _preferences_update(world):
    from notifications import services as notification_services

    return lambda: notification_services.preferences_update(
        by=world.u.tm_east, mobile="07700 900982", choices={"package_approval": "sms"}
    ), world.u.tm_east


def _case_withdraw_consent(world):
    case = scenario.allocated(world)
    return lambda: case_services.case_withdraw_consent(
        case_id=case.pk, by=world.u.prac_east, withdrawn_by="Sarah"
    ), world.u.prac_east


def _case_set_bottom_lines(world):
    case = scenario.allocated(world)
    return lambda: case_services.case_set_bottom_lines(
        case_id=case.pk, by=world.u.prac_east, bottom_lines="Lily is safe"
    ), world.u.prac_east


def _child_record_wishes(world):
    case = scenario.allocated(world)
    return lambda: case_services.child_record_wishes(
        child_id=case.children.get().pk, by=world.u.prac_east, wishes_and_feelings="Nan", participation="writes"
    ), world.u.prac_east


def _member_record_preparation(world):
    _, grandmother, _ = _fgc_scheduled(world)
    return lambda: case_services.member_record_preparation(
        member_id=grandmother.pk, by=world.u.coord, status="invited"
    ), world.u.coord


def _action_mark_done(world):
    _, _, plan = scenario.plan_accepted(world)
    return lambda: case_services.action_mark_done(
        action_id=plan.actions.get().pk, by=world.u.prac_east
    ), world.u.prac_east


def _pre_proceedings_case(world):
    case, _ = scenario.with_network(world, stage="pre_proceedings")
    return case


def _pre_proceedings_intended(world):
    case = _pre_proceedings_case(world)
    case_services.pre_proceedings_record_intention(
        case_id=case.pk, by=world.u.prac_east, order_kind="care", intended_on=_today()
    )
    return case


def _pre_proceedings_intention(world):
    case = _pre_proceedings_case(world)
    return lambda: case_services.pre_proceedings_record_intention(
        case_id=case.pk, by=world.u.prac_east, order_kind="interim_care", intended_on=_today()
    ), world.u.prac_east


def _pre_proceedings_offer(world):
    case = _pre_proceedings_intended(world)
    return lambda: case_services.pre_proceedings_record_offer(
        case_id=case.pk,
        by=world.u.prac_east,
        member_id=case.network_members.get(is_parent=True).pk,
        method="letter",
        offered_on=_today(),
    ), world.u.prac_east


def _pre_proceedings_answer(world):
    case = _pre_proceedings_intended(world)
    offer = case_services.pre_proceedings_record_offer(
        case_id=case.pk, by=world.u.prac_east, name="Ray Hardy", capacity="parent", method="phone", offered_on=_today()
    )
    return lambda: case_services.pre_proceedings_record_answer(
        case_id=case.pk, by=world.u.prac_east, offer_id=offer.pk, answer="declined", answered_on=_today()
    ), world.u.prac_east


def _pre_proceedings_exemption(world):
    case = _pre_proceedings_intended(world)
    return lambda: case_services.pre_proceedings_record_exemption(
        case_id=case.pk, by=world.u.tm_east, reason="Risk"
    ), world.u.tm_east


def _pre_proceedings_application(world):
    case = _pre_proceedings_intended(world)
    case_services.pre_proceedings_record_exemption(case_id=case.pk, by=world.u.tm_east, reason="Risk")
    return lambda: case_services.pre_proceedings_record_application(
        case_id=case.pk, by=world.u.tm_east, made_on=_today()
    ), world.u.tm_east


def _reviews_escalate_overdue(world):
    case, _, plan = scenario.meeting_held(world)
    case_services.plan_accept(plan_id=plan.pk, by=world.u.prac_east, support_needed=False)
    fire_timers_on(plan.review_by)
    return lambda: case_services.reviews_escalate_overdue(by=world.u.tm_east, working_days=-1), world.u.tm_east


def _task_assign(world):
    from viewflow.workflow.models import Task

    case = scenario.referral(world)
    task = Task.objects.get(process_id=case.process_id, flow_task_type="HUMAN", status="NEW")
    return lambda: process_services.task_assign(task_id=task.pk, by=world.u.tm_east), world.u.tm_east


def _task_reassign(world):
    from viewflow.workflow.models import Task

    case = scenario.allocated(world)
    task = Task.objects.get(process_id=case.process_id, flow_task_type="HUMAN", status="ASSIGNED")
    return lambda: process_services.task_reassign(task_id=task.pk, by=world.u.tm_east, to=world.u.prac_east2), (
        world.u.tm_east
    )


def _items(grandmother, plan, amount="300.00", instalments=1, frequency="one_off"):
    return [
        ItemInput(
            description="Sofa bed",
            category="furniture_and_bedding",
            payee_id=grandmother.pk,
            amount=Decimal(amount),
            frequency=frequency,
            instalments=instalments,
            plan_action_id=plan.actions.first().pk,
        )
    ]


def _package_create(world):
    case, grandmother, plan = scenario.plan_accepted(world)
    return lambda: package_services.package_create(
        case_id=case.pk,
        by=world.u.prac_east,
        plan_id=plan.pk,
        justification="Sofa bed",
        other_funding_checked=True,
        agreement_signed_on=_today(),
        review_by=plan.review_by,
        items=_items(grandmother, plan),
    ), world.u.prac_east


def _package_submit(world):
    case, grandmother, plan = scenario.plan_accepted(world)
    package = package_services.package_create(
        case_id=case.pk,
        by=world.u.prac_east,
        plan_id=plan.pk,
        justification="Sofa bed",
        other_funding_checked=True,
        agreement_signed_on=_today(),
        review_by=plan.review_by,
        items=_items(grandmother, plan),
    )
    return lambda: package_services.package_submit(package_id=package.pk, by=world.u.prac_east), world.u.prac_east


def _package_approve(world):
    package = scenario.package_submitted(world)
    return lambda: package_services.package_approve(package_id=package.pk, by=world.u.tm_east), world.u.tm_east


def _package_escalate(world):
    package = scenario.package_submitted(world, amount=Decimal("1200.00"))
    return lambda: package_services.package_approve(package_id=package.pk, by=world.u.tm_east), world.u.tm_east


def _package_return(world):
    package = scenario.package_submitted(world)
    return lambda: package_services.package_return(
        package_id=package.pk, by=world.u.tm_east, reason="Get a quote"
    ), world.u.tm_east


def _package_withdraw(world):
    package = scenario.package_submitted(world)
    return lambda: package_services.package_withdraw(package_id=package.pk, by=world.u.prac_east), world.u.prac_east


def _package_revise(world):
    package = scenario.package_approved(world)
    payee = package.items.first().payee
    return lambda: package_services.package_revise(
        package_id=package.pk,
        by=world.u.prac_east,
        plan_id=package.plan_id,
        justification="Dearer",
        other_funding_checked=True,
        agreement_signed_on=_today(),
        review_by=package.review_by,
        items=_items(payee, package.plan, amount="350.00"),
    ), world.u.prac_east


def _package_update(world):
    case, grandmother, plan = scenario.plan_accepted(world)
    package = package_services.package_create(
        case_id=case.pk,
        by=world.u.prac_east,
        plan_id=plan.pk,
        justification="Sofa bed",
        other_funding_checked=True,
        agreement_signed_on=None,
        review_by=plan.review_by,
        items=_items(grandmother, plan),
    )
    return lambda: package_services.package_update(
        package_id=package.pk,
        by=world.u.prac_east,
        agreement_signed_on=_today(),
        items=_items(grandmother, plan, amount="250.00"),
    ), world.u.prac_east


def _package_resubmit(world):
    package = scenario.package_submitted(world)
    package_services.package_return(package_id=package.pk, by=world.u.tm_east, reason="Get a quote")
    return lambda: package_services.package_submit(package_id=package.pk, by=world.u.prac_east), world.u.prac_east


def _package_withdraw_returned(world):
    package = scenario.package_submitted(world)
    package_services.package_return(package_id=package.pk, by=world.u.tm_east, reason="Get a quote")
    return lambda: package_services.package_withdraw(package_id=package.pk, by=world.u.prac_east), world.u.prac_east


def _agreement_record_signature(world):
    package = scenario.package_approved(world)
    return (
        lambda: package_services.agreement_record_signature(
            package_id=package.pk,
            by=world.u.prac_east,
            signed_by_name="Margaret Hardy",
            signed_as="grandmother",
            signed_on=_today(),
        ),
        world.u.prac_east,
    )


def _package_review(world, decision="continue"):
    package = scenario.package_approved(world, amount=Decimal("25.00"), frequency="weekly", instalments=2)
    fire_timers_on(package.review_by)
    return lambda: package_services.package_review(
        package_id=package.pk,
        by=world.u.prac_east,
        decision=decision,
        notes="Reviewed with the family",
        next_review_by=package.review_by + datetime.timedelta(days=28) if decision == "continue" else None,
    ), world.u.prac_east


def _bank_account_set(world):
    package = scenario.package_approved(world)
    payee = package.items.first().payee
    return lambda: payment_services.bank_account_set(
        member_id=payee.pk, by=world.u.fin1, account_name="M HARDY", sort_code="400000", account_number="12165678"
    ), world.u.fin1


def _bank_account_verify(world):
    package = scenario.package_approved(world)
    payee = package.items.first().payee
    payment_services.bank_account_set(
        member_id=payee.pk, by=world.u.fin1, account_name="M HARDY", sort_code="400000", account_number="12165678"
    )
    return lambda: payment_services.bank_account_verify(member_id=payee.pk, by=world.u.fin2), world.u.fin2


def _payment_authorise(world):
    package = scenario.package_approved(world)
    payee = package.items.first().payee
    payment_services.bank_account_set(
        member_id=payee.pk, by=world.u.fin1, account_name="M HARDY", sort_code="400000", account_number="12165678"
    )
    payment_services.bank_account_verify(member_id=payee.pk, by=world.u.fin2)
    payment = package.payments.get()
    return lambda: payment_services.payment_authorise(payment_id=payment.pk, by=world.u.fin1), world.u.fin1


def _payments_authorise_many(world):
    package = scenario.package_approved(world, amount=Decimal("30.00"), frequency="weekly", instalments=2)
    payee = package.items.first().payee
    payment_services.bank_account_set(
        member_id=payee.pk, by=world.u.fin1, account_name="M HARDY", sort_code="400000", account_number="12165678"
    )
    payment_services.bank_account_verify(member_id=payee.pk, by=world.u.fin2)
    ids = list(package.payments.values_list("pk", flat=True))
    return lambda: payment_services.payments_authorise_many(payment_ids=ids, by=world.u.fin1), world.u.fin1


def _two_payments_authorised(world):
    return scenario.payments_authorised(world, amount=Decimal("30.00"), frequency="weekly", instalments=2)


def _batch_create(world):
    _two_payments_authorised(world)
    return lambda: payment_services.batch_create(
        by=world.u.fin1, due_by=_today() + datetime.timedelta(days=8)
    ), world.u.fin1


def _batch_approve(world):
    _two_payments_authorised(world)
    batch = payment_services.batch_create(by=world.u.fin1, due_by=_today() + datetime.timedelta(days=8))
    return lambda: payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2), world.u.fin2


def _batch_approved(world):
    _two_payments_authorised(world)
    batch = payment_services.batch_create(by=world.u.fin1, due_by=_today() + datetime.timedelta(days=8))
    payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
    return batch


def _batch_export(world):
    batch = _batch_approved(world)
    return lambda: payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1), world.u.fin1


def _batch_export_again(world):
    batch = _batch_approved(world)
    payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1)
    return lambda: payment_services.batch_export(batch_id=batch.pk, by=world.u.fin2), world.u.fin2


def _batch_confirm(world):
    batch = _batch_approved(world)
    payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1)
    return lambda: payment_services.batch_confirm(batch_id=batch.pk, by=world.u.fin1), world.u.fin1


def _batch_export_file_other_format(world):
    batch = _batch_approved(world)
    payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1)
    return lambda: payment_services.batch_export_file(
        batch_id=batch.pk, by=world.u.fin2, export_format="pain001"
    ), world.u.fin2


def _batch_export_file(world):
    batch = _batch_approved(world)
    return lambda: payment_services.batch_export_file(
        batch_id=batch.pk, by=world.u.fin1, export_format="bacs18"
    ), world.u.fin1


def _payment_cancel(world):
    package = _two_payments_authorised(world)
    payment = package.payments.order_by("id").first()
    return lambda: payment_services.payment_cancel(
        payment_id=payment.pk, by=world.u.fin2, reason="Duplicate"
    ), world.u.fin2


def _returns_import(world):
    batch = _batch_approved(world)
    payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1)
    payment = batch.payments.order_by("id").first()
    content = (
        "reference,amount,returned_on,reason_code,reason\r\n"
        f"{payment.reference},{payment.amount},{_today().isoformat()},ARUCS-2,Account closed\r\n"
    ).encode()
    return lambda: payment_services.returns_import(by=world.u.fin2, content=content), world.u.fin2


def _payments_schedule(world):
    package = scenario.package_submitted(world, amount=Decimal("30.00"), frequency="weekly", instalments=2)
    package.status = "approved"  # approved outside the flow, so that nothing has scheduled it yet
    package.save(update_fields=["status"])
    return lambda: payment_services.payments_schedule(package=package, by=world.u.tm_east), world.u.tm_east


def _payments_pause(world):
    package = scenario.package_approved(world, amount=Decimal("30.00"), frequency="weekly", instalments=3)
    first = package.payments.order_by("due_on").first().due_on
    return lambda: payment_services.payments_pause(
        package=package,
        by=world.u.prac_east,
        pause_from=first,
        pause_to=first + datetime.timedelta(days=7),
        reason="In hospital",
    ), world.u.prac_east


def _payments_cancel_unpaid(world):
    package = scenario.package_approved(world, amount=Decimal("30.00"), frequency="weekly", instalments=2)
    return lambda: payment_services.payments_cancel_unpaid(package=package, by=world.u.tm_east), world.u.tm_east


def _record_event(world):
    from audit.services import record_event

    case = scenario.referral(world)
    return lambda: record_event(obj=case, action="note", by=world.u.prac_east, case_id=case.pk), world.u.prac_east


def _record_access(world):
    from audit.services import record_access

    case = scenario.referral(world)
    return lambda: record_access(
        by=world.u.auditor, what="case", door="page", obj=case, case_id=case.pk
    ), world.u.auditor


def _admin(world):
    from tests.factories import UserFactory

    return UserFactory(username="admin", is_staff=True, is_superuser=True)


def _legal_hold_place(world):
    from audit.services import legal_hold_place

    case, admin = scenario.referral(world), _admin(world)
    return lambda: legal_hold_place(by=admin, reason="Court", case_id=case.pk), admin


def _legal_hold_release(world):
    from audit.services import legal_hold_place, legal_hold_release

    case, admin = scenario.referral(world), _admin(world)
    hold = legal_hold_place(by=admin, reason="Court", case_id=case.pk)
    return lambda: legal_hold_release(hold_id=hold.pk, by=admin, reason="Over"), admin


def _sar_logged(world, *, checked=False, gathered=False):
    from core import sar_services

    case, nan = scenario.with_network(world)
    sar = sar_services.sar_log(
        by=world.u.auditor,
        received_on=_today(),
        requester="Margaret Hardy",
        subject_name="Margaret Hardy",
        subject_kind="member",
        subject_id=nan.pk,
    )
    if checked:
        sar_services.sar_record_id_check(request_id=sar.pk, by=world.u.auditor, method="photo_id")
    if gathered:
        sar_services.sar_gather(request_id=sar.pk, by=world.u.auditor)
    return sar


def _sar_log(world):
    from core import sar_services

    nan = scenario.with_network(world)[1]
    return (
        lambda: sar_services.sar_log(
            by=world.u.auditor,
            received_on=_today(),
            requester="Margaret Hardy",
            subject_name="Margaret Hardy",
            subject_kind="member",
            subject_id=nan.pk,
        ),
        world.u.auditor,
    )


def _sar_record_id_check(world):
    from core import sar_services

    sar = _sar_logged(world)
    return (
        lambda: sar_services.sar_record_id_check(request_id=sar.pk, by=world.u.auditor, method="photo_id"),
        world.u.auditor,
    )


def _sar_extend(world):
    from core import sar_services

    sar = _sar_logged(world)
    return (
        lambda: sar_services.sar_extend(request_id=sar.pk, by=world.u.auditor, months=2, reason="Complex"),
        world.u.auditor,
    )


def _sar_gather(world):
    from core import sar_services

    sar = _sar_logged(world, checked=True)
    return lambda: sar_services.sar_gather(request_id=sar.pk, by=world.u.auditor), world.u.auditor


def _sar_item_decide(world):
    from core import sar_services

    item = _sar_logged(world, checked=True, gathered=True).items.exclude(review_reason="").first()
    return (
        lambda: sar_services.sar_item_decide(item_id=item.pk, by=world.u.auditor, decision="disclose"),
        world.u.auditor,
    )


def _sar_complete(world):
    from core import sar_services

    sar = _sar_logged(world, checked=True, gathered=True)
    for item in sar.items.exclude(review_reason=""):
        sar_services.sar_item_decide(item_id=item.pk, by=world.u.auditor, decision="disclose")
    return lambda: sar_services.sar_complete(request_id=sar.pk, by=world.u.auditor), world.u.auditor


def _sar_refuse(world):
    from core import sar_services

    sar = _sar_logged(world)
    return lambda: sar_services.sar_refuse(request_id=sar.pk, by=world.u.auditor, reason="Excessive"), world.u.auditor


def _looked_after_mark(world):
    from audit.services import looked_after_mark

    case, admin = scenario.referral(world), _admin(world)
    return lambda: looked_after_mark(case_id=case.pk, by=admin, reason="In care"), admin


def _supplier_create(world):
    return lambda: package_services.supplier_create(by=world.u.fin1, name="Portland Taxis Ltd"), world.u.fin1


def _supplier(world):
    return package_services.supplier_create(by=world.u.fin1, name="Portland Taxis Ltd")


def _supplier_update(world):
    supplier = _supplier(world)
    return lambda: package_services.supplier_update(
        supplier_id=supplier.pk, by=world.u.fin2, active=False, phone="01305 000000"
    ), world.u.fin2


def _supplier_update_unchanged(world):
    supplier = _supplier(world)
    return lambda: package_services.supplier_update(
        supplier_id=supplier.pk, by=world.u.fin2, name=supplier.name
    ), world.u.fin2


def _supplier_bank_account_set(world):
    supplier = _supplier(world)
    return lambda: payment_services.supplier_bank_account_set(
        supplier_id=supplier.pk,
        by=world.u.fin1,
        account_name="PORTLAND TAXIS",
        sort_code="089999",
        account_number="66374958",
    ), world.u.fin1


def _supplier_bank_account_verify(world):
    supplier = _supplier(world)
    payment_services.supplier_bank_account_set(
        supplier_id=supplier.pk,
        by=world.u.fin1,
        account_name="PORTLAND TAXIS",
        sort_code="089999",
        account_number="66374958",
    )
    return lambda: payment_services.supplier_bank_account_verify(supplier_id=supplier.pk, by=world.u.fin2), world.u.fin2


def _administrator(world):
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


def _token_create(world):
    from core.services import token_create

    return lambda: token_create(user=world.u.fin1, by=world.u.fin1), world.u.fin1


def _token_revoke(world):
    from core.services import token_create, token_revoke

    token, _ = token_create(user=world.u.fin1, by=world.u.fin1)
    return lambda: token_revoke(token=token, by=world.u.fin1), world.u.fin1


def _tokens_revoke_all(world):
    from core.services import token_create, tokens_revoke_all

    token_create(user=world.u.fin1, by=world.u.fin1)
    token_create(user=world.u.fin1, by=world.u.fin1)
    admin = _administrator(world)
    return lambda: tokens_revoke_all(user=world.u.fin1, by=admin, reason="deactivated"), admin


def _user_access_record(world):
    from django.contrib.auth.models import Group

    from core.roles import Role
    from core.services import user_access_record, user_access_snapshot

    admin, user = _administrator(world), world.u.prac_east
    before = user_access_snapshot(user)
    user.groups.add(Group.objects.get(name=Role.TEAM_MANAGER))
    return lambda: user_access_record(user_id=user.pk, by=admin, before=before), admin


def _token_expired_record(world):
    from core.services import token_expired_record

    return lambda: token_expired_record(username=world.u.fin1.username, source="auth_token"), world.u.fin1


def _role_access_record(world):
    from django.contrib.auth.models import Group, Permission

    from core.roles import Role
    from core.services import role_access_record, role_access_snapshot

    admin, group = _administrator(world), Group.objects.get(name=Role.AUDITOR)
    before = role_access_snapshot(group)
    group.permissions.add(Permission.objects.get(codename="change_payment"))
    return lambda: role_access_record(group_id=group.pk, by=admin, before=before), admin


def _team_create(world):
    admin = _administrator(world)
    purbeck = LocalityFactory(code="purbeck", name="Purbeck")
    return lambda: case_services.team_create(
        by=admin, name="Purbeck team", code="purbeck", localities=[purbeck], members=[world.u.prac_west]
    ), admin


def _team_update(world):
    admin = _administrator(world)
    people = [world.u.prac_east, world.u.prac_east2, world.u.coord]
    return lambda: case_services.team_update(team_id=world.team_east.pk, by=admin, members=people), admin


def _team_update_unchanged(world):
    admin = _administrator(world)
    return lambda: case_services.team_update(
        team_id=world.team_east.pk, by=admin, name=world.team_east.name, localities=[world.east]
    ), admin


def _sso_sign_in_args(world, roles):
    identity = case_services.CouncilIdentity(
        issuer="https://login.example/tenant/v2.0", subject="sub-prac-east", username="prac.east"
    )
    return {
        "identity": identity,
        "access": case_services.CouncilAccess(roles=frozenset(roles), teams=frozenset({"east"})),
    }


def _sso_sign_in(world):
    # An account kept by hand, linked on its first council sign-in; its groups make it a team manager too.
    args = _sso_sign_in_args(world, {"practitioner", "team_manager"})
    return lambda: case_services.sso_sign_in(**args), world.u.prac_east


def _sso_sign_in_unchanged(world):
    args = _sso_sign_in_args(world, {"practitioner"})
    case_services.sso_sign_in(**args)
    return lambda: case_services.sso_sign_in(**args), world.u.prac_east


def _approval_limit_set(world):
    admin = _administrator(world)
    return lambda: package_services.approval_limit_set(
        tier="team_manager", by=admin, max_amount=Decimal("750.00")
    ), admin


def _approval_limit_set_missing_tier(world):
    from network_packages.models import ApprovalLimit

    admin = _administrator(world)
    ApprovalLimit.objects.filter(tier="head_of_service").delete()
    return lambda: package_services.approval_limit_set(tier="head_of_service", by=admin, max_amount=None), admin


def _approval_limit_set_unchanged(world):
    admin = _administrator(world)
    return lambda: package_services.approval_limit_set(
        tier="team_manager", by=admin, max_amount=Decimal("500.00")
    ), admin


def _budget_set(world, *, before=None, amount="20000.00"):
    admin = _administrator(world)
    year = financial_year_of(_today())
    if before is not None:
        package_services.budget_set(by=admin, locality_id=world.east.pk, financial_year=year, amount=Decimal(before))
    return lambda: package_services.budget_set(
        by=admin, locality_id=world.east.pk, financial_year=year, amount=Decimal(amount)
    ), admin


def _package_end(world):
    package = scenario.package_approved(world, amount=Decimal("25.00"), frequency="weekly", instalments=2)
    return lambda: package_services.package_end(
        package_id=package.pk, by=world.u.prac_east, reason="Mum is home"
    ), world.u.prac_east


def _package_pause(world):
    package = scenario.package_approved(world, amount=Decimal("25.00"), frequency="weekly", instalments=3)
    first = package.payments.order_by("due_on").first().due_on
    return lambda: package_services.package_pause(
        package_id=package.pk,
        by=world.u.prac_east,
        pause_from=first,
        pause_to=first + datetime.timedelta(weeks=1),
        reason="In hospital",
    ), world.u.prac_east


def _payee_policy_set(world, *, cap="4000.00"):
    admin = _administrator(world)
    return lambda: package_services.payee_policy_set(
        by=admin,
        pay_kinship_carers_with_order=True,
        means_policy="not_assessed",
        checks_required="dbs_or_viability",
        annual_cap_per_payee=Decimal(cap),
    ), admin


def _payee_facts_set(world):
    case, grandmother, _ = scenario.plan_accepted(world)
    return lambda: package_services.payee_facts_set(
        member_id=grandmother.pk, by=case.lead_practitioner, date_of_birth=datetime.date(1960, 5, 1)
    ), case.lead_practitioner


def _payee_check_record(world):
    case, grandmother, _ = scenario.plan_accepted(world)
    return lambda: package_services.payee_check_record(
        member_id=grandmother.pk, by=case.lead_practitioner, kind="dbs", outcome="passed", checked_on=_today()
    ), case.lead_practitioner


ROWS: dict[str, Row] = {
    "fgdm.services.case_create": Row(_case_create, ["case_referred"]),
    "fgdm.services.case_allocate": Row(_case_allocate, ["case_allocated"]),
    "fgdm.services.case_record_consent": Row(_case_record_consent, ["consent_recorded"]),
    "fgdm.services.case_review": Row(
        _case_review_continue, ["review_continue"], variants={"close": (_case_review_close, ["case_closed"])}
    ),
    "fgdm.services.case_transfer": Row(_case_transfer, ["case_transferred"]),
    "fgdm.services.case_reassign": Row(_case_reassign, ["case_reassigned"]),
    "fgdm.services.case_change_stage": Row(_case_change_stage, ["stage_changed"]),
    "fgdm.services.case_decline": Row(_case_decline, ["referral_declined"]),
    "fgdm.services.case_close": Row(
        _case_close,
        ["case_closed"],
        variants={
            "with_package": (
                _case_close_with_package,
                ["case_closed", "package_ended", "payment_cancelled", "payment_cancelled"],
            )
        },
        why_several="the case closes and the flow's close step ends its approved package, whose payments not yet "
        "batched are cancelled: one event per object that changes (here two payments)",
    ),
    "fgdm.services.case_reopen": Row(_case_reopen, ["case_reopened"]),
    "network_packages.services.packages_close_with_case": Row(
        _packages_close_with_case,
        ["package_ended", "payment_cancelled", "payment_cancelled"],
        variants={"submitted": (_packages_close_with_case_submitted, ["package_withdrawn"])},
        why_several="each package of the case closes (here one) and each of its payments not yet batched is "
        "cancelled (here two)",
    ),
    "fgdm.services.member_add": Row(_member_add, ["member_added"]),
    "fgdm.services.case_update": Row(
        _case_update,
        ["case_updated"],
        variants={"unchanged": (_case_update_unchanged, [])},
        why_several="saving a case's details unchanged changes nothing, so it records nothing",
    ),
    "fgdm.services.child_add": Row(_child_add, ["child_added"]),
    "fgdm.services.child_update": Row(
        _child_update,
        ["child_updated"],
        variants={"birth": (_child_update_birth, ["child_born"]), "unchanged": (_child_update_unchanged, [])},
        why_several="saving a child's details unchanged changes nothing, so it records nothing",
    ),
    "fgdm.services.child_remove": Row(_child_remove, ["child_removed"]),
    "fgdm.services.member_update": Row(
        _member_update,
        ["member_updated"],
        variants={"unchanged": (_member_update_unchanged, [])},
        why_several="saving a member's details unchanged changes nothing, so it records nothing",
    ),
    "fgdm.services.member_remove": Row(_member_remove, ["member_removed"]),
    "fgdm.services.member_messages_set": Row(
        _member_messages_set,
        ["member_messages_set"],
        variants={"unchanged": (lambda world: _member_messages_set(world, messages="none"), [])},
        why_several="recording the answer already recorded changes nothing, so it records nothing",
    ),
    "family.services.family_link_issue": Row(
        _family_link_issue,
        ["family_link_issued"],
        variants={"replacing": (lambda world: _family_link_issue(world, again=True), ["family_link_issued"])},
    ),
    "family.services.family_link_revoke": Row(_family_link_revoke, ["family_link_revoked"]),
    "fgdm.services.member_exclusion_propose": Row(_member_exclusion_propose, ["member_exclusion_proposed"]),
    "fgdm.services.member_exclusion_sign_off": Row(_member_exclusion_sign_off, ["member_exclusion_signed_off"]),
    "fgdm.services.advocacy_offer_record": Row(_advocacy_offer_record, ["advocacy_offered"]),
    "fgdm.services.advocacy_offer_answer": Row(_advocacy_offer_answer, ["advocacy_answered"]),
    "fgdm.services.case_note_write": Row(_case_note_write, ["case_note_written"]),
    "fgdm.services.case_note_correct": Row(_case_note_correct, ["case_note_corrected"]),
    "fgdm.services.case_document_upload": Row(_case_document_upload, ["case_document_uploaded"]),
    "fgdm.services.case_document_upload_file": Row(_case_document_upload_file, ["case_document_uploaded"]),
    "fgdm.services.outcome_record": Row(_outcome_record, ["outcome_recorded"]),
    "fgdm.services.meeting_schedule": Row(
        _meeting_schedule,
        ["meeting_scheduled", "case_meeting_planned"],
        variants={"review": (_meeting_schedule_review, ["meeting_scheduled", "case_meeting_planned"])},
        why_several="the meeting is created and the case moves to 'meeting planned': two objects change state",
    ),
    "fgdm.services.meeting_prepare": Row(_meeting_prepare, ["meeting_prepared"]),
    "fgdm.services.meeting_record": Row(
        _meeting_record,
        ["meeting_held", "plan_agreed", "case_plan_agreed"],
        variants={
            "review": (_meeting_record_review, ["meeting_held", "plan_superseded", "plan_agreed", "case_plan_agreed"])
        },
        why_several="the meeting is held, the family's plan is created and the case moves on: three objects (a "
        "review meeting's plan also supersedes the plan in place: four)",
    ),
    "fgdm.services.meeting_reschedule": Row(_meeting_reschedule, ["meeting_rescheduled"]),
    "fgdm.services.meeting_cancel": Row(
        _meeting_cancel,
        ["meeting_cancelled", "case_meeting_cancelled"],
        why_several="the meeting is cancelled and the case goes back to mapping the network: two objects",
    ),
    "fgdm.services.meeting_reconvene": Row(
        _meeting_reconvene,
        ["meeting_reconvened", "plan_superseded", "case_meeting_planned"],
        why_several="the new meeting is created, the plan waiting for acceptance is superseded and the case moves "
        "to 'meeting planned': three objects",
    ),
    "fgdm.services.plan_accept": Row(
        _plan_accept,
        ["plan_accepted", "case_plan_accepted"],
        why_several="the plan is accepted and the case moves on: two objects",
    ),
    "fgdm.services.plan_return": Row(
        _plan_return,
        ["plan_returned", "case_plan_returned"],
        why_several="the plan is returned and the case moves back: two objects",
    ),
    "fgdm.services.plan_revise": Row(
        _plan_revise,
        ["plan_superseded", "plan_agreed", "case_plan_agreed"],
        why_several="the old plan is superseded, the new version is agreed and the case moves on: three objects",
    ),
    "process.services.task_assign": Row(_task_assign, ["task_assigned"]),
    "process.services.task_reassign": Row(_task_reassign, ["task_reassigned"]),
    "fgdm.services.conflict_declare": Row(_conflict_declare, ["conflict_declared"]),
    "notifications.services.preferences_update": Row(_preferences_update, ["notification_preferences_set"]),
    "fgdm.services.case_withdraw_consent": Row(_case_withdraw_consent, ["consent_withdrawn"]),
    "fgdm.services.case_set_bottom_lines": Row(_case_set_bottom_lines, ["bottom_lines_set"]),
    "fgdm.services.child_record_wishes": Row(_child_record_wishes, ["child_wishes_recorded"]),
    "fgdm.services.member_record_preparation": Row(_member_record_preparation, ["member_preparation"]),
    "fgdm.services.action_mark_done": Row(_action_mark_done, ["plan_action_done"]),
    "fgdm.services.pre_proceedings_record_intention": Row(_pre_proceedings_intention, ["pre_proceedings_intended"]),
    "fgdm.services.pre_proceedings_record_offer": Row(_pre_proceedings_offer, ["pre_proceedings_offered"]),
    "fgdm.services.pre_proceedings_record_answer": Row(_pre_proceedings_answer, ["pre_proceedings_answered"]),
    "fgdm.services.pre_proceedings_record_exemption": Row(_pre_proceedings_exemption, ["pre_proceedings_exempt"]),
    "fgdm.services.pre_proceedings_record_application": Row(
        _pre_proceedings_application, ["pre_proceedings_application_made"]
    ),
    "fgdm.services.reviews_escalate_overdue": Row(_reviews_escalate_overdue, ["review_escalated"]),
    "network_packages.services.package_create": Row(_package_create, ["package_drafted"]),
    "network_packages.services.agreement_record_signature": Row(_agreement_record_signature, ["agreement_signed"]),
    "network_packages.services.package_submit": Row(
        _package_submit, ["package_submitted"], variants={"returned": (_package_resubmit, ["package_submitted"])}
    ),
    "network_packages.services.package_update": Row(_package_update, ["package_updated"]),
    "network_packages.services.package_review": Row(
        _package_review,
        ["package_reviewed"],
        variants={
            "end": (
                lambda world: _package_review(world, decision="end"),
                ["package_reviewed", "package_ended", "payment_cancelled", "payment_cancelled"],
            )
        },
        why_several="a review that ends the package records the review, the package's end (package_end) and "
        "the cancelling of each payment not yet gone to the bank (here two)",
    ),
    "network_packages.services.package_approve": Row(
        _package_approve,
        ["package_approved", "payments_scheduled"],
        why_several="the case flow schedules the payments of the approved package (one event for all of them)",
        variants={"escalate": (_package_escalate, ["package_escalated"])},
    ),
    "network_packages.services.package_return": Row(_package_return, ["package_returned"]),
    "network_packages.services.package_withdraw": Row(
        _package_withdraw,
        ["package_withdrawn"],
        variants={"returned": (_package_withdraw_returned, ["package_withdrawn"])},
    ),
    "network_packages.services.package_revise": Row(_package_revise, ["package_revised"]),
    "network_packages.services.package_end": Row(
        _package_end,
        ["package_ended", "payment_cancelled", "payment_cancelled"],
        why_several="the package ends and each payment not yet gone to the bank is cancelled (here two)",
    ),
    "network_packages.services.package_pause": Row(
        _package_pause,
        ["package_paused", "payment_cancelled", "payment_cancelled"],
        why_several="the pause is recorded on the package and each payment due in it is cancelled (here two)",
    ),
    "fgdm.services.team_create": Row(_team_create, ["team_created"]),
    "fgdm.services.team_update": Row(
        _team_update,
        ["team_changed"],
        variants={"unchanged": (_team_update_unchanged, [])},
        why_several="saving a team as it is changes nothing, so it records nothing",
    ),
    "fgdm.services.sso_sign_in": Row(
        _sso_sign_in,
        ["user_access_changed"],
        variants={"unchanged": (_sso_sign_in_unchanged, [])},
        why_several="a sign-in that changes nothing records nothing",
    ),
    "network_packages.services.approval_limit_set": Row(
        _approval_limit_set,
        ["approval_limit_changed"],
        variants={
            "missing_tier": (_approval_limit_set_missing_tier, ["approval_limit_created"]),
            "unchanged": (_approval_limit_set_unchanged, []),
        },
        why_several="setting a limit to what it already is changes nothing, so it records nothing",
    ),
    "network_packages.services.payee_policy_set": Row(
        _payee_policy_set,
        ["payee_policy_changed"],
        variants={"unchanged": (lambda world: _payee_policy_set(world, cap="5000.00"), [])},
        why_several="setting the policy to what it already is changes nothing, so it records nothing",
    ),
    "network_packages.services.payee_facts_set": Row(_payee_facts_set, ["payee_facts_changed"]),
    "network_packages.services.payee_check_record": Row(_payee_check_record, ["payee_check_recorded"]),
    "network_packages.services.budget_set": Row(
        _budget_set,
        ["budget_set"],
        variants={
            "changed": (lambda world: _budget_set(world, before="15000.00"), ["budget_changed"]),
            "unchanged": (lambda world: _budget_set(world, before="20000.00"), []),
        },
        why_several="setting a budget to what it already is changes nothing, so it records nothing",
    ),
    "payments.services.bank_account_set": Row(_bank_account_set, ["bank_details_entered"]),
    "payments.services.bank_account_verify": Row(_bank_account_verify, ["bank_details_verified"]),
    "network_packages.services.supplier_create": Row(_supplier_create, ["supplier_added"]),
    "network_packages.services.supplier_update": Row(
        _supplier_update,
        ["supplier_changed"],
        variants={"unchanged": (_supplier_update_unchanged, [])},
        why_several="saving a supplier's details unchanged changes nothing, so it records nothing",
    ),
    "payments.services.supplier_bank_account_set": Row(_supplier_bank_account_set, ["bank_details_entered"]),
    "payments.services.supplier_bank_account_verify": Row(_supplier_bank_account_verify, ["bank_details_verified"]),
    "payments.services.payment_authorise": Row(_payment_authorise, ["payment_authorised"]),
    "payments.services.payments_authorise_many": Row(
        _payments_authorise_many,
        ["payment_authorised", "payment_authorised"],
        why_several="each payment is authorised on its own: one event per payment (here two instalments)",
    ),
    "payments.services.payments_schedule": Row(_payments_schedule, ["payments_scheduled"]),
    "payments.services.payments_cancel_unpaid": Row(
        _payments_cancel_unpaid,
        ["payment_cancelled", "payment_cancelled"],
        why_several="each cancelled payment changes state: one event per payment (here two instalments)",
    ),
    "payments.services.payments_pause": Row(
        _payments_pause,
        ["payment_cancelled", "payment_cancelled"],
        why_several="each cancelled payment changes state: one event per payment (here the two in the pause)",
    ),
    "payments.services.batch_create": Row(
        _batch_create,
        ["payment_batched", "payment_batched", "batch_created"],
        why_several="each payment moves to 'batched' (one event each, here two) and the batch is created",
    ),
    "payments.services.batch_approve": Row(_batch_approve, ["batch_approved"]),
    "payments.services.batch_export": Row(
        _batch_export, ["batch_exported"], variants={"again": (_batch_export_again, ["batch_downloaded"])}
    ),
    "payments.services.batch_export_file": Row(
        _batch_export_file,
        ["batch_exported"],
        variants={"another_format": (_batch_export_file_other_format, ["batch_exported_again"])},
    ),
    "payments.services.payment_cancel": Row(_payment_cancel, ["payment_cancelled"]),
    "payments.services.returns_import": Row(
        _returns_import,
        ["payment_returned", "payment_reopened", "returns_imported"],
        why_several="each returned payment moves to 'returned' and then is reopened (two state changes of the "
        "payment, here one payment), and the returns file is recorded as imported",
    ),
    "payments.services.batch_confirm": Row(
        _batch_confirm,
        ["payment_paid", "payment_paid", "batch_confirmed"],
        why_several="each payment moves to 'paid' (one event each, here two) and the batch is confirmed",
    ),
    "audit.services.record_event": Row(_record_event, ["note"]),
    "core.services.token_create": Row(_token_create, ["token_created"]),
    "core.services.token_revoke": Row(_token_revoke, ["token_revoked"]),
    "core.services.tokens_revoke_all": Row(_tokens_revoke_all, ["tokens_revoked"]),
    "core.services.user_access_record": Row(_user_access_record, ["user_access_changed"]),
    "core.services.token_expired_record": Row(_token_expired_record, ["token_expired"]),
    "core.services.role_access_record": Row(_role_access_record, ["role_access_changed"]),
    "audit.services.legal_hold_place": Row(_legal_hold_place, ["legal_hold_placed"]),
    "audit.services.legal_hold_release": Row(_legal_hold_release, ["legal_hold_released"]),
    "audit.services.looked_after_mark": Row(_looked_after_mark, ["looked_after_marked"]),
    "core.sar_services.sar_log": Row(_sar_log, ["sar_received"]),
    "core.sar_services.sar_record_id_check": Row(_sar_record_id_check, ["sar_id_checked"]),
    "core.sar_services.sar_extend": Row(_sar_extend, ["sar_extended"]),
    "core.sar_services.sar_gather": Row(
        _sar_gather,
        ["sar_items_gathered"],
        access_logs=1,
        why_several="gathering reads everything held about the subject: the read is in the access log",
    ),
    "core.sar_services.sar_item_decide": Row(_sar_item_decide, ["sar_item_decided"]),
    "core.sar_services.sar_complete": Row(_sar_complete, ["sar_completed"]),
    "core.sar_services.sar_refuse": Row(_sar_refuse, ["sar_refused"]),
    "audit.services.record_access": Row(
        _record_access,
        [],
        access_logs=1,
        why_several="a read, not a state change: it writes one access-log record and no domain event",
    ),
}


def _decide_check(world):
    package = scenario.package_submitted(world)
    return lambda: package_services.ensure_can_decide(world.u.tm_east, package)


def _batch_approve_check(world):
    scenario.payments_authorised(world)
    batch = payment_services.batch_create(by=world.u.fin1)
    return lambda: payment_services.ensure_can_approve_batch(world.u.fin2, batch)


# Public functions that change nothing (lookups and calculations): `setup(world)` returns the call,
# which must write nothing at all.
READS_ONLY: dict[str, Callable] = {
    # The checks pages ask before offering a button (the services make the same check on the write).
    "network_packages.services.ensure_can_decide": lambda world: _decide_check(world),
    "payments.services.ensure_can_approve_batch": lambda world: _batch_approve_check(world),
    "fgdm.services.duty_commencement": lambda world: case_services.duty_commencement,
    "fgdm.services.duty_in_force": lambda world: lambda: case_services.duty_in_force(_today()),
    "fgdm.services.duty_position": lambda world: (
        lambda record: lambda: case_services.duty_position(record, on=_today())
    )(
        case_services.pre_proceedings_record_intention(
            case_id=_pre_proceedings_case(world).pk, by=world.u.prac_east, order_kind="care", intended_on=_today()
        )
    ),
    "core.sar_services.sar_deadline": lambda world: lambda: sar_services.sar_deadline(datetime.date(2026, 11, 25)),
    "core.sar_services.sar_scope": lambda world: lambda: list(sar_services.sar_scope(world.u.auditor)),
    "core.sar_services.sar_list": lambda world: lambda: sar_services.sar_list(user=world.u.auditor),
    "audit.services.request_actor": lambda world: audit_services.request_actor,
    "audit.services.actor_of": lambda world: lambda: audit_services.actor_of(world.u.tm_east),
    "audit.services.write_origin": lambda world: audit_services.write_origin,
    "core.services.token_lifetime": lambda world: core_services.token_lifetime,
    "core.services.user_access_snapshot": lambda world: lambda: core_services.user_access_snapshot(world.u.fin1),
    "core.services.role_access_snapshot": lambda world: (
        lambda: core_services.role_access_snapshot(Group.objects.first())
    ),
    "fgdm.services.practitioner_by_username": lambda world: lambda: case_services.practitioner_by_username("prac.east"),
    "fgdm.services.working_days_between": lambda world: (
        lambda: case_services.working_days_between(datetime.date(2026, 11, 20), datetime.date(2026, 11, 23))
    ),
    "fgdm.services.ensure_born": lambda world: lambda: case_services.ensure_born(datetime.date(2020, 1, 1)),
    "fgdm.services.ensure_may_change_stage": lambda world: (
        lambda case: lambda: case_services.ensure_may_change_stage(world.u.tm_east, case)
    )(scenario.allocated(world)),
    "fgdm.services.ensure_may_decline": lambda world: (
        lambda case: lambda: case_services.ensure_may_decline(world.u.tm_east, case)
    )(scenario.referral(world)),
    "fgdm.services.ensure_may_close": lambda world: (
        lambda case: lambda: case_services.ensure_may_close(world.u.prac_east, case)
    )(scenario.allocated(world)),
    "fgdm.services.ensure_may_reopen": lambda world: (
        lambda case: lambda: case_services.ensure_may_reopen(world.u.tm_east, case)
    )(case_services.case_close(case_id=scenario.allocated(world).pk, by=world.u.tm_east, reason="needs_met")),
    "fgdm.services.ensure_may_propose_exclusion": lambda world: (
        lambda member: lambda: case_services.ensure_may_propose_exclusion(world.u.prac_east, member)
    )(scenario.with_network(world)[1]),
    "fgdm.services.ensure_may_sign_off_exclusion": lambda world: (
        lambda member: lambda: case_services.ensure_may_sign_off_exclusion(world.u.tm_east, member)
    )(_proposed_exclusion(world)),
    "fgdm.services.ensure_may_record_outcome": lambda world: (
        lambda outcome: lambda: case_services.ensure_may_record_outcome(world.u.prac_east, outcome)
    )(_closure_outcome(world)),
    "fgdm.services.outcome_due_on": lambda world: (
        lambda: case_services.outcome_due_on(datetime.date(2026, 8, 31), "six_months")
    ),
    "fgdm.services.reopen_until": lambda world: (lambda case: lambda: case_services.reopen_until(case))(
        case_services.case_close(case_id=scenario.allocated(world).pk, by=world.u.tm_east, reason="needs_met")
    ),
    "fgdm.services.resume_status": lambda world: (lambda case: lambda: case_services.resume_status(case))(
        scenario.allocated(world)
    ),
    "fgdm.services.arranged_meeting": lambda world: (lambda case: lambda: case_services.arranged_meeting(case))(
        scenario.allocated(world)
    ),
    "fgdm.services.ensure_meeting_date": lambda world: lambda: case_services.ensure_meeting_date(_in_days(3)),
    "fgdm.services.ensure_may_arrange": lambda world: (
        lambda case: lambda: case_services.ensure_may_arrange(world.u.prac_east, case)
    )(scenario.with_network(world)[0]),
    "fgdm.services.ensure_may_reschedule": lambda world: (
        lambda meeting: lambda: case_services.ensure_may_reschedule(world.u.coord, meeting)
    )(_fgc_scheduled(world)[2]),
    "fgdm.services.ensure_may_cancel": lambda world: (
        lambda meeting: lambda: case_services.ensure_may_cancel(world.u.coord, meeting)
    )(_fgc_scheduled(world)[2]),
    "fgdm.services.ensure_may_reconvene": lambda world: (
        lambda plan: lambda: case_services.ensure_may_reconvene(world.u.prac_east, plan.meeting)
    )(scenario.meeting_held(world)[2]),
    "fgdm.services.ensure_child_details": lambda world: (
        lambda: case_services.ensure_child_details(
            first_name="", last_name="Hardy", date_of_birth=None, expected_on=_today() + datetime.timedelta(weeks=8)
        )
    ),
    "network_packages.services.required_tier": lambda world: lambda: package_services.required_tier(Decimal("10.00")),
    "network_packages.services.payee_rules_refusals": lambda world: (
        lambda package: lambda: package_services.payee_rules_refusals(package)
    )(scenario.package_submitted(world)),
    "network_packages.services.approver_limit": lambda world: lambda: package_services.approver_limit(world.u.tm_east),
    "network_packages.services.package_is_editable": lambda world: (
        lambda package: lambda: package_services.package_is_editable(package)
    )(scenario.package_submitted(world)),
    "payments.services.normalise_sort_code": lambda world: lambda: payment_services.normalise_sort_code("40-00-00"),
    "payments.services.instalment_dates": lambda world: (
        lambda: payment_services.instalment_dates(datetime.date(2026, 1, 31), "monthly", 3)
    ),
    "payments.services.payment_period": lambda world: (
        lambda package: lambda: payment_services.payment_period(package.payments.first())
    )(scenario.package_approved(world)),
    "payments.services.find_duplicates": lambda world: (
        lambda package: lambda: payment_services.find_duplicates(list(package.payments.all()))
    )(scenario.package_approved(world)),
    "payments.services.payments_waiting_authorisation": lambda world: (
        lambda package: lambda: payment_services.payments_waiting_authorisation(package=package)
    )(scenario.package_approved(world)),
    "payments.services.parse_returns_file": lambda world: (
        lambda: payment_services.parse_returns_file(
            b"reference,amount,returned_on,reason_code,reason\r\nFNSP00000001,1.00,2026-04-01,X,Closed\r\n"
        )
    ),
}


def discovered_services() -> list[str]:
    names = []
    for module_name in SERVICE_MODULES:
        # A services package (split by aggregate) is read module by module; a function is named by
        # the package clients import it from ("fgdm.services.case_create").
        package = importlib.import_module(module_name)
        modules = [package]
        if hasattr(package, "__path__"):
            modules += [
                importlib.import_module(f"{module_name}.{m.name}") for m in pkgutil.iter_modules(package.__path__)
            ]
        for module in modules:
            for name, function in inspect.getmembers(module, inspect.isfunction):
                if function.__module__ == module.__name__ and not name.startswith("_"):
                    names.append(f"{module_name}.{name}")
    return sorted(set(names))


def test_every_service_has_a_row():
    found = discovered_services()
    assert len(found) > 30
    missing = [name for name in found if name not in ROWS and name not in READS_ONLY]
    assert missing == [], f"add a row to ROWS (or READS_ONLY) for: {missing}"
    stale = sorted((set(ROWS) | set(READS_ONLY)) - set(found))
    assert stale == [], f"these rows name no service any more: {stale}"


def test_several_events_always_say_why():
    for name, row in ROWS.items():
        for variant, (_, events) in {"": (row.setup, row.events), **row.variants}.items():
            if len(events) != 1:
                assert row.why_several, f"{name} {variant}: {len(events)} events need a reason"


def _cases():
    for name, row in sorted(ROWS.items()):
        yield pytest.param(row.setup, row.events, row.access_logs, id=name.split(".")[-1])
        for variant, (setup, events) in row.variants.items():
            yield pytest.param(setup, events, 0, id=f"{name.split('.')[-1]}-{variant}")


@pytest.mark.django_db
@pytest.mark.parametrize("setup, events, access_logs", list(_cases()))
def test_service_leaves_its_events(world, setup, events, access_logs):
    call, actor = setup(world)
    last_event = DomainEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    last_access = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
    call()
    written = list(DomainEvent.objects.filter(id__gt=last_event).order_by("id"))
    assert [e.action for e in written] == events
    assert all(e.actor_id == actor.pk and e.actor_username == actor.get_username() for e in written), [
        (e.action, e.actor_username) for e in written
    ]
    assert all(e.object_id is not None and e.object_type for e in written)
    reads = list(AccessLog.objects.filter(id__gt=last_access))
    assert len(reads) == access_logs
    assert all(r.actor_id == actor.pk for r in reads)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(READS_ONLY))
def test_read_only_helpers_write_nothing(world, name):
    from audit.models import LogEntry

    call = READS_ONLY[name](world)
    before = (DomainEvent.objects.count(), AccessLog.objects.count(), LogEntry.objects.count())
    call()
    assert (DomainEvent.objects.count(), AccessLog.objects.count(), LogEntry.objects.count()) == before
