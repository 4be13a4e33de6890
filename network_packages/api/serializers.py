"""API shapes of support packages."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import bounds
from core.api.fields import IdField, MoneyField, ReasonSerializer  # noqa: F401 -- one shape for every "reason" body
from core.exceptions import RuleBroken
from fgdm.constants import KinshipOrder
from network_packages import payees
from network_packages.constants import (
    CARE_CATEGORIES,
    Category,
    CheckKind,
    CheckOutcome,
    Frequency,
    MeansDecision,
    OtherFunding,
    ReviewDecision,
    SafetyAnswer,
    SafetyPrompt,
)
from network_packages.models import Approval, PackageItem, PackageReview, PayeeCheck, SupportPackage
from network_packages.selectors import budget_position


class ItemSerializer(serializers.ModelSerializer):
    payee = serializers.PrimaryKeyRelatedField(read_only=True, help_text="The network member paid (null if a supplier)")
    supplier = serializers.PrimaryKeyRelatedField(read_only=True, help_text="The supplier paid (null if a member)")
    payee_name = serializers.CharField(source="paid_to.full_name", read_only=True)
    plan_action = serializers.PrimaryKeyRelatedField(read_only=True)
    amount = MoneyField(read_only=True)
    total = MoneyField(read_only=True)

    class Meta:
        model = PackageItem
        fields = [
            "id",
            "description",
            "category",
            "payee",
            "supplier",
            "payee_name",
            "amount",
            "frequency",
            "instalments",
            "starts_on",
            "hours_per_day",
            "total",
            "plan_action",
        ]


class ApprovalSerializer(serializers.ModelSerializer):
    approver = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Approval
        fields = ["approver", "tier", "decision", "amount", "package_version", "note", "at"]


class PackageSerializer(serializers.ModelSerializer):
    items = ItemSerializer(many=True, read_only=True)
    approvals = ApprovalSerializer(many=True, read_only=True)
    total = MoneyField(read_only=True, min_value=None)
    submitted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = SupportPackage
        fields = [
            "id",
            "case",
            "plan",
            "version",
            "status",
            "total",
            "required_tier",
            "current_tier",
            "justification",
            "other_funding_checked",
            "other_funding_sources",
            "means_decision",
            "means_reason",
            "agreement_signed_on",
            "review_by",
            "submitted_by",
            "submitted_at",
            "decided_by",
            "decided_at",
            "return_reason",
            "items",
            "approvals",
        ]


class BudgetPositionSerializer(serializers.Serializer):
    locality = serializers.CharField()
    financial_year = serializers.CharField(source="financial_year_label")
    budget = MoneyField(allow_null=True, min_value=None, max_digits=14)
    committed = MoneyField(min_value=None, max_digits=14)
    package_total = MoneyField(min_value=None, max_digits=14)
    after_approval = MoneyField(min_value=None, max_digits=14)
    over_budget = serializers.BooleanField()
    warning = serializers.CharField()


class PackageReviewSerializer(serializers.ModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PackageReview
        fields = ["id", "reviewed_on", "by", "decision", "notes", "was_due_on", "next_review_by", "at"]


class SafetyPromptSerializer(serializers.Serializer):
    """A safety question the package raises, and the submitter's answer (null until answered)."""

    prompt = serializers.ChoiceField(choices=SafetyPrompt.choices)
    member = serializers.IntegerField(source="member.pk", allow_null=True, default=None)
    supplier = serializers.IntegerField(source="supplier.pk", allow_null=True, default=None)
    name = serializers.CharField()
    question = serializers.CharField()
    answer = serializers.ChoiceField(
        source="answer.answer", choices=SafetyAnswer.choices, allow_null=True, default=None
    )
    detail = serializers.CharField(source="answer.detail", allow_null=True, default=None)
    answered_by = serializers.CharField(source="answer.answered_by.username", allow_null=True, default=None)
    answered_at = serializers.DateTimeField(source="answer.answered_at", allow_null=True, default=None)


