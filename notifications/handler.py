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
from django.db import connection, transaction

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
    """The rows for one person (one per channel), skipping those this happening already made.

    A member of staff with an e-mail address and no other choice for this kind of message (the
    usual case) costs one statement: the row is inserted unless a preference says otherwise or the
    happening already made it. Only when nothing was inserted are the preferences read."""
    if message.member is not None:
        recipient = f"member:{message.member.pk}"
        addresses = member_addresses(message.member)
    else:
        recipient = f"user:{message.user.pk}"
        if message.user.email:
            row = _row(event=event, key=key, recipient=recipient, message=message)
            pk = _insert_once(row, Channel.EMAIL, message.user.email, unless_chosen=(message.user.pk, message.kind))
            if pk is not None:
                return [pk]
        addresses = staff_addresses(message.user, message.kind)
    created = []
    for channel, address in addresses:
        pk = _insert_once(_row(event=event, key=key, recipient=recipient, message=message), channel, address)
        if pk is not None:
            created.append(pk)
    return created


def _row(*, event: str, key: str, recipient: str, message: Message) -> Notification:
    return Notification(
        event=event,
        key=key[:200],
        recipient=recipient,
        user=message.user,
        member=message.member,
        to_role=message.to_role,
        case_id=message.case_id,
        about_plan=message.about_plan,
        template=message.template,
        template_id=settings.NOTIFY_TEMPLATES.get(message.template, ""),
        personalisation={k: str(v) for k, v in message.personalisation.items()},
        status=Status.OUTBOX if outbox_mode() else Status.QUEUED,
    )


def _insert_once(row: Notification, channel: str, address: str, unless_chosen=None) -> int | None:
    """INSERT the row on `channel` unless one for the same happening, person and channel exists
    (the unique constraint: ON CONFLICT DO NOTHING, which a concurrent announcer also meets), and,
    with `unless_chosen` (user id, kind), unless that person chose something other than e-mail for
    that kind. Returns the new row's id, or None when nothing was inserted."""
    row.channel, row.address = channel, address
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    typed = connection.vendor == "postgresql"  # SQLite takes the values as they are
    values = ", ".join(f"CAST(%s AS {f.cast_db_type(connection)})" if typed else "%s" for f in fields)
    params = [f.get_db_prep_save(f.pre_save(row, True), connection) for f in fields]
    target = f"INSERT INTO {quote(Notification._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
    if unless_chosen is None:
        source = f"VALUES ({values})"
    else:
        preference = Preference._meta
        source = (
            f"SELECT {values} WHERE NOT EXISTS (SELECT 1 FROM {quote(preference.db_table)} WHERE "
            f"{quote(preference.get_field('user').column)} = %s AND {quote(preference.get_field('kind').column)} = %s "
            f"AND {quote(preference.get_field('choice').column)} <> %s)"
        )
        params += [unless_chosen[0], unless_chosen[1], Choice.EMAIL]
    unique = ", ".join(quote(Notification._meta.get_field(name).column) for name in ("key", "recipient", "channel"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"{target} {source} ON CONFLICT ({unique}) DO NOTHING RETURNING {quote(Notification._meta.pk.column)}",
            params,
        )
        found = cursor.fetchone()
    return found[0] if found else None


# The events' recipients live in notifications/recipients.py; importing it fills EVENTS.
__all__ = ["EVENTS", "Handler", "Message", "recipients"]
