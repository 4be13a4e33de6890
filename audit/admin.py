from django.contrib import admin

from audit.models import DomainEvent


@admin.register(DomainEvent)
class DomainEventAdmin(admin.ModelAdmin):
    """Read-only: nobody edits or deletes the trail through admin."""

    list_display = ("at", "actor_username", "action", "object_type", "object_repr", "case_id")
    list_filter = ("action", "object_type")
    search_fields = ("actor_username", "object_repr")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
