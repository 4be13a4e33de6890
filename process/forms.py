"""Forms of the process's pages."""

from django import forms
from django.contrib.auth import get_user_model

from core.forms import Form


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user.get_full_name() or user.get_username()} ({user.get_username()})"


class TaskReassignForm(Form):
    to = PersonChoiceField(label="Hand the task to", queryset=get_user_model().objects.none(), empty_label="Choose")
    reason = forms.CharField(
        label="Why (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = people
