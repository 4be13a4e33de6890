"""The background tasks (Django's tasks API, django-tasks): sending a message, asking its delivery."""

import datetime

from django.utils import timezone
from django_tasks import task

from notifications import delivery


@task()
def send_notification(notification_id: int) -> str:
    """Send one message through Notify (at most once: notifications.delivery.send)."""
    return delivery.send(notification_id)


@task()
def refresh_delivery(notification_id: int) -> str:
    """Record what Notify says became of one sent message."""
    return delivery.refresh_status(notification_id)


def enqueue_send(notification_id: int, *, after: datetime.timedelta | None = None) -> None:
    """Queue the sending of one message, now or `after` a wait (a retry's backoff)."""
    if after:
        send_notification.using(run_after=timezone.now() + after).enqueue(notification_id)
    else:
        send_notification.enqueue(notification_id)
