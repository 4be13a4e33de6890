"""Forms of the finance pages: types only; the services decide the rules."""

from django import forms

from core.forms import Form, date_field
from payments.constants import ACCOUNT_NAME_MAX_LENGTH, AUTHORISE_MANY_MAX, PaymentStatus


class PaymentFilterForm(Form):
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *PaymentStatus.choices])
    case = forms.CharField(
        label="Case reference", required=False, max_length=20, help_text="For example FGDM-2026-000123."
    )

    def clean_case(self):
        """A case reference, or the case's number (the links from a case's tasks use it)."""
        value = self.cleaned_data["case"].strip().upper()
        if value and not value.isdigit() and not value.startswith("FGDM-"):
            raise forms.ValidationError("Enter a case reference, for example FGDM-2026-000123.")
        if value.isdigit() and not 0 < int(value) < 2**63:
            raise forms.ValidationError("Enter a case reference, for example FGDM-2026-000123.")
        return value

    due_before = date_field("Due on or before", required=False)


class PaymentIdsField(forms.Field):
    """Payment ids ticked on a page (the checkboxes sit in the list's rows and belong to the form
    through their `form` attribute). Whether each names a payment the person may authorise is the
    service's call, as in the API."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": "Tick at least one payment to authorise.",
        "invalid": "Tick payments from the list.",
    }

    def to_python(self, value):
        if value in self.empty_values:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            ids = [int(v) for v in values]
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if any(not 0 < pk < 2**63 for pk in ids):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return ids

    def validate(self, value):
        super().validate(value)
        if len(set(value)) > AUTHORISE_MANY_MAX:
            raise forms.ValidationError(f"Authorise at most {AUTHORISE_MANY_MAX} payments at a time.", code="max")


class PaymentsAuthoriseForm(Form):
    payment_ids = PaymentIdsField(label="Payments to authorise")


class BatchStepForm(Form):
    """An irreversible step of a batch (approving it, confirming the bank has paid), confirmed by a
    tick whose label names the batch, its count of payments and its total. The count and total the
    person saw come back with the form: if the batch is no longer what they confirmed, nothing happens."""

    confirmed = forms.BooleanField(
        label="Confirmation",  # the page shows `statement` beside the tick
        required=True,
        error_messages={"required": "Tick the box to confirm the batch, its payments and its total."},
    )
    payment_count = forms.IntegerField(widget=forms.HiddenInput, required=False)
    total = forms.DecimalField(widget=forms.HiddenInput, required=False, max_digits=14, decimal_places=2)

    LABELS = {
        "approve": "I have checked batch {reference}: {count} payment{s}, £{total:,.2f} in total. Approve it.",
        "confirm": "The bank has paid batch {reference}: {count} payment{s}, £{total:,.2f} in total. Mark them paid.",
    }

    def __init__(self, *args, batch, step: str, **kwargs):
        kwargs.setdefault("initial", {"payment_count": batch.payment_count, "total": batch.total})
        super().__init__(*args, **kwargs)
        self.batch = batch
        count = batch.payment_count
        self.statement = self.LABELS[step].format(
            reference=batch.reference, count=count, s="" if count == 1 else "s", total=batch.total
        )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("confirmed"):
            return cleaned  # the tick's own error says what to do
        if cleaned.get("payment_count") != self.batch.payment_count or cleaned.get("total") != self.batch.total:
            raise forms.ValidationError(
                f"Batch {self.batch.reference} now has {self.batch.payment_count} payments, "
                f"£{self.batch.total:,.2f} in total: check it again before you confirm."
            )
        return cleaned


class BankAccountForm(Form):
    account_name = forms.CharField(label="Name on the account", max_length=ACCOUNT_NAME_MAX_LENGTH)
    sort_code = forms.CharField(
        label="Sort code",
        max_length=8,
        help_text="6 digits, for example 40-00-00.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    account_number = forms.CharField(
        label="Account number",
        max_length=16,
        help_text="8 digits for most banks. Shorter numbers, Santander's 9 digits and "
        "NatWest's, the Co-operative Bank's and Leeds Building Society's 10 "
        "digits are converted to the 8 that BACS uses.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


class VerifyForm(Form):
    """Verify bank details; when they are on file for another payee, confirm they were checked."""

    confirm_shared_account = forms.BooleanField(
        required=False, label="I checked with the payee that this account is theirs"
    )


class SupplierForm(Form):
    name = forms.CharField(label="Trading name", max_length=140)
    supplies = forms.CharField(
        label="What they supply",
        max_length=200,
        required=False,
        help_text="For example: taxis in Weymouth and Portland; beds and bedding.",
    )
    address = forms.CharField(
        label="Address", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    email = forms.EmailField(label="Email for remittance advice", required=False)
    phone = forms.CharField(label="Phone", max_length=40, required=False)
    company_number = forms.CharField(label="Company or charity number", max_length=20, required=False)


class SupplierChangeForm(SupplierForm):
    active = forms.BooleanField(label="On the register (can be chosen for new package items)", required=False)


class SupplierSearchForm(Form):
    search = forms.CharField(label="Name or what they supply", max_length=100, required=False)
    show = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[("active", "On the register"), ("inactive", "Taken off the register"), ("all", "All")],
    )


class BatchCreateForm(Form):
    due_by = date_field(
        "Include authorised payments due on or before",
        required=False,
        help_text="Leave blank for today. Ignored if you tick payments below.",
    )
    payment_ids = forms.TypedMultipleChoiceField(
        label="Or only these payments", required=False, coerce=int, choices=[], widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, payments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payment_ids"].choices = [
            (p.pk, f"{p.reference} — {p.paid_to.full_name} — £{p.amount:,.2f} due {p.due_on:%-d %b %Y}")
            for p in payments
        ]


class PaymentCancelForm(Form):
    reason = forms.CharField(
        label="Why cancel this payment?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: duplicate of FNSP00000123.",
    )


class ReturnsUploadForm(Form):
    file = forms.FileField(
        label="Returns file from the bank (CSV)",
        help_text="Columns: reference, amount, returned_on, reason_code, reason. "
        "The whole file is applied, or nothing if any line is wrong.",
    )


class FinancialYearForm(Form):
    financial_year = forms.IntegerField(
        label="Financial year starting in",
        min_value=2000,
        max_value=2100,
        required=False,
        help_text="2026 means April 2026 to March 2027.",
    )


class TransparencyForm(Form):
    date_from = date_field("Paid from")
    date_to = date_field("Paid up to and including")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date must be on or after the start date.")
        if start and end and (end - start).days > 366:
            self.add_error("date_to", "Ask for at most a year at a time.")
        return cleaned
