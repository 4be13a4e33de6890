"""API shapes of the money side. Bank details leave the API masked."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import IdField, MoneyField
from network_packages.models import Supplier
from payments.constants import ACCOUNT_NAME_MAX_LENGTH, AUTHORISE_MANY_MAX, ExportFormat, PaymentStatus
from payments.models import BankAccount, Payment, PaymentBatch, PaymentReturn, ReturnsImport
from payments.selectors import payment_history


class BankAccountSerializer(serializers.ModelSerializer):
    """Masked, except for the finance officer who may verify them (context "shown_in_full", from
    payments.selectors.bank_details_shown_in_full — the page's rule too)."""

    sort_code = serializers.SerializerMethodField()
    account_number = serializers.SerializerMethodField()
    shown_in_full = serializers.SerializerMethodField()
    shared_account_warning = serializers.SerializerMethodField()
    verified = serializers.BooleanField(source="is_verified")
    entered_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    verified_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = BankAccount
        fields = [
            "member",
            "supplier",
            "account_name",
            "sort_code",
            "account_number",
            "shown_in_full",
            "verified",
            "entered_by",
            "entered_at",
            "verified_by",
            "verified_at",
            "shared_account_warning",
        ]

    def get_shared_account_warning(self, account) -> str:
        """To the verifier: the same sort code and account number are on file for another payee ("" if not)."""
        if not self.context.get("shown_in_full"):
            return ""
        from payments.selectors import shared_account_warning

        return shared_account_warning(account)

    def get_shown_in_full(self, account) -> bool:
        return bool(self.context.get("shown_in_full"))

    def get_sort_code(self, account) -> str:
        return account.sort_code if self.get_shown_in_full(account) else account.masked_sort_code

    def get_account_number(self, account) -> str:
        return account.account_number if self.get_shown_in_full(account) else account.masked_account_number


class BankAccountVerifySerializer(serializers.Serializer):
    confirm_shared_account = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The same account is on file for another payee (see shared_account_warning): confirm you checked it",
    )


class BankAccountInputSerializer(serializers.Serializer):
    account_name = serializers.CharField(
        max_length=ACCOUNT_NAME_MAX_LENGTH, help_text="One line of printable text (no line breaks)"
    )
    sort_code = serializers.CharField(max_length=8)
    account_number = serializers.CharField(max_length=16, help_text="6 to 10 digits; spaces and dashes are ignored")


class SupplierSerializer(serializers.ModelSerializer):
    """A supplier on the council's register. `bank_details` says only whether they are entered and
    verified; the details themselves are at /suppliers/{id}/bank-account/ (finance and auditors)."""

    bank_details = serializers.SerializerMethodField()
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Supplier
        fields = [
            "id",
            "name",
            "supplies",
            "address",
            "email",
            "phone",
            "company_number",
            "active",
            "bank_details",
            "created_by",
            "created_at",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=["none", "unverified", "verified"]))
    def get_bank_details(self, supplier) -> str:
        account = getattr(supplier, "bank_account", None)
        return "none" if account is None else ("verified" if account.is_verified else "unverified")


class SupplierInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=140)
    supplies = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    company_number = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class SupplierChangeSerializer(SupplierInputSerializer):
    """PATCH (validated with partial=True, so only what it names changes): any of the fields, and
    `active` (false takes the supplier off the register)."""

    active = serializers.BooleanField(required=False)


class SupplierQuerySerializer(serializers.Serializer):
    search = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    active = serializers.BooleanField(required=False, allow_null=True, default=None)


class PaymentSerializer(serializers.ModelSerializer):
    case_reference = serializers.CharField(source="case.reference")
    payee_name = serializers.CharField(source="paid_to.full_name")
    amount = MoneyField()
    batch = serializers.SlugRelatedField(slug_field="reference", read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "reference",
            "case",
            "case_reference",
            "package",
            "payee",
            "supplier",
            "payee_name",
            "instalment",
            "amount",
            "due_on",
            "status",
            "authorised_at",
            "batch",
            "paid_at",
        ]


class BatchSerializer(serializers.ModelSerializer):
    total = MoneyField(min_value=None)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    approved_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    exported_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    confirmed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PaymentBatch
        fields = [
            "id",
            "reference",
            "status",
            "payment_count",
            "total",
            "created_by",
            "created_at",
            "approved_by",
            "approved_at",
            "exported_by",
            "exported_at",
            "export_format",
            "export_sha256",
            "confirmed_by",
            "confirmed_at",
        ]


