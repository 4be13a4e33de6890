"""Forms of the subject access request pages (core.sar_views)."""

from django import forms

from audit.models import SubjectAccessItem, SubjectAccessRequest
from core import forms as f


class SarLogForm(f.Form):
    received_on = f.date_field("Day the request was received", help_text="The deadline is one calendar month later.")
    requester = forms.CharField(label="Who asked", max_length=200, help_text="The subject, or who acts for them.")
    subject_name = forms.CharField(label="Whose data", max_length=200)
    subject_kind = forms.ChoiceField(
        label="The subject in FGDM",
        required=False,
        choices=[("", "Not yet found")] + SubjectAccessRequest.SubjectKind.choices,
    )
    subject_id = forms.IntegerField(label="Their id (as in the case record)", required=False, min_value=1)
    what_was_asked = forms.CharField(
        label="What was asked for", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class IdCheckForm(f.Form):
    method = forms.ChoiceField(label="How the identity was checked", choices=SubjectAccessRequest.IdCheck.choices)
    checked_on = f.date_field("Checked on", required=False, help_text="Today if left empty.")
    note = forms.CharField(label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ExtendForm(f.Form):
    months = forms.TypedChoiceField(
        label="Extend by",
        coerce=int,
        choices=[("", "Choose how long"), (1, "One month"), (2, "Two months")],
        error_messages={"required": "Select how long to extend the deadline by"},
    )
    reason = forms.CharField(label="Why the request is complex", widget=forms.Textarea(attrs={"rows": 2}))


class DecideForm(f.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(label="Decision", choices=SubjectAccessItem.Decision.choices)
    social_work_exemption = forms.BooleanField(
        label="The social-work exemption applies (disclosure likely to cause serious harm)", required=False
    )
    note = forms.CharField(label="Why", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CompleteForm(f.Form):
    completed_on = f.date_field("Response sent on", required=False, help_text="Today if left empty.")


class RefuseForm(f.Form):
    reason = forms.CharField(label="Why the request is refused", widget=forms.Textarea(attrs={"rows": 2}))
