"""The audit trail: field history, domain events and the access log, each a tamper-evident chain.

This app is the ground floor: it imports no domain app. Objects are referred to by type and id,
and every event carries the id of the case it belongs to so a case's trail is one indexed query.
"""

from auditlog.models import AbstractLogEntry, LogEntryManager
from auditlog.registry import auditlog
from django.conf import settings
from django.db import models

from audit import batching
from audit.chain import GENESIS
from audit.context import current_command
from audit.masking import mask_log_entry


class ImmutableRecord(Exception):
    """Audit records are written once and never changed or deleted through the application."""


class ChainHead(models.Model):
    """The last sealed link of one chain. Only the sequencer (audit.sealing) moves it, holding its
    row lock for one short batch; writers never touch it."""

    chain = models.CharField(max_length=32, primary_key=True)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS)

    def __str__(self) -> str:
        return f"{self.chain} #{self.seq}"


class ChainedQuerySet(models.QuerySet):
    """`bulk_create` writes records unsealed, as `save` does (one INSERT a batch, no lock).

    A record given a position already (bench.bulk_trail seals its own rows in memory, holding the
    chain's lock) is written as given: verify_audit checks its hash like any other.
    """

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            if obj.seq is None:
                obj.prepare_unsealed()
        return super().bulk_create(objs, *args, **kwargs)


