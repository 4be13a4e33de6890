"""Family meetings: arranging them (the first, a replacement for a cancelled one, a review meeting),
preparing the network, holding them — and moving, cancelling or reconvening them. A case can have
several meetings, at most one arranged (scheduled or prepared) at a time."""

import datetime

from django.db import transaction
from django.db.models import Case as DbCase
from django.db.models import IntegerField, Q, Value, When
from django.utils import timezone

from audit.services import record_event
from core import bounds, notify, workflow
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken, ensure_transition
from core.roles import Role, has_role
from fgdm.constants import (
    ENDED_STATUSES,
    MEETING_ARRANGED,
    MEETING_TRANSITIONS,
    PLAN_TRANSITIONS,
    CaseStatus,
    CoordinatorRequest,
    ExclusionStatus,
    MeetingModel,
    MeetingPurpose,
    MeetingStatus,
    PlanStatus,
    PreparationStatus,
    Stage,
)
from fgdm.models import (
    Case,
    FamilyPlan,
    Meeting,
    MeetingReschedule,
    NetworkMember,
)
from fgdm.permissions import ensure_can_work_case, ensure_no_conflict
from fgdm.services.cases import _ensure_may_share, _lock_case, _lock_with_case, _move_case
from fgdm.services.plans import ActionInput, _create_plan
from fgdm.visibility import grant_case_access

# A meeting further ahead than this is a typing mistake (the year typed wrong), not a plan.
LATEST_MEETING = bounds.LATEST_MEETING

# Why a meeting cannot be arranged now, by the case's status, and what would make it possible.
_NOT_NOW = {
    CaseStatus.REFERRED: "A meeting is arranged once the case has a lead practitioner: allocate the case first.",
    CaseStatus.PLAN_AGREED: "The family's plan waits for acceptance: accept it or return it to the family, or "
    "reconvene the meeting it came from.",
    CaseStatus.PLAN_RETURNED: "The plan is back with the family: record their revised plan first; a review "
    "meeting can be arranged when the review is due.",
    CaseStatus.CLOSED: "The case is closed: no meeting can be arranged unless a manager reopens it.",
    CaseStatus.DECLINED: "The referral was declined: no meeting can be arranged unless a manager reopens it.",
}


def arranged_meeting(case: Case) -> Meeting | None:
    """The case's meeting still to be held (scheduled or prepared), if any: there is at most one."""
    return case.meetings.filter(status__in=MEETING_ARRANGED).order_by("-id").first()


def _when(meeting: Meeting) -> str:
    return f"{timezone.localtime(meeting.scheduled_for):%-d %B %Y at %H:%M}"


def _ensure_none_arranged(case: Case, *, arranged: Meeting | None = None) -> None:
    """`arranged`: the case's meeting still to be held, if already read (else it is read here)."""
    arranged = arranged_meeting(case) if arranged is None else arranged
    if arranged is not None:
        raise InvalidTransition(
            f"A {arranged.get_model_display()} is already arranged for {_when(arranged)}: reschedule it, or "
            "cancel it, before arranging another."
        )


def ensure_meeting_date(scheduled_for: datetime.datetime) -> None:
    """A meeting being moved or reconvened is in the future, and not implausibly far ahead.

    Raises RuleBroken on `scheduled_for`.
    """
    if scheduled_for < timezone.now():
        raise RuleBroken("The date and time must be in the future.", field="scheduled_for")
    bounds.ensure_meeting_time(scheduled_for)


def _venue(venue: str) -> str:
    """Where a meeting is held: one line, within its column. Raises RuleBroken on `venue`."""
    return bounds.ensure_name(venue, field="venue", label="venue", max_length=bounds.max_length_of(Meeting, "venue"))


