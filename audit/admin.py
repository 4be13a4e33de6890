"""Admin shows the trail and never lets anyone add, change or delete a record of it."""

from auditlog.admin import LogEntryAdmin as AuditlogLogEntryAdmin
from django.contrib import admin

from audit.models import AccessLog, DomainEvent, LegalHold, LogEntry, LookedAfterMark


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


class AdministratorsOnly:
    """Retention controls are for administrators; every change goes through audit.services."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LegalHold)
class LegalHoldAdmin(AdministratorsOnly, admin.ModelAdmin):
    list_display = ("__str__", "kind", "reason", "placed_by", "placed_at", "released_by", "released_at")
    list_filter = ("kind", ("released_at", admin.EmptyFieldListFilter))
    search_fields = ("reason", "object_type", "inquiry")
    actions = ["release"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["kind", "inquiry", "case_id", "object_type", "object_id", "reason"]
        return [
            "kind",
            "inquiry",
            "case_id",
            "object_type",
            "object_id",
            "reason",
            "placed_by",
            "placed_at",
            "released_by",
            "released_at",
            "release_reason",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        readonly = [
            "kind",
            "inquiry",
            "case_id",
            "object_type",
            "object_id",
            "reason",
            "placed_by",
            "placed_at",
            "released_by",
            "released_at",
        ]
        # A public inquiry's preservation hold is never released here.
        return readonly + (["release_reason"] if obj.released_at or obj.kind == obj.Kind.PUBLIC_INQUIRY else [])

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return (
            request.user.is_active
            and request.user.is_superuser
            and (obj is None or (obj.released_at is None and obj.kind != obj.Kind.PUBLIC_INQUIRY))
        )

    def save_model(self, request, obj, form, change):
        from audit.services import legal_hold_place, legal_hold_release

        if not change:
            placed = legal_hold_place(
                by=request.user,
                reason=obj.reason,
                case_id=obj.case_id,
                object_type=obj.object_type,
                object_id=obj.object_id,
                kind=obj.kind,
                inquiry=obj.inquiry,
            )
            obj.pk, obj.placed_at, obj.placed_by = placed.pk, placed.placed_at, placed.placed_by
        elif form.cleaned_data.get("release_reason", "").strip():  # a hold is never edited, only released
            legal_hold_release(hold_id=obj.pk, by=request.user, reason=form.cleaned_data["release_reason"])

    @admin.action(description="Release the selected holds")
    def release(self, request, queryset):
        from audit.services import legal_hold_release

        for hold in queryset.filter(released_at__isnull=True).exclude(kind=LegalHold.Kind.PUBLIC_INQUIRY):
            legal_hold_release(hold_id=hold.pk, by=request.user, reason="Released by an administrator in admin")
        self.message_user(request, "Released.")


@admin.register(LookedAfterMark)
class LookedAfterMarkAdmin(AdministratorsOnly, admin.ModelAdmin):
    list_display = ("case_id", "looked_after", "marked_by", "marked_at")
    fields = ["case_id", "looked_after", "reason"]

    def get_readonly_fields(self, request, obj=None):
        return ["case_id"] if obj is not None else []

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def save_model(self, request, obj, form, change):
        from audit.services import looked_after_mark

        mark = looked_after_mark(case_id=obj.case_id, by=request.user, looked_after=obj.looked_after, reason=obj.reason)
        obj.pk = mark.pk
