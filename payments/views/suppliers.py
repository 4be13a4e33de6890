"""The register of suppliers (kept by finance) and suppliers' bank details."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from audit.services import record_access
from core.pages import done, gate, page, run_service
from core.roles import may
from network_packages import selectors as package_selectors
from network_packages import services as package_services
from payments import forms as f
from payments import selectors, services
from payments.views.bank_details import verify_check_page


def _supplier_page(request, supplier, *, form=None, bank_form=None, verify_form=None, status=200):
    """A supplier: its details (finance may change them), its bank details (finance and auditors;
    in full only to a finance officer who may verify them) and the payments to it the reader may see."""
    can_manage = may(request.user, "supplier_manage")
    sees_bank = may(request.user, "supplier_bank_account_view")
    account = selectors.bank_account_of_supplier(supplier=supplier) if sees_bank else None
    show_full = selectors.bank_details_shown_in_full(user=request.user, account=account)
    if account is not None:
        record_access(by=request.user, what="bank_details", door="page", obj=account, path=request.path)
    if form is None and can_manage:
        form = f.SupplierChangeForm(
            initial={**{k: getattr(supplier, k) for k in package_services.SUPPLIER_FIELDS}, "active": supplier.active}
        )
    bank_form = bank_form or (f.BankAccountForm() if may(request.user, "supplier_bank_account_set") else None)
    payments = selectors.payment_list(user=request.user).filter(supplier=supplier).order_by("-due_on", "-id")
    return page(
        request,
        "payments/supplier_detail.html",
        {
            "title": supplier.name,
            "supplier": supplier,
            "account": account,
            "sees_bank": sees_bank,
            "show_full": show_full,
            "form": form,
            "bank_form": bank_form,
            "verify_form": verify_form or f.VerifyForm(),
            "shared_warning": selectors.shared_account_warning(account) if show_full else "",
            "all_forms": [x for x in (form, bank_form, verify_form) if x is not None],
            "payments": payments[:100],
            "payment_count": payments.count(),
        },
        status=status,
    )


@login_required
def supplier_list(request):
    """The council's register of suppliers; finance officers add to it here."""
    gate(request, "supplier_manage" if request.method == "POST" else "supplier_view")
    form = f.SupplierForm(request.POST or None) if may(request.user, "supplier_manage") else None
    if request.method == "POST":
        supplier = run_service(form, lambda data: package_services.supplier_create(by=request.user, **data))
        if supplier:
            return done(
                request,
                f"{supplier.name} is on the register. Enter its bank details next; another finance "
                "officer verifies them before it is paid.",
                reverse("payments:supplier_detail", args=[supplier.pk]),
            )
    search = f.SupplierSearchForm(request.GET or None)
    query = search.cleaned_data if search.is_valid() else {}
    show = query.get("show") or "active"
    suppliers = package_selectors.supplier_list(
        user=request.user,
        search=(query.get("search") or "").strip(),
        active={"active": True, "inactive": False}.get(show),
    )
    shown = Paginator(suppliers, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page(
        request,
        "payments/supplier_list.html",
        {
            "title": "Suppliers",
            "search": search,
            "page": shown,
            "suppliers": shown.object_list,
            "form": form,
            "all_forms": [x for x in (form, search) if x is not None and x.is_bound],
            "query": params.urlencode(),
            "sees_bank": may(request.user, "supplier_bank_account_view"),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def supplier_detail(request, supplier_id):
    supplier = package_selectors.supplier_get(user=request.user, supplier_id=supplier_id)
    if request.method != "POST":
        return _supplier_page(request, supplier)
    gate(request, "supplier_manage")
    form = f.SupplierChangeForm(request.POST)
    if run_service(
        form, lambda data: package_services.supplier_update(supplier_id=supplier.pk, by=request.user, **data)
    ):
        return done(
            request,
            f"{form.cleaned_data['name']}'s details are saved.",
            reverse("payments:supplier_detail", args=[supplier.pk]),
        )
    return _supplier_page(request, supplier, form=form, status=400)


@login_required
@require_POST
def supplier_bank_details(request, supplier_id):
    supplier = package_selectors.supplier_get(user=request.user, supplier_id=supplier_id)
    gate(request, "supplier_bank_account_set")
    form = f.BankAccountForm(request.POST)
    if run_service(
        form, lambda data: services.supplier_bank_account_set(supplier_id=supplier.pk, by=request.user, **data)
    ):
        return done(
            request,
            f"{supplier.name}'s bank details are saved. Another finance officer must verify them before they are used.",
            reverse("payments:supplier_detail", args=[supplier.pk]),
        )
    return _supplier_page(request, supplier, bank_form=form, status=400)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def supplier_bank_details_verify(request, supplier_id):
    """GET: the check page; POST: verify the supplier's bank details (not the officer who entered them)."""
    supplier = package_selectors.supplier_get(user=request.user, supplier_id=supplier_id)
    gate(request, "supplier_bank_account_verify")
    if request.method != "POST":
        account = selectors.bank_account_of_supplier(supplier=supplier)
        return verify_check_page(
            request,
            account=account,
            owner=f"{supplier.name} (supplier)",
            action=reverse("payments:supplier_bank_details_verify", args=[supplier.pk]),
            back=reverse("payments:supplier_detail", args=[supplier.pk]),
        )
    form = f.VerifyForm(request.POST)
    if run_service(
        form,
        lambda data: services.supplier_bank_account_verify(
            supplier_id=supplier.pk, by=request.user, confirm_shared_account=data["confirm_shared_account"]
        ),
    ):
        return done(
            request,
            f"{supplier.name}'s bank details are verified. Payments to it can now be authorised.",
            reverse("payments:supplier_detail", args=[supplier.pk]),
        )
    return _supplier_page(request, supplier, verify_form=form, status=400)
