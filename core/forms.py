"""Form pieces every page shares: dates typed the UK way, refusals shown on the form."""

import datetime

from django import forms
from django.utils import timezone

from core.exceptions import DomainError


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def date_field(label, *, required=True, help_text=""):
    return forms.DateField(
        label=label, required=required, help_text=help_text, widget=DateInput(), input_formats=["%Y-%m-%d", "%d/%m/%Y"]
    )


def show_domain_error(form, exc: DomainError) -> None:
    """A refusal from a service becomes a form error: on the field it names, else for the whole form."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reasons", widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(forms.Form):
    note = forms.CharField(label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EmptyForm(forms.Form):
    """For buttons that only confirm a step: keeps the error summary in one place."""


def today():
    return timezone.localdate()


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


# -- rows without a limit ("add another" without JavaScript) ----------------------------------------


class GrowingRows(forms.BaseFormSet):
    """Rows of a form with no upper limit (children, plan actions, package items). "Add another" is
    a submit button (it works without JavaScript): the page comes back with what was typed,
    unchecked and unsaved, and one more empty row (`rows_plus_one`). No row counts as an initial
    one, so a row shown again, or left empty, stays optional beyond the first `min_num`."""

    def initial_form_count(self):
        return super().initial_form_count() if self.is_bound else 0

    def total_form_count(self):
        if self.is_bound:
            return super().total_form_count()
        return max(len(self.initial or []), self.min_num) + self.extra


def growing_rows(form_class, *, min_num: int = 1):
    """A formset class of `form_class` rows: at least `min_num`, and no most a family would reach
    (Django's guard against a forged POST, a thousand rows, stays)."""
    return forms.formset_factory(form_class, formset=GrowingRows, extra=0, min_num=min_num, validate_min=True)


def typed_rows(formset) -> list[dict]:
    """The rows of a bound formset as typed (raw values, unchecked), to show them again."""
    return [{name: form[name].value() or "" for name in form.fields} for form in formset.forms]


def rows_plus_one(formset_class, data, *, prefix: str, form_kwargs=None):
    """The rows typed in `data` (the POST) again, unchecked, with one more empty row."""
    typed = formset_class(data, prefix=prefix, form_kwargs=form_kwargs or {})
    return formset_class(initial=[*typed_rows(typed), {}], prefix=prefix, form_kwargs=form_kwargs or {})


def wants_another_row(request, button: str) -> bool:
    """Whether the POST is the "add another" button named `button` (not the form being sent)."""
    return request.method == "POST" and button in request.POST
