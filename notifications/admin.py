"""Messages in admin, read-only: an administrator filters by status to see what failed."""

from django.contrib import admin

from core.admin import ReadOnlyModelAdmin
from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyModelAdmin):
    list_display = ("created_at", "event", "template", "recipient", "channel", "status", "attempts", "last_error")
    list_filter = ("status", "channel", "event", "template")
    search_fields = ("key", "notify_id")
    date_hierarchy = "created_at"
