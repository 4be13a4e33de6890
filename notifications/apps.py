from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Telling people: GOV.UK Notify messages, the outbox, preferences; the background tasks."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from auditlog.registry import auditlog
        from django.core.checks import Tags, register

        from notifications.checks import check_site_url

        register(check_site_url, Tags.security, deploy=True)

        from core import notify
        from notifications.handler import Handler
        from notifications.models import Preference, StaffContact

        notify.register(Handler())
        # Staff's choices keep their field history. Notification rows are not registered: they are
        # themselves the record of what was sent (attempts, errors, times), their claim is a
        # conditional UPDATE auditlog would not see, and field history would keep a family link's
        # secret url after the sending has withheld it from the row.
        auditlog.register(Preference)
        auditlog.register(StaffContact, mask_fields=["mobile"])

        from audit import retention, sar
        from notifications.records import MessageRecords, collect

        retention.register(MessageRecords())
        sar.register(collect)