def _what_to_arrange(case: Case) -> tuple[str, Meeting | None]:
    """The purpose of the meeting the case can have arranged now, and the meeting it reconvenes.

    Raises InvalidTransition (a meeting is arranged; not the time for one).
    """
    # One read answers both questions: the meeting still to be held if there is one (refused), else
    # the newest meeting (what a new one replaces).
    still_to_hold = Q(status__in=MEETING_ARRANGED)
    newest = case.meetings.order_by(
        DbCase(When(still_to_hold, then=Value(0)), default=Value(1), output_field=IntegerField()), "-id"
    ).first()
    if newest is not None and newest.status in MEETING_ARRANGED:
        _ensure_none_arranged(case, arranged=newest)
    if case.status == CaseStatus.ALLOCATED:
        if newest is None:
            return MeetingPurpose.FIRST, None
        if newest.status == MeetingStatus.CANCELLED:  # it replaces the meeting cancelled, for the same purpose
            return newest.purpose, newest.reconvenes
        return MeetingPurpose.REVIEW, None
    if case.status == CaseStatus.PLAN_ACCEPTED:
        if not workflow.waiting_for(process=case.process, action="review_meeting_arranged"):
            raise InvalidTransition(
                "A review meeting is arranged when the plan's review is due: the case waits for its review date."
            )
        return MeetingPurpose.REVIEW, None
    raise InvalidTransition(
        _NOT_NOW.get(case.status, "A meeting is arranged while the network is mapped, or at the plan's review.")
    )


def ensure_may_arrange(user, case: Case) -> None:
    """Whether `user` may arrange a meeting for the case now (the page asks before offering it).

    Raises NotPermitted, InvalidTransition.
    """
    ensure_can_work_case(user, case)
    _what_to_arrange(case)


def _coordinator_request(*, model: str, kind: str, detail: str, met, note: str) -> dict:
    """The family's request for a coordinator of a given language, culture or gender, as stored:
    a structured choice, its detail, and whether the coordinator allocated meets it.

    Raises RuleBroken (unknown kind; a request for a Family Network Meeting; a detail without its
    kind; a request without its detail or without saying whether it is met).
    """
    kind = kind or CoordinatorRequest.NONE
    detail = bounds.ensure_text(
        " ".join(str(detail or "").split()),
        field="coordinator_request",
        max_length=bounds.max_length_of(Meeting, "coordinator_request"),
    )
    note = bounds.ensure_text(
        " ".join(str(note or "").split()),
        field="coordinator_request_note",
        max_length=bounds.max_length_of(Meeting, "coordinator_request_note"),
    )
    if kind not in CoordinatorRequest.values:
        raise RuleBroken(f"Unknown kind of coordinator request “{kind}”.", field="coordinator_request_kind")
    if kind == CoordinatorRequest.NONE:
        if detail:
            raise RuleBroken(
                "Choose what the family asked for in a coordinator — their language, culture or gender — "
                "and give the detail.",
                field="coordinator_request_kind",
            )
        if met is not None or note:
            raise RuleBroken(
                "Whether a request was met is recorded only when the family made one.", field="coordinator_request_met"
            )
        return {
            "coordinator_request_kind": kind,
            "coordinator_request": "",
            "coordinator_request_met": None,
            "coordinator_request_note": "",
        }
    if model != MeetingModel.FGC:
        raise RuleBroken(
            "A coordinator is asked for only for a Family Group Conference.", field="coordinator_request_kind"
        )
    if not detail:
        raise RuleBroken(
            f"Say what the family asked for: {CoordinatorRequest(kind).label.lower()} — which one.",
            field="coordinator_request",
        )
    if met is None:
        raise RuleBroken(
            "Say whether the coordinator allocated meets the family's request.", field="coordinator_request_met"
        )
    return {
        "coordinator_request_kind": kind,
        "coordinator_request": detail,
        "coordinator_request_met": bool(met),
        "coordinator_request_note": note,
    }


