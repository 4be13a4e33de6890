"""The notifications floor's answer to `core.notify.announce`: who is told what, how.

Each event has a recipients function that turns the announcement's details into messages
(`Message`: a person, why, which template, what to fill in). The handler then picks each person's
channels — staff by their preferences (`Preference`, e-mail by default), network members only
through `fgdm.contact.member_contact` (what they agreed to; nothing to anyone excluded) — and
writes one `Notification` row per person and channel in the announcing service's transaction.
The rows are unique on (key, recipient, channel), so announcing the same happening again makes
nothing new. After COMMIT each new row is queued for sending (notifications.tasks); without a Notify
API key the row is kept in the outbox instead.
"""

from django.conf import settings
from django.db import IntegrityError, transaction

from fgdm.contact import member_contact
from notifications import recipients
from notifications.constants import Channel, Choice, Status
from notifications.delivery import outbox_mode
from notifications.messages import EVENTS, Message
from notifications.models import Notification, Preference, StaffContact


def staff_addresses(user, kind: str) -> list[tuple[str, str]]:
    """(channel, address) for a member of staff and one kind of message: their choice, e-mail by default."""
    row = Preference.objects.filter(user=user, kind=kind).first()
    choice = row.choice if row else Choice.EMAIL
    if choice == Choice.EMAIL and user.email:
        return [(Channel.EMAIL, user.email)]
    if choice == Choice.SMS:
        mobile = StaffContact.objects.filter(user=user).values_list("mobile", flat=True).first()
        if mobile:
            return [(Channel.SMS, mobile)]
    return []


def member_addresses(member) -> list[tuple[str, str]]:
    """(channel, address) a network member agreed to; none for anyone excluded or not agreeing."""
    contact = member_contact(member)
    if contact is None:
        return []
    found = []
    if contact.email:
        found.append((Channel.EMAIL, contact.email))
    if contact.phone:
        found.append((Channel.SMS, contact.phone))
    return found


class Handler:
    """Registered with core.notify at start-up (notifications/apps.py)."""

    def announce(self, *, event: str, key: str, details: dict) -> None:
        recipients_of = EVENTS.get(event)
        if recipients_of is None:
            return
        created = []
        for message in recipients_of(details):
            created += write(event=event, key=key, message=message)
        if created and not outbox_mode():
            from notifications.tasks import enqueue_send

            for pk in created:
                transaction.on_commit(lambda pk=pk: enqueue_send(pk))


def write(*, event: str, key: str, message: Message) -> list[int]:
    """The rows for one person (one per channel), skipping those this happening already made."""
    if message.member is not None:
        recipient = f"member:{message.member.pk}"
        addresses = member_addresses(message.member)
    else:
        recipient = f"user:{message.user.pk}"
        addresses = staff_addresses(message.user, message.kind)
    created = []
    for channel, address in addresses:
        if Notification.objects.filter(key=key, recipient=recipient, channel=channel).exists():
            continue
        try:
            with transaction.atomic():  # a savepoint: a duplicate from a concurrent announcer is skipped
                row = Notification.objects.create(
                    event=event,
                    key=key[:200],
                    recipient=recipient,
                    user=message.user,
                    member=message.member,
                    to_role=message.to_role,
                    case_id=message.case_id,
                    about_plan=message.about_plan,
                    channel=channel,
                    address=address,
                    template=message.template,
                    template_id=settings.NOTIFY_TEMPLATES.get(message.template, ""),
                    personalisation={k: str(v) for k, v in message.personalisation.items()},
                    status=Status.OUTBOX if outbox_mode() else Status.QUEUED,
                )
        except IntegrityError:
            continue
        created.append(row.pk)
    return created


# The events' recipients live in notifications/recipients.py; importing it fills EVENTS.
__all__ = ["EVENTS", "Handler", "Message", "recipients"]
