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
from core.exceptions import InvalidTransition, RuleBroken, ensure_not_same_person
from core.roles import Role, has_role
from fgdm.constants import (
    ENDED_STATUSES,
    MEETING_ARRANGED,
    ExclusionStatus,
    MeetingModel,
    MessageConsent,
    PreparationStatus,
    Relationship,
)
from fgdm.models import Case, NetworkMember
from fgdm.permissions import ensure_can_manage_case, ensure_can_work_case, ensure_no_conflict
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


NEEDS_EMAIL = (MessageConsent.EMAIL, MessageConsent.EMAIL_AND_SMS)
NEEDS_PHONE = (MessageConsent.SMS, MessageConsent.EMAIL_AND_SMS)


@transaction.atomic
def member_messages_set(*, member_id: int, by, messages: str) -> NetworkMember:
    """Record what a network member agreed to be sent by the council (meeting invitations, their
    actions, payments made, a link to the plan): by e-mail, by text message, both, or nothing
    (`none`, which is how someone opts out). Agreeing records when and who recorded it. One
    `member_messages_set` event (from the old answer to the new); nothing if nothing changed.

    Nobody excluded from the meetings for safety (or with an exclusion proposed) and nobody removed
    can be signed up: their safety comes first. Opting out is always possible, even then.

    Raises NotPermitted (not a practitioner of the case), InvalidTransition (removed member; closed
    case; excluded or exclusion proposed), RuleBroken (an unknown answer; no e-mail address or phone
    number held for the channel agreed).
    """
    case, member = _lock_member(member_id)
    ensure_can_work_case(by, case)
    messages = str(messages or "").strip()
    if messages not in MessageConsent.values:
        raise RuleBroken(f"Unknown answer “{messages}”: choose how they agreed to be sent messages.", field="messages")
    if member.is_removed:
        raise InvalidTransition(
            f"{member} was removed from the network on {timezone.localtime(member.removed_at):%-d %B %Y}: "
            "nothing is sent to them.",
            field="messages",
        )
    if messages != MessageConsent.NONE:
        _ensure_open(case, member, "they can be signed up to messages", removed=".")
        if member.excluded_from_meetings or member.exclusion_status == ExclusionStatus.PROPOSED:
            raise InvalidTransition(
                f"{member} is excluded from the family's meetings for safety (or it is proposed): the council "
                "sends them no messages.",
                field="messages",
            )
        if messages in NEEDS_EMAIL and not member.email:
            raise RuleBroken(
                f"No e-mail address is held for {member}: add it to their details first.", field="messages"
            )
        if messages in NEEDS_PHONE and not member.phone:
            raise RuleBroken(f"No phone number is held for {member}: add it to their details first.", field="messages")
    before = member.messages
    if messages == before:
        return member
    member.messages = messages
    member.messages_agreed_at = timezone.now() if messages != MessageConsent.NONE else None
    member.messages_recorded_by = by
    member.save(update_fields=["messages", "messages_agreed_at", "messages_recorded_by"])
    record_event(obj=member, action="member_messages_set", by=by, case_id=case.pk, from_state=before, to_state=messages)
    return member


def _ensure_may_propose_exclusion(by, case: Case) -> None:
    """The case's practitioners propose an exclusion; so does the coordinator of the case's
    conference still to be held (who prepares its network)."""
    conference = case.meetings.filter(status__in=MEETING_ARRANGED, model=MeetingModel.FGC, coordinator_id=by.pk)
    if has_role(by, Role.COORDINATOR) and conference.exists():
        ensure_no_conflict(by, case.pk)
        return
    ensure_can_work_case(by, case)


def ensure_may_propose_exclusion(user, member: NetworkMember) -> None:
    """Whether this person may propose excluding this member now (pages ask before offering it).

    Raises NotPermitted, InvalidTransition (closed case; removed member; already excluded or proposed).
    """
    case = member.case
    _ensure_may_propose_exclusion(user, case)
    _ensure_open(case, member, "an exclusion can be proposed", removed=".")
    if member.exclusion_status == ExclusionStatus.PROPOSED:
        raise InvalidTransition(
            f"Excluding {member} is already proposed and waits for a manager's sign-off.", field="exclusion"
        )
    if member.excluded_from_meetings:
        raise InvalidTransition(f"{member} is already excluded from the family's meetings.", field="exclusion")


