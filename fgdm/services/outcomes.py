"""Children's outcomes after their case closes: at closure, 6 months and 12 months after
(OutcomeCheckpoint). Closing a case makes the three checks for each of its current children
(`_schedule_outcomes`, called by the closing services); each falls due on its day in the queue of the
case's lead practitioner — or of the team's managers if the practitioner has left the team
(`fgdm.selectors.outcomes_due`) — and is recorded by `outcome_record`: who the child lives with, and
whether they are on a child protection plan, whether care proceedings were issued and whether they
entered care. The case's process has ended by then: these are not workflow tasks. A reopened case
keeps its checks; closing it again on another day makes a new set.
"""

import datetime

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from core import bounds
from core.exceptions import InvalidTransition, RuleBroken
from fgdm.constants import OUTCOME_CHECKPOINT_MONTHS, LivingWith
from fgdm.models import Case, ChildOutcome
from fgdm.permissions import ensure_can_work_or_manage_case
from fgdm.services.cases import _lock_case


def outcome_due_on(closed_on: datetime.date, checkpoint: str) -> datetime.date:
    """The day a checkpoint falls due after a case closed on `closed_on`."""
    return closed_on + relativedelta(months=OUTCOME_CHECKPOINT_MONTHS[checkpoint])


def _schedule_outcomes(case: Case) -> int:
    """Make the outcome checks of a case that has just closed (the caller holds its lock and records
    the closing's event): for each current child, one at closure (due today), one 6 months and one
    12 months after. Returns how many were made (none again for a second closing the same day)."""
    closed_on = case.closed_on or timezone.localdate()
    made = 0
    for child in case.children.current().order_by("id"):
        for checkpoint in OUTCOME_CHECKPOINT_MONTHS:
            _, created = ChildOutcome.objects.get_or_create(
                child=child,
                checkpoint=checkpoint,
                closed_on=closed_on,
                defaults={"case": case, "due_on": outcome_due_on(closed_on, checkpoint)},
            )
            made += created
    return made


def ensure_may_record_outcome(user, outcome: ChildOutcome) -> None:
    """Whether this person may record this outcome now (pages ask before offering it): the case's
    practitioners or a manager over it, on or after the day it falls due, once.

    Raises NotPermitted, InvalidTransition (not due yet; already recorded).
    """
    ensure_can_work_or_manage_case(user, outcome.case)
    if outcome.is_recorded:
        raise InvalidTransition(
            f"The outcome {outcome.get_checkpoint_display().lower()} for {outcome.child} was already recorded on "
            f"{timezone.localtime(outcome.recorded_at):%-d %B %Y}."
        )
    if outcome.due_on > timezone.localdate():
        raise InvalidTransition(
            f"The outcome {outcome.get_checkpoint_display().lower()} for {outcome.child} falls due on "
            f"{outcome.due_on:%-d %B %Y}: it is recorded on that day or after, not before."
        )


def _yes_or_no(value, field: str, question: str) -> bool:
    if not isinstance(value, bool):
        raise RuleBroken(f"Answer yes or no: {question}", field=field)
    return value


@transaction.atomic
def outcome_record(
    *,
    outcome_id: int,
    by,
    living_with: str,
    on_child_protection_plan: bool,
    proceedings_issued: bool,
    entered_care: bool,
    living_with_detail: str = "",
) -> ChildOutcome:
    """Record one child's outcome at its checkpoint: who they live with (at home with parents, with
    family or friends, in care, other — with the detail for other), whether they are on a child
    protection plan, whether care proceedings were issued and whether they entered care. A closed
    case's people record it; a reopened case's too. One `outcome_recorded` event.

    Raises NotPermitted (not the case's practitioners or a manager over it), InvalidTransition (not
    due yet; already recorded), RuleBroken (an answer missing; "other" without its detail; living in
    care but not entered care).
    """
    case_id = ChildOutcome.objects.values_list("case_id", flat=True).get(pk=outcome_id)
    case = _lock_case(case_id)
    outcome = ChildOutcome.objects.select_for_update().select_related("child").get(pk=outcome_id)
    outcome.case = case
    ensure_may_record_outcome(by, outcome)
    if living_with not in LivingWith.values:
        raise RuleBroken("Choose who the child lives with.", field="living_with")
    detail = bounds.ensure_text(
        " ".join(str(living_with_detail or "").split()),
        field="living_with_detail",
        max_length=bounds.max_length_of(ChildOutcome, "living_with_detail"),
    )
    if living_with == LivingWith.OTHER and not detail:
        raise RuleBroken(
            "Say who the child lives with: a detail is needed when it is “other”.", field="living_with_detail"
        )
    on_plan = _yes_or_no(
        on_child_protection_plan, "on_child_protection_plan", "is the child on a child protection plan?"
    )
    issued = _yes_or_no(proceedings_issued, "proceedings_issued", "were care proceedings issued?")
    in_care = _yes_or_no(entered_care, "entered_care", "did the child enter care?")
    if living_with == LivingWith.IN_CARE and not in_care:
        raise RuleBroken("A child who lives in care has entered care: answer yes.", field="entered_care")
    outcome.living_with, outcome.living_with_detail = living_with, detail
    outcome.on_child_protection_plan, outcome.proceedings_issued, outcome.entered_care = on_plan, issued, in_care
    outcome.recorded_at, outcome.recorded_by = timezone.now(), by
    outcome.save(
        update_fields=[
            "living_with",
            "living_with_detail",
            "on_child_protection_plan",
            "proceedings_issued",
            "entered_care",
            "recorded_at",
            "recorded_by",
        ]
    )
    record_event(
        obj=outcome,
        action="outcome_recorded",
        by=by,
        case_id=case.pk,
        from_state="due",
        to_state="recorded",
        changes={
            "checkpoint": outcome.checkpoint,
            "living_with": living_with,
            "on_child_protection_plan": on_plan,
            "proceedings_issued": issued,
            "entered_care": in_care,
        },
    )
    return outcome
