"""The pre-proceedings duty (Children Act 1989 s.31ZA, inserted by s.1 of the Children's Wellbeing
and Schools Act 2026).

Before applying for a care or supervision order (interim ones too), from whatever stage the case is
at, the council offers each parent and each holder of parental responsibility a family group
decision-making meeting, unless a manager decides that offering it is not in the child's best
interests. If anyone accepts, the meeting is held after the offer and before the application.

The section comes into force on a day set by regulations (`FGDM_S31ZA_COMMENCEMENT`). Before that
day the steps are recorded as good practice, and an application without the duty met is recorded
with a note that the duty was not yet in force; from that day such an application is refused.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from core import bounds
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken, ensure_transition
from fgdm.constants import (
    ENDED_STATUSES,
    OFFER_ANSWER_TRANSITIONS,
    PRE_PROCEEDINGS_TRANSITIONS,
    ApplicationBasis,
    MeetingStatus,
    OfferAnswer,
    OfferCapacity,
    OfferMethod,
    OrderKind,
    PreProceedingsStatus,
)
from fgdm.models import Case, PreProceedings, PreProceedingsOffer
from fgdm.permissions import ensure_can_manage_case, ensure_can_work_case, ensure_can_work_or_manage_case
from fgdm.services.cases import _lock_case

DUTY = "The pre-proceedings duty (Children Act 1989 s.31ZA)"


def _day(day: datetime.date) -> str:
    return f"{day:%-d %B %Y}"


def duty_commencement() -> datetime.date | None:
    """The day s.31ZA comes into force (`FGDM_S31ZA_COMMENCEMENT`), or None while it has not been set.

    Raises ImproperlyConfigured (not an ISO date; `manage.py check` says so first).
    """
    value = getattr(settings, "FGDM_S31ZA_COMMENCEMENT", "") or ""
    if isinstance(value, datetime.date):
        return value
    value = str(value).strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ImproperlyConfigured("FGDM_S31ZA_COMMENCEMENT must be an ISO date (YYYY-MM-DD) or empty.")


def duty_in_force(on: datetime.date) -> bool:
    """Whether s.31ZA is in force on a day."""
    commencement = duty_commencement()
    return commencement is not None and on >= commencement


@dataclass(frozen=True)
class DutyPosition:
    """Where the duty stands for an application on a day: the basis it could be made on, or what is
    missing (in plain words)."""

    basis: str | None
    missing: str = ""

    @property
    def basis_label(self) -> str:
        return ApplicationBasis(self.basis).label if self.basis else ""


def duty_position(record: PreProceedings, *, on: datetime.date) -> DutyPosition:
    """Whether the duty is met for an application made on `on` (the page asks it too)."""
    if record.status == PreProceedingsStatus.EXEMPT:
        return DutyPosition(ApplicationBasis.EXEMPTION)
    offers = [offer for offer in record.offers.select_related("member") if offer.offered_on <= on]
    if not offers:
        return DutyPosition(
            None,
            "No parent or holder of parental responsibility has been offered a family group decision-making "
            "meeting before the application.",
        )
    waiting = [offer.person_name for offer in offers if offer.answer == OfferAnswer.PENDING]
    if waiting:
        return DutyPosition(
            None,
            "Record the answer to the offer of " + ", ".join(waiting) + ": accepted, declined, or no reply by a date.",
        )
    accepted = [offer for offer in offers if offer.answer == OfferAnswer.ACCEPTED]
    if not accepted:
        return DutyPosition(ApplicationBasis.DECLINED)
    first_offer = min(offer.offered_on for offer in accepted)
    held = record.case.meetings.filter(status=MeetingStatus.HELD, held_on__gte=first_offer, held_on__lte=on).exists()
    if held:
        return DutyPosition(ApplicationBasis.MEETING_HELD)
    return DutyPosition(
        None,
        ", ".join(offer.person_name for offer in accepted)
        + f" accepted the offer made on {_day(first_offer)}: a family group decision-making meeting must be held "
        "after the offer and before the application. A meeting held before the offer does not count.",
    )


def _ensure_open(case: Case) -> None:
    if case.status in ENDED_STATUSES:
        raise InvalidTransition(
            "The case is closed: a manager must reopen it before the pre-proceedings duty is recorded."
        )


def _lock_record(case: Case) -> PreProceedings:
    record = PreProceedings.objects.select_for_update().filter(case=case).first()
    if record is None:
        raise InvalidTransition(
            "Record the council's intention to apply for a care or supervision order first: that is what starts "
            "the pre-proceedings duty on the case."
        )
    record.case = case
    return record


def _no_application_yet(record: PreProceedings) -> None:
    if record.status == PreProceedingsStatus.APPLICATION_MADE:
        raise InvalidTransition(f"The application to court was recorded on {_day(record.application_made_on)}.")


@transaction.atomic
def pre_proceedings_record_intention(
    *, case_id: int, by, order_kind: str, intended_on: datetime.date
) -> PreProceedings:
    """The council intends to apply for a care or supervision order (interim ones too). At any stage
    of the case: recording it starts the pre-proceedings duty.

    Raises NotPermitted (not the case's practitioners or managers), InvalidTransition (already recorded;
    the case is closed), RuleBroken (unknown order; date in the future).
    """
    case = _lock_case(case_id)
    ensure_can_work_or_manage_case(by, case)
    _ensure_open(case)
    if PreProceedings.objects.filter(case=case).exists():
        raise InvalidTransition("The council's intention to apply to court is already recorded on this case.")
    if order_kind not in OrderKind.values:
        raise RuleBroken("Choose the order the council intends to apply for.", field="order_kind")
    bounds.ensure_past_date(intended_on, field="intended_on", what="The day the council decided to apply")
    record = PreProceedings(
        case=case,
        status=PreProceedingsStatus.INTENDED,
        order_kind=order_kind,
        intended_on=intended_on,
        stage_at_intention=case.stage,
        intention_recorded_by=by,
    )
    record.full_clean(exclude=["case"])
    record.save()
    record_event(
        obj=record,
        action="pre_proceedings_intended",
        by=by,
        case_id=case.pk,
        to_state=record.status,
        changes={"order_kind": order_kind, "intended_on": intended_on.isoformat(), "stage": case.stage},
    )
    return record


@transaction.atomic
def pre_proceedings_record_offer(
    *,
    case_id: int,
    by,
    method: str,
    offered_on: datetime.date,
    member_id: int | None = None,
    name: str = "",
    capacity: str = "",
) -> PreProceedingsOffer:
    """The meeting was offered to one person: a parent or holder of parental responsibility from the
    family's network (`member_id`), or someone not in it (`name` and `capacity`).

    Raises InvalidTransition (no intention recorded; exemption or application recorded), RuleBroken
    (not a parent nor a holder of parental responsibility; offered already; date out of range).
    """
    case = _lock_case(case_id)
    ensure_can_work_case(by, case)
    _ensure_open(case)
    record = _lock_record(case)
    _no_application_yet(record)
    if record.status == PreProceedingsStatus.EXEMPT:
        raise InvalidTransition(
            "A manager decided that offering a family group decision-making meeting is not in the child's best "
            "interests: it is not offered."
        )
    member = None
    if member_id is not None:
        if name.strip():
            raise RuleBroken(
                "Choose someone from the network, or name someone who is not in it — not both.", field="name"
            )
        member = case.network_members.current().filter(pk=member_id).first()
        if member is None:
            raise RuleBroken("Choose someone from this case's family network.", field="member")
        if not (member.is_parent or member.has_parental_responsibility):
            raise RuleBroken(
                f"The meeting is offered to each parent and each holder of parental responsibility: "
                f"{member.full_name} is neither.",
                field="member",
            )
        if record.offers.filter(member=member).exists():
            raise RuleBroken(f"The meeting was already offered to {member.full_name}.", field="member")
        capacity = OfferCapacity.PARENT if member.is_parent else OfferCapacity.PARENTAL_RESPONSIBILITY
        name = ""
    else:
        name = bounds.ensure_name(
            name,
            field="name",
            label="the name of the person offered the meeting",
            max_length=bounds.max_length_of(PreProceedingsOffer, "name"),
        )
        if capacity not in OfferCapacity.values:
            raise RuleBroken(
                "Say whether they are a parent or hold parental responsibility: the meeting is offered to them.",
                field="capacity",
            )
    if method not in OfferMethod.values:
        raise RuleBroken("Say how the meeting was offered.", field="method")
    bounds.ensure_past_date(offered_on, field="offered_on", what="The day the meeting was offered")
    if offered_on < record.intended_on:
        raise RuleBroken(
            f"The meeting is offered once the council intends to apply: not before {_day(record.intended_on)}.",
            field="offered_on",
        )
    offer = PreProceedingsOffer(
        record=record,
        member=member,
        name=name,
        capacity=capacity,
        method=method,
        offered_on=offered_on,
        offered_by=by,
    )
    offer.full_clean(exclude=["record", "member"])
    offer.save()
    previous = record.status
    if previous != PreProceedingsStatus.OFFERED:
        ensure_transition(
            previous, PreProceedingsStatus.OFFERED, PRE_PROCEEDINGS_TRANSITIONS, label="pre-proceedings duty"
        )
        record.status = PreProceedingsStatus.OFFERED
        record.save(update_fields=["status", "updated_at"])
    record_event(
        obj=offer,
        action="pre_proceedings_offered",
        by=by,
        case_id=case.pk,
        from_state=previous,
        to_state=record.status,
        changes={"method": method, "offered_on": offered_on.isoformat(), "capacity": capacity},
    )
    return offer


@transaction.atomic
def pre_proceedings_record_answer(
    *, case_id: int, by, offer_id: int, answer: str, answered_on: datetime.date
) -> PreProceedingsOffer:
    """The answer of one person offered the meeting: accepted, declined, or no reply by a date
    (`answered_on`). Someone who did not reply may still answer later; an acceptance or a refusal is final.

    Raises InvalidTransition (answered already; application recorded), RuleBroken (no such offer on
    the case; date before the offer or in the future).
    """
    case = _lock_case(case_id)
    ensure_can_work_case(by, case)
    _ensure_open(case)
    record = _lock_record(case)
    _no_application_yet(record)
    offer = PreProceedingsOffer.objects.select_for_update().filter(record=record, pk=offer_id).first()
    if offer is None:
        raise RuleBroken("Choose an offer made on this case.", field="offer")
    if answer not in OfferAnswer.values or answer == OfferAnswer.PENDING:
        raise RuleBroken("Record accepted, declined, or no reply by a date.", field="answer")
    if answer not in OFFER_ANSWER_TRANSITIONS[offer.answer]:
        raise InvalidTransition(
            f"{offer.person_name} has {offer.get_answer_display().lower()} the offer: that answer stands."
        )
    bounds.ensure_past_date(answered_on, field="answered_on", what="The date of the answer")
    if answered_on < offer.offered_on:
        raise RuleBroken(f"The answer comes after the offer: not before {_day(offer.offered_on)}.", field="answered_on")
    previous = offer.answer
    offer.answer = answer
    offer.answered_on = answered_on
    offer.answer_recorded_by = by
    offer.save(update_fields=["answer", "answered_on", "answer_recorded_by"])
    record_event(
        obj=offer,
        action="pre_proceedings_answered",
        by=by,
        case_id=case.pk,
        from_state=previous,
        to_state=answer,
        changes={"answered_on": answered_on.isoformat()},
    )
    return offer


@transaction.atomic
def pre_proceedings_record_exemption(*, case_id: int, by, reason: str) -> PreProceedings:
    """A best-interests exemption: offering a family group decision-making meeting is not in the
    child's best interests (for example, it would put the child at risk). The manager over the case
    who decides it records it, as themselves.

    Raises NotPermitted (not a manager over the case), RuleBroken (no reason), InvalidTransition
    (no intention recorded; exemption or application already recorded).
    """
    case = _lock_case(case_id)
    try:
        ensure_can_manage_case(by, case)
    except NotPermitted:
        raise NotPermitted(
            "Only a manager over this case decides a best-interests exemption, and confirms it signed in as themselves."
        )
    _ensure_open(case)
    record = _lock_record(case)
    _no_application_yet(record)
    reason = bounds.ensure_text(reason, field="reason")
    if not reason.strip():
        raise RuleBroken("Say why offering a family meeting is not in the child's best interests.", field="reason")
    ensure_transition(
        record.status, PreProceedingsStatus.EXEMPT, PRE_PROCEEDINGS_TRANSITIONS, label="pre-proceedings duty"
    )
    previous = record.status
    record.status = PreProceedingsStatus.EXEMPT
    record.exemption_reason = reason.strip()
    record.exemption_decided_by = by
    record.exemption_decided_on = timezone.localdate()
    record.full_clean(exclude=["case"])
    record.save()
    record_event(
        obj=record,
        action="pre_proceedings_exempt",
        by=by,
        case_id=case.pk,
        from_state=previous,
        to_state=record.status,
        reason=record.exemption_reason,
    )
    return record


@transaction.atomic
def pre_proceedings_record_application(*, case_id: int, by, made_on: datetime.date) -> PreProceedings:
    """The council applied to court. The duty is met when everyone offered declined or did not reply,
    a family group decision-making meeting was held after the offer someone accepted and before the
    application, or a manager recorded a best-interests exemption. From the day s.31ZA comes into
    force an application without the duty met is refused; before it, it is recorded with a note that
    the duty was not yet in force.

    Raises InvalidTransition naming what is missing, RuleBroken (date out of range).
    """
    case = _lock_case(case_id)
    ensure_can_manage_case(by, case)
    record = _lock_record(case)
    _no_application_yet(record)
    bounds.ensure_past_date(made_on, field="made_on", what="The day of the application")
    if made_on < record.intended_on:
        raise RuleBroken(
            f"The application comes after the council's intention to apply ({_day(record.intended_on)}).",
            field="made_on",
        )
    in_force = duty_in_force(made_on)
    position = duty_position(record, on=made_on)
    basis = position.basis
    if basis is None:
        if in_force:
            raise InvalidTransition(
                f"{DUTY} is in force since {_day(duty_commencement())} and is not met, so the application cannot be "
                f"made: {position.missing}"
            )
        basis = ApplicationBasis.NOT_IN_FORCE
    ensure_transition(
        record.status, PreProceedingsStatus.APPLICATION_MADE, PRE_PROCEEDINGS_TRANSITIONS, label="pre-proceedings duty"
    )
    previous = record.status
    record.status = PreProceedingsStatus.APPLICATION_MADE
    record.application_made_on = made_on
    record.application_basis = basis
    record.duty_in_force = in_force
    record.full_clean(exclude=["case"])
    record.save()
    record_event(
        obj=record,
        action="pre_proceedings_application_made",
        by=by,
        case_id=case.pk,
        from_state=previous,
        to_state=record.status,
        reason=(
            f"{DUTY} was not yet in force on {_day(made_on)}; recorded as good practice. Not met: {position.missing}"
            if basis == ApplicationBasis.NOT_IN_FORCE
            else ""
        ),
        changes={"basis": basis, "made_on": made_on.isoformat(), "duty_in_force": in_force},
    )
    return record
