"""Links that let a network member read their family's plan: issued and revoked by the case's
practitioners, one service each (lock, check, change, one audit event).

The token is made here and leaves only in the announcement to the notifications floor (the url of
the message sent to the member): the database keeps its SHA-256, and neither the trail, the logs
nor the API ever show it.
"""

import datetime
import secrets

from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from core.exceptions import InvalidTransition, RuleBroken
from core.notify import announce
from family.constants import REPLACED, LinkStatus
from family.links import link_days, link_url, token_hash, why_no_link
from family.models import FamilyLink
from fgdm.constants import ENDED_STATUSES
from fgdm.models import Case, NetworkMember
from fgdm.permissions import ensure_can_work_case

MAX_DAYS = 90


def _lock(member_id: int) -> tuple[Case, NetworkMember]:
    """The member's case, then the member, locked in that order (as every case step locks)."""
    case_id = NetworkMember.objects.values_list("case_id", flat=True).get(pk=member_id)
    case = Case.objects.select_for_update(of=("self",)).get(pk=case_id)
    return case, NetworkMember.objects.select_for_update().get(pk=member_id)


def _days(days) -> int:
    if days is None:
        return link_days()
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise RuleBroken(f"A link works for 1 to {MAX_DAYS} days.", field="days")
    return days


@transaction.atomic
def family_link_issue(*, member_id: int, by, days: int | None = None) -> FamilyLink:
    """Send a network member a link to read their family's plan, working for `days` (default
    `FGDM_FAMILY_LINK_DAYS`). A member has one live link: an older one not yet revoked is revoked
    now. The link is announced (`family_link_issued`, with its url) for the notifications floor to
    send on the channel the member agreed. One `family_link_issued` event (naming links it replaced).

    Raises NotPermitted (not a practitioner of the case), InvalidTransition (closed case; the member
    removed, excluded for safety (or proposed), not agreed to messages or with no address for what
    they agreed), RuleBroken (days out of range).
    """
    case, member = _lock(member_id)
    ensure_can_work_case(by, case)
    if case.status in ENDED_STATUSES:
        raise InvalidTransition("The case is closed: no link to the plan can be sent.")
    refusal = why_no_link(member)
    if refusal:
        raise InvalidTransition(refusal, field="member")
    days = _days(days)
    now = timezone.now()
    replaced = []
    for older in FamilyLink.objects.select_for_update().filter(member=member, revoked_at__isnull=True):
        older.revoked_at, older.revoked_by, older.revoked_reason = now, by, REPLACED
        older.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
        replaced.append(older.pk)
    token = secrets.token_urlsafe(32)
    link = FamilyLink(
        member=member,
        token_hash=token_hash(token),
        created_by=by,
        created_at=now,
        expires_at=now + datetime.timedelta(days=days),
    )
    link.save()
    expires_on = timezone.localdate(link.expires_at)
    record_event(
        obj=link,
        action="family_link_issued",
        by=by,
        case_id=case.pk,
        to_state=LinkStatus.LIVE,
        changes={"member": member.pk, "expires_on": expires_on.isoformat(), "replaced_links": replaced},
    )
    announce(
        "family_link_issued",
        key=f"family-link:{link.pk}",
        link_id=link.pk,
        member_id=member.pk,
        url=link_url(token),
        expires_on=expires_on.isoformat(),
    )
    return link


@transaction.atomic
def family_link_revoke(*, link_id: int, by, reason: str) -> FamilyLink:
    """Stop a link to the plan working now, with the reason. One `family_link_revoked` event.

    Raises NotPermitted (not a practitioner of the case), InvalidTransition (already revoked),
    RuleBroken (no reason).
    """
    member_id = FamilyLink.objects.values_list("member_id", flat=True).get(pk=link_id)
    case, _member = _lock(member_id)
    link = FamilyLink.objects.select_for_update().get(pk=link_id)
    ensure_can_work_case(by, case)
    if link.revoked_at is not None:
        raise InvalidTransition("This link was revoked already.")
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise RuleBroken("Say why the link should stop working.", field="reason")
    if len(reason) > 1000:
        raise RuleBroken("At most 1,000 characters.", field="reason")
    before = link.status
    link.revoked_at, link.revoked_by, link.revoked_reason = timezone.now(), by, reason
    link.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
    record_event(
        obj=link,
        action="family_link_revoked",
        by=by,
        case_id=case.pk,
        from_state=before,
        to_state=LinkStatus.REVOKED,
        reason=reason,
    )
    return link
