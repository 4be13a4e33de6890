"""Forms of the staff's link pages: they check types only; the services decide the rules."""

from django import forms

from core.forms import Form


class LinkIssueForm(Form):
    """Nothing to type: the page confirms, the service decides."""


class LinkRevokeForm(Form):
    reason = forms.CharField(
        label="Why should it stop working?",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: the phone was lost, or it was sent to the wrong address.",
    )
