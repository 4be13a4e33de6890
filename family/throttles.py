"""Guessing links is slowed: every request to the family page counts against the rate
`FGDM_THROTTLE_RATES["family_link"]` per client address (the address the audit trail and the
sign-in lockout use). A token has 256 random bits, so guessing cannot succeed anyway; the rate
keeps anyone from trying at volume."""

from core.api.throttles import SettingsRateThrottle


class FamilyLinkThrottle(SettingsRateThrottle):
    scope = "family_link"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