def _meeting_model_and_coordinator(*, case: Case, by, model: str, coordinator, coordinator_request: str):
    """The rules of the kind of meeting: returns the coordinator it has (None for an FNM outside
    pre-proceedings).

    A Family Group Conference is run by an independent coordinator. At pre-proceedings every family
    group decision-making meeting is, whatever its model is called (Children Act 1989 s.31ZA,
    inserted by the Children's Wellbeing and Schools Act 2026, prefers no model).

    Raises RuleBroken (unknown model; FGC or pre-proceedings meeting without an independent coordinator).
    """
    if model not in MeetingModel.values:
        raise RuleBroken(f"Unknown meeting model “{model}”.", field="model")
    at_pre_proceedings = case.stage == Stage.PRE_PROCEEDINGS
    if model == MeetingModel.FGC or at_pre_proceedings:
        if coordinator is None:
            raise RuleBroken(
                "At pre-proceedings the family meeting is run by an independent coordinator: choose one."
                if at_pre_proceedings
                else "A Family Group Conference needs an independent coordinator.",
                field="coordinator",
            )
        if not has_role(coordinator, Role.COORDINATOR):
            raise RuleBroken("The coordinator must be an FGC coordinator.", field="coordinator")
        if coordinator.pk in (case.lead_practitioner_id, by.pk) or case.team.members.filter(pk=coordinator.pk).exists():
            raise RuleBroken("The coordinator must be independent of the case's practitioner.", field="coordinator")
        return coordinator
    if coordinator_request.strip():
        raise RuleBroken(
            "A coordinator is asked for only for a Family Group Conference.", field="coordinator_request_kind"
        )
    return None


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
    coordinator_request_kind: str = CoordinatorRequest.NONE,
    coordinator_request: str = "",
    coordinator_request_met: bool | None = None,
    coordinator_request_note: str = "",
) -> Meeting:
    """Arrange a family meeting: the FNM-or-FGC decision of the flow. While the network is mapped it
    is the case's first meeting (or replaces one cancelled, for the same purpose); at the plan's
    review it is a review meeting. For a conference, the family's request for a coordinator of a
    given language, culture or gender (`coordinator_request_kind`, its detail in
    `coordinator_request`) is recorded with whether the coordinator allocated meets it.

    Raises RuleBroken (no consent; FGC or pre-proceedings meeting without an independent coordinator;
    a coordinator request for an FNM, without its detail or without saying whether it is met),
    InvalidTransition (a meeting is already arranged; the case is neither mapping its network nor at
    its review).
    """
    case = _lock_case(case_id, by=by)
    ensure_can_work_case(by, case, conflict=case.by_conflicted)
    purpose, reconvenes = _what_to_arrange(case)
    at_review = case.status == CaseStatus.PLAN_ACCEPTED
    _ensure_may_share(case)
    # Arranged before it is recorded (a meeting held yesterday), so it may be in the past.
    bounds.ensure_meeting_time(scheduled_for)
    venue = _venue(venue)
    bounds.ensure_text(bottom_lines, field="bottom_lines", label="bottom lines")
    request = _coordinator_request(
        model=model,
        kind=coordinator_request_kind,
        detail=coordinator_request,
        met=coordinator_request_met,
        note=coordinator_request_note,
    )
    coordinator = _meeting_model_and_coordinator(
        case=case, by=by, model=model, coordinator=coordinator, coordinator_request=""
    )
    meeting = Meeting.objects.create(
        case=case,
        model=model,
        purpose=purpose,
        reconvenes=reconvenes,
        scheduled_for=scheduled_for,
        venue=venue.strip(),
        coordinator=coordinator,
        bottom_lines=bottom_lines.strip() or case.bottom_lines,
        **request,
    )
    if coordinator is not None:
        grant_case_access(coordinator, case, "coordinate_conference")
    record_event(
        obj=meeting,
        action="meeting_scheduled",
        by=by,
        case_id=case.pk,
        to_state=meeting.status,
        changes={
            "model": model,
            "purpose": purpose,
            "scheduled_for": scheduled_for.isoformat(),
            "coordinator_request_kind": request["coordinator_request_kind"],
            "coordinator_request_met": request["coordinator_request_met"],
        },
    )
    # Keyed by the meeting (one is arranged once), not the event: the event's id would write it at
    # once, apart from the step's other audit rows (audit.batching).
    notify.announce("meeting_scheduled", key=f"meeting-scheduled:{meeting.pk}", meeting_id=meeting.pk)
    _move_case(case, CaseStatus.MEETING_PLANNED, by=by)
    workflow.advance(
        process=case.process,
        action="review_meeting_arranged" if at_review else "meeting_arranged",
        by=by,
        meeting=meeting,  # the case's newest meeting: the flow's gateways need not read it again
    )
    return meeting


def _lock_meeting(meeting_id: int, *, by=None) -> Meeting:
    return _lock_with_case(Meeting.objects, meeting_id, by=by)


