"""API shapes of the money side. Bank details leave the API masked."""
from rest_framework import serializers

from fgdm.api.serializers import IdField
from network_packages.api.serializers import MoneyField
from payments.constants import PaymentStatus
from payments.models import BankAccount, Payment, PaymentBatch


class BankAccountSerializer(serializers.ModelSerializer):
    sort_code = serializers.CharField(source="masked_sort_code")
    account_number = serializers.CharField(source="masked_account_number")
    verified = serializers.BooleanField(source="is_verified")
    entered_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    verified_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = BankAccount
        fields = ["member", "account_name", "sort_code", "account_number", "verified", "entered_by", "entered_at",
                  "verified_by", "verified_at"]


class BankAccountInputSerializer(serializers.Serializer):
    account_name = serializers.CharField(max_length=100)
    sort_code = serializers.CharField(max_length=8)
    account_number = serializers.CharField(max_length=10)


class PaymentSerializer(serializers.ModelSerializer):
    case_reference = serializers.CharField(source="case.reference")
    payee_name = serializers.CharField(source="payee.full_name")
    amount = MoneyField()
    batch = serializers.SlugRelatedField(slug_field="reference", read_only=True)

    class Meta:
        model = Payment
        fields = ["id", "reference", "case", "case_reference", "package", "payee", "payee_name", "instalment",
                  "amount", "due_on", "status", "authorised_at", "batch", "paid_at"]


class BatchSerializer(serializers.ModelSerializer):
    total = MoneyField(min_value=None)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    approved_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    exported_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    confirmed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PaymentBatch
        fields = ["id", "reference", "status", "payment_count", "total", "created_by", "created_at", "approved_by",
                  "approved_at", "exported_by", "exported_at", "export_format", "export_sha256", "confirmed_by",
                  "confirmed_at"]


class BatchDetailSerializer(BatchSerializer):
    payments = PaymentSerializer(many=True, read_only=True)

    class Meta(BatchSerializer.Meta):
        fields = BatchSerializer.Meta.fields + ["payments"]


class BatchCreateSerializer(serializers.Serializer):
    payment_ids = serializers.ListField(child=IdField(), required=False, allow_empty=False, max_length=10_000)
    due_by = serializers.DateField(required=False)


class PaymentFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PaymentStatus.choices, required=False)
    case = IdField(required=False, source="case_id")
    due_before = serializers.DateField(required=False)
