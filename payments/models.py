"""Payees (network members and suppliers), their bank details, payments (one per instalment) and
payment batches."""

import hashlib
from decimal import Decimal

from auditlog.registry import auditlog
from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from fgdm.models import Case, NetworkMember
from network_packages.models import PackageItem, Supplier, SupportPackage
from payments.constants import BatchStatus, ExportFormat, PaymentStatus

User = settings.AUTH_USER_MODEL

# [0-9], not \d: Python's \d matches any script's digits (Arabic-Indic, Devanagari, full-width).
sort_code_validator = RegexValidator(r"^[0-9]{6}$", "Enter a sort code of 6 digits 0-9, e.g. 40-00-00.")
account_number_validator = RegexValidator(r"^[0-9]{8}$", "Enter an account number of 8 digits 0-9.")


class BankAccount(models.Model):
    """A payee's bank details: a network member's or a supplier's. Used for payment only once
    verified by a second person."""

    member = models.OneToOneField(
        NetworkMember, null=True, blank=True, on_delete=models.PROTECT, related_name="bank_account"
    )
    supplier = models.OneToOneField(
        Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="bank_account"
    )
    account_name = models.CharField(max_length=100)
    sort_code = models.CharField(max_length=6, validators=[sort_code_validator])
    account_number = models.CharField(max_length=8, validators=[account_number_validator])
    entered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField()
    verified_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)
    # Set when verified details are changed: the payee's pending payments are held until the new
    # details are verified by a second person.
    changed_after_verification = models.BooleanField(default=False)

    class Meta:
        permissions = [("verify_bankaccount", "Can verify payees' bank details")]
        # The same account on file for another payee (payments.selectors.same_account_elsewhere, on
        # each verification and bank-details page): an index probe, not a scan of every payee's.
        indexes = [models.Index(fields=["account_number", "sort_code"], name="bank_account_number_sort")]
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, supplier__isnull=True)
                | Q(member__isnull=True, supplier__isnull=False),
                name="bank_account_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_name} {self.masked_sort_code} {self.masked_account_number}"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def owner(self):
        """The network member or supplier these details pay."""
        return self.member if self.member_id else self.supplier

    @property
    def masked_sort_code(self) -> str:
        return f"**-**-{self.sort_code[-2:]}"

    @property
    def masked_account_number(self) -> str:
        return f"****{self.account_number[-4:]}"


class PaymentBatch(models.Model):
    """A finance run: created by one officer, approved by another, exported, confirmed as paid."""

    reference = models.CharField(max_length=20, unique=True)
    status = models.CharField(max_length=16, choices=BatchStatus.choices, default=BatchStatus.OPEN)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    exported_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    exported_at = models.DateTimeField(null=True, blank=True)
    export_format = models.CharField(max_length=16, choices=ExportFormat.choices, blank=True)
    export_sha256 = models.CharField(max_length=64, blank=True)
    confirmed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    payment_count = models.PositiveIntegerField(default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "payment batches"
        permissions = [("manage_batches", "Can create, approve, export and confirm payment batches")]

    def __str__(self) -> str:
        return self.reference


class Payment(models.Model):
    """One instalment of an approved package item."""

    item = models.ForeignKey(PackageItem, on_delete=models.PROTECT, related_name="payments")
    package = models.ForeignKey(SupportPackage, on_delete=models.PROTECT, related_name="payments")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="payments")
    # Paid to a member of the family's network or to a supplier: exactly one of the two.
    payee = models.ForeignKey(NetworkMember, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    instalment = models.PositiveIntegerField()
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    due_on = models.DateField()
    status = models.CharField(max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.SCHEDULED)
    authorised_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    authorised_at = models.DateTimeField(null=True, blank=True)
    batch = models.ForeignKey(PaymentBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # How many times the bank returned this payment (each return is a PaymentReturn row).
    times_returned = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="payment_status_due")]
        constraints = [
            models.UniqueConstraint(fields=["item", "instalment"], name="payment_once_per_instalment"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status__in=[PaymentStatus.BATCHED, PaymentStatus.PAID]) | Q(batch__isnull=False),
                name="payment_batched_has_batch",
            ),
            models.CheckConstraint(
                condition=Q(payee__isnull=False, supplier__isnull=True) | Q(payee__isnull=True, supplier__isnull=False),
                name="payment_one_payee",
            ),
        ]
        permissions = [("authorise_payment", "Can authorise payments")]

    def __str__(self) -> str:
        return f"£{self.amount} to {self.paid_to} due {self.due_on:%d %b %Y}"

    @property
    def reference(self) -> str:
        return f"FNSP{self.pk:08d}"

    @property
    def paid_to(self):
        """The network member or supplier this payment goes to (both have `full_name` and `bank_account`)."""
        return self.payee if self.payee_id else self.supplier

    @property
    def bank_account(self) -> "BankAccount | None":
        return getattr(self.paid_to, "bank_account", None)


