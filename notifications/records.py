"""Retention and subject access for the messages (registered from NotificationsConfig.ready()).

Retention follows the case (fgdm.retention): when a closed case's records are due, each message
about it loses what identifies its recipient — the address and the personalisation (names, dates,
places). Event, template, channel, status and times stay for the numbers.
"""

from audit.retention import Due
from audit.sar import Record, Section, Subject
from fgdm.retention import CaseRecords
from notifications.models import Notification


class MessageRecords:
    name = "notifications.messages"

    def due(self, *, today):
        for case_due in CaseRecords().due(today=today):
            rows = Notification.objects.filter(case_id=case_due.case_id).exclude(address="", personalisation={})
            for pk in rows.values_list("pk", flat=True):
                yield Due(
                    case_due.retention_class,
                    "notifications.notification",
                    pk,
                    case_due.case_id,
                    case_due.destroy_after,
                    case_due.description,
                )

    def destroy(self, due: Due):
        record = Notification.objects.select_for_update().get(pk=due.object_id)
        record.address, record.personalisation = "", {}
        record.save(update_fields=["address", "personalisation"])
        return record, ["the address and what the message said"]


def collect(subject: Subject) -> list[Section]:
    """The messages sent (or kept in the outbox) to a network member."""
    if subject.kind != "member":
        return []
    section = Section("Messages we sent you", "notifications")
    for message in Notification.objects.filter(member_id=subject.id).order_by("created_at", "id"):
        record = (
            Record(f"{message.get_channel_display()}: {message.template}, {message.created_at:%Y-%m-%d}")
            .add("Sent to", message.address)
            .add("Status", message.get_status_display())
        )
        for name, value in message.personalisation.items():
            record.add(name, value)
        section.records.append(record)
    return [section] if section.records else []
