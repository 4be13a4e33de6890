"""Channels, states and the kinds of message, declared once."""

from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "Text message"


class Status(models.TextChoices):
    """Where a message stands. `outbox`: no Notify API key, so it was kept here, not sent."""

    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent to Notify"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    OUTBOX = "outbox", "In the outbox (not sent)"


# Notify's own delivery states (GET /v2/notifications/{id}) and what they mean for us. Those not
# named (created, sending, pending, accepted) are still on their way: the message stays "sent".
NOTIFY_DELIVERY = {
    "delivered": Status.DELIVERED,
    "received": Status.DELIVERED,  # a letter or an inbound text
    "permanent-failure": Status.FAILED,
    "temporary-failure": Status.FAILED,
    "technical-failure": Status.FAILED,
    "validation-failed": Status.FAILED,
}


class Kind(models.TextChoices):
    """Kinds of message a member of staff may choose a channel for (the preferences page)."""

    TASK_ASSIGNED = "task_assigned", "A task assigned to me"
    PACKAGE_APPROVAL = "package_approval", "A support package waiting for my approval"
    REVIEW_DUE = "review_due", "A review due"
    BATCH_APPROVAL = "batch_approval", "A payment batch waiting for my approval"
    EXPORT_READY = "export_ready", "A file I asked for is ready to download"


class Choice(models.TextChoices):
    """How a member of staff wants one kind of message."""

    EMAIL = "email", "By e-mail"
    SMS = "sms", "By text message"
    NONE = "none", "Not at all"


# What the sending placeholder says once a family link has gone: the link is a secret.
WITHHELD = "(link withheld)"
