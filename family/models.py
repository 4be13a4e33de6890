"""A link that lets one network member read their family's plan without signing in.

The link carries a secret token (`secrets.token_urlsafe(32)`); only its SHA-256 is stored, so the
database, the trail and the logs never hold a link that works. One live link per member.
"""

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from family.constants import LinkStatus
from fgdm.models import NetworkMember


class FamilyLink(models.Model):
    member = models.ForeignKey(NetworkMember, on_delete=models.CASCADE, related_name="family_links")
    token_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token (hex)")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_reason = models.TextField(blank=True)
    last_viewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoked_reason=""), name="family_link_revoked_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="family_link_expires_later"
            ),
            # One link not revoked per member: sending a new one revokes the older first.
            models.UniqueConstraint(
                fields=["member"], condition=Q(revoked_at__isnull=True), name="family_link_one_unrevoked_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"Link to the plan #{self.pk}"

    def status_at(self, now=None) -> str:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return LinkStatus.REVOKED
        if self.expires_at <= now:
            return LinkStatus.EXPIRED
        return LinkStatus.LIVE

    @property
    def status(self) -> str:
        return self.status_at()

    def get_status_display(self) -> str:
        return LinkStatus(self.status).label


# The hash is not the token, but it identifies a working link: it stays out of the field history,
# and so does the time of the last view (the access log records each view).
auditlog.register(FamilyLink, exclude_fields=["token_hash", "last_viewed_at"])
