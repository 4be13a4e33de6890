"""A case's children after the referral: add one (a new baby, a child the referral missed), correct
a child's name or date of birth, record the birth of a child who was expected, remove one added in
error. Nothing is deleted: a removed child is marked (who, when, why), kept in the trail and left
out of lists. A case keeps at least one child.

A child's names and dates never reach the trail: field history masks them (audit.masking), and the
events here say which of them changed, not what they were.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from audit.masking import MASK, mask, masked_fields
from audit.services import record_event
from core import bounds
from core.exceptions import InvalidTransition, RuleBroken
from fgdm.constants import ENDED_STATUSES
from fgdm.models import Case, Child
from fgdm.permissions import ensure_can_work_case
from fgdm.services.cases import _child_dates, _child_names, _lock_case, ensure_born, ensure_child_details

CHILD_DETAILS = ("first_name", "last_name", "date_of_birth", "expected_on")
# What a child needs to take part: their language, whether they need an interpreter, and other
# communication needs. Events say that the language and needs changed, not to what.
NEEDS_DETAILS = ("language", "interpreter_needed", "communication_needs")


def _needs(changes: dict) -> dict:
    """The communication needs asked for, as stored. Raises RuleBroken on the field."""
    wanted = {}
    for name in NEEDS_DETAILS:
        if name not in changes:
            continue
        value = changes[name]
        if name == "interpreter_needed":
            if not isinstance(value, bool):
                raise RuleBroken("Answer yes or no.", field=name)
            wanted[name] = value
        elif name == "language":
            wanted[name] = bounds.ensure_text(
                " ".join(str(value or "").split()), field=name, max_length=bounds.max_length_of(Child, name)
            )
        else:
            wanted[name] = bounds.ensure_text(str(value or "").strip(), field=name)
    return wanted


def _ensure_open(case: Case, doing: str) -> None:
    if case.status in ENDED_STATUSES:
        raise InvalidTransition(f"The case is closed: a manager must reopen it before {doing}.")


def _lock_child(child_id: int) -> tuple[Case, Child]:
    """The child's case, then the child, locked in that order (as every case step locks)."""
    case_id = Child.objects.values_list("case_id", flat=True).get(pk=child_id)
    case = _lock_case(case_id)
    return case, Child.objects.select_for_update().get(pk=child_id)


def _ensure_on_case(child: Child, doing: str) -> None:
    if child.is_removed:
        raise InvalidTransition(
            f"{child} was removed from the case on {timezone.localtime(child.removed_at):%-d %B %Y}; "
            f"add them to the case again before {doing}."
        )


def _masked(changes: dict) -> dict:
    """Before and after of what changed, each value masked where the field history masks it."""
    hidden = masked_fields("fgdm.child")

    def shown(name, value):
        if name in hidden:
            return mask(value)
        return value.isoformat() if isinstance(value, datetime.date) else value

    return {name: [shown(name, value) for value in values] for name, values in changes.items()}


@transaction.atomic
def child_add(
    *,
    case_id: int,
    by,
    last_name: str,
    reason: str,
    first_name: str = "",
    date_of_birth: datetime.date | None = None,
    expected_on: datetime.date | None = None,
) -> Child:
    """Add a child to the case after the referral, with the reason (a new baby, a child the referral
    missed). A child not yet born is added with the date they are expected and, if known, a name.

    Raises NotPermitted (not a practitioner of the case), InvalidTransition (closed case),
    RuleBroken (no reason; both or neither of the dates; a date of birth in the future; an expected
    date passed or more than 44 weeks ahead; no last name; a born child without a first name).
    """
    case = _lock_case(case_id)
    ensure_can_work_case(by, case)
    _ensure_open(case, "a child can be added")
    reason = str(reason or "").strip()
    if not reason:
        raise RuleBroken("Say why the child is added to the case.", field="reason")
    bounds.ensure_text(reason, field="reason")
    most = bounds.max_children()
    if case.children.current().count() >= most:
        raise RuleBroken(f"A case has at most {most} children: remove one added in error first.")
    first_name, last_name = ensure_child_details(
        first_name=first_name, last_name=last_name, date_of_birth=date_of_birth, expected_on=expected_on
    )
    child = Child.objects.create(
        case=case, first_name=first_name, last_name=last_name, date_of_birth=date_of_birth, expected_on=expected_on
    )
    record_event(
        obj=child,
        action="child_added",
        by=by,
        case_id=case.pk,
        to_state="expected" if child.is_unborn else "born",
        reason=reason,
    )
    return child


