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
