from django import forms

from notifications.constants import Choice, Kind


class PreferencesForm(forms.Form):
    """One radio group per kind of message, and the mobile number for text messages."""

    mobile = forms.CharField(
        label="Mobile number for text messages", required=False, max_length=20, help_text="For example, 07700 900 982"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label, choices=Choice.choices, widget=forms.RadioSelect
            )
        self.order_fields([*Kind.values, "mobile"])

    def choices(self) -> dict:
        return {kind: self.cleaned_data[kind] for kind in Kind.values}