class PaymentTotal(models.Model):
    """How many payments there are in each status and their sum in pence, as running totals that the
    services change in the same transaction as each payment they create or move (see
    `payments.totals`: the events, and `manage.py check_payment_totals`, which recomputes them). The
    payments list reads them for whoever sees every payment, instead of counting and summing every
    payment on each view (974,000 at England scale).

    Sharded into SLOTS rows, summed when read. One row would be a hot row: every payment change in
    the council (each approval scheduling payments, each authorisation, cancellation, batch, return)
    would update it and hold its lock until COMMIT, so they would all take turns — an "authorise
    many" of 500 payments would hold every approval for its whole run. Instead each transaction adds
    to one slot, chosen by its transaction id, so two transactions wait for each other only when
    their ids fall in the same slot (1 in SLOTS). Each status is a pair of columns of the slot's row,
    not a row of its own, so one change is one statement on one row and a transaction never holds
    two totals rows: totals alone can never deadlock (rows per status, locked in the order each
    service moves payments, could). Not per locality: a case moved to another locality would then
    move its payments' totals, and what moves cases (fgdm) sits below payments. Each addition is
    `SET n = n + x` in the UPDATE itself (an upsert), never read-modify-write in Python, so no
    update is lost."""

    SLOTS = 16

    slot = models.PositiveSmallIntegerField(unique=True)
    scheduled_count = models.BigIntegerField(default=0)
    scheduled_pence = models.BigIntegerField(default=0)
    authorised_count = models.BigIntegerField(default=0)
    authorised_pence = models.BigIntegerField(default=0)
    batched_count = models.BigIntegerField(default=0)
    batched_pence = models.BigIntegerField(default=0)
    paid_count = models.BigIntegerField(default=0)
    paid_pence = models.BigIntegerField(default=0)
    returned_count = models.BigIntegerField(default=0)
    returned_pence = models.BigIntegerField(default=0)
    cancelled_count = models.BigIntegerField(default=0)
    cancelled_pence = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["slot"]

    def __str__(self) -> str:
        return f"Payment totals, slot {self.slot}"


class ExportDamaged(Exception):
    """A stored payment file no longer reassembles to the bytes whose size and SHA-256 were recorded."""