def _ensure_runs_meeting(by, meeting: Meeting, *, conflict: bool | None = None) -> None:
    """A meeting with a coordinator (a conference, or any meeting at pre-proceedings) is run by them.
    `conflict`: as fgdm.permissions.ensure_can_work_case."""
    if meeting.coordinator_id is not None:
        if meeting.coordinator_id != by.pk:
            raise NotPermitted("Only the meeting's independent coordinator can do this.")
    else:
        ensure_can_work_case(by, meeting.case, conflict=conflict)


def _ensure_may_change_meeting(by, meeting: Meeting) -> None:
    """Moving or cancelling a meeting: the case's practitioners, or the conference's coordinator,
    while the case is open (a meeting arranged before the case closed waits for its reopening)."""
    if meeting.coordinator_id is not None and meeting.coordinator_id == by.pk:
        ensure_no_conflict(by, meeting.case_id)
    else:
        ensure_can_work_case(by, meeting.case)
    if meeting.case.status in ENDED_STATUSES:
        raise InvalidTransition("The case is closed: a manager must reopen it before its meeting can be changed.")


def _not_arranged(meeting: Meeting, doing: str) -> InvalidTransition:
    if meeting.status == MeetingStatus.CANCELLED:
        return InvalidTransition(f"The meeting was cancelled: it cannot be {doing}. Arrange a new meeting instead.")
    return InvalidTransition(
        f"The meeting was held on {meeting.held_on:%-d %B %Y}: it cannot be {doing}. While the plan it agreed "
        "waits for acceptance the meeting can be reconvened; at the plan's review a review meeting can be arranged."
    )


def ensure_may_reschedule(user, meeting: Meeting) -> None:
    """Whether `user` may move this meeting now (the page asks before offering it).

    Raises NotPermitted, InvalidTransition (held or cancelled).
    """
    _ensure_may_change_meeting(user, meeting)
    if meeting.status not in MEETING_ARRANGED:
        raise _not_arranged(meeting, "rescheduled")


def ensure_may_cancel(user, meeting: Meeting) -> None:
    """Whether `user` may cancel this meeting now. Raises NotPermitted, InvalidTransition."""
    _ensure_may_change_meeting(user, meeting)
    if meeting.status not in MEETING_ARRANGED:
        raise _not_arranged(meeting, "cancelled")


def _plan_waiting(meeting: Meeting) -> FamilyPlan:
    """The family's plan from this held meeting that waits for acceptance, else InvalidTransition."""
    if meeting.status in MEETING_ARRANGED:
        raise InvalidTransition("The meeting has not been held yet: reschedule it instead of reconvening it.")
    if meeting.status == MeetingStatus.CANCELLED:
        raise InvalidTransition("The meeting was cancelled: arrange a new meeting instead.")
    plan = meeting.case.plans.order_by("-version").first()
    if plan is None or plan.status != PlanStatus.AGREED:
        raise InvalidTransition(
            "A meeting is reconvened while the family's plan from it waits for acceptance; no plan waits now. "
            "At the plan's review a review meeting can be arranged."
        )
    if plan.meeting_id != meeting.pk:
        raise InvalidTransition(
            f"The plan waiting for acceptance was agreed at the meeting of {plan.meeting.held_on:%-d %B %Y}: "
            "reconvene that one."
        )
    return plan


def ensure_may_reconvene(user, meeting: Meeting) -> None:
    """Whether `user` may reconvene this meeting now. Raises NotPermitted, InvalidTransition."""
    ensure_can_work_case(user, meeting.case)
    _plan_waiting(meeting)
    _ensure_none_arranged(meeting.case)


