"""The kernel's one model: a large export prepared in the background (core.exports)."""

from django.conf import settings
from django.db import models


class PreparedFileStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to be prepared"
    BUILDING = "building", "Being prepared"
    READY = "ready", "Ready to download"
    FAILED = "failed", "Could not be prepared"
    EXPIRED = "expired", "Expired"


# Which states a prepared file moves between: a retry puts a failed or expired one back in the queue.
PREPARED_FILE_TRANSITIONS = {
    PreparedFileStatus.QUEUED: {PreparedFileStatus.BUILDING},
    PreparedFileStatus.BUILDING: {PreparedFileStatus.READY, PreparedFileStatus.FAILED},
    PreparedFileStatus.READY: {PreparedFileStatus.EXPIRED},
    PreparedFileStatus.FAILED: {PreparedFileStatus.QUEUED},
    PreparedFileStatus.EXPIRED: {PreparedFileStatus.QUEUED},
}


class PreparedFile(models.Model):
    """A file a person asked for, built by a background task into the "prepared_files" storage.

    `kind` names the builder an app registered (core.exports.register); `parameters` are what it
    needs (plain JSON: codes, ids, dates as ISO strings). Only the person who asked downloads it,
    while they still hold the right the kind's synchronous export asks for, until `expires_at`.
    """

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40)
    parameters = models.JSONField(default=dict)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=PreparedFileStatus.choices, default=PreparedFileStatus.QUEUED)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    storage_name = models.CharField(max_length=255, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    file_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "kind", "status"], name="prepared_file_owner"),
            models.Index(fields=["status", "expires_at"], name="prepared_file_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display().lower()})"

    @property
    def in_progress(self) -> bool:
        return self.status in (PreparedFileStatus.QUEUED, PreparedFileStatus.BUILDING)