class PayeeCheckSerializer(serializers.ModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PayeeCheck
        fields = ["id", "member", "kind", "outcome", "checked_on", "reference", "notes", "by", "at"]
        read_only_fields = fields


class PackageDetailSerializer(PackageSerializer):
    """A package with, while it waits for a decision, its locality's budget position (the
    approver's warning when approving would go over budget; null otherwise), and its reviews; the
    safety prompts it raises with their answers; the checks recorded on the network members it pays
    for childcare or care; and, while it waits, what the payee rules still need before approval."""

    budget = serializers.SerializerMethodField()
    reviews = PackageReviewSerializer(many=True, read_only=True)
    safety_prompts = serializers.SerializerMethodField()
    payee_checks = serializers.SerializerMethodField()
    still_needed = serializers.SerializerMethodField()

    class Meta(PackageSerializer.Meta):
        fields = PackageSerializer.Meta.fields + ["budget", "reviews", "safety_prompts", "payee_checks", "still_needed"]

    @extend_schema_field(SafetyPromptSerializer(many=True))
    def get_safety_prompts(self, package):
        return SafetyPromptSerializer(payees.safety_prompts(package), many=True).data

    @extend_schema_field(PayeeCheckSerializer(many=True))
    def get_payee_checks(self, package):
        paid = {item.payee_id for item in package.items.all() if item.payee_id and item.category in CARE_CATEGORIES}
        checks = [check for found in payees.latest_checks(paid).values() for check in found]
        return PayeeCheckSerializer(checks, many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_still_needed(self, package):
        """While submitted: what the payee rules need before it can be approved (empty: nothing)."""
        from network_packages.services import payee_rules_refusals

        return payee_rules_refusals(package) if package.status == "submitted" else []

    @extend_schema_field(BudgetPositionSerializer(allow_null=True))
    def get_budget(self, package):
        position = budget_position(package=package)
        return BudgetPositionSerializer(position).data if position else None


class ItemInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=300)
    category = serializers.ChoiceField(choices=Category.choices)
    payee = IdField(required=False, allow_null=True, help_text="A member of the family's network (or give supplier)")
    supplier = IdField(
        required=False, allow_null=True, help_text="A supplier on the council's register (or give payee)"
    )
    amount = MoneyField()
    frequency = serializers.ChoiceField(choices=Frequency.choices, default=Frequency.ONE_OFF)
    instalments = serializers.IntegerField(min_value=1, max_value=104, default=1)
    plan_action = IdField(required=False, allow_null=True)
    starts_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The first instalment's due date (default: the written agreement's "
        "date; never before the package is approved)",
    )
    hours_per_day = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0.1"),
        max_value=Decimal("24"),
        required=False,
        allow_null=True,
        default=None,
        help_text="Childcare only: hours a day (more than 2 by someone not a relative, for a child under 8, "
        "asks whether the carer is registered with Ofsted)",
    )

    def validate(self, data):
        if (data.get("payee") is None) == (data.get("supplier") is None):
            message = "Give exactly one of payee (a network member) and supplier."
            raise serializers.ValidationError({"payee": message, "supplier": message})
        return data


class SafetyAnswerInputSerializer(serializers.Serializer):
    prompt = serializers.ChoiceField(choices=SafetyPrompt.choices)
    member = IdField(required=False, allow_null=True, default=None, help_text="Whom it is about: a network member")
    supplier = IdField(required=False, allow_null=True, default=None, help_text="... or a supplier")
    answer = serializers.ChoiceField(choices=SafetyAnswer.choices)
    detail = serializers.CharField(
        max_length=bounds.LONG_TEXT,
        help_text="The registration number, why exempt, when the council was notified, or why it is not private "
        "fostering",
    )

    def validate(self, data):
        if (data.get("member") is None) == (data.get("supplier") is None):
            message = "Give exactly one of member and supplier: whom the question is about."
            raise serializers.ValidationError({"member": message, "supplier": message})
        return data


