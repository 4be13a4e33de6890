"""The pre-proceedings duty (Children Act 1989 s.31ZA, inserted by the Children's Wellbeing and
Schools Act 2026): the offer of a family meeting, the answers, the exemption and the application."""

import datetime

from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken, ensure_transition
from fgdm.constants import (
    PRE_PROCEEDINGS_TRANSITIONS,
    ApplicationBasis,
    MeetingModel,
    MeetingStatus,
    PreProceedingsStatus,
    Stage,
)
from fgdm.models import (
    Case,
    PreProceedings,
)
from fgdm.permissions import ensure_can_manage_case, ensure_can_work_case
from fgdm.services.cases import _lock_case


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