@transaction.atomic
def meeting_reschedule(
    *, meeting_id: int, by, scheduled_for: datetime.datetime, venue: str = "", reason: str
) -> Meeting:
    """Move a meeting still to be held to a new date and time (and venue; empty keeps it), with the
    reason. The move is kept in the meeting's history (MeetingReschedule).

    Raises NotPermitted (not the case's practitioners or the conference's coordinator),
    InvalidTransition (held or cancelled), RuleBroken (no reason; a date in the past or more than two
    years ahead; nothing changes).
    """
    meeting = _lock_meeting(meeting_id)
    ensure_may_reschedule(by, meeting)
    reason, venue = reason.strip(), (venue or "").strip() or meeting.venue
    ensure_meeting_date(scheduled_for)
    venue = _venue(venue)
    bounds.ensure_text(reason, field="reason")
    if scheduled_for == meeting.scheduled_for and venue == meeting.venue:
        raise RuleBroken("Give a new date and time or a new venue.", field="scheduled_for")
    if not reason:
        raise RuleBroken("Say why the meeting is moved.", field="reason")
    move = MeetingReschedule.objects.create(
        meeting=meeting,
        from_scheduled_for=meeting.scheduled_for,
        to_scheduled_for=scheduled_for,
        from_venue=meeting.venue,
        to_venue=venue,
        reason=reason,
        by=by,
    )
    meeting.scheduled_for, meeting.venue = scheduled_for, venue
    meeting.save(update_fields=["scheduled_for", "venue"])
    event = record_event(
        obj=meeting,
        action="meeting_rescheduled",
        by=by,
        case_id=meeting.case_id,
        reason=reason,
        changes={
            "scheduled_for": [move.from_scheduled_for.isoformat(), scheduled_for.isoformat()],
            "venue": [move.from_venue, venue],
        },
    )
    notify.announce("meeting_rescheduled", key=f"meeting:{event.pk}", meeting_id=meeting.pk)
    workflow.advance(process=meeting.case.process, action="meeting_rescheduled", by=by, required=False)
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting_id: int, by, reason: str) -> Meeting:
    """Cancel a meeting still to be held, with the reason. The case goes back to mapping the
    network, where a new meeting is arranged (for the same purpose) or the case is closed.

    Raises NotPermitted, InvalidTransition (held or already cancelled), RuleBroken (no reason).
    """
    meeting = _lock_meeting(meeting_id)
    ensure_may_cancel(by, meeting)
    reason = reason.strip()
    if not reason:
        raise RuleBroken("Say why the meeting is cancelled.", field="reason")
    previous = meeting.status
    ensure_transition(previous, MeetingStatus.CANCELLED, MEETING_TRANSITIONS, label="meeting")
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = timezone.now()
    meeting.cancelled_by = by
    meeting.cancel_reason = reason
    meeting.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
    event = record_event(
        obj=meeting,
        action="meeting_cancelled",
        by=by,
        case_id=meeting.case_id,
        from_state=previous,
        to_state=meeting.status,
        reason=reason,
    )
    notify.announce("meeting_cancelled", key=f"meeting:{event.pk}", meeting_id=meeting.pk)
    _move_case(meeting.case, CaseStatus.ALLOCATED, by=by, reason=reason, action="case_meeting_cancelled")
    workflow.advance(process=meeting.case.process, action="meeting_cancelled", by=by)
    return meeting


