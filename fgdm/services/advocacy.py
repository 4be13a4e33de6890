"""The offer of an advocate: to each child of the case, and to an adult of the family's network who
needs one — with the answer (accepted, with who the advocate is; declined; or no answer yet) and
its date. One offer is a row (AdvocacyOffer): an offer made again later is another row."""

import datetime

from django.db import transaction

from audit.services import record_event
from core import bounds
from core.exceptions import InvalidTransition, RuleBroken
from fgdm.constants import ENDED_STATUSES, AdvocacyAnswer
from fgdm.models import AdvocacyOffer, Case, Child, NetworkMember
from fgdm.permissions import ensure_can_work_case
from fgdm.services.cases import _lock_case


def _answer(*, offered_on, answer: str, answered_on, advocate: str, note: str) -> dict:
    """The answer as stored. Raises RuleBroken on its field."""
    if answer not in AdvocacyAnswer.values:
        raise RuleBroken("Choose the answer to the offer: accepted, declined or no answer yet.", field="answer")
    advocate = bounds.ensure_name(
        advocate,
        field="advocate",
        label="advocate",
        max_length=bounds.max_length_of(AdvocacyOffer, "advocate"),
        required=False,
    )
    note = bounds.ensure_text(str(note or "").strip(), field="note")
    if answer == AdvocacyAnswer.AWAITING:
        if answered_on is not None:
            raise RuleBroken("An offer with no answer yet has no date of answer.", field="answered_on")
    else:
        if answered_on is None:
            raise RuleBroken("Give the date of the answer.", field="answered_on")
        bounds.ensure_past_date(answered_on, field="answered_on", what="The day of the answer")
        if answered_on < offered_on:
            raise RuleBroken("The answer cannot come before the offer.", field="answered_on")
    if answer == AdvocacyAnswer.ACCEPTED and not advocate:
        raise RuleBroken("Name the advocate (or the advocacy service) the offer was accepted for.", field="advocate")
    if answer != AdvocacyAnswer.ACCEPTED and advocate:
        raise RuleBroken("An advocate is named only when the offer is accepted.", field="advocate")
    return {"answer": answer, "answered_on": answered_on, "advocate": advocate, "note": note}


def _ensure_open(case: Case, person) -> None:
    if case.status in ENDED_STATUSES:
        raise InvalidTransition("The case is closed: a manager must reopen it before an advocate can be offered.")
    if person.is_removed:
        raise InvalidTransition(f"{person} was removed from the case: an advocate is offered to those on it.")


@transaction.atomic
def advocacy_offer_record(
    *,
    by,
    offered_on: datetime.date,
    child_id: int | None = None,
    member_id: int | None = None,
    answer: str = AdvocacyAnswer.AWAITING,
    answered_on: datetime.date | None = None,
    advocate: str = "",
    note: str = "",
) -> AdvocacyOffer:
    """Record that an advocate was offered to a child of the case (`child_id`) or to an adult of the
    family's network who needs one (`member_id`), and the answer if there is one. One
    `advocacy_offered` event.

    Raises NotPermitted (not a practitioner of the case), InvalidTransition (closed case; removed
    child or member), RuleBroken (neither or both people; the offer's date; the answer without its
    date, before the offer, or accepted without naming the advocate).
    """
    if (child_id is None) == (member_id is None):
        raise RuleBroken("An advocate is offered to one person: a child or a member of the network.", field="person")
    model = Child if child_id is not None else NetworkMember
    person_id = child_id if child_id is not None else member_id
    case = _lock_case(model.objects.values_list("case_id", flat=True).get(pk=person_id))
    person = model.objects.select_for_update().get(pk=person_id)
    ensure_can_work_case(by, case)
    _ensure_open(case, person)
    if offered_on is None:
        raise RuleBroken("Give the date the advocate was offered.", field="offered_on")
    bounds.ensure_past_date(offered_on, field="offered_on", what="The day the advocate was offered")
    answered = _answer(offered_on=offered_on, answer=answer, answered_on=answered_on, advocate=advocate, note=note)
    offer = AdvocacyOffer.objects.create(
        case=case,
        child=person if child_id is not None else None,
        member=person if member_id is not None else None,
        offered_on=offered_on,
        offered_by=by,
        **answered,
    )
    record_event(
        obj=offer,
        action="advocacy_offered",
        by=by,
        case_id=case.pk,
        to_state=offer.answer,
        changes={"to": "child" if child_id is not None else "member", "offered_on": offered_on.isoformat()},
    )
    return offer


@transaction.atomic
def advocacy_offer_answer(
    *, offer_id: int, by, answer: str, answered_on: datetime.date | None, advocate: str = "", note: str = ""
) -> AdvocacyOffer:
    """Record the answer to an offer of an advocate that had none: accepted (naming the advocate) or
    declined, and when. One `advocacy_answered` event.

    Raises NotPermitted (not a practitioner of the case), InvalidTransition (closed case; already
    answered), RuleBroken (no answer; its date; accepted without naming the advocate).
    """
    case = _lock_case(AdvocacyOffer.objects.values_list("case_id", flat=True).get(pk=offer_id))
    offer = AdvocacyOffer.objects.select_for_update(of=("self",)).select_related("child", "member").get(pk=offer_id)
    ensure_can_work_case(by, case)
    _ensure_open(case, offer.person)
    if offer.answer != AdvocacyAnswer.AWAITING:
        raise InvalidTransition(
            f"The offer to {offer.person} was already {offer.get_answer_display().lower()} on "
            f"{offer.answered_on:%-d %B %Y}: record a new offer instead."
        )
    if answer == AdvocacyAnswer.AWAITING:
        raise RuleBroken("Choose the answer: accepted or declined.", field="answer")
    answered = _answer(
        offered_on=offer.offered_on, answer=answer, answered_on=answered_on, advocate=advocate, note=note or offer.note
    )
    for name, value in answered.items():
        setattr(offer, name, value)
    offer.save(update_fields=list(answered))
    record_event(
        obj=offer,
        action="advocacy_answered",
        by=by,
        case_id=case.pk,
        from_state=AdvocacyAnswer.AWAITING,
        to_state=offer.answer,
    )
    return offer
