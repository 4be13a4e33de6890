"""Sending one message through GOV.UK Notify, once, and asking Notify what became of it.

These run in the task worker, outside any request. A message is claimed with one conditional
UPDATE (queued → sending) before Notify is called: of two workers, or a task enqueued twice, only
the one whose UPDATE changed the row calls Notify. A transient failure (Notify 429 or 5xx, or no
answer) puts the message back to "queued" with a later `next_attempt_at` and enqueues the task
again for then; a permanent one (4xx), or the last attempt, makes it "failed" for an administrator
to see (the outbox page and the admin list, filtered by status).

A worker that dies between the claim and Notify's answer leaves the message "sending": it may have
gone, so it is never tried again by itself (at most once); the outbox page shows it.
"""

import datetime
import logging

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from notifications.constants import NOTIFY_DELIVERY, WITHHELD, Channel, Status
from notifications.models import Notification

logger = logging.getLogger(__name__)

# Personalisation fields that are secrets: kept only until the message has gone.
SECRET_FIELDS = ("url",)


def outbox_mode() -> bool:
    """True when no Notify API key is set: messages are kept in the outbox, not sent."""
    return not settings.NOTIFY_API_KEY


def client() -> NotificationsAPIClient:
    return NotificationsAPIClient(
        settings.NOTIFY_API_KEY, base_url=settings.NOTIFY_BASE_URL, timeout=settings.NOTIFY_TIMEOUT
    )


def is_transient(error: Exception) -> bool:
    """Worth trying again: Notify overloaded or down, or unreachable (the client says 503). Anything
    else (a refusal, 4xx; a key the client cannot read) is not."""
    return isinstance(error, APIError) and (error.status_code == 429 or error.status_code >= 500)


def backoff(attempt: int) -> datetime.timedelta:
    """How long to wait after failed attempt number `attempt` (1, 2, …): doubling each time."""
    return datetime.timedelta(seconds=settings.NOTIFY_RETRY_BACKOFF * 2 ** (attempt - 1))


def claim(notification_id: int) -> bool:
    """Take the message for sending; False if another worker has it, or it is done or not due."""
    now = timezone.now()
    due = Notification.objects.filter(pk=notification_id, status=Status.QUEUED).exclude(next_attempt_at__gt=now)
    return bool(due.update(status=Status.SENDING, attempts=F("attempts") + 1, updated_at=now))


def send(notification_id: int) -> str:
    """Send one queued message through Notify, at most once. Returns what became of it.

    Raises nothing: an error is recorded on the message (and retried if transient).
    """
    if not claim(notification_id):
        return "not-claimed"
    message = Notification.objects.get(pk=notification_id)
    try:
        if message.channel == Channel.EMAIL:
            answer = client().send_email_notification(
                email_address=message.address,
                template_id=message.template_id,
                personalisation=message.personalisation,
                reference=f"fgdm-{message.pk}",
            )
        else:
            answer = client().send_sms_notification(
                phone_number=message.address,
                template_id=message.template_id,
                personalisation=message.personalisation,
                reference=f"fgdm-{message.pk}",
            )
    except Exception as error:  # recorded on the message; only Notify's 429 and 5xx are tried again
        return _failed(message, error)
    now = timezone.now()
    message.status = Status.SENT
    message.notify_id = str(answer.get("id", ""))
    message.sent_at = now
    message.last_error = ""
    message.next_attempt_at = None
    message.personalisation = withhold_secrets(message.personalisation)
    message.save(
        update_fields=[
            "status",
            "notify_id",
            "sent_at",
            "last_error",
            "next_attempt_at",
            "personalisation",
            "updated_at",
        ]
    )
    return "sent"


def withhold_secrets(personalisation: dict) -> dict:
    return {name: (WITHHELD if name in SECRET_FIELDS else value) for name, value in personalisation.items()}


def _failed(message: Notification, error: Exception) -> str:
    message.last_error = str(error)[:2000]
    if is_transient(error) and message.attempts < settings.NOTIFY_MAX_ATTEMPTS:
        wait = backoff(message.attempts)
        message.status = Status.QUEUED
        message.next_attempt_at = timezone.now() + wait
        message.save(update_fields=["status", "last_error", "next_attempt_at", "updated_at"])
        from notifications.tasks import enqueue_send

        enqueue_send(message.pk, after=wait)
        logger.warning(
            "Notify failed for notification %s (attempt %s), retrying: %s", message.pk, message.attempts, error
        )
        return "retry"
    message.status = Status.FAILED
    message.next_attempt_at = None
    message.save(update_fields=["status", "last_error", "next_attempt_at", "updated_at"])
    logger.error("Notify failed for notification %s for good: %s", message.pk, error)
    return "failed"


def refresh_status(notification_id: int) -> str:
    """Ask Notify what became of a sent message and record it. Returns its status."""
    message = Notification.objects.get(pk=notification_id)
    if message.status != Status.SENT or not message.notify_id:
        return message.status
    try:
        answer = client().get_notification_by_id(message.notify_id)
    except APIError as error:
        logger.warning("Notify status of notification %s unknown: %s", message.pk, error)
        return message.status
    word = str(answer.get("status", ""))
    message.notify_status = word
    new = NOTIFY_DELIVERY.get(word)
    if new == Status.DELIVERED:
        message.status = Status.DELIVERED
        message.delivered_at = timezone.now()
    elif new == Status.FAILED:
        message.status = Status.FAILED
        message.last_error = f"Notify: {word}"
    message.save(update_fields=["status", "notify_status", "delivered_at", "last_error", "updated_at"])
    return message.status


def awaiting_delivery(*, within_days: int = 7):
    """Messages sent in the last `within_days` days whose delivery Notify has not yet reported."""
    since = timezone.now() - datetime.timedelta(days=within_days)
    return Notification.objects.filter(status=Status.SENT, sent_at__gte=since).exclude(notify_id="")
