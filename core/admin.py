"""The admin base: case, money and audit records are read-only in admin (services change state)."""

from django.contrib import admin


class ReadOnlyAdminMixin:
    """No add, change or delete through admin: state changes go through the services only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyModelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    show_full_result_count = False  # no COUNT(*) over the whole table on every filtered list


class ReadOnlyTabularInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    show_change_link = True
