"""The family app's part in retention and subject access requests (registered in apps.py).

Retention: a link keeps nothing about the family but who it was for and, once revoked, why. Once it
has stopped working (expired or revoked) for `FGDM_FAMILY_LINK_KEEP_DAYS` (a year unless the council
says), the reason it was revoked is removed; the trail keeps that it was sent and stopped.

Subject access: a network member's export lists the links sent to them (when, until when, when last
opened, whether and why stopped). Never the token, which nobody holds.
"""

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from audit.retention import Due
from audit.sar import Record, Section, Subject
from family.models import FamilyLink

REMOVED = "Removed"
STAFF_TEXT = "written by staff: may name third parties"


def keep_days() -> int:
    return int(getattr(settings, "FGDM_FAMILY_LINK_KEEP_DAYS", 365))


class FamilyLinkRecords:
    name = "family.familylink"

    def due(self, *, today: datetime.date):
        before = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min)) - datetime.timedelta(
            days=keep_days()
        )
        dead = Q(revoked_at__lt=before) | Q(revoked_at__isnull=True, expires_at__lt=before)
        links = (
            FamilyLink.objects.filter(dead)
            .exclude(revoked_reason__in=["", REMOVED])
            .select_related("member")
            .order_by("pk")
        )
        for link in links.iterator(chunk_size=2000):
            stopped = link.revoked_at or link.expires_at
            destroy_after = timezone.localdate(stopped) + datetime.timedelta(days=keep_days())
            yield Due("family_link", "family.familylink", link.pk, link.member.case_id, destroy_after, str(link))

    def destroy(self, due: Due):
        link = FamilyLink.objects.select_for_update().get(pk=due.object_id)
        link.revoked_reason = REMOVED
        link.save(update_fields=["revoked_reason"])
        return link, ["revoked_reason"]


def collect(subject: Subject) -> list[Section]:
    if subject.kind != "member":
        return []
    links = FamilyLink.objects.filter(member_id=subject.id).order_by("created_at", "id")
    if not links:
        return []
    section = Section("Links to your family's plan", "family view")
    for link in links:
        section.records.append(
            Record(f"Link sent {timezone.localdate(link.created_at):%-d %B %Y}")
            .add("Works until", timezone.localdate(link.expires_at))
            .add("Last opened", link.last_viewed_at)
            .add("Stopped", link.revoked_at)
            .add("Why it was stopped", link.revoked_reason, STAFF_TEXT if link.revoked_reason else "")
        )
    return [section]