@transaction.atomic
def child_update(*, child_id: int, by, **changes) -> Child:
    """Correct a child's first or last name, date of birth or — for a child not yet born — the date
    they are expected — or record their language, whether they need an interpreter and their other
    communication needs. Giving a date of birth to a child who was expected records the birth (their
    first name too, if it was not known): one `child_born` event. Otherwise one `child_updated`
    event says which details changed (masked, as in the field history), and nothing is recorded if
    nothing changed.

    Raises NotPermitted (not a practitioner of the case), InvalidTransition (closed case; removed
    child), RuleBroken (unknown field; an empty name; a date of birth in the future or taken away;
    an expected date for a child already born, passed, or more than 44 weeks ahead).
    """
    case, child = _lock_child(child_id)
    ensure_can_work_case(by, case)
    _ensure_open(case, "a child's details can be corrected")
    _ensure_on_case(child, "correcting their details")
    unknown = sorted(set(changes) - set(CHILD_DETAILS) - set(NEEDS_DETAILS))
    if unknown:
        raise RuleBroken(f"“{unknown[0]}” is not a detail of a child that can be corrected here.", field=unknown[0])
    needs = _needs(changes)
    wanted = {name: changes.get(name, getattr(child, name)) for name in CHILD_DETAILS}
    born_now = child.is_unborn and wanted["date_of_birth"] is not None
    if born_now:
        ensure_born(wanted["date_of_birth"])
        wanted["expected_on"] = None  # the birth replaces the expected date
    elif child.is_unborn:
        if wanted["expected_on"] != child.expected_on:
            _child_dates(None, wanted["expected_on"])  # a new expected date is checked as a new one
    else:
        if wanted["date_of_birth"] is None:
            raise RuleBroken("A child's date of birth can be corrected, not taken away.", field="date_of_birth")
        if wanted["expected_on"] is not None:
            raise RuleBroken(f"{child} is born: correct the date of birth instead.", field="expected_on")
        if wanted["date_of_birth"] != child.date_of_birth:  # a stored date is not checked again
            ensure_born(wanted["date_of_birth"])
    wanted["first_name"], wanted["last_name"] = _child_names(
        wanted["first_name"], wanted["last_name"], born=wanted["date_of_birth"] is not None
    )
    wanted.update(needs)
    changed = {name: [getattr(child, name), value] for name, value in wanted.items() if getattr(child, name) != value}
    if not changed:
        return child
    for name in changed:
        setattr(child, name, wanted[name])
    child.save(update_fields=list(changed))
    recorded = _masked({name: values for name, values in changed.items() if name not in NEEDS_DETAILS})
    for name, values in changed.items():
        if name in NEEDS_DETAILS:
            recorded[name] = values if name == "interpreter_needed" else [MASK, MASK]
    record_event(
        obj=child,
        action="child_born" if born_now else "child_updated",
        by=by,
        case_id=case.pk,
        from_state="expected" if born_now else "",
        to_state="born" if born_now else "",
        changes=recorded,
    )
    return child


@transaction.atomic
def child_remove(*, child_id: int, by, reason: str) -> Child:
    """Take a child off the case (added in error, or no longer part of this family's case), with the
    reason. Nothing is deleted: the child is marked removed (who, when, why), stays in the trail and
    in subject access exports, and is left out of lists. A case keeps at least one child.

    Raises NotPermitted (not a practitioner of the case), InvalidTransition (closed case; already
    removed; the case's only child), RuleBroken (no reason).
    """
    case, child = _lock_child(child_id)
    ensure_can_work_case(by, case)
    _ensure_open(case, "a child can be removed")
    if child.is_removed:
        raise InvalidTransition(
            f"{child} was already removed from the case on {timezone.localtime(child.removed_at):%-d %B %Y}."
        )
    if not case.children.current().exclude(pk=child.pk).exists():
        raise InvalidTransition(
            f"A case keeps at least one child and {child} is the only one: add the right child first, "
            "then remove this one."
        )
    reason = str(reason or "").strip()
    if not reason:
        raise RuleBroken("Say why the child is removed from the case.", field="reason")
    child.removed_at, child.removed_by, child.removal_reason = timezone.now(), by, reason
    child.save(update_fields=["removed_at", "removed_by", "removal_reason"])
    record_event(
        obj=child,
        action="child_removed",
        by=by,
        case_id=case.pk,
        from_state="on_case",
        to_state="removed",
        reason=reason,
    )
    return child
