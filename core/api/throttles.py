"""API throttles, rates from the setting `FGDM_THROTTLE_RATES` (read on each request, so a test
can set them low). The client is named by `audit.net.client_address` — the same address the audit
trail and the sign-in lockout use."""

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

from audit.net import client_address


class SettingsRateThrottle(SimpleRateThrottle):
    def get_rate(self):
        return getattr(settings, "FGDM_THROTTLE_RATES", {}).get(self.scope)

    def get_ident(self, request):
        return client_address(request) or "unknown"


class SignInThrottle(SettingsRateThrottle):
    """Token requests per client address: password spraying across many usernames is slowed."""

    scope = "sign_in"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class WriteThrottle(SettingsRateThrottle):
    """Writes (anything but GET, HEAD, OPTIONS) per person, or per address when signed out."""

    scope = "write"

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        ident = f"user-{user.pk}" if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