class BatchDetailSerializer(BatchSerializer):
    payments = PaymentSerializer(many=True, read_only=True)

    class Meta(BatchSerializer.Meta):
        fields = BatchSerializer.Meta.fields + ["payments"]


class BatchCreateSerializer(serializers.Serializer):
    payment_ids = serializers.ListField(child=IdField(), required=False, allow_empty=False, max_length=10_000)
    due_by = serializers.DateField(required=False)


class BatchExportSerializer(serializers.Serializer):
    format = serializers.ChoiceField(
        choices=ExportFormat.values,
        default=ExportFormat.CSV,
        error_messages={"invalid_choice": "Export format “{input}” is not available; use csv, bacs18 or pain001."},
    )


class PaymentsAuthoriseSerializer(serializers.Serializer):
    payment_ids = serializers.ListField(
        child=IdField(),
        allow_empty=False,
        max_length=AUTHORISE_MANY_MAX,
        help_text=f"The payments to authorise: 1 to {AUTHORISE_MANY_MAX} ids (an id given twice counts once).",
    )


class AuthorisedPaymentSerializer(serializers.ModelSerializer):
    amount = MoneyField()

    class Meta:
        model = Payment
        fields = ["id", "reference", "amount", "status"]


class RefusedPaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reason = serializers.CharField(help_text='Why it was not authorised; "Not found." for an id you cannot see.')


class PaymentsAuthorisedSerializer(serializers.Serializer):
    """What `POST /payments/authorise/` did: each payment is checked on its own, so some may be
    authorised and others refused in the same call (both lists in id order)."""

    authorised = AuthorisedPaymentSerializer(many=True)
    refused = RefusedPaymentSerializer(many=True)


class PaymentFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PaymentStatus.choices, required=False)
    case = IdField(required=False, source="case_id")
    due_before = serializers.DateField(required=False)


class PaymentEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_username")
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    reason = serializers.CharField()
    changes = serializers.JSONField()


class PaymentReturnSerializer(serializers.ModelSerializer):
    batch = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    amount = MoneyField()

    class Meta:
        model = PaymentReturn
        fields = ["batch", "amount", "returned_on", "reason_code", "reason"]


class PaymentDetailSerializer(PaymentSerializer):
    """A payment with its full history (every state change, oldest first) and the bank's returns."""

    history = serializers.SerializerMethodField()
    returns = PaymentReturnSerializer(many=True, read_only=True)

    class Meta(PaymentSerializer.Meta):
        fields = PaymentSerializer.Meta.fields + ["times_returned", "history", "returns"]

    @extend_schema_field(PaymentEventSerializer(many=True))
    def get_history(self, payment):
        return PaymentEventSerializer(payment_history(payment=payment), many=True).data


class PaymentCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class ReturnsImportSerializer(serializers.ModelSerializer):
    imported_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    total = MoneyField(min_value=None, max_digits=14)
    payments = serializers.SerializerMethodField()

    class Meta:
        model = ReturnsImport
        fields = ["id", "file_name", "sha256", "row_count", "total", "imported_by", "imported_at", "payments"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_payments(self, imported):
        return [r.payment.reference for r in imported.returns.select_related("payment").order_by("payment_id")]


class ReturnsUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The bank's returns CSV: reference,amount,returned_on,reason_code,reason")


class BudgetLineSerializer(serializers.Serializer):
    locality = serializers.CharField(source="locality.code")
    locality_name = serializers.CharField(source="locality.name")
    budget = MoneyField(allow_null=True, min_value=None, max_digits=14)
    committed = MoneyField(min_value=None, max_digits=14)
    paid = MoneyField(min_value=None, max_digits=14)
    remaining = MoneyField(allow_null=True, min_value=None, max_digits=14)
    over_budget = serializers.BooleanField()


class BudgetReportSerializer(serializers.Serializer):
    """`GET budgets/`: the financial year ("2026-27") and a line per locality (for the schema)."""

    financial_year = serializers.CharField()
    results = BudgetLineSerializer(many=True)


class FinancialYearQuerySerializer(serializers.Serializer):
    financial_year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)


class TransparencyQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()

    def validate(self, data):
        if data["date_to"] < data["date_from"]:
            raise serializers.ValidationError({"date_to": "The end date must be on or after the start date."})
        if (data["date_to"] - data["date_from"]).days > 366:
            raise serializers.ValidationError({"date_to": "Ask for at most a year at a time."})
        return data
