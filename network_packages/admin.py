"""Admin for support packages: approval limits and budgets are edited here, through their services;
packages are read-only."""

from django.contrib import admin

from core.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline, ServiceModelAdmin, ServiceModelForm
from network_packages.constants import TIER_ORDER
from network_packages.models import (
    AgreementSignature,
    Approval,
    ApprovalLimit,
    Budget,
    PackageItem,
    PackageSafetyAnswer,
    PayeeCheck,
    PayeePolicy,
    SupportPackage,
)
from network_packages.services import approval_limit_set, budget_set, payee_policy_set


class ApprovalLimitForm(ServiceModelForm):
    class Meta:
        model = ApprovalLimit
        fields = ("tier", "max_amount")
        help_texts = {
            "max_amount": "The most a package total may be for this approver. Leave empty for no limit. "
            "Applies to packages submitted from now on.",
        }

    def save_through_service(self, *, by):
        data = self.cleaned_data
        tier = data["tier"] if "tier" in data else self.instance.tier  # read-only on a change
        return approval_limit_set(tier=tier, by=by, max_amount=data["max_amount"])


@admin.register(ApprovalLimit)
class ApprovalLimitAdmin(ServiceModelAdmin):
    """The limits live in the database. approval_limit_set holds their rules (tier order, money,
    administrators only) and records each change as a domain event; this admin calls it."""

    form = ApprovalLimitForm
    list_display = ("tier", "limit")

    @admin.display(description="Approves up to", ordering="max_amount")
    def limit(self, obj):
        return "No limit" if obj.max_amount is None else f"£{obj.max_amount:,.2f}"

    def get_readonly_fields(self, request, obj=None):
        return ("tier",) if obj else ()

    def has_add_permission(self, request):
        # One row per tier, created by a migration; add only a tier that is missing.
        return super().has_add_permission(request) and ApprovalLimit.objects.count() < len(TIER_ORDER)

    def has_delete_permission(self, request, obj=None):
        return False  # without its row, nobody at that tier could approve anything


class PackageItemInline(ReadOnlyTabularInline):
    model = PackageItem
    fields = ("description", "category", "payee", "supplier", "amount", "frequency", "instalments", "plan_action")


class ApprovalInline(ReadOnlyTabularInline):
    model = Approval
    fields = ("approver", "tier", "decision", "amount", "package_version", "note", "at")
    readonly_fields = ("at",)


@admin.register(SupportPackage)
class SupportPackageAdmin(ReadOnlyModelAdmin):
    list_display = (
        "__str__",
        "case",
        "version",
        "status",
        "total",
        "required_tier",
        "current_tier",
        "submitted_at",
        "decided_by",
    )
    list_filter = ("status", "required_tier", "current_tier")
    search_fields = ("case__reference",)
    list_select_related = ("case", "decided_by")
    inlines = [PackageItemInline, ApprovalInline]


@admin.register(PackageItem)
class PackageItemAdmin(ReadOnlyModelAdmin):
    list_display = ("description", "package", "category", "payee", "supplier", "amount", "frequency", "instalments")
    list_filter = ("category", "frequency")
    search_fields = ("description", "package__case__reference")
    list_select_related = ("package__case", "payee", "supplier")


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyModelAdmin):
    list_display = ("package", "approver", "tier", "decision", "amount", "package_version", "at")
    list_filter = ("tier", "decision")
    search_fields = ("package__case__reference", "approver__username")
    list_select_related = ("package__case", "approver")


@admin.register(AgreementSignature)
class AgreementSignatureAdmin(ReadOnlyModelAdmin):
    list_display = ("package", "package_version", "signed_as", "signed_on", "recorded_by", "recorded_at")
    search_fields = ("package__case__reference",)
    list_select_related = ("package__case", "recorded_by")


class BudgetForm(ServiceModelForm):
    class Meta:
        model = Budget
        fields = ("locality", "financial_year", "amount")
        help_texts = {"financial_year": "The year it starts in: 2026 is 2026-27."}

    def save_through_service(self, *, by):
        data = self.cleaned_data
        # On a change the locality and the year are read-only: the budget's own.
        locality = data["locality"] if "locality" in data else self.instance.locality
        year = data["financial_year"] if "financial_year" in data else self.instance.financial_year
        return budget_set(by=by, locality_id=locality.pk, financial_year=year, amount=data["amount"])


@admin.register(Budget)
class BudgetAdmin(ServiceModelAdmin):
    """Budgets per locality and financial year. budget_set holds their rules and records each change
    as a domain event; this admin calls it."""

    form = BudgetForm
    list_display = ("locality", "year", "budget")
    list_filter = ("financial_year", "locality")
    list_select_related = ("locality",)
    fields = ("locality", "financial_year", "amount")

    @admin.display(description="Financial year", ordering="financial_year")
    def year(self, obj):
        return obj.financial_year_label

    @admin.display(description="Budget", ordering="amount")
    def budget(self, obj):
        return f"£{obj.amount:,.2f}"

    def get_readonly_fields(self, request, obj=None):
        # A budget is the amount of one locality in one year: change the amount, or add another year.
        return ("locality", "financial_year") if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False  # set it to £0 instead: commitments and payments were measured against it


class PayeePolicyForm(ServiceModelForm):
    class Meta:
        model = PayeePolicy
        fields = ("pay_kinship_carers_with_order", "means_policy", "checks_required", "annual_cap_per_payee")

    def save_through_service(self, *, by):
        return payee_policy_set(by=by, **self.cleaned_data)


@admin.register(PayeePolicy)
class PayeePolicyAdmin(ServiceModelAdmin):
    """The council's payee policy: one row, made by a migration with Dorset's defaults.
    payee_policy_set holds its rules and records each change as a domain event; this admin calls it."""

    form = PayeePolicyForm
    list_display = ("__str__", "pay_kinship_carers_with_order", "means_policy", "checks_required", "cap")

    @admin.display(description="Most to one person a year", ordering="annual_cap_per_payee")
    def cap(self, obj):
        return "No cap" if obj.annual_cap_per_payee is None else f"£{obj.annual_cap_per_payee:,.2f}"

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not PayeePolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False  # one policy: change it instead


@admin.register(PayeeCheck)
class PayeeCheckAdmin(ReadOnlyModelAdmin):
    list_display = ("member", "kind", "outcome", "checked_on", "by", "at")
    list_filter = ("kind", "outcome")
    search_fields = ("member__case__reference",)
    list_select_related = ("member", "by")


@admin.register(PackageSafetyAnswer)
class PackageSafetyAnswerAdmin(ReadOnlyModelAdmin):
    list_display = ("package", "prompt", "member", "supplier", "answer", "answered_by", "answered_at")
    list_filter = ("prompt", "answer")
    search_fields = ("package__case__reference",)
    list_select_related = ("package__case", "member", "supplier", "answered_by")
