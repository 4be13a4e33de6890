"""The family network after a member is added: correct their details (name, relationship, whether
they are a parent or hold parental responsibility, contact details, language, interpreter,
communication needs) and remove them with a reason. Nothing is deleted: a removed member is marked
(who, when, why), kept in the trail, left out of lists and no longer named as a payee on a new item
(network_packages' item check). Payments already scheduled to them stand.

Whether a member may be paid is one rule, `NetworkMember.payment_eligible`: correcting the parent
or parental-responsibility flags changes it, and the event records that it did.
"""

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.utils import timezone

from audit.masking import MASK
from audit.services import record_event
from core import bounds
from core.exceptions import InvalidTransition, RuleBroken
from fgdm.constants import ENDED_STATUSES, Relationship
from fgdm.models import Case, NetworkMember
from fgdm.permissions import ensure_can_work_case
from fgdm.services.cases import _ensure_parent_flags, _lock_case

TEXT_DETAILS = ("full_name", "phone", "email", "address", "language", "communication_needs")
FLAG_DETAILS = ("is_parent", "has_parental_responsibility", "lives_with_child", "interpreter_needed")
MEMBER_DETAILS = (*TEXT_DETAILS, "relationship", *FLAG_DETAILS)
# How to reach someone and what they need to take part: the event says that these changed, not to
# what (the trail outlives the record, which retention clears).
CONTACT_DETAILS = {"phone", "email", "address", "language", "communication_needs"}


def _lock_member(member_id: int) -> tuple[Case, NetworkMember]:
    """The member's case, then the member, locked in that order (as every case step locks)."""
    case_id = NetworkMember.objects.values_list("case_id", flat=True).get(pk=member_id)
    case = _lock_case(case_id)
    return case, NetworkMember.objects.select_for_update().get(pk=member_id)


def _ensure_open(case: Case, member: NetworkMember, doing: str, *, removed: str) -> None:
    if case.status in ENDED_STATUSES:
        raise InvalidTransition(f"The case is closed: a manager must reopen it before {doing}.")
    if member.is_removed:
        raise InvalidTransition(
            f"{member} was removed from the network on {timezone.localtime(member.removed_at):%-d %B %Y}{removed}"
        )


def _cleaned(name: str, value):
    """One detail as stored, or RuleBroken on its field."""
    if name in FLAG_DETAILS:
        if not isinstance(value, bool):
            raise RuleBroken("Answer yes or no.", field=name)
        return value
    if name == "relationship":
        if value not in Relationship.values:
            raise RuleBroken(f"Unknown relationship “{value}”.", field=name)
        return value
    text = str(value if value is not None else "").strip()
    limit = NetworkMember._meta.get_field(name).max_length
    if name == "full_name" and text:
        text = bounds.ensure_name(text, field=name, label="member's full name", max_length=limit)
    if name != "address" and name != "communication_needs":
        text = " ".join(text.split())
    else:
        bounds.ensure_text(text, field=name)
    if limit and len(text) > limit:
        raise RuleBroken(f"At most {limit} characters.", field=name)
    if name == "full_name" and not text:
        raise RuleBroken("Give the member's full name.", field=name)
    if name == "email" and text:
        try:
            EmailValidator()(text)
        except ValidationError:
            raise RuleBroken("Enter an email address like name@example.co.uk.", field=name)
    return text


@transaction.atomic
def member_update(*, member_id: int, by, **changes) -> NetworkMember:
    """Correct a network member's details or add their contact details, language, whether they need
    an interpreter and their communication needs. Records one `member_updated` event with what
    changed (contact details as changed, not their values; `payment_eligible` when the parent or
    parental-responsibility flags change it), and nothing if nothing changed.

    Raises NotPermitted (not a practitioner of the case), InvalidTransition (closed case; removed
    member), RuleBroken (unknown field; an empty name; a bad email; an unknown relationship; a parent
    not marked as a parent).
    """
    case, member = _lock_member(member_id)
    ensure_can_work_case(by, case)
    _ensure_open(
        case, member, "their details can be corrected", removed="; add them to the network again to record more."
    )
    unknown = sorted(set(changes) - set(MEMBER_DETAILS))
    if unknown:
        raise RuleBroken(
            f"“{unknown[0]}” is not a detail of a network member that can be corrected here.", field=unknown[0]
        )
    wanted = {name: _cleaned(name, value) for name, value in changes.items()}
    _ensure_parent_flags(wanted.get("relationship", member.relationship), wanted.get("is_parent", member.is_parent))
    changed = {name: [getattr(member, name), value] for name, value in wanted.items() if getattr(member, name) != value}
    if not changed:
        return member
    eligible_before = member.payment_eligible
    for name in changed:
        setattr(member, name, wanted[name])
    member.save(update_fields=list(changed))
    recorded = {name: ([MASK, MASK] if name in CONTACT_DETAILS else values) for name, values in changed.items()}
    if member.payment_eligible != eligible_before:
        recorded["payment_eligible"] = [eligible_before, member.payment_eligible]
    record_event(obj=member, action="member_updated", by=by, case_id=case.pk, changes=recorded)
    return member


@transaction.atomic
def member_remove(*, member_id: int, by, reason: str) -> NetworkMember:
    """Take someone out of the family's network, with the reason. Nothing is deleted: the member is
    marked removed (who, when, why), stays in the trail, in plans they own actions of and in subject
    access exports, and is left out of lists. They can no longer be named as a payee on a new item;
    payments already scheduled to them stand (end or change the package to stop them).

    Raises NotPermitted (not a practitioner of the case), InvalidTransition (closed case; already
    removed), RuleBroken (no reason).
    """
    case, member = _lock_member(member_id)
    ensure_can_work_case(by, case)
    _ensure_open(case, member, "they can be removed", removed=" already.")
    reason = str(reason or "").strip()
    if not reason:
        raise RuleBroken("Say why they are removed from the network.", field="reason")
    member.removed_at, member.removed_by, member.removal_reason = timezone.now(), by, reason
    member.save(update_fields=["removed_at", "removed_by", "removal_reason"])
    record_event(
        obj=member,
        action="member_removed",
        by=by,
        case_id=case.pk,
        from_state="in_network",
        to_state="removed",
        reason=reason,
    )
    return member
