"""Read-only admin for bank details, payments and batches.

Bank details are shown masked (the last two digits of the sort code, the last four of the account
number), as everywhere but the export, and cannot be searched by number. Exported file contents
are not shown.
"""

from django.contrib import admin

from core.admin import ReadOnlyModelAdmin
from network_packages.models import Supplier
from payments.models import BankAccount, Payment, PaymentBatch


@admin.register(Supplier)
class SupplierAdmin(ReadOnlyModelAdmin):
    """Finance keeps the register in the app (each change is a service with its audit event)."""

    list_display = ("name", "supplies", "active", "created_by", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "supplies")
    list_select_related = ("created_by",)
    fields = ("name", "supplies", "address", "email", "phone", "company_number", "active", "created_by", "created_at")
    readonly_fields = fields


@admin.register(BankAccount)
class BankAccountAdmin(ReadOnlyModelAdmin):
    list_display = (
        "member",
        "supplier",
        "sort_code_masked",
        "account_number_masked",
        "verified",
        "entered_by",
        "verified_by",
    )
    list_filter = (("verified_at", admin.EmptyFieldListFilter),)
    search_fields = ("member__full_name", "member__case__reference", "supplier__name")
    list_select_related = ("member", "supplier", "entered_by", "verified_by")
    fields = (
        "member",
        "supplier",
        "sort_code_masked",
        "account_number_masked",
        "entered_by",
        "entered_at",
        "verified_by",
        "verified_at",
    )
    readonly_fields = fields

    @admin.display(description="Sort code")
    def sort_code_masked(self, obj):
        return obj.masked_sort_code

    @admin.display(description="Account number")
    def account_number_masked(self, obj):
        return obj.masked_account_number

    @admin.display(boolean=True, description="Verified")
    def verified(self, obj):
        return obj.is_verified


@admin.register(Payment)
class PaymentAdmin(ReadOnlyModelAdmin):
    list_display = ("reference", "payee", "supplier", "amount", "due_on", "status", "batch", "case", "instalment")
    list_filter = ("status",)
    search_fields = ("case__reference", "payee__full_name", "supplier__name", "batch__reference")
    list_select_related = ("payee", "supplier", "batch", "case")
    date_hierarchy = "due_on"
    fields = (
        "reference",
        "case",
        "package",
        "item",
        "payee",
        "supplier",
        "instalment",
        "amount",
        "due_on",
        "status",
        "authorised_by",
        "authorised_at",
        "batch",
        "paid_at",
        "created_at",
    )
    readonly_fields = fields


@admin.register(PaymentBatch)
class PaymentBatchAdmin(ReadOnlyModelAdmin):
    list_display = (
        "reference",
        "status",
        "payment_count",
        "total",
        "created_by",
        "approved_by",
        "exported_at",
        "confirmed_at",
    )
    list_filter = ("status",)
    search_fields = ("reference",)
    list_select_related = ("created_by", "approved_by")
    fields = (
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
    )
    readonly_fields = fields
