"""Every write and state change on the case side: cases, network, meetings and plans.

Each service locks what it changes, checks the rules, changes it, records one domain event
and moves the case's workflow task on. Pages and the API call these, nothing else writes.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from core import workflow
from core.exceptions import ConsentWithdrawn, InvalidTransition, NotPermitted, RuleBroken, ensure_transition
from core.roles import Role, has_role
from core.workflow import reassign_open_tasks
from fgdm.constants import (
    CASE_TRANSITIONS,
    MEETING_TRANSITIONS,
    PLAN_TRANSITIONS,
    PRE_PROCEEDINGS_TRANSITIONS,
    ActionStatus,
    ApplicationBasis,
    CaseStatus,
    ChildParticipation,
    MeetingModel,
    MeetingStatus,
    Outcome,
    PlanStatus,
    PreparationStatus,
    PreProceedingsStatus,
    Relationship,
    Stage,
)
from fgdm.models import (
    Case,
    Child,
    DeclaredConflict,
    FamilyHub,
    FamilyPlan,
    Locality,
    Meeting,
    NetworkMember,
    PlanAction,
    PreProceedings,
    Team,
)
from fgdm.permissions import ensure_can_manage_case, ensure_can_work_case
from fgdm.visibility import grant_case_access, revoke_case_access


@dataclass(frozen=True)
class ChildInput:
    first_name: str
    last_name: str
    date_of_birth: datetime.date
    wishes_and_feelings: str = ""
    participation: str = ""


@dataclass(frozen=True)
class ActionInput:
    description: str
    owner_member_id: int | None = None
    owner_text: str = ""
    due_by: datetime.date | None = None
    checked_by: str = ""


def _lock_case(case_id: int) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("process", "team").get(pk=case_id)


def _move_case(case: Case, target: str, *, by, reason: str = "") -> None:
    ensure_transition(case.status, target, CASE_TRANSITIONS, label="case")
    previous = case.status
    case.status = target
    case.save(update_fields=["status", "updated_at"])
    record_event(
        obj=case, action=f"case_{target}", by=by, case_id=case.pk, from_state=previous, to_state=target, reason=reason
    )


def ensure_born(date_of_birth: datetime.date | None) -> None:
    """A child's date of birth is today or in the past (an unborn child is not yet a child of the case).

    Raises RuleBroken on the date of birth.
    """
    if date_of_birth is not None and date_of_birth > timezone.localdate():
        raise RuleBroken("The date of birth must be today or in the past.", field="date_of_birth")


@transaction.atomic
def case_create(
    *,
    by,
    family_name: str,
    locality: Locality,
    stage: str,
    referral_reason: str,
    children: list[ChildInput],
    hub: FamilyHub | None = None,
    child_lives_with: str = "",
    consent_given_by: str = "",
) -> Case:
    """Record a referral and start the case flow.

    The case goes to the team serving the locality (the referrer's own, if they are in one).
    Raises NotPermitted (not a practitioner or manager), RuleBroken (no child, no team, bad hub).
    """
    if not (has_role(by, Role.PRACTITIONER) or has_role(by, Role.TEAM_MANAGER)):
        raise NotPermitted("Only practitioners and team managers can open a referral.")
    if not children:
        raise RuleBroken("A referral needs at least one child.", field="children")
    for child in children:
        ensure_born(child.date_of_birth)
    if stage not in Stage.values:
        raise RuleBroken(f"Unknown stage “{stage}”.", field="stage")
    if hub is not None and hub.locality_id != locality.pk:
        raise RuleBroken("That family hub is in another locality.", field="hub")
    teams = Team.objects.filter(localities=locality).order_by("id")
    team = teams.filter(members=by).first() or teams.filter(managers=by).first() or teams.first()
    if team is None:
        raise RuleBroken("No team serves that locality yet.", field="locality")
    today = timezone.localdate()
    case = Case.objects.create(
        reference=f"tmp-{uuid.uuid4().hex[:16]}",
        family_name=family_name.strip(),
        locality=locality,
        hub=hub,
        team=team,
        referred_by=by,
        stage=stage,
        referral_reason=referral_reason.strip(),
        child_lives_with=child_lives_with,
        opened_on=today,
        consent_to_refer=bool(consent_given_by),
        consent_to_share=bool(consent_given_by),
        consent_given_by=consent_given_by,
        consent_recorded_at=timezone.now() if consent_given_by else None,
    )
    case.reference = f"FGDM-{today.year}-{case.pk:06d}"
    case.save(update_fields=["reference"])
    for child in children:
        if child.participation and child.participation not in ChildParticipation.values:
            raise RuleBroken(f"Unknown way of taking part “{child.participation}”.", field="children")
        recorded = bool(child.wishes_and_feelings.strip())
        Child.objects.create(
            case=case,
            **child.__dict__,
            wishes_recorded_at=timezone.now() if recorded else None,
            wishes_recorded_by=by if recorded else None,
        )
    record_event(obj=case, action="case_referred", by=by, case_id=case.pk, to_state=case.status)
    workflow.start(case=case)
    case.refresh_from_db()
    return case


@transaction.atomic
def case_allocate(*, case_id: int, by, lead_practitioner) -> Case:
    """A manager names the family help lead practitioner.

    Raises NotPermitted (not a manager of the case; lead not a practitioner of its team),
    InvalidTransition (already allocated).
    """
    case = _lock_case(case_id)
    ensure_can_manage_case(by, case)
    if (
        not has_role(lead_practitioner, Role.PRACTITIONER)
        or not case.team.members.filter(pk=lead_practitioner.pk).exists()
    ):
        raise RuleBroken("The lead practitioner must be a practitioner in the case's team.", field="lead_practitioner")
    ensure_transition(case.status, CaseStatus.ALLOCATED, CASE_TRANSITIONS, label="case")
    case.lead_practitioner = lead_practitioner
    case.save(update_fields=["lead_practitioner", "updated_at"])
    grant_case_access(lead_practitioner, case, "work_case")
    _move_case(case, CaseStatus.ALLOCATED, by=by, reason=f"Lead practitioner: {lead_practitioner.get_username()}")
    workflow.advance(process=case.process, action="case_allocated", by=by)
    return case


@transaction.atomic
def case_record_consent(*, case_id: int, by, given_by: str, to_refer: bool = True, to_share: bool = True) -> Case:
    """Record who consented to the referral and to sharing information, and when.

    Consent given again after a withdrawal starts a new consent (the withdrawal stays in the trail).
    Raises RuleBroken (nobody named, nothing consented to), InvalidTransition (closed case).
    """
    case = _lock_case(case_id)
    ensure_can_work_case(by, case)
    if case.status == CaseStatus.CLOSED:
        raise InvalidTransition("The case is closed.")
    if not given_by.strip():
        raise RuleBroken("Say who gave consent.", field="given_by")
    if not (to_refer or to_share):
        raise RuleBroken("Record consent to the referral, to sharing information, or both.", field="to_share")
    case.consent_to_refer = to_refer
    case.consent_to_share = to_share
    case.consent_given_by = given_by.strip()
    case.consent_recorded_at = timezone.now()
    case.consent_withdrawn_at = None
    case.consent_withdrawn_by = ""
    case.save(
        update_fields=[
            "consent_to_refer",
            "consent_to_share",
            "consent_given_by",
            "consent_recorded_at",
            "consent_withdrawn_at",
            "consent_withdrawn_by",
            "updated_at",
        ]
    )
    record_event(
        obj=case,
        action="consent_recorded",
        by=by,
        case_id=case.pk,
        reason=case.consent_given_by,
        changes={"to_refer": to_refer, "to_share": to_share},
    )
    return case


@transaction.atomic
def case_withdraw_consent(*, case_id: int, by, withdrawn_by: str, reason: str = "") -> Case:
    """Record that the family withdrew consent to share information. From then on every step that
    shares information with the network (arranging, preparing, holding the meeting) is refused.

    Raises RuleBroken (nobody named), InvalidTransition (no consent to withdraw; closed case).
    """
    case = _lock_case(case_id)
    ensure_can_work_case(by, case)
    if case.status == CaseStatus.CLOSED:
        raise InvalidTransition("The case is closed.")
    if not withdrawn_by.strip():
        raise RuleBroken("Say who withdrew consent.", field="withdrawn_by")
    if not case.consent_to_share:
        raise InvalidTransition("There is no consent to share information to withdraw.")
    case.consent_to_share = False
    case.consent_withdrawn_at = timezone.now()
    case.consent_withdrawn_by = withdrawn_by.strip()
    case.save(update_fields=["consent_to_share", "consent_withdrawn_at", "consent_withdrawn_by", "updated_at"])
    record_event(
        obj=case,
        action="consent_withdrawn",
        by=by,
        case_id=case.pk,
        reason=f"{case.consent_withdrawn_by}: {reason.strip()}" if reason.strip() else case.consent_withdrawn_by,
    )
    return case


def _ensure_may_share(case: Case) -> None:
    """Steps that share information with the family network need the family's consent to share.

    Raises ConsentWithdrawn (409) after a withdrawal, RuleBroken when consent was never recorded.
    """
    if case.consent_to_share:
        return
    if case.consent_withdrawn_at:
        raise ConsentWithdrawn(
            f"{case.consent_withdrawn_by} withdrew consent to share information on "
            f"{timezone.localtime(case.consent_withdrawn_at):%-d %B %Y}: nothing more can be shared with the "
            "family network unless consent is given again."
        )
    raise RuleBroken("Record the family's consent to the referral and to sharing information first.")


@transaction.atomic
def case_set_bottom_lines(*, case_id: int, by, bottom_lines: str) -> Case:
    """The referrer's bottom lines: what any plan must achieve for the child to be safe.

    Raises RuleBroken (empty), InvalidTransition (closed case; a plan was already agreed).
    """
    case = _lock_case(case_id)
    ensure_can_work_case(by, case)
    if case.status in (CaseStatus.CLOSED,):
        raise InvalidTransition("The case is closed.")
    if not bottom_lines.strip():
        raise RuleBroken("Say what a safe plan must achieve.", field="bottom_lines")
    previous = case.bottom_lines
    case.bottom_lines = bottom_lines.strip()
    case.bottom_lines_set_by = by
    case.save(update_fields=["bottom_lines", "bottom_lines_set_by", "updated_at"])
    record_event(
        obj=case,
        action="bottom_lines_set",
        by=by,
        case_id=case.pk,
        changes={"bottom_lines": [previous or None, case.bottom_lines]},
    )
    return case


@transaction.atomic
def child_record_wishes(
    *, child_id: int, by, wishes_and_feelings: str, participation: str, participation_detail: str = ""
) -> Child:
    """The child's wishes and feelings and how they will take part (Children Act 1989 s17(4A)).

    Raises RuleBroken (nothing written; unknown way of taking part; someone/advocate not named).
    """
    child = Child.objects.select_for_update().get(pk=child_id)
    case = _lock_case(child.case_id)
    ensure_can_work_case(by, case)
    if case.status == CaseStatus.CLOSED:
        raise InvalidTransition("The case is closed.")
    if not wishes_and_feelings.strip():
        raise RuleBroken(
            "Write down the child's wishes and feelings, in their words where you can.", field="wishes_and_feelings"
        )
    if participation not in ChildParticipation.values:
        raise RuleBroken("Choose how the child will take part.", field="participation")
    if (
        participation in (ChildParticipation.SENDS_SOMEONE, ChildParticipation.ADVOCATE)
        and not participation_detail.strip()
    ):
        raise RuleBroken("Name who will speak for the child.", field="participation_detail")
    child.wishes_and_feelings = wishes_and_feelings.strip()
    child.participation = participation
    child.participation_detail = participation_detail.strip()
    child.wishes_recorded_at = timezone.now()
    child.wishes_recorded_by = by
    child.save()
    record_event(
        obj=child, action="child_wishes_recorded", by=by, case_id=case.pk, changes={"participation": participation}
    )
    return child


def _ensure_children_heard(case: Case) -> None:
    """Before a decision about services, every child's wishes and feelings are on record.

    Raises RuleBroken naming the children not heard yet.
    """
    missing = [f"{c.first_name} {c.last_name}" for c in case.children.all() if not c.wishes_and_feelings.strip()]
    if missing:
        raise RuleBroken(
            "Record the wishes and feelings of " + ", ".join(missing) + " before deciding.", field="children"
        )


@transaction.atomic
def member_add(
    *,
    case_id: int,
    by,
    full_name: str,
    relationship: str,
    is_parent: bool = False,
    has_parental_responsibility: bool = False,
    lives_with_child: bool = False,
    phone: str = "",
    email: str = "",
    address: str = "",
) -> NetworkMember:
    """Add someone the family names to the network. Raises RuleBroken for a contradictory parent flag."""
    case = _lock_case(case_id)
    ensure_can_work_case(by, case)
    if case.status == CaseStatus.CLOSED:
        raise InvalidTransition("The case is closed.")
    if relationship == Relationship.PARENT and not is_parent:
        raise RuleBroken("A network member recorded as a parent must be marked as a parent.", field="is_parent")
    member = NetworkMember.objects.create(
        case=case,
        full_name=full_name.strip(),
        relationship=relationship,
        is_parent=is_parent,
        has_parental_responsibility=has_parental_responsibility,
        lives_with_child=lives_with_child,
        phone=phone,
        email=email,
        address=address,
        added_by=by,
    )
    record_event(obj=member, action="member_added", by=by, case_id=case.pk)
    return member


@transaction.atomic
def meeting_schedule(
    *,
    case_id: int,
    by,
    model: str,
    scheduled_for: datetime.datetime,
    venue: str,
    coordinator=None,
    bottom_lines: str = "",
    coordinator_request: str = "",
) -> Meeting:
    """Arrange the family meeting: this is the FNM-or-FGC decision of the flow.

    Raises RuleBroken (no consent; FGC without an independent coordinator; pre-proceedings not FGC),
    InvalidTransition (the case is not at the network-mapping step).
    """
    case = _lock_case(case_id)
    ensure_can_work_case(by, case)
    ensure_transition(case.status, CaseStatus.MEETING_PLANNED, CASE_TRANSITIONS, label="case")
    _ensure_may_share(case)
    if model not in MeetingModel.values:
        raise RuleBroken(f"Unknown meeting model “{model}”.", field="model")
    if case.stage == Stage.PRE_PROCEEDINGS and model != MeetingModel.FGC:
        raise RuleBroken("At pre-proceedings the meeting must be a Family Group Conference.", field="model")
    if model == MeetingModel.FGC:
        if coordinator is None:
            raise RuleBroken("A Family Group Conference needs an independent coordinator.", field="coordinator")
        if not has_role(coordinator, Role.COORDINATOR):
            raise RuleBroken("The coordinator must be an FGC coordinator.", field="coordinator")
        if coordinator.pk in (case.lead_practitioner_id, by.pk) or case.team.members.filter(pk=coordinator.pk).exists():
            raise RuleBroken("The coordinator must be independent of the case's practitioner.", field="coordinator")
    else:
        coordinator = None
        if coordinator_request.strip():
            raise RuleBroken(
                "A coordinator is asked for only for a Family Group Conference.", field="coordinator_request"
            )
    meeting = Meeting.objects.create(
        case=case,
        model=model,
        scheduled_for=scheduled_for,
        venue=venue.strip(),
        coordinator=coordinator,
        bottom_lines=bottom_lines.strip() or case.bottom_lines,
        coordinator_request=coordinator_request.strip(),
    )
    if coordinator is not None:
        grant_case_access(coordinator, case, "coordinate_conference")
    record_event(
        obj=meeting,
        action="meeting_scheduled",
        by=by,
        case_id=case.pk,
        to_state=meeting.status,
        changes={"model": model, "scheduled_for": scheduled_for.isoformat()},
    )
    _move_case(case, CaseStatus.MEETING_PLANNED, by=by)
    workflow.advance(process=case.process, action="meeting_arranged", by=by)
    return meeting


def _lock_meeting(meeting_id: int) -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting_id)
    meeting.case = _lock_case(meeting.case_id)
    return meeting


def _ensure_runs_meeting(by, meeting: Meeting) -> None:
    if meeting.model == MeetingModel.FGC:
        if meeting.coordinator_id != by.pk:
            raise NotPermitted("Only the conference's coordinator can do this.")
    else:
        ensure_can_work_case(by, meeting.case)


@transaction.atomic
def meeting_prepare(*, meeting_id: int, by) -> Meeting:
    """The coordinator has prepared the network for the conference."""
    meeting = _lock_meeting(meeting_id)
    if meeting.model != MeetingModel.FGC:
        raise InvalidTransition("Only a Family Group Conference has a preparation step.")
    _ensure_runs_meeting(by, meeting)
    ensure_transition(meeting.status, MeetingStatus.PREPARED, MEETING_TRANSITIONS, label="meeting")
    _ensure_may_share(meeting.case)
    waiting = [
        m.full_name
        for m in meeting.case.network_members.all()
        if m.preparation_status in (PreparationStatus.NOT_CONTACTED, PreparationStatus.CONTACTED)
    ]
    if waiting:
        raise RuleBroken(
            "Prepare, invite or record the decision for everyone in the network first: " + ", ".join(waiting) + ".",
            field="members",
        )
    meeting.status = MeetingStatus.PREPARED
    meeting.prepared_at = timezone.now()
    meeting.save(update_fields=["status", "prepared_at"])
    record_event(
        obj=meeting,
        action="meeting_prepared",
        by=by,
        case_id=meeting.case_id,
        from_state=MeetingStatus.SCHEDULED,
        to_state=meeting.status,
    )
    workflow.advance(process=meeting.case.process, action="network_prepared", by=by)
    return meeting


def _create_plan(
    *,
    case: Case,
    meeting: Meeting,
    actions: list[ActionInput],
    contingency: str,
    review_by: datetime.date,
    agreed_on: datetime.date,
    monitoring: str = "",
) -> FamilyPlan:
    if not actions:
        raise RuleBroken("A plan needs at least one action.", field="plan")
    if review_by <= agreed_on:
        raise RuleBroken("The review date must be after the meeting.", field="review_by")
    members = {m.pk: m for m in case.network_members.all()}
    for index, action in enumerate(actions):
        if action.owner_member_id is not None and action.owner_member_id not in members:
            raise RuleBroken(f"Action {index + 1}: the owner is not in this family's network.", field="actions")
        if action.owner_member_id is None and not action.owner_text.strip():
            raise RuleBroken(f"Action {index + 1}: say who will do it.", field="actions")
    latest = case.plans.order_by("-version").first()
    plan = FamilyPlan.objects.create(
        case=case,
        meeting=meeting,
        version=(latest.version + 1) if latest else 1,
        contingency=contingency,
        review_by=review_by,
        agreed_on=agreed_on,
        monitoring=monitoring.strip(),
    )
    PlanAction.objects.bulk_create(
        PlanAction(
            plan=plan,
            description=a.description.strip(),
            owner_member_id=a.owner_member_id,
            owner_text=a.owner_text.strip(),
            due_by=a.due_by,
            checked_by=a.checked_by.strip(),
        )
        for a in actions
    )
    return plan


@transaction.atomic
def meeting_record(
    *,
    meeting_id: int,
    by,
    held_on: datetime.date,
    attendees: str,
    private_family_time: bool,
    actions: list[ActionInput],
    contingency: str,
    review_by: datetime.date,
    child_participation: str = "",
    information_shared: str = "",
    private_family_time_minutes: int | None = None,
    monitoring: str = "",
) -> FamilyPlan:
    """Record the meeting as held and the plan the family agreed.

    Raises NotPermitted (FGC: not its coordinator), InvalidTransition (already held; FGC not
    prepared), RuleBroken (date in the future, plan without actions, review date not after).
    """
    meeting = _lock_meeting(meeting_id)
    case = meeting.case
    _ensure_runs_meeting(by, meeting)
    if meeting.model == MeetingModel.FGC and meeting.status != MeetingStatus.PREPARED:
        raise InvalidTransition("The coordinator has not finished preparing the network yet.")
    ensure_transition(meeting.status, MeetingStatus.HELD, MEETING_TRANSITIONS, label="meeting")
    if held_on > timezone.localdate():
        raise RuleBroken("A meeting cannot be recorded as held in the future.", field="held_on")
    if meeting.model == MeetingModel.FGC and not private_family_time:
        raise RuleBroken("A Family Group Conference includes private family time.", field="private_family_time")
    if private_family_time_minutes is not None and (not private_family_time or private_family_time_minutes <= 0):
        raise RuleBroken(
            "Private family time lasts some minutes, and only if the family had it.",
            field="private_family_time_minutes",
        )
    _ensure_may_share(case)
    previous = meeting.status
    meeting.status = MeetingStatus.HELD
    meeting.held_on = held_on
    meeting.attendees = attendees
    meeting.private_family_time = private_family_time
    meeting.child_participation = child_participation
    meeting.information_shared = information_shared.strip()
    meeting.private_family_time_minutes = private_family_time_minutes
    meeting.recorded_by = by
    meeting.save()
    plan = _create_plan(
        case=case,
        meeting=meeting,
        actions=actions,
        contingency=contingency,
        review_by=review_by,
        agreed_on=held_on,
        monitoring=monitoring,
    )
    record_event(
        obj=meeting, action="meeting_held", by=by, case_id=case.pk, from_state=previous, to_state=meeting.status
    )
    record_event(obj=plan, action="plan_agreed", by=by, case_id=case.pk, to_state=plan.status)
    _move_case(case, CaseStatus.PLAN_AGREED, by=by)
    workflow.advance(process=case.process, action="meeting_held", by=by)
    return plan


def _lock_plan(plan_id: int) -> FamilyPlan:
    plan = FamilyPlan.objects.select_for_update().get(pk=plan_id)
    plan.case = _lock_case(plan.case_id)
    return plan


@transaction.atomic
def plan_accept(*, plan_id: int, by, support_needed: bool = True) -> FamilyPlan:
    """The practitioner accepts the family's plan; says whether a support package is needed."""
    plan = _lock_plan(plan_id)
    case = plan.case
    ensure_can_work_case(by, case)
    ensure_transition(plan.status, PlanStatus.ACCEPTED, PLAN_TRANSITIONS, label="plan")
    _ensure_children_heard(case)
    plan.status = PlanStatus.ACCEPTED
    plan.decided_by = by
    plan.decided_at = timezone.now()
    plan.save(update_fields=["status", "decided_by", "decided_at"])
    case.support_needed = support_needed
    case.save(update_fields=["support_needed", "updated_at"])
    record_event(
        obj=plan,
        action="plan_accepted",
        by=by,
        case_id=case.pk,
        from_state=PlanStatus.AGREED,
        to_state=plan.status,
        changes={"support_needed": support_needed},
    )
    _move_case(case, CaseStatus.PLAN_ACCEPTED, by=by)
    workflow.advance(process=case.process, action="plan_accepted", by=by)
    return plan


@transaction.atomic
def plan_return(*, plan_id: int, by, reason: str) -> FamilyPlan:
    """Return the plan to the family with reasons; they revise it."""
    plan = _lock_plan(plan_id)
    case = plan.case
    ensure_can_work_case(by, case)
    if not reason.strip():
        raise RuleBroken("Give the family your reasons.", field="reason")
    ensure_transition(plan.status, PlanStatus.RETURNED, PLAN_TRANSITIONS, label="plan")
    plan.status = PlanStatus.RETURNED
    plan.return_reason = reason.strip()
    plan.decided_by = by
    plan.decided_at = timezone.now()
    plan.save(update_fields=["status", "return_reason", "decided_by", "decided_at"])
    record_event(
        obj=plan,
        action="plan_returned",
        by=by,
        case_id=case.pk,
        from_state=PlanStatus.AGREED,
        to_state=plan.status,
        reason=plan.return_reason,
    )
    _move_case(case, CaseStatus.PLAN_RETURNED, by=by, reason=plan.return_reason)
    workflow.advance(process=case.process, action="plan_returned", by=by)
    return plan


@transaction.atomic
def plan_revise(
    *, plan_id: int, by, actions: list[ActionInput], contingency: str, review_by: datetime.date, monitoring: str = ""
) -> FamilyPlan:
    """Record the family's revised plan as a new version, to be accepted again."""
    old = _lock_plan(plan_id)
    case = old.case
    ensure_can_work_case(by, case)
    latest = case.plans.order_by("-version").first()
    if latest.pk != old.pk:
        raise InvalidTransition("Only the latest plan can be revised.")
    ensure_transition(old.status, PlanStatus.SUPERSEDED, PLAN_TRANSITIONS, label="plan")
    previous = old.status
    old.status = PlanStatus.SUPERSEDED
    old.save(update_fields=["status"])
    record_event(obj=old, action="plan_superseded", by=by, case_id=case.pk, from_state=previous, to_state=old.status)
    plan = _create_plan(
        case=case,
        meeting=old.meeting,
        actions=actions,
        contingency=contingency,
        review_by=review_by,
        agreed_on=timezone.localdate(),
        monitoring=monitoring or old.monitoring,
    )
    record_event(obj=plan, action="plan_agreed", by=by, case_id=case.pk, to_state=plan.status)
    _move_case(case, CaseStatus.PLAN_AGREED, by=by)
    workflow.advance(process=case.process, action="plan_revised", by=by)
    return plan


@transaction.atomic
def case_review(*, case_id: int, by, close: bool, outcome: str = "", notes: str = "") -> Case:
    """Record the review: continue (the family revises the plan) or close with an outcome."""
    case = _lock_case(case_id)
    ensure_can_work_case(by, case)
    if close:
        if outcome not in Outcome.values:
            raise RuleBroken("Choose the outcome for the child.", field="outcome")
        ensure_transition(case.status, CaseStatus.CLOSED, CASE_TRANSITIONS, label="case")
        case.outcome = outcome
        case.closed_on = timezone.localdate()
        case.save(update_fields=["outcome", "closed_on", "updated_at"])
    workflow.advance(process=case.process, action="case_reviewed", by=by)
    for escalation in case.review_escalations.filter(resolved_at__isnull=True):
        escalation.resolved_at = timezone.now()
        escalation.save(update_fields=["resolved_at"])
    if close:
        _move_case(case, CaseStatus.CLOSED, by=by, reason=notes or case.get_outcome_display())
    else:
        record_event(obj=case, action="review_continue", by=by, case_id=case.pk, reason=notes)
    return case


@transaction.atomic
def case_transfer(*, case_id: int, by, team: Team, lead_practitioner, locality: Locality | None = None) -> Case:
    """Move a case to another team (and locality, if the family moved), with a new lead practitioner.

    Access moves in the same transaction: the old team and old lead lose it, the new ones get it.
    Raises NotPermitted (not a manager over the case), RuleBroken (team does not serve the locality;
    lead not a practitioner of the new team), InvalidTransition (closed case).
    """
    case = _lock_case(case_id)
    ensure_can_manage_case(by, case)
    if case.status == CaseStatus.CLOSED:
        raise InvalidTransition("A closed case cannot be moved.")
    locality = locality or case.locality
    if not team.localities.filter(pk=locality.pk).exists():
        raise RuleBroken(f"{team.name} does not serve {locality.name}.", field="team")
    if not has_role(lead_practitioner, Role.PRACTITIONER) or not team.members.filter(pk=lead_practitioner.pk).exists():
        raise RuleBroken("The lead practitioner must be a practitioner in the new team.", field="lead_practitioner")
    before = {
        "team": case.team.code,
        "locality": case.locality.code,
        "lead_practitioner": case.lead_practitioner.get_username() if case.lead_practitioner else "",
    }
    if case.lead_practitioner and case.lead_practitioner != lead_practitioner:
        revoke_case_access(case.lead_practitioner, case)
        reassign_open_tasks(process=case.process, from_user=case.lead_practitioner, to_user=lead_practitioner)
    case.team, case.locality, case.lead_practitioner = team, locality, lead_practitioner
    if case.hub_id and case.hub.locality_id != locality.pk:
        case.hub = None
    case.save(update_fields=["team", "locality", "lead_practitioner", "hub", "updated_at"])
    grant_case_access(lead_practitioner, case, "work_case")
    after = {"team": team.code, "locality": locality.code, "lead_practitioner": lead_practitioner.get_username()}
    record_event(
        obj=case,
        action="case_transferred",
        by=by,
        case_id=case.pk,
        changes={key: [before[key], after[key]] for key in after if before[key] != after[key]},
    )
    return case


def practitioner_by_username(username: str):
    """Look up a user by username for inputs that name people (lead practitioner, coordinator)."""
    try:
        return get_user_model().objects.get(username=username, is_active=True)
    except get_user_model().DoesNotExist:
        return None


@transaction.atomic
def conflict_declare(*, by, case_reference: str, reason: str) -> DeclaredConflict:
    """Declare that `by` is in a family's network, or related to or close to someone who is.

    From then on they can neither see nor act on that case, whatever their role. Anyone on the
    staff can declare, for any case reference (they may know the family before they know the
    case). Raises RuleBroken (no such reference, no reason, already declared).
    """
    reason = (reason or "").strip()
    if not reason:
        raise RuleBroken("Say how you know the family.", field="reason")
    case = Case.objects.filter(reference=(case_reference or "").strip().upper()).first()
    if case is None:
        raise RuleBroken("Check the case reference: it looks like FGDM-2026-000123.", field="case_reference")
    if DeclaredConflict.objects.filter(user=by, case=case).exists():
        raise RuleBroken("You have already declared a conflict of interest in this case.", field="case_reference")
    conflict = DeclaredConflict.objects.create(user=by, case=case, reason=reason)
    # The trail names the case, not the declarer's relationship: that stays on the declaration.
    record_event(obj=conflict, action="conflict_declared", by=by, case_id=case.pk)
    return conflict


# -- preparing the network ---------------------------------------------------------------------


@transaction.atomic
def member_record_preparation(
    *, member_id: int, by, status: str, notes: str = "", exclusion_reason: str = "", how_to_contribute: str = ""
) -> NetworkMember:
    """Where one network member's preparation for the meeting stands: contacted, prepared, invited,
    declined, or excluded for safety (with the reason and how they can still contribute, e.g. a
    letter read out in the information stage).

    For a conference the coordinator prepares the network; for a Family Network Meeting, the
    practitioners of the case. Raises NotPermitted, ConsentWithdrawn, InvalidTransition (no open
    meeting), RuleBroken (unknown status; exclusion without its reason or a way to contribute).
    """
    member = NetworkMember.objects.select_for_update().get(pk=member_id)
    case = _lock_case(member.case_id)
    meeting = case.meetings.filter(status__in=[MeetingStatus.SCHEDULED, MeetingStatus.PREPARED]).order_by("-id").first()
    if meeting is None:
        raise InvalidTransition("Arrange the meeting before preparing the network.")
    meeting.case = case
    _ensure_runs_meeting(by, meeting)
    _ensure_may_share(case)
    if status not in PreparationStatus.values or status == PreparationStatus.NOT_CONTACTED:
        raise RuleBroken("Choose where this person's preparation stands.", field="status")
    if status == PreparationStatus.EXCLUDED:
        if not exclusion_reason.strip():
            raise RuleBroken("Say why it is not safe for this person to attend.", field="exclusion_reason")
        if not how_to_contribute.strip():
            raise RuleBroken("Say how this person can still contribute.", field="how_to_contribute")
    elif exclusion_reason.strip():
        raise RuleBroken("Give a reason for exclusion only when excluding someone.", field="exclusion_reason")
    previous = member.preparation_status
    member.preparation_status = status
    member.preparation_notes = notes.strip()
    member.excluded_from_meetings = status == PreparationStatus.EXCLUDED
    member.exclusion_reason = exclusion_reason.strip()
    member.how_to_contribute = how_to_contribute.strip()
    member.preparation_updated_at = timezone.now()
    member.save()
    record_event(
        obj=member,
        action="member_preparation",
        by=by,
        case_id=case.pk,
        from_state=previous,
        to_state=status,
        reason=member.exclusion_reason,
    )
    return member


# -- plan progress -----------------------------------------------------------------------------


@transaction.atomic
def action_mark_done(*, action_id: int, by, done_on: datetime.date | None = None) -> PlanAction:
    """Record that an action of the plan in place is done. Raises InvalidTransition (already done;
    plan not the one in place), RuleBroken (date in the future)."""
    action = PlanAction.objects.select_for_update().select_related("plan").get(pk=action_id)
    case = _lock_case(action.plan.case_id)
    ensure_can_work_case(by, case)
    if action.plan.status not in (PlanStatus.ACCEPTED, PlanStatus.AGREED):
        raise InvalidTransition("Only actions of the current plan can be marked done.")
    if action.status == ActionStatus.DONE:
        raise InvalidTransition("This action is already done.")
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise RuleBroken("An action cannot be done in the future.", field="done_on")
    action.status = ActionStatus.DONE
    action.done_on = done_on
    action.save(update_fields=["status", "done_on"])
    record_event(
        obj=action,
        action="plan_action_done",
        by=by,
        case_id=case.pk,
        from_state=ActionStatus.OPEN,
        to_state=ActionStatus.DONE,
    )
    return action


# -- the pre-proceedings duty (Children Act 1989 s.31ZA) ---------------------------------------


def _lock_pre_proceedings(case: Case) -> PreProceedings:
    if case.stage != Stage.PRE_PROCEEDINGS:
        raise InvalidTransition("The duty to offer a family meeting applies to cases at pre-proceedings.")
    PreProceedings.objects.get_or_create(case=case)
    return PreProceedings.objects.select_for_update().get(case=case)


def _move_pre_proceedings(record: PreProceedings, target: str, *, by, reason: str = "", changes=None) -> None:
    ensure_transition(record.status, target, PRE_PROCEEDINGS_TRANSITIONS, label="pre-proceedings duty")
    previous = record.status
    record.status = target
    record.full_clean(exclude=["case"])
    record.save()
    record_event(
        obj=record,
        action=f"pre_proceedings_{target}",
        by=by,
        case_id=record.case_id,
        from_state=previous,
        to_state=target,
        reason=reason,
        changes=changes,
    )


@transaction.atomic
def pre_proceedings_record_offer(*, case_id: int, by, letter_sent_on: datetime.date) -> PreProceedings:
    """Record the offer of a family group decision-making meeting made in the letter before proceedings.

    Raises InvalidTransition (not at pre-proceedings; already offered or decided), RuleBroken (letter in the future).
    """
    case = _lock_case(case_id)
    ensure_can_work_case(by, case)
    record = _lock_pre_proceedings(case)
    if letter_sent_on > timezone.localdate():
        raise RuleBroken("The letter before proceedings cannot be dated in the future.", field="letter_sent_on")
    record.letter_sent_on = letter_sent_on
    record.offer_recorded_by = by
    _move_pre_proceedings(
        record, PreProceedingsStatus.OFFERED, by=by, changes={"letter_sent_on": letter_sent_on.isoformat()}
    )
    return record


@transaction.atomic
def pre_proceedings_record_declined(
    *, case_id: int, by, declined_by: str, declined_on: datetime.date
) -> PreProceedings:
    """Everyone the meeting was offered to declined it (name them).

    Raises InvalidTransition (no offer recorded; a meeting is already arranged), RuleBroken.
    """
    case = _lock_case(case_id)
    ensure_can_work_case(by, case)
    record = _lock_pre_proceedings(case)
    if not declined_by.strip():
        raise RuleBroken("Name everyone who declined the offer.", field="declined_by")
    if record.letter_sent_on and declined_on < record.letter_sent_on or declined_on > timezone.localdate():
        raise RuleBroken("The offer is declined after the letter and not in the future.", field="declined_on")
    if case.meetings.exclude(status=MeetingStatus.CANCELLED).exists():
        raise InvalidTransition("A family meeting is arranged: the offer was taken up, not declined.")
    record.declined_by = declined_by.strip()
    record.declined_on = declined_on
    _move_pre_proceedings(record, PreProceedingsStatus.DECLINED, by=by, reason=record.declined_by)
    return record


@transaction.atomic
def pre_proceedings_record_exemption(*, case_id: int, by, reason: str, decision_maker) -> PreProceedings:
    """A best-interests exemption: offering a family meeting is not in the child's best interests
    (for example, it would put the child at risk). The decision maker is a manager over the case.

    Raises NotPermitted (decision maker not a manager over the case), RuleBroken (no reason),
    InvalidTransition (already declined or applied).
    """
    case = _lock_case(case_id)
    ensure_can_work_case(by, case)
    record = _lock_pre_proceedings(case)
    if not reason.strip():
        raise RuleBroken("Say why offering a family meeting is not in the child's best interests.", field="reason")
    if decision_maker is None:
        raise RuleBroken("Name the manager who made the decision.", field="decision_maker")
    try:
        ensure_can_manage_case(decision_maker, case)
    except NotPermitted:
        raise RuleBroken("The decision maker must be a manager over this case.", field="decision_maker")
    record.exemption_reason = reason.strip()
    record.exemption_decided_by = decision_maker
    record.exemption_decided_on = timezone.localdate()
    _move_pre_proceedings(
        record,
        PreProceedingsStatus.EXEMPT,
        by=by,
        reason=record.exemption_reason,
        changes={"decision_maker": decision_maker.get_username()},
    )
    return record


@transaction.atomic
def pre_proceedings_record_application(*, case_id: int, by, made_on: datetime.date) -> PreProceedings:
    """Mark that the council applied to court. Allowed only when everyone declined the offer, a
    Family Group Conference was held, or a best-interests exemption is recorded.

    Raises InvalidTransition naming what is missing, RuleBroken (date in the future).
    """
    case = _lock_case(case_id)
    ensure_can_manage_case(by, case)
    record = _lock_pre_proceedings(case)
    if made_on > timezone.localdate():
        raise RuleBroken("The application cannot be dated in the future.", field="made_on")
    held = case.meetings.filter(model=MeetingModel.FGC, status=MeetingStatus.HELD).exists()
    if record.status == PreProceedingsStatus.DECLINED:
        basis = ApplicationBasis.DECLINED
    elif record.status == PreProceedingsStatus.EXEMPT:
        basis = ApplicationBasis.EXEMPTION
    elif record.status == PreProceedingsStatus.OFFERED and held:
        basis = ApplicationBasis.CONFERENCE_HELD
    elif record.status == PreProceedingsStatus.APPLICATION_MADE:
        raise InvalidTransition("The application is already recorded.")
    else:
        raise InvalidTransition(
            "An application can be marked only when the offer of a family meeting was declined by everyone, "
            "a Family Group Conference was held, or a best-interests exemption is recorded."
        )
    record.application_made_on = made_on
    record.application_basis = basis
    _move_pre_proceedings(record, PreProceedingsStatus.APPLICATION_MADE, by=by, changes={"basis": basis})
    return record


# -- reviews that are overdue --------------------------------------------------------------------


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days (Monday to Friday) after `start` up to and including `end`."""
    days, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            days += 1
    return days


@transaction.atomic
def reviews_escalate_overdue(*, by=None, working_days: int | None = None) -> list:
    """Escalate every review task still open more than `working_days` working days after the plan's
    review date to the case's team managers (once per task). Run on a schedule with the timers;
    `by` is the person responsible for the run (None: the system, see audit.context).
    """
    from django.conf import settings

    from fgdm.models import ReviewEscalation

    limit = settings.FGDM_REVIEW_ESCALATION_WORKING_DAYS if working_days is None else working_days
    today = timezone.localdate()
    escalated = []
    tasks = (
        workflow.tasks_waiting(action="case_reviewed")
        .exclude(pk__in=ReviewEscalation.objects.values("task_id"))
        .select_related("process__case")
    )
    for task in tasks:
        case = getattr(task.process, "case", None)
        if case is None:
            continue
        plan = case.plans.order_by("-version").first()
        due = plan.review_by if plan else timezone.localdate(task.created)
        overdue = working_days_between(due, today)
        if overdue <= limit:
            continue
        escalation = ReviewEscalation.objects.create(
            case=case, task_id=task.pk, review_due_on=due, working_days_overdue=overdue
        )
        managers = ", ".join(sorted(case.team.managers.values_list("username", flat=True)))
        record_event(
            obj=escalation,
            action="review_escalated",
            by=by,
            case_id=case.pk,
            reason=f"Review due {due:%-d %B %Y}, {overdue} working days overdue; escalated to {managers or 'the team managers'}.",
        )
        escalated.append(escalation)
    return escalated
