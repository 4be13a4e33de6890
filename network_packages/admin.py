"""Admin for support packages: approval limits are edited here; packages are read-only."""

from django import forms
from django.contrib import admin

from audit.services import record_event
from core.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline
from network_packages.constants import TIER_ORDER
from network_packages.models import Approval, ApprovalLimit, Budget, PackageItem, SupportPackage


class ApprovalLimitForm(forms.ModelForm):
    class Meta:
        model = ApprovalLimit
        fields = ("tier", "max_amount")
        help_texts = {
            "max_amount": "The most a package total may be for this approver. Leave empty for no limit. "
            "Applies to packages submitted from now on.",
        }

    def clean(self):
        """A higher tier may approve at least as much as every tier below it."""
        cleaned = super().clean()
        tier, amount = cleaned.get("tier") or self.instance.tier, cleaned.get("max_amount")
        if tier not in TIER_ORDER:
            return cleaned
        rank = TIER_ORDER.index(tier)
        for other in ApprovalLimit.objects.exclude(pk=self.instance.pk):
            if other.tier not in TIER_ORDER:
                continue
            other_rank = TIER_ORDER.index(other.tier)
            lower, higher = (other.max_amount, amount) if other_rank < rank else (amount, other.max_amount)
            if other_rank == rank or higher is None:
                continue
            if lower is None or lower > higher:
                raise forms.ValidationError(
                    f"A {other.get_tier_display().lower()} limit of "
                    f"{'no limit' if other.max_amount is None else f'£{other.max_amount:,.2f}'} "
                    f"does not fit: a higher tier must be able to approve at least as much as a lower one."
                )
        return cleaned


@admin.register(ApprovalLimit)
class ApprovalLimitAdmin(admin.ModelAdmin):
    """The limits live in the database. Each change is recorded as a domain event as well as by auditlog."""

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

    def save_model(self, request, obj, form, change):
        previous = (
            ApprovalLimit.objects.filter(pk=obj.pk).values_list("max_amount", flat=True).first() if change else None
        )
        super().save_model(request, obj, form, change)
        record_event(
            obj=obj,
            action="approval_limit_changed" if change else "approval_limit_created",
            by=request.user,
            case_id=None,
            reason=obj.get_tier_display(),
            changes={
                "max_amount": [
                    None if previous is None else str(previous),
                    None if obj.max_amount is None else str(obj.max_amount),
                ]
            },
        )


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


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    """Budgets per locality and financial year. Each change is recorded as a domain event too."""

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

    def has_delete_permission(self, request, obj=None):
        return False  # set it to £0 instead: commitments and payments were measured against it

    def save_model(self, request, obj, form, change):
        previous = Budget.objects.filter(pk=obj.pk).values_list("amount", flat=True).first() if change else None
        super().save_model(request, obj, form, change)
        record_event(
            obj=obj,
            action="budget_changed" if change else "budget_set",
            by=request.user,
            case_id=None,
            reason=f"{obj.locality} {obj.financial_year_label}",
            changes={"amount": [None if previous is None else str(previous), str(obj.amount)]},
        )