@transaction.atomic
def meeting_reconvene(
    *,
    meeting_id: int,
    by,
    scheduled_for: datetime.datetime,
    venue: str,
    reason: str,
    model: str = "",
    coordinator=None,
) -> Meeting:
    """While the family's plan from a held meeting waits for acceptance, arrange a new meeting that
    reconvenes it (the family has more to agree). The waiting plan is superseded: the reconvened
    meeting agrees the next one. The kind of meeting and its coordinator are the held meeting's
    unless given.

    Raises NotPermitted (not the case's practitioners), InvalidTransition (no plan from this meeting
    waits; a meeting is already arranged), RuleBroken (no reason; the date; the rules of the kind of
    meeting; no consent).
    """
    held = _lock_meeting(meeting_id)
    case = held.case
    ensure_can_work_case(by, case)
    plan = _plan_waiting(held)
    _ensure_none_arranged(case)
    _ensure_may_share(case)
    reason, venue = reason.strip(), venue.strip()
    ensure_meeting_date(scheduled_for)
    if not venue:
        raise RuleBroken("Say where the meeting is held.", field="venue")
    venue = _venue(venue)
    if not reason:
        raise RuleBroken("Say why the meeting is reconvened.", field="reason")
    bounds.ensure_text(reason, field="reason")
    model = model or held.model
    if (
        coordinator is None
        and held.coordinator_id is not None
        and (model == MeetingModel.FGC or case.stage == Stage.PRE_PROCEEDINGS)
    ):
        coordinator = held.coordinator
    coordinator = _meeting_model_and_coordinator(
        case=case, by=by, model=model, coordinator=coordinator, coordinator_request=""
    )
    ensure_transition(plan.status, PlanStatus.SUPERSEDED, PLAN_TRANSITIONS, label="plan")
    plan.status = PlanStatus.SUPERSEDED
    plan.save(update_fields=["status"])
    meeting = Meeting.objects.create(
        case=case,
        model=model,
        purpose=MeetingPurpose.RECONVENED,
        reconvenes=held,
        scheduled_for=scheduled_for,
        venue=venue,
        coordinator=coordinator,
        bottom_lines=held.bottom_lines or case.bottom_lines,
        **(
            {
                "coordinator_request_kind": held.coordinator_request_kind,
                "coordinator_request": held.coordinator_request,
                "coordinator_request_met": held.coordinator_request_met
                if coordinator is not None and coordinator.pk == held.coordinator_id
                else None,
                "coordinator_request_note": "",
            }
            if coordinator is not None and held.coordinator_request_kind != CoordinatorRequest.NONE
            else {}
        ),
    )
    if coordinator is not None:
        grant_case_access(coordinator, case, "coordinate_conference")
    event = record_event(
        obj=meeting,
        action="meeting_reconvened",
        by=by,
        case_id=case.pk,
        to_state=meeting.status,
        reason=reason,
        changes={"model": model, "reconvenes": held.pk, "scheduled_for": scheduled_for.isoformat()},
    )
    record_event(
        obj=plan,
        action="plan_superseded",
        by=by,
        case_id=case.pk,
        from_state=PlanStatus.AGREED,
        to_state=plan.status,
        reason=reason,
    )
    notify.announce("meeting_scheduled", key=f"meeting:{event.pk}", meeting_id=meeting.pk)
    _move_case(case, CaseStatus.MEETING_PLANNED, by=by, reason=reason)
    workflow.advance(process=case.process, action="meeting_reconvened", by=by)
    return meeting


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
    proposed = [
        m.full_name for m in meeting.case.network_members.current() if m.exclusion_status == ExclusionStatus.PROPOSED
    ]
    if proposed:
        raise RuleBroken(
            "Excluding someone for safety waits for a manager's sign-off: " + ", ".join(proposed) + ".",
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
    coordinator_request_met: bool | None = None,
) -> FamilyPlan:
    """Record the meeting as held and the plan the family agreed — and, for a conference the family
    asked a matching coordinator for, whether the request was met (None leaves it as recorded when
    the coordinator was allocated).

    Raises NotPermitted (FGC: not its coordinator), InvalidTransition (already held; FGC not
    prepared), RuleBroken (date in the future, plan without actions, review date not after).
    """
    meeting = _lock_meeting(meeting_id, by=by)
    case = meeting.case
    _ensure_runs_meeting(by, meeting, conflict=meeting.by_conflicted)
    if meeting.model == MeetingModel.FGC and meeting.status != MeetingStatus.PREPARED:
        raise InvalidTransition("The coordinator has not finished preparing the network yet.")
    ensure_transition(meeting.status, MeetingStatus.HELD, MEETING_TRANSITIONS, label="meeting")
    if held_on > timezone.localdate():
        raise RuleBroken("A meeting cannot be recorded as held in the future.", field="held_on")
    bounds.ensure_past_date(
        held_on, field="held_on", what="The day the meeting was held", earliest=bounds.EARLIEST_MEETING
    )
    for name, value in (("attendees", attendees), ("information_shared", information_shared)):
        bounds.ensure_text(value, field=name)
    bounds.ensure_text(
        child_participation,
        field="child_participation",
        label="how the child took part",
        max_length=bounds.max_length_of(Meeting, "child_participation"),
    )
    if meeting.model == MeetingModel.FGC and not private_family_time:
        raise RuleBroken("A Family Group Conference includes private family time.", field="private_family_time")
    if private_family_time_minutes is not None and (not private_family_time or private_family_time_minutes <= 0):
        raise RuleBroken(
            "Private family time lasts some minutes, and only if the family had it.",
            field="private_family_time_minutes",
        )
    if coordinator_request_met is not None:
        if meeting.coordinator_request_kind == CoordinatorRequest.NONE:
            raise RuleBroken(
                "The family made no request for a coordinator: there is nothing to say was met.",
                field="coordinator_request_met",
            )
        meeting.coordinator_request_met = bool(coordinator_request_met)
    _ensure_may_share(case)
    # A review meeting agrees the plan that follows the one in place: that one is superseded.
    # The case's plans read once (a handful): those in place, and the newest version number.
    plans = list(case.plans.all())
    in_place = [p for p in plans if p.status in (PlanStatus.ACCEPTED, PlanStatus.RETURNED)]
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
        latest_version=max((p.version for p in plans), default=0),
    )
    record_event(
        obj=meeting, action="meeting_held", by=by, case_id=case.pk, from_state=previous, to_state=meeting.status
    )
    for old in in_place:
        old_status = old.status
        old.status = PlanStatus.SUPERSEDED
        old.save(update_fields=["status"])
        record_event(
            obj=old, action="plan_superseded", by=by, case_id=case.pk, from_state=old_status, to_state=old.status
        )
    record_event(obj=plan, action="plan_agreed", by=by, case_id=case.pk, to_state=plan.status)
    _move_case(case, CaseStatus.PLAN_AGREED, by=by)
    # The meeting held is the case's newest: no other is arranged while one is still to be held
    # (_ensure_none_arranged), so the flow's gateways need not read it again.
    workflow.advance(process=case.process, action="meeting_held", by=by, meeting=meeting)
    return plan


