"""Where the council may send a network member messages: what they agreed to, and nothing else."""

from dataclasses import dataclass

from fgdm.constants import ExclusionStatus, MessageConsent


@dataclass(frozen=True)
class MemberContact:
    """The addresses a member agreed to be written to ('' where not agreed or not known)."""

    email: str
    phone: str


def member_contact(member) -> MemberContact | None:
    """Where `member` may be sent messages, or None.

    None for anyone removed from the network, excluded from meetings (or with an exclusion
    proposed): their safety comes first, so nothing goes to them whatever they agreed. None too
    for anyone who has not agreed, or who agreed to a channel we hold no address for.
    """
    if member.removed_at is not None or member.excluded_from_meetings:
        return None
    if member.exclusion_status == ExclusionStatus.PROPOSED:
        return None
    email = member.email if member.messages in (MessageConsent.EMAIL, MessageConsent.EMAIL_AND_SMS) else ""
    phone = member.phone if member.messages in (MessageConsent.SMS, MessageConsent.EMAIL_AND_SMS) else ""
    if not (email or phone):
        return None
    return MemberContact(email=email, phone=phone)