def ensure_may_sign_off_exclusion(user, member: NetworkMember) -> None:
    """Whether this person may sign off the exclusion proposed for this member: a manager over the
    case who did not propose it (separation of duties).

    Raises NotPermitted (not a manager over the case), SeparationOfDuties (the proposer),
    InvalidTransition (nothing proposed; closed case; removed member).
    """
    case = member.case
    ensure_can_manage_case(user, case)
    _ensure_open(case, member, "an exclusion can be signed off", removed=".")
    if member.exclusion_status != ExclusionStatus.PROPOSED:
        raise InvalidTransition(f"No exclusion of {member} waits for sign-off.", field="exclusion")
    ensure_not_same_person(
        user,
        member.exclusion_proposed_by,
        message="Excluding someone for safety is signed off by a manager other than the person who proposed it.",
    )


@transaction.atomic
def member_exclusion_propose(
    *, member_id: int, by, reason: str, how_to_contribute: str, how_to_challenge: str
) -> NetworkMember:
    """Propose excluding a network member from the family's meetings for safety: why, how they may
    still contribute (a letter read out in the information stage, a call) and how they can challenge
    the exclusion. Nothing changes for the member until a manager over the case signs it off
    (`member_exclusion_sign_off`): until then they are not excluded. One `member_exclusion_proposed`
    event.

    Raises NotPermitted (not the case's practitioners or its conference's coordinator),
    InvalidTransition (closed case; removed member; already excluded or proposed), RuleBroken (no
    reason, way to contribute or way to challenge).
    """
    case, member = _lock_member(member_id)
    member.case = case
    ensure_may_propose_exclusion(by, member)
    wanted = {}
    for name, value, missing in (
        ("exclusion_reason", reason, "Say why it is not safe for this person to take part in the meetings."),
        ("how_to_contribute", how_to_contribute, "Say how this person can still contribute when excluded."),
        ("exclusion_challenge", how_to_challenge, "Say how this person can challenge being excluded."),
    ):
        text = bounds.ensure_text(str(value or "").strip(), field=name)
        if not text:
            raise RuleBroken(missing, field=name)
        wanted[name] = text
    for name, text in wanted.items():
        setattr(member, name, text)
    member.exclusion_status = ExclusionStatus.PROPOSED
    member.exclusion_proposed_by, member.exclusion_proposed_at = by, timezone.now()
    member.exclusion_signed_off_by, member.exclusion_signed_off_at = None, None
    member.save(
        update_fields=[
            *wanted,
            "exclusion_status",
            "exclusion_proposed_by",
            "exclusion_proposed_at",
            "exclusion_signed_off_by",
            "exclusion_signed_off_at",
        ]
    )
    record_event(
        obj=member,
        action="member_exclusion_proposed",
        by=by,
        case_id=case.pk,
        to_state=ExclusionStatus.PROPOSED,
        reason=member.exclusion_reason,
    )
    return member


@transaction.atomic
def member_exclusion_sign_off(*, member_id: int, by) -> NetworkMember:
    """A manager over the case signs off the proposed exclusion with their own sign-in: from now on
    the member is excluded from the family's meetings for safety (`excluded_from_meetings`; their
    preparation reads "excluded"), with the recorded way to contribute and to challenge it. One
    `member_exclusion_signed_off` event.

    Raises NotPermitted (not a manager over the case), SeparationOfDuties (the manager proposed it),
    InvalidTransition (nothing proposed; closed case; removed member).
    """
    case, member = _lock_member(member_id)
    member.case = case
    ensure_may_sign_off_exclusion(by, member)
    previous = member.preparation_status
    member.exclusion_status = ExclusionStatus.SIGNED_OFF
    member.exclusion_signed_off_by, member.exclusion_signed_off_at = by, timezone.now()
    member.excluded_from_meetings = True
    member.preparation_status = PreparationStatus.EXCLUDED
    member.preparation_updated_at = timezone.now()
    member.save(
        update_fields=[
            "exclusion_status",
            "exclusion_signed_off_by",
            "exclusion_signed_off_at",
            "excluded_from_meetings",
            "preparation_status",
            "preparation_updated_at",
        ]
    )
    record_event(
        obj=member,
        action="member_exclusion_signed_off",
        by=by,
        case_id=case.pk,
        from_state=ExclusionStatus.PROPOSED,
        to_state=ExclusionStatus.SIGNED_OFF,
        reason=member.exclusion_reason,
        changes={"preparation_status": [previous, PreparationStatus.EXCLUDED]},
    )
    return member
