"""Ending a case off the main path: a team manager declines a referral; the lead practitioner or a
manager closes the case at any step, with a reason; a manager reopens it within FGDM_REOPEN_DAYS
of closing (after that, a new referral is linked to it: `case_create(previous_case=…)`).

What closing does across apps (the case's packages withdrawn or ended, its open tasks cancelled) is
the case flow's close step, which follows the action each service reports.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from core import workflow
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken, ensure_transition
from fgdm.constants import (
    CASE_TRANSITIONS,
    ENDED_STATUSES,
    MEETING_ARRANGED,
    MEETING_TRANSITIONS,
    CaseStatus,
    CloseReason,
    MeetingStatus,
    Outcome,
    PlanStatus,
)
from fgdm.models import Case
from fgdm.permissions import ensure_can_lead_or_manage_case, ensure_can_manage_case, manages_case
from fgdm.retention import retention_of
from fgdm.services.cases import _lock_case
from fgdm.services.outcomes import _schedule_outcomes


def _ended(case: Case) -> str:
    """How a case that is not open ended, in words."""
    on = f" on {case.closed_on:%-d %B %Y}" if case.closed_on else ""
    if case.status == CaseStatus.DECLINED:
        return f"The referral was declined{on}"
    return f"The case closed{on}"


def reopen_until(case: Case) -> datetime.date | None:
    """The last day a manager may reopen this closed case (or declined referral); None if it is open."""
    if case.status not in ENDED_STATUSES or case.closed_on is None:
        return None
    return case.closed_on + datetime.timedelta(days=settings.FGDM_REOPEN_DAYS)


def ensure_may_decline(user, case: Case) -> None:
    """Whether this person may decline this referral now (the service's check; pages ask it to offer
    the button): a manager over the case, while the referral waits for allocation.

    Raises NotPermitted (not a manager over the case; a declared conflict), InvalidTransition (not
    waiting for allocation).
    """
    ensure_can_manage_case(user, case)
    if case.status in ENDED_STATUSES:
        raise InvalidTransition(f"{_ended(case)}: there is no referral waiting to be declined.")
    if case.status != CaseStatus.REFERRED:
        raise InvalidTransition(
            "Only a referral waiting for allocation can be declined; this case is already "
            f"{case.get_status_display().lower()}: close it instead, with a reason."
        )


def ensure_may_close(user, case: Case) -> None:
    """Whether this person may close this case now: its lead practitioner or a manager over it,
    while it is open (at any step).

    Raises NotPermitted (neither; a declared conflict), InvalidTransition (already closed or declined).
    """
    ensure_can_lead_or_manage_case(user, case)
    if case.status in ENDED_STATUSES:
        raise InvalidTransition(
            f"{_ended(case)} already. A manager can reopen it within {settings.FGDM_REOPEN_DAYS} days of closing."
        )


def ensure_may_reopen(user, case: Case) -> None:
    """Whether this person may reopen this case now: a manager over it, while it is closed (or its
    referral declined) and the reopening period (FGDM_REOPEN_DAYS from closing) has not passed.

    Raises NotPermitted (not a manager over the case), InvalidTransition (open; the period has
    passed, or the case's process no longer waits for a reopening).
    """
    ensure_can_manage_case(user, case)
    if case.status not in ENDED_STATUSES:
        raise InvalidTransition("The case is open: only a closed case or a declined referral can be reopened.")
    until = reopen_until(case)
    days = settings.FGDM_REOPEN_DAYS
    if until is None or timezone.localdate() > until:
        raise InvalidTransition(
            f"{_ended(case)}, more than {days} days ago: it can no longer be reopened. "
            f"Make a new referral linked to this case ({case.reference}) instead."
        )
    if not workflow.waiting_for(process=case.process, action="case_reopened"):
        raise InvalidTransition(
            f"{_ended(case)} and its process has ended: it can no longer be reopened. "
            f"Make a new referral linked to this case ({case.reference}) instead."
        )


def _retention_changes(case: Case) -> dict:
    """The retention class the case now falls in and the date its records may be destroyed after
    (fgdm.retention): closing records them in its event."""
    retention_class, destroy_after = retention_of(case)
    return {"retention_class": retention_class, "destroy_after": destroy_after.isoformat() if destroy_after else None}


@transaction.atomic
def case_decline(*, case_id: int, by, reason: str) -> Case:
    """A manager over the case declines a referral waiting for allocation, with the reason. The case
    is recorded as declined (closed on today, by whom, why); a manager can reopen it within
    FGDM_REOPEN_DAYS. One `referral_declined` event; the flow closes the case.

    Raises NotPermitted, InvalidTransition (not waiting for allocation), RuleBroken (no reason).
    """
    case = _lock_case(case_id)
    ensure_may_decline(by, case)
    reason = (reason or "").strip()
    if not reason:
        raise RuleBroken("Say why the referral is declined.", field="reason")
    ensure_transition(case.status, CaseStatus.DECLINED, CASE_TRANSITIONS, label="case")
    previous = case.status
    case.status = CaseStatus.DECLINED
    case.closed_on = timezone.localdate()
    case.closed_by = by
    case.close_reason = ""
    case.close_note = reason
    case.save(update_fields=["status", "closed_on", "closed_by", "close_reason", "close_note", "updated_at"])
    record_event(
        obj=case,
        action="referral_declined",
        by=by,
        case_id=case.pk,
        from_state=previous,
        to_state=case.status,
        reason=reason,
        changes=_retention_changes(case),
    )
    workflow.advance(process=case.process, action="referral_declined", by=by)
    return case


@transaction.atomic
def case_close(*, case_id: int, by, reason: str, note: str = "", outcome: str = "") -> Case:
    """Close an open case at any step, with a reason code (CloseReason) and a note (needed for
    `other`), and optionally the outcome for the child (`entered_care` records the outcome "child
    entered care"). Only a manager over the case may close it for `no_network`. Records who closed
    it, when, and — in its `case_closed` event — the retention class it now falls in. Each current
    child gets its outcome checks at closure, 6 and 12 months (`fgdm.services.outcomes`). A meeting still
    to be held is cancelled (its own event). The flow then withdraws or ends the case's packages and
    cancels its open tasks.

    Raises NotPermitted (not the lead practitioner or a manager over the case; `no_network` by a
    practitioner), InvalidTransition (already closed or declined), RuleBroken (unknown reason or
    outcome; `other` without a note; an outcome that contradicts the reason).
    """
    case = _lock_case(case_id)
    ensure_may_close(by, case)
    if reason not in CloseReason.values:
        raise RuleBroken("Choose why the case closes.", field="reason")
    note = (note or "").strip()
    if reason == CloseReason.OTHER and not note:
        raise RuleBroken("Say why the case closes: a note is needed when the reason is “other”.", field="note")
    if reason == CloseReason.NO_NETWORK and not manages_case(by, case):
        raise NotPermitted(
            "Closing a case because no network was identified must be signed off by a manager: ask a manager "
            f"over the {case.team.name} to close it.",
            field="reason",
        )
    outcome = outcome or ""
    if outcome and outcome not in Outcome.values:
        raise RuleBroken(f"Unknown outcome “{outcome}”.", field="outcome")
    if reason == CloseReason.ENTERED_CARE:
        if outcome and outcome != Outcome.ENTERED_CARE:
            raise RuleBroken(
                "The case closes because the child entered care: the outcome is “child entered care”.", field="outcome"
            )
        outcome = Outcome.ENTERED_CARE
    ensure_transition(case.status, CaseStatus.CLOSED, CASE_TRANSITIONS, label="case")
    previous = case.status
    case.status = CaseStatus.CLOSED
    case.closed_on = timezone.localdate()
    case.closed_by = by
    case.close_reason = reason
    case.close_note = note
    case.outcome = outcome
    case.save(update_fields=["status", "closed_on", "closed_by", "close_reason", "close_note", "outcome", "updated_at"])
    outcome_checks = _schedule_outcomes(case)
    label = CloseReason(reason).label
    record_event(
        obj=case,
        action="case_closed",
        by=by,
        case_id=case.pk,
        from_state=previous,
        to_state=case.status,
        reason=f"{label}: {note}" if note else label,
        changes={
            "close_reason": reason,
            "outcome": outcome or None,
            "outcome_checks": outcome_checks,
            **_retention_changes(case),
        },
    )
    _cancel_arranged_meetings(case, by=by, reason=f"The case closed: {label.lower()}.")
    workflow.advance(process=case.process, action="case_closed", by=by)
    return case


def _cancel_arranged_meetings(case: Case, *, by, reason: str) -> None:
    """A meeting still to be held when the case closes will not be held: it is cancelled (its own
    `meeting_cancelled` event), so a reopened case arranges a new one from its network."""
    for meeting in case.meetings.select_for_update().filter(status__in=MEETING_ARRANGED).order_by("id"):
        previous = meeting.status
        ensure_transition(previous, MeetingStatus.CANCELLED, MEETING_TRANSITIONS, label="meeting")
        meeting.status = MeetingStatus.CANCELLED
        meeting.cancelled_at = timezone.now()
        meeting.cancelled_by = by
        meeting.cancel_reason = reason
        meeting.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
        record_event(
            obj=meeting,
            action="meeting_cancelled",
            by=by,
            case_id=case.pk,
            from_state=previous,
            to_state=meeting.status,
            reason=reason,
        )


def resume_status(case: Case) -> str:
    """Where a reopened case's work stands, as the flow reads it when it resumes: a lead practitioner
    and an accepted plan (its newest) — the review; a lead — the network; else the allocation."""
    if not case.lead_practitioner_id:
        return CaseStatus.REFERRED
    newest = case.plans.order_by("-version").first()
    if newest is not None and newest.status == PlanStatus.ACCEPTED:
        return CaseStatus.PLAN_ACCEPTED
    return CaseStatus.ALLOCATED


@transaction.atomic
def case_reopen(*, case_id: int, by, reason: str) -> Case:
    """A manager over the case reopens it (closed, or its referral declined) within FGDM_REOPEN_DAYS
    of closing, with the reason. Its status goes back to where its work stands (`resume_status`);
    the closing's fields are cleared (the `case_reopened` event keeps what they were).

    Raises NotPermitted (not a manager over the case), InvalidTransition (open; the period has
    passed: make a new referral linked to the case), RuleBroken (no reason).
    """
    case = _lock_case(case_id)
    ensure_may_reopen(by, case)
    reason = (reason or "").strip()
    if not reason:
        raise RuleBroken("Say why the case is reopened.", field="reason")
    target = resume_status(case)
    ensure_transition(case.status, target, CASE_TRANSITIONS, label="case")
    previous = case.status
    was = {
        "closed_on": case.closed_on.isoformat() if case.closed_on else None,
        "closed_by": case.closed_by.get_username() if case.closed_by_id else None,
        "close_reason": case.close_reason or None,
        "close_note": case.close_note or None,
        "outcome": case.outcome or None,
    }
    case.status = target
    case.closed_on, case.closed_by = None, None
    case.close_reason = case.close_note = case.outcome = ""
    case.save(update_fields=["status", "closed_on", "closed_by", "close_reason", "close_note", "outcome", "updated_at"])
    record_event(
        obj=case,
        action="case_reopened",
        by=by,
        case_id=case.pk,
        from_state=previous,
        to_state=target,
        reason=reason,
        changes={name: [value, None] for name, value in was.items() if value is not None},
    )
    workflow.advance(process=case.process, action="case_reopened", by=by)
    return case
