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
