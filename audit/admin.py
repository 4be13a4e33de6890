"""Admin shows the trail and never lets anyone add, change or delete a record of it."""
from auditlog.admin import LogEntryAdmin as AuditlogLogEntryAdmin
from django.contrib import admin

from audit.models import AccessLog, DomainEvent, LogEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DomainEvent)
class DomainEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_username", "action", "object_type", "object_repr", "case_id")
    list_filter = ("action", "object_type")
    search_fields = ("actor_username", "object_repr")


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_username", "door", "what", "object_type", "object_id", "case_id")
    list_filter = ("door", "what")
    search_fields = ("actor_username",)


# auditlog registers its own admin for the entry model; ours never allows deletion either.
admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class LogEntryAdmin(AuditlogLogEntryAdmin):
    def has_delete_permission(self, request, obj=None):
        return False