class PackageCreateSerializer(serializers.Serializer):
    plan = IdField()
    justification = serializers.CharField(max_length=bounds.LONG_TEXT)
    other_funding_checked = serializers.BooleanField()
    other_funding_sources = serializers.ListField(
        child=serializers.ChoiceField(choices=OtherFunding.choices),
        required=False,
        max_length=len(OtherFunding.values),
        help_text="What other funding was checked (any given also sets other_funding_checked)",
    )
    means_decision = serializers.ChoiceField(
        choices=MeansDecision.choices, required=False, help_text="The council's decision on means (s.17(8))"
    )
    means_reason = serializers.CharField(
        max_length=bounds.LONG_TEXT, required=False, allow_blank=True, help_text="Needed when waived"
    )
    safety_answers = SafetyAnswerInputSerializer(
        many=True, required=False, max_length=50, help_text="Answers to the package's safety_prompts"
    )
    agreement_signed_on = serializers.DateField(required=False, allow_null=True)
    review_by = serializers.DateField(required=False, allow_null=True)
    items = ItemInputSerializer(many=True, allow_empty=False, max_length=bounds.max_items())

    def validate_items(self, items):
        """Each instalment and the package total within the ceilings (core.bounds, as the service checks)."""
        try:
            for number, item in enumerate(items, start=1):
                bounds.ensure_item_amount(item["amount"], field="items", prefix=f"Item {number}: ")
            bounds.ensure_package_total(sum((item["amount"] * item["instalments"] for item in items), Decimal("0.00")))
        except RuleBroken as refused:
            raise serializers.ValidationError(refused.message)
        return items


class PackageUpdateSerializer(PackageCreateSerializer):
    """PATCH of a draft or returned package: every field optional; `items`, when given, replace
    the package's items."""

    plan = IdField(required=False)
    justification = serializers.CharField(required=False, max_length=bounds.LONG_TEXT)
    other_funding_checked = serializers.BooleanField(required=False)
    items = ItemInputSerializer(many=True, allow_empty=False, required=False, max_length=bounds.max_items())


class PayeeFactsSerializer(serializers.Serializer):
    """What the payee rules read about a network member, and what they decide."""

    id = serializers.IntegerField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True, help_text="Nobody under 18 is paid")
    lives_with_child_since = serializers.DateField(
        required=False, allow_null=True, help_text="Since when the child lives with them"
    )
    kinship_order = serializers.ChoiceField(
        choices=KinshipOrder.choices,
        required=False,
        allow_blank=True,
        help_text="The court order under which they are a kinship carer (blank: none)",
    )
    payment_eligible = serializers.BooleanField(read_only=True)
    payment_refusal = serializers.CharField(read_only=True, help_text="Why they cannot be paid (blank: they can)")
    checks = PayeeCheckSerializer(source="payee_checks.all", many=True, read_only=True)


class PayeeCheckInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CheckKind.choices)
    outcome = serializers.ChoiceField(choices=CheckOutcome.choices)
    checked_on = serializers.DateField()
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=bounds.LONG_TEXT, required=False, allow_blank=True, default="")


class PackageReviewInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=ReviewDecision.choices)
    notes = serializers.CharField(max_length=bounds.LONG_TEXT)
    next_review_by = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Needed to continue: after the current review date"
    )


class EndSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    last_due_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Pay instalments due up to this day; cancel the rest (default: cancel "
        "every payment not yet gone to the bank)",
    )


class PauseSerializer(serializers.Serializer):
    pause_from = serializers.DateField()
    pause_to = serializers.DateField()
    reason = serializers.CharField(max_length=2000)

    def validate(self, data):
        if data["pause_to"] < data["pause_from"]:
            raise serializers.ValidationError({"pause_to": "The pause must end on or after the day it starts."})
        return data


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class OptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")
