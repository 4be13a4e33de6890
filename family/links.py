"""The plumbing of a link to the plan: its token's hash, its address, how long it works and why a
member cannot be sent one. No state changes here (those are family.services)."""

import hashlib
import re

from django.conf import settings
from django.urls import reverse

from fgdm.constants import ExclusionStatus
from fgdm.contact import member_contact
from fgdm.models import NetworkMember

# What secrets.token_urlsafe(32) makes: 43 characters of the URL-safe base64 alphabet. Anything
# else is not a token of ours and is answered 404 without a database query.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def token_hash(token: str) -> str:
    """The SHA-256 (hex) of a link's token: what the database keeps and looks links up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def link_days() -> int:
    """How many days a new link works for (`FGDM_FAMILY_LINK_DAYS`, 28 unless the council says)."""
    return int(getattr(settings, "FGDM_FAMILY_LINK_DAYS", 28))


def link_url(token: str) -> str:
    """The address the member is sent: the site's own (`FGDM_SITE_URL`) and the family page."""
    base = str(getattr(settings, "FGDM_SITE_URL", "") or "http://localhost:8000").rstrip("/")
    return base + reverse("family:view", args=[token])


def why_no_link(member: NetworkMember) -> str:
    """Why no link to the plan can be sent to this member, in plain words, or "" if one can."""
    if member.removed_at is not None:
        return f"{member} was removed from the family network: nothing is sent to them."
    if member.excluded_from_meetings or member.exclusion_status == ExclusionStatus.PROPOSED:
        return (
            f"{member} is excluded from the family's meetings for safety (or it is proposed): nothing is sent to them."
        )
    if member_contact(member) is None:
        return (
            f"{member} has not agreed to be sent messages, or we hold no address for what they agreed: record "
            "what they agreed first."
        )
    return ""


def looks_like_token(token: str) -> bool:
    return isinstance(token, str) and TOKEN_SHAPE.fullmatch(token) is not None
