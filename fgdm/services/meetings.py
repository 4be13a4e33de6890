"""Family meetings: arranging them, preparing the network for a conference, holding them."""

import datetime

from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from core import workflow
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken, ensure_transition
from core.roles import Role, has_role
from fgdm.constants import (
    CASE_TRANSITIONS,
    MEETING_TRANSITIONS,
    CaseStatus,
    MeetingModel,
    MeetingStatus,
    PreparationStatus,
    Stage,
)
from fgdm.models import (
    FamilyPlan,
    Meeting,
    NetworkMember,
)
from fgdm.permissions import ensure_can_work_case
from fgdm.services.cases import _ensure_may_share, _lock_case, _move_case
from fgdm.services.plans import ActionInput, _create_plan
from fgdm.visibility import grant_case_access


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
        for m in meeting.case.network_members.current()
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
