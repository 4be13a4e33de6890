"""Timer runs in admin, read-only: an administrator filters by status to see what failed, and why."""

from django.contrib import admin

from core.admin import ReadOnlyModelAdmin
from process.models import TimerRun


@admin.register(TimerRun)
class TimerRunAdmin(ReadOnlyModelAdmin):
    list_display = ("job", "period", "status", "attempts", "queued_at", "started_at", "finished_at", "worker")
    list_filter = ("status", "job")
    search_fields = ("job", "period")
    readonly_fields = [field.name for field in TimerRun._meta.fields]
    date_hierarchy = "queued_at"