class ChainedRecord(models.Model):
    """A record that is appended unsealed and sealed into its table's hash chain a moment later.

    Writing one is an INSERT with no position (seq NULL), no lock and no second statement, so
    writers never wait for each other; inside a transaction it waits and is written with the
    transaction's other records of its table, one multi-row INSERT before COMMIT (audit.batching). The sequencer (audit.sealing: `manage.py seal_audit`, the
    `seal_audit` timer job) then gives the unsealed records, in id order, their position, the
    previous record's hash and their own hash, in batches, holding the chain's lock only for that
    batch. Until then a record is not yet covered by the chain: that window (seconds with
    `seal_audit --follow`, up to a minute with the timer job) is reported by verify_audit, which
    fails when a record stays unsealed longer than FGDM_AUDIT_SEAL_GRACE_MINUTES.
    """

    CHAIN: str = ""
    CHAIN_FIELDS: list[str] = []
    # Fields added after records were first written: covered by the hash only when they hold a
    # value, so records written before they existed still verify.
    CHAIN_FIELDS_IF_SET: list[str] = []
    # When the record was written: how long an unsealed record has waited (verify_audit).
    WRITTEN_AT: str = "at"

    seq = models.BigIntegerField(unique=True, null=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = ChainedQuerySet.as_manager()

    class Meta:
        abstract = True

    def prepare_unsealed(self) -> None:
        """Before the INSERT: no position and no hash (the sequencer gives them)."""
        self.seq, self.prev_hash, self.hash = None, "", ""

    def save(self, *args, **kwargs):
        """Append the record: inside a transaction it waits to be written with the transaction's
        other audit records, one INSERT per table before COMMIT (audit.batching); otherwise now."""
        if not self._state.adding:
            raise ImmutableRecord(f"{self._meta.verbose_name} #{self.pk} cannot be changed.")
        if batching.DEFERRED in self.__dict__:
            return  # already waiting
        self.prepare_unsealed()
        if not batching.defer(self, kwargs.get("using")):
            super().save(*args, **kwargs)

    @property
    def pk(self):
        if batching.DEFERRED in self.__dict__:
            batching.write_id(self)  # a waiting record has no id yet: write it now
        return self._get_pk_val()

    @pk.setter
    def pk(self, value):
        self._set_pk_val(value)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord(f"{self._meta.verbose_name} #{self.pk} cannot be deleted.")

    @property
    def sealed(self) -> bool:
        return self.seq is not None


def _unsealed_index(name: str) -> models.Index:
    """The unsealed records only (a handful at any time, of millions): what the sequencer reads."""
    return models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name=name)


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

    WRITTEN_AT = "timestamp"

    objects = LogEntryManager.from_queryset(ChainedQuerySet)()

    class Meta(AbstractLogEntry.Meta):
        verbose_name = "field change"
        verbose_name_plural = "field history"
        indexes = [_unsealed_index("audit_entry_unsealed")]

    def prepare_unsealed(self) -> None:
        """Also for bulk_create: masked, and naming the command run, before the INSERT."""
        super().prepare_unsealed()
        mask_log_entry(self)  # children's identifiers and bank details never reach the table
        run = current_command()
        if run is not None:  # a management command: who ran it, and where
            if self.actor_id is None and run.user is not None:
                self.actor = run.user
                self.actor_email = getattr(run.user, "email", None)
            self.cid = self.cid or run.label


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
            _unsealed_index("audit_event_unsealed"),
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
        indexes = [
            models.Index(fields=["case_id", "-at"], name="audit_access_case_at"),
            _unsealed_index("audit_access_unsealed"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} read {self.what} via {self.door}"


class Redaction(ChainedRecord):
    """Field history anonymised with its record (retention): the entry's values went, its link stayed.

    A field history entry is chained: its hash covers its values. Anonymising a case removes the
    values of its entries too, which changes their content, so each redaction is itself a record of
    its own chain. It names the entry and position, the entry's hash as written (which the entry
    keeps, so the field history chain still links) and the hash its redacted content now gives.
    `verify_audit` accepts an entry whose content matches its redaction, and nothing else: editing a
    redacted entry again, or the redaction, breaks a chain.
    """

    CHAIN = "redactions"
    CHAIN_FIELDS = ["at", "actor_username", "entry_id", "entry_seq", "entry_hash", "redacted_hash", "case_id", "reason"]

    at = models.DateTimeField()
    actor_username = models.CharField(max_length=150, blank=True)
    entry_id = models.BigIntegerField(db_index=True)
    entry_seq = models.BigIntegerField()
    entry_hash = models.CharField(max_length=64)
    redacted_hash = models.CharField(max_length=64)
    case_id = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["seq"]
        indexes = [_unsealed_index("audit_redaction_unsealed")]

    def __str__(self) -> str:
        return f"field change #{self.entry_id} redacted ({self.reason})"


CHAINED_MODELS = [LogEntry, DomainEvent, AccessLog, Redaction]


class LegalHold(models.Model):
    """Stops retention deleting or anonymising records (litigation, an inquiry, a complaint).

    It covers a whole case (`case_id`) or one record (`object_type` "app_label.model" and
    `object_id`). Placed and released only through audit.services, each step a domain event.

    A public-inquiry preservation hold (kind `public_inquiry`, naming the inquiry, e.g. the
    Independent Inquiry into Child Sexual Abuse) may also cover every record (no case, no record
    named). It is never released from FGDM: only the council's decision, carried out outside the
    application, ends it.
    """

    class Kind(models.TextChoices):
        LEGAL = "legal", "Legal hold"
        PUBLIC_INQUIRY = "public_inquiry", "Public inquiry preservation"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.LEGAL, db_default=Kind.LEGAL)
    inquiry = models.CharField(
        max_length=200, blank=True, help_text="The inquiry whose preservation order this is (public inquiry holds)"
    )
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
                | (~models.Q(object_type="") & models.Q(object_id__isnull=False))
                | models.Q(kind="public_inquiry"),
                name="legal_hold_names_what_it_holds",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="public_inquiry") | ~models.Q(inquiry=""),
                name="inquiry_hold_names_the_inquiry",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="public_inquiry") | models.Q(released_at__isnull=True),
                name="inquiry_hold_never_released",
            ),
        ]

    def __str__(self) -> str:
        if self.case_id:
            what = f"case #{self.case_id}"
        elif self.object_type:
            what = f"{self.object_type} #{self.object_id}"
        else:
            what = "every record"
        kind = f" ({self.inquiry})" if self.kind == self.Kind.PUBLIC_INQUIRY else ""
        return f"Hold on {what}{kind}{' (released)' if self.released_at else ''}"

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


