"""Who is on the other end: the client's address, behind a known number of trusted proxies.

One helper for the audit trail, the sign-in lockout and the API throttles. Behind
`FGDM_TRUSTED_PROXIES` reverse proxies (default 0: the connecting address, REMOTE_ADDR), the client
is the address that many hops from the right of X-Forwarded-For, since each trusted proxy appends
the address it received the request from. Anything further left was written by the client and is
not believed. A malformed header, or one with fewer hops than the proxies we trust, is ignored and
the connecting address is used.
"""

import ipaddress

from django.conf import settings


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The client's IP address as a normalised string, or None if even REMOTE_ADDR is not one."""
    meta = getattr(request, "META", {})
    remote = _valid(meta.get("REMOTE_ADDR") or "")
    proxies = int(getattr(settings, "FGDM_TRUSTED_PROXIES", 0) or 0)
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")]
    if len(hops) < proxies or not all(hops):
        return remote
    client = _valid(hops[-proxies])
    return client or remote
