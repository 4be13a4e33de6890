"""The admin base: case, money and audit records are read-only in admin (services change state);
reference data whose rules live in a service is saved through that service."""

from django import forms
from django.contrib import admin

from core.exceptions import DomainError
from core.forms import show_domain_error


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


class ServiceModelForm(forms.ModelForm):
    """An admin form whose save is a domain service, so admin keeps the same rules as the shell, the
    pages and the API. Once the form's own checks pass, `save_through_service` runs (inside the
    admin's transaction); a refusal becomes a form error — on the field it names — not a 500."""

    by = None  # the signed-in user: ServiceModelAdmin.get_form sets it
    saved = None

    def save_through_service(self, *, by):
        """Call the service with `self.cleaned_data`; return the object it saved."""
        raise NotImplementedError

    def full_clean(self):
        super().full_clean()
        if self.is_bound and not self._errors:
            try:
                self.saved = self.save_through_service(by=self.by)
            except DomainError as exc:
                show_domain_error(self, exc)

    def save(self, commit=True):
        if self.saved is None:
            raise ValueError("The form was not saved through its service: call is_valid() first.")
        self.save_m2m = lambda: None  # the service set the many-to-many fields too
        return self.saved


class ServiceModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose form (a ServiceModelForm) saves through a domain service: the model and its
    many-to-many fields are saved by the service, never by admin itself. No inlines."""

    form = ServiceModelForm

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"by": request.user})

    def save_model(self, request, obj, form, change):
        pass  # saved by the service when the form was validated

    def save_related(self, request, form, formsets, change):
        pass  # likewise


# -- people and their API tokens -------------------------------------------------------------------
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.admin import GroupAdmin, UserAdmin  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from knox.models import AuthToken  # noqa: E402

from core.services import (  # noqa: E402
    role_access_record,
    role_access_snapshot,
    user_access_record,
    user_access_snapshot,
)


class AuditedUserAdmin(UserAdmin):
    """Django's user admin; each change to a person's roles (groups) or flags (active, staff,
    superuser) is recorded as a domain event naming the administrator (core.services), and an
    account made inactive loses its API tokens. Teams are changed in the team admin (its service
    records the change)."""

    def save_model(self, request, obj, form, change):
        request._access_before = user_access_snapshot(obj) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before = getattr(request, "_access_before", None)
        if before is not None:
            user_access_record(user_id=form.instance.pk, by=request.user, before=before)


class AuditedGroupAdmin(GroupAdmin):
    """Django's group (role) admin; each change to what a role may do — its permissions, its name —
    is recorded as a domain event naming the administrator (core.services)."""

    def save_model(self, request, obj, form, change):
        request._role_before = role_access_snapshot(obj) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before = getattr(request, "_role_before", None)
        if before is None:
            before = {"name": None, "permissions": []}
        role_access_record(group_id=form.instance.pk, by=request.user, before=before)


class AuthTokenAdmin(ReadOnlyModelAdmin):
    """API tokens: who holds one and until when. The token is never shown (only its hash is stored,
    and not shown either), and nobody can make one here: a token is made by its owner signing in."""

    list_display = ("user", "created", "expiry")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    fields = ("user", "created", "expiry")
    readonly_fields = fields
    ordering = ("-created",)


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, AuditedUserAdmin)
if admin.site.is_registered(Group):
    admin.site.unregister(Group)
admin.site.register(Group, AuditedGroupAdmin)
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)
admin.site.register(AuthToken, AuthTokenAdmin)
