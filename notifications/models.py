"""What was sent (or would have been), to whom, and how staff want to be told."""

from django.conf import settings
from django.db import models

from notifications.constants import Channel, Choice, Kind, Status


class Notification(models.Model):
    """One message to one person on one channel, because of one happening (`key`).

    `(key, recipient, channel)` is unique: the same happening announced twice, a retry or a second
    worker can never make a second message. `recipient` is "user:<id>" or "member:<id>".
    """

    event = models.CharField(max_length=64)
    key = models.CharField(max_length=200)
    recipient = models.CharField(max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    member = models.ForeignKey(
        "fgdm.NetworkMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    to_role = models.CharField(max_length=32, blank=True, help_text="Why a member of staff was told (their role)")
    case = models.ForeignKey("fgdm.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    about_plan = models.BooleanField(default=False, help_text="About a family's plan (never shown to finance)")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    address = models.CharField(max_length=254, help_text="The e-mail address or mobile number used")
    template = models.CharField(max_length=64, help_text="The template's name in settings (NOTIFY_TEMPLATES)")
    template_id = models.CharField(max_length=64, blank=True)
    personalisation = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    notify_id = models.CharField(max_length=64, blank=True)
    notify_status = models.CharField(max_length=32, blank=True, help_text="Notify's own word for it")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["key", "recipient", "channel"], name="notification_once_per_happening"),
            models.CheckConstraint(condition=models.Q(status__in=Status.values), name="notification_status_valid"),
            models.CheckConstraint(condition=models.Q(channel__in=Channel.values), name="notification_channel_valid"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.template} to {self.recipient} by {self.channel}"


class StaffContact(models.Model):
    """A member of staff's mobile number for text messages (their e-mail is their account's)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_contact")
    mobile = models.CharField(max_length=20, blank=True)

    def __str__(self):
        return f"Contact of {self.user}"


class Preference(models.Model):
    """How a member of staff wants one kind of message; without a row, by e-mail."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_preferences")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    choice = models.CharField(max_length=8, choices=Choice.choices, default=Choice.EMAIL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notify_preference_once_per_kind"),
            models.CheckConstraint(condition=models.Q(choice__in=Choice.values), name="notify_preference_choice_valid"),
        ]

    def __str__(self):
        return f"{self.user}: {self.kind} {self.choice}"