class BatchExport(models.Model):
    """One file of a batch in one format. Exporting the same format again gives these same bytes.

    The bytes live in `BatchExportChunk` rows of at most CHUNK_SIZE bytes, written as the file is
    rendered and read back one after another, so neither export nor download holds the whole file.
    """

    CHUNK_SIZE = 64 * 1024
    STREAM_ROWS = 4  # chunk rows fetched from the database at a time when the file is read back
    WRITE_CHUNKS = 16  # chunk rows written at a time (1 MiB held at most)

    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="exports")
    export_format = models.CharField(max_length=16, choices=ExportFormat.choices)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    payment_count = models.PositiveIntegerField()
    total = models.DecimalField(max_digits=14, decimal_places=2)
    exported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    exported_at = models.DateTimeField()
    # Set when the file's chunks are deleted under the retention schedule (names and bank details);
    # the checksum, size and totals stay.
    content_removed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["exported_at", "id"]
        constraints = [models.UniqueConstraint(fields=["batch", "export_format"], name="batch_export_once_per_format")]

    def __str__(self) -> str:
        return f"{self.batch} ({self.export_format})"

    @property
    def content_removed(self) -> bool:
        return self.content_removed_at is not None

    def write(self, pieces) -> None:
        """Store the file from an iterable of byte strings: fixed-size chunk rows, written as they
        fill (WRITE_CHUNKS at a time, in one multi-row INSERT), with the file's size and SHA-256
        recorded at the end. Call it once, in the transaction that created this export. The chunks'
        creation is not in the field history (one INSERT for many); the export's own record, its
        size and SHA-256 and the batch's events are."""
        digest, size, sequence, buffer, ready = hashlib.sha256(), 0, 0, bytearray(), []
        for piece in pieces:
            digest.update(piece)
            size += len(piece)
            buffer += piece
            while len(buffer) >= self.CHUNK_SIZE:
                ready.append(BatchExportChunk(export=self, sequence=sequence, content=bytes(buffer[: self.CHUNK_SIZE])))
                del buffer[: self.CHUNK_SIZE]
                sequence += 1
                if len(ready) >= self.WRITE_CHUNKS:
                    BatchExportChunk.objects.bulk_create(ready)
                    ready = []
        if buffer:
            ready.append(BatchExportChunk(export=self, sequence=sequence, content=bytes(buffer)))
        if ready:
            BatchExportChunk.objects.bulk_create(ready)
        self.sha256, self.size = digest.hexdigest(), size
        self.save(update_fields=["sha256", "size"])

    def stream(self):
        """The stored bytes, chunk by chunk. The last chunk is held back until the size and
        SHA-256 of everything before it are checked, so a damaged file is never delivered whole.

        Raises ExportDamaged (missing or changed chunks), at the end.
        """
        rows = (
            BatchExportChunk.objects.filter(export_id=self.pk)
            .order_by("sequence")
            .values_list("sequence", "content")
            .iterator(chunk_size=self.STREAM_ROWS)
        )
        digest, size, expected, held = hashlib.sha256(), 0, 0, None
        for sequence, content in rows:
            if sequence != expected:
                raise ExportDamaged(f"{self}: chunk {expected} is missing.")
            expected += 1
            if held is not None:
                yield held
            held = bytes(content)
            digest.update(held)
            size += len(held)
        if size != self.size or digest.hexdigest() != self.sha256:
            raise ExportDamaged(f"{self}: the stored file is not the one exported (size or SHA-256 differ).")
        if held:
            yield held


class BatchExportChunk(models.Model):
    """Up to BatchExport.CHUNK_SIZE bytes of an export file; the file is its chunks in sequence order."""

    export = models.ForeignKey(BatchExport, on_delete=models.PROTECT, related_name="chunks")
    sequence = models.PositiveIntegerField()
    content = models.BinaryField(editable=False)

    class Meta:
        ordering = ["export", "sequence"]
        constraints = [models.UniqueConstraint(fields=["export", "sequence"], name="batch_export_chunk_once")]

    def __str__(self) -> str:
        return f"{self.export} chunk {self.sequence}"


class ReturnsImport(models.Model):
    """One bank returns file, applied whole or not at all."""

    file_name = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, unique=True)
    row_count = models.PositiveIntegerField()
    total = models.DecimalField(max_digits=14, decimal_places=2)
    imported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"Returns file {self.sha256[:12]} ({self.row_count} rows)"


class PaymentReturn(models.Model):
    """The bank returned a payment (account closed, details wrong...): it was reopened for correction."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="returns")
    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="returns")
    returns_import = models.ForeignKey(ReturnsImport, on_delete=models.PROTECT, related_name="returns")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    reason_code = models.CharField(max_length=10, blank=True)
    reason = models.CharField(max_length=200)
    returned_on = models.DateField()

    class Meta:
        ordering = ["returned_on", "id"]

    def __str__(self) -> str:
        return f"{self.payment.reference} returned: {self.reason}"


auditlog.register(BankAccount, mask_fields=["sort_code", "account_number", "account_name"])
auditlog.register(PaymentBatch)
auditlog.register(Payment)
# Changed by F() updates (no field history): `check_payment_totals --fix` records an event per fix.
auditlog.register(PaymentTotal)
auditlog.register(BatchExport)
auditlog.register(BatchExportChunk, exclude_fields=["content"])
auditlog.register(ReturnsImport)
auditlog.register(PaymentReturn)
