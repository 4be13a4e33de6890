"""The audit trail: field history, domain events and the access log, each a tamper-evident chain.

This app is the ground floor: it imports no domain app. Objects are referred to by type and id,
and every event carries the id of the case it belongs to so a case's trail is one indexed query.
"""

from auditlog.models import AbstractLogEntry
from auditlog.registry import auditlog
from django.conf import settings
from django.db import models, transaction

from audit.chain import GENESIS, link_hash
from audit.context import current_command
from audit.masking import mask_log_entry


class ImmutableRecord(Exception):
    """Audit records are written once and never changed or deleted through the application."""


class ChainHead(models.Model):
    """The last link of one chain. Locked while a record is appended."""

    chain = models.CharField(max_length=32, primary_key=True)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS)

    def __str__(self) -> str:
        return f"{self.chain} #{self.seq}"


class ChainedRecord(models.Model):
    """A record that joins its table's hash chain when first saved and never changes after."""

    CHAIN: str = ""
    CHAIN_FIELDS: list[str] = []
    # Fields added after records were first written: covered by the hash only when they hold a
    # value, so records written before they existed still verify.
    CHAIN_FIELDS_IF_SET: list[str] = []

    seq = models.BigIntegerField(unique=True, null=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecord(f"{self._meta.verbose_name} #{self.pk} cannot be changed.")
        # No savepoint of our own: inside the caller's transaction, a failure undoes it all.
        with transaction.atomic(savepoint=False):
            head = ChainHead.objects.select_for_update().filter(pk=self.CHAIN).first()
            if head is None:  # a chain's very first record
                head, _ = ChainHead.objects.get_or_create(chain=self.CHAIN)
                head = ChainHead.objects.select_for_update().get(pk=head.pk)
            self.seq = head.seq + 1
            self.prev_hash = head.hash
            self._chaining = True
            try:
                super().save(*args, **kwargs)  # the hash is taken in _save_table, just before the INSERT
            finally:
                self._chaining = False
            head.seq, head.hash = self.seq, self.hash
            head.save(update_fields=["seq", "hash"])

    def _save_table(self, *args, **kwargs):
        # After the pre_save signal: django-auditlog fills in the actor's e-mail and the remote
        # address there, so a hash taken in save() would not cover what is actually stored.
        if getattr(self, "_chaining", False):
            self.hash = link_hash(chain=self.CHAIN, seq=self.seq, prev_hash=self.prev_hash, record=self)
        return super()._save_table(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord(f"{self._meta.verbose_name} #{self.pk} cannot be deleted.")


class LogEntry(ChainedRecord, AbstractLogEntry):
    """django-auditlog's field history (AUDITLOG_LOGENTRY_MODEL), chained."""

    CHAIN = "field_history"
    # Not actor_id: deleting a user sets it to NULL (actor_email keeps who it was).
    CHAIN_FIELDS = [
        "content_type",
        "object_pk",
        "object_id",
        "object_repr",
        "serialized_data",
        "action",
        "changes_text",
        "changes",
        "cid",
        "remote_addr",
        "remote_port",
        "timestamp",
        "additional_data",
        "actor_email",
    ]

    class Meta(AbstractLogEntry.Meta):
        verbose_name = "field change"
        verbose_name_plural = "field history"

    def save(self, *args, **kwargs):
        if self._state.adding:
            mask_log_entry(self)  # children's identifiers and bank details never reach the table
            run = current_command()
            if run is not None:  # a management command: who ran it, and where
                if self.actor_id is None and run.user is not None:
                    self.actor = run.user
                    self.actor_email = getattr(run.user, "email", None)
                self.cid = self.cid or run.label
        super().save(*args, **kwargs)


class DomainEvent(ChainedRecord):
    """One state change, written by the service that made it."""

    CHAIN = "domain_events"
    CHAIN_FIELDS = [
        "at",
        "actor_username",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "case_id",
        "from_state",
        "to_state",
        "reason",
        "changes",
    ]
    CHAIN_FIELDS_IF_SET = ["remote_addr", "via"]

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept even if the user row is later removed: the trail must still say who it was.
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=200, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    reason = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)
    # Where the change came from: the client's address for a page or API request; for a
    # management command, which command on which machine (see audit.context).
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    via = models.CharField(max_length=255, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["case_id", "-at"], name="audit_event_case_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_event_object"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username or 'system'} {self.action} {self.object_repr}"


class AccessLog(ChainedRecord):
    """A read of something sensitive: who, what, when, through which door."""

    class Door(models.TextChoices):
        PAGE = "page", "Page"
        API = "api", "API"
        EXPORT = "export", "Export file"
        ADMIN = "admin", "Admin"
        COMMAND = "command", "Command"

    CHAIN = "access_log"
    CHAIN_FIELDS = ["at", "actor_username", "door", "what", "object_type", "object_id", "case_id", "path"]
    CHAIN_FIELDS_IF_SET = ["remote_addr", "via"]

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    door = models.CharField(max_length=16, choices=Door.choices)
    what = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.BigIntegerField(null=True, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    path = models.CharField(max_length=300, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    via = models.CharField(max_length=255, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["case_id", "-at"], name="audit_access_case_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} read {self.what} via {self.door}"


CHAINED_MODELS = [LogEntry, DomainEvent, AccessLog]


class LegalHold(models.Model):
    """Stops retention deleting or anonymising records (litigation, an inquiry, a complaint).

    It covers a whole case (`case_id`) or one record (`object_type` "app_label.model" and
    `object_id`). Placed and released only through audit.services, each step a domain event.
    """

    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    object_type = models.CharField(max_length=100, blank=True, help_text='e.g. "payments.paymentbatch"')
    object_id = models.BigIntegerField(null=True, blank=True)
    reason = models.TextField()
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    placed_at = models.DateTimeField()
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(case_id__isnull=False)
                | (~models.Q(object_type="") & models.Q(object_id__isnull=False)),
                name="legal_hold_names_what_it_holds",
            )
        ]

    def __str__(self) -> str:
        what = f"case #{self.case_id}" if self.case_id else f"{self.object_type} #{self.object_id}"
        return f"Hold on {what}{' (released)' if self.released_at else ''}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class LookedAfterMark(models.Model):
    """A case whose child is or was looked after (in care): its records are kept to the 75th birthday.

    Kept here, keyed by case id, so that retention needs no column on the case. A case that closed
    with the outcome "child entered care" counts as looked after without a mark.
    """

    case_id = models.BigIntegerField(unique=True)
    looked_after = models.BooleanField(default=True)
    reason = models.TextField(blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    marked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"case #{self.case_id}: {'looked after' if self.looked_after else 'not looked after'}"


auditlog.register(LegalHold)
auditlog.register(LookedAfterMark)
