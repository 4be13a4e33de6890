from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Telling people: GOV.UK Notify messages, the outbox, preferences; the background tasks."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from auditlog.registry import auditlog

        from core import notify
        from notifications.handler import Handler
        from notifications.models import Preference, StaffContact

        notify.register(Handler())
        # Staff's choices keep their field history. Notification rows are themselves the record of
        # what was sent (attempts, errors, times); their claim is a conditional UPDATE, which
        # auditlog would not see, so they are not registered.
        auditlog.register(Preference)
        auditlog.register(StaffContact, mask_fields=["mobile"])