@transaction.atomic
def member_record_preparation(*, member_id: int, by, status: str, notes: str = "", **exclusion) -> NetworkMember:
    """Where one network member's preparation for the meeting stands: contacted, prepared, invited or
    declined. Excluding someone for safety is not recorded here: it is proposed
    (`member_exclusion_propose`) and takes effect when a manager signs it off
    (`member_exclusion_sign_off`); the old `exclusion_reason` / `how_to_contribute` inputs are refused
    with that rule.

    For a conference the coordinator prepares the network; for a Family Network Meeting, the
    practitioners of the case. Raises NotPermitted, ConsentWithdrawn, InvalidTransition (no open
    meeting; the member is excluded for safety), RuleBroken (unknown status; "excluded" here).
    """
    member = NetworkMember.objects.select_for_update().get(pk=member_id)
    case = _lock_case(member.case_id)
    meeting = arranged_meeting(case)
    if meeting is None:
        raise InvalidTransition("Arrange the meeting before preparing the network.")
    meeting.case = case
    _ensure_runs_meeting(by, meeting)
    _ensure_may_share(case)
    if status == PreparationStatus.EXCLUDED or any(str(v or "").strip() for v in exclusion.values()):
        raise RuleBroken(
            "Excluding someone for safety needs a manager's sign-off: propose the exclusion (why, how they may "
            "still contribute, how they can challenge it) and a manager over the case signs it off.",
            field="status",
        )
    unknown = sorted(set(exclusion) - {"exclusion_reason", "how_to_contribute"})
    if unknown:
        raise RuleBroken(f"“{unknown[0]}” is not part of a member's preparation.", field=unknown[0])
    if status not in PreparationStatus.values or status == PreparationStatus.NOT_CONTACTED:
        raise RuleBroken("Choose where this person's preparation stands.", field="status")
    if member.excluded_from_meetings:
        raise InvalidTransition(
            f"{member} is excluded from the family's meetings for safety: their preparation stays “excluded”.",
            field="status",
        )
    bounds.ensure_text(notes, field="notes")
    previous = member.preparation_status
    member.preparation_status = status
    member.preparation_notes = notes.strip()
    member.preparation_updated_at = timezone.now()
    member.save(update_fields=["preparation_status", "preparation_notes", "preparation_updated_at"])
    record_event(
        obj=member,
        action="member_preparation",
        by=by,
        case_id=case.pk,
        from_state=previous,
        to_state=status,
    )
    return member
