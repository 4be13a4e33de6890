"""Codes of payments and batches. States and their allowed moves are declared here, once."""

from django.db import models

# The name on a payee's account: pain.001's CdtrAcct/Nm holds 70 characters, so nothing is cut.
ACCOUNT_NAME_MAX_LENGTH = 70


class PaymentStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    AUTHORISED = "authorised", "Authorised"
    BATCHED = "batched", "In a batch"
    PAID = "paid", "Paid"
    RETURNED = "returned", "Returned by the bank"
    CANCELLED = "cancelled", "Cancelled"


PAYMENT_TRANSITIONS: dict[str, set[str]] = {
    PaymentStatus.SCHEDULED: {PaymentStatus.AUTHORISED, PaymentStatus.CANCELLED},
    PaymentStatus.AUTHORISED: {PaymentStatus.BATCHED, PaymentStatus.CANCELLED},
    PaymentStatus.BATCHED: {PaymentStatus.PAID, PaymentStatus.RETURNED},
    PaymentStatus.PAID: {PaymentStatus.RETURNED},
    # A returned payment is reopened for correction: authorised again, then into a new batch.
    PaymentStatus.RETURNED: {PaymentStatus.SCHEDULED},
    PaymentStatus.CANCELLED: set(),
}

# The most payments one "authorise many" call takes (the API's and the page's cap): a finance run
# is a few hundred payments at most, and each is checked, locked and audited on its own.
AUTHORISE_MANY_MAX = 500

# Payments not yet paid or cancelled: a change of the payee's bank details holds them.
PENDING_STATUSES = (PaymentStatus.SCHEDULED, PaymentStatus.AUTHORISED, PaymentStatus.BATCHED)


class BatchStatus(models.TextChoices):
    OPEN = "open", "Open"
    APPROVED = "approved", "Approved"
    EXPORTED = "exported", "Exported"
    CONFIRMED = "confirmed", "Confirmed as paid"


BATCH_TRANSITIONS: dict[str, set[str]] = {
    BatchStatus.OPEN: {BatchStatus.APPROVED},
    BatchStatus.APPROVED: {BatchStatus.EXPORTED},
    BatchStatus.EXPORTED: {BatchStatus.CONFIRMED},
    BatchStatus.CONFIRMED: set(),
}


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV for the ledger"
    BACS18 = "bacs18", "BACS Standard 18"
    PAIN001 = "pain001", "ISO 20022 pain.001.001.03"