class SubjectAccessRequest(models.Model):
    """A subject access request (UK GDPR Art. 15) in the log: received, identity checked, answered.

    The deadline is one calendar month from the day it was received, extended by up to two more
    months for a complex request; a deadline on a weekend or bank holiday moves to the next working
    day (audit.dates). Changed only through core.sar_services, each change a domain event.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        REFUSED = "refused", "Refused"

    class IdCheck(models.TextChoices):
        PHOTO_ID = "photo_id", "Photo identity document seen"
        KNOWN = "known", "Known to the service (identity already established)"
        DOCUMENTS = "documents", "Other documents (proof of address, birth certificate)"
        REPRESENTATIVE = "representative", "Representative's authority checked"

    class SubjectKind(models.TextChoices):
        CHILD = "child", "A child in a case"
        MEMBER = "member", "A member of a family network"

    received_on = models.DateField()
    requester = models.CharField("Who asked", max_length=200)
    subject_name = models.CharField("Whose data", max_length=200)
    subject_kind = models.CharField(max_length=16, choices=SubjectKind.choices, blank=True)
    subject_id = models.BigIntegerField(null=True, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    what_was_asked = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    deadline = models.DateField()
    extended_months = models.PositiveSmallIntegerField(default=0)
    extension_reason = models.TextField(blank=True)
    id_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    id_checked_on = models.DateField(null=True, blank=True)
    id_check_method = models.CharField(max_length=16, choices=IdCheck.choices, blank=True)
    id_check_note = models.TextField(blank=True)
    items_gathered_at = models.DateTimeField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    logged_at = models.DateTimeField()

    class Meta:
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(extended_months__lte=2), name="sar_extended_by_two_months_at_most"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="completed")
                | models.Q(completed_on__isnull=False, id_checked_on__isnull=False),
                name="sar_completed_after_id_check",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="refused") | ~models.Q(refusal_reason=""), name="sar_refusal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"SAR-{self.pk}"

    @property
    def reference(self) -> str:
        return f"SAR-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.RECEIVED, self.Status.IN_PROGRESS)


# Allowed moves of a request, declared once.
SAR_TRANSITIONS: dict[str, set[str]] = {
    SubjectAccessRequest.Status.RECEIVED: {
        SubjectAccessRequest.Status.IN_PROGRESS,
        SubjectAccessRequest.Status.REFUSED,
    },
    SubjectAccessRequest.Status.IN_PROGRESS: {
        SubjectAccessRequest.Status.COMPLETED,
        SubjectAccessRequest.Status.REFUSED,
    },
    SubjectAccessRequest.Status.COMPLETED: set(),
    SubjectAccessRequest.Status.REFUSED: set(),
}


class SubjectAccessItem(models.Model):
    """One value of the bundle (audit.sar) that answers a request, with the handler's decision.

    `review_reason` says why it must be looked at before it is sent (a third party; the subject's
    own exclusion reason). The handler decides each such item: disclose it, or withhold it — and
    says whether the social-work exemption applies (Data Protection Act 2018, Schedule 3 Part 2:
    disclosure would be likely to cause serious harm to someone's physical or mental health).
    """

    class Decision(models.TextChoices):
        DISCLOSE = "disclose", "Disclose"
        WITHHOLD = "withhold", "Withhold"

    request = models.ForeignKey(SubjectAccessRequest, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    section = models.CharField(max_length=200)
    record = models.CharField(max_length=300)
    label = models.CharField(max_length=200)
    value = models.TextField(blank=True)
    review_reason = models.CharField(max_length=300, blank=True)
    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True)
    social_work_exemption = models.BooleanField(default=False)
    decision_note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "position"], name="sar_item_position_once"),
            models.CheckConstraint(
                condition=models.Q(social_work_exemption=False) | models.Q(decision="withhold"),
                name="sar_exempt_item_is_withheld",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} item {self.position}: {self.label}"

    @property
    def for_review(self) -> bool:
        return bool(self.review_reason)


auditlog.register(SubjectAccessRequest)
auditlog.register(SubjectAccessItem, exclude_fields=["value"])  # a copy of what the case holds
