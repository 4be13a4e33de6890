"""Forms of the finance pages: types only; the services decide the rules."""
from django import forms

from fgdm.forms import date_field
from payments.constants import PaymentStatus


class PaymentFilterForm(forms.Form):
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *PaymentStatus.choices])
    case = forms.CharField(label="Case reference", required=False, max_length=20,
                           help_text="For example FGDM-2026-000123.")

    def clean_case(self):
        """A case reference, or the case's number (the links from a case's tasks use it)."""
        value = self.cleaned_data["case"].strip().upper()
        if value and not value.isdigit() and not value.startswith("FGDM-"):
            raise forms.ValidationError("Enter a case reference, for example FGDM-2026-000123.")
        if value.isdigit() and not 0 < int(value) < 2**63:
            raise forms.ValidationError("Enter a case reference, for example FGDM-2026-000123.")
        return value
    due_before = date_field("Due on or before", required=False)


class BankAccountForm(forms.Form):
    account_name = forms.CharField(label="Name on the account", max_length=100)
    sort_code = forms.CharField(label="Sort code", max_length=8, help_text="6 digits, for example 40-00-00.",
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}))
    account_number = forms.CharField(label="Account number", max_length=10, help_text="8 digits.",
                                     widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}))


class BatchCreateForm(forms.Form):
    due_by = date_field("Include authorised payments due on or before", required=False,
                        help_text="Leave blank for today. Ignored if you tick payments below.")
    payment_ids = forms.TypedMultipleChoiceField(label="Or only these payments", required=False, coerce=int,
                                                 choices=[], widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, payments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payment_ids"].choices = [
            (p.pk, f"{p.reference} — {p.payee.full_name} — £{p.amount:,.2f} due {p.due_on:%-d %b %Y}") for p in payments
        ]


class EmptyForm(forms.Form):
    pass
