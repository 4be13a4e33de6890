"""Finance pages: payments, payees' bank details, batches and their files. One service per POST."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from audit.services import record_access
from core.exceptions import RuleBroken
from core.forms import EmptyForm
from core.pages import done, gate, page, run_service
from core.roles import Role, has_role, may
from fgdm.selectors import member_get
from network_packages import selectors as package_selectors
from network_packages import services as package_services
from network_packages.selectors import financial_year_of
from payments import forms as f
from payments import selectors, services
from payments.api.views import file_response
from payments.constants import BatchStatus, ExportFormat, PaymentStatus
from payments.models import ReturnsImport


def _render_payments(request, *, error_form=None, status=200):
    filters = f.PaymentFilterForm(request.GET or None)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    case = cleaned.get("case") or ""
    payments = selectors.payment_list(
        user=request.user,
        status=cleaned.get("status") or None,
        case_id=int(case) if case.isdigit() else None,
        due_before=cleaned.get("due_before"),
    )
    if case and not case.isdigit():
        payments = payments.filter(case__reference=case)
    totals = payments.aggregate(count=Count("id"), total=Sum("amount"))
    shown = Paginator(payments.select_related("payee__bank_account", "supplier__bank_account"), 50).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return page(
        request,
        "payments/payment_list.html",
        {
            "title": "Payments",
            "filters": filters,
            "page": shown,
            "payments": shown.object_list,
            "count": totals["count"],
            "total": totals["total"] or 0,
            "filtered": any(cleaned.get(k) for k in ("status", "case", "due_before")),
            "is_finance": has_role(request.user, Role.FINANCE_OFFICER),
            "awaiting": selectors.payees_awaiting_verification(user=request.user),
            "all_forms": [error_form] if error_form else [],
            "query": query.urlencode(),
        },
        status=status,
    )


@login_required
@require_safe
def payment_list(request):
    return _render_payments(request)


@login_required
@require_POST
def payment_authorise(request, payment_id):
    payment = selectors.payment_get(user=request.user, payment_id=payment_id)
    gate(request, "payment_authorise")
    form = EmptyForm(request.POST)
    if run_service(form, lambda data: services.payment_authorise(payment_id=payment.pk, by=request.user)):
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = reverse("payments:payment_list")
        return done(
            request,
            f"Payment {payment.reference} (£{payment.amount:,.2f} to {payment.paid_to.full_name}) is "
            "authorised. It goes into the next batch.",
            back,
        )
    return _render_payments(request, error_form=form, status=400)


def _bank_page(request, member, *, form=None, verify_form=None, status=200):
    account = selectors.bank_account_for(member=member)
    show_full = selectors.bank_details_shown_in_full(user=request.user, account=account)
    if account is not None:  # masked or in full (to the verifier), the account name is shown: a read
        record_access(
            by=request.user, what="bank_details", door="page", obj=account, case_id=member.case_id, path=request.path
        )
    form = form or f.BankAccountForm()
    return page(
        request,
        "payments/bank_details.html",
        {
            "title": f"Bank details: {member.full_name}",
            "member": member,
            "account": account,
            "show_full": show_full,
            "form": form,
            "verify_form": verify_form or EmptyForm(),
            "all_forms": [x for x in (form, verify_form) if x is not None],
            "payments": selectors.payment_list(user=request.user).filter(payee=member),
        },
        status=status,
    )


@login_required
def bank_details(request, member_id):
    member = member_get(user=request.user, member_id=member_id)
    gate(request, "bank_account_set" if request.method == "POST" else "bank_account_view")
    if request.method == "POST":
        form = f.BankAccountForm(request.POST)
        if run_service(form, lambda data: services.bank_account_set(member_id=member.pk, by=request.user, **data)):
            return done(
                request,
                f"{member.full_name}'s bank details are saved. Another finance officer must verify "
                "them before they are used.",
                reverse("payments:bank_details", args=[member.pk]),
            )
        return _bank_page(request, member, form=form, status=400)
    return _bank_page(request, member)


@login_required
@require_POST
def bank_details_verify(request, member_id):
    member = member_get(user=request.user, member_id=member_id)
    gate(request, "bank_account_verify")
    form = EmptyForm(request.POST)
    if run_service(form, lambda data: services.bank_account_verify(member_id=member.pk, by=request.user)):
        return done(
            request,
            f"{member.full_name}'s bank details are verified. Their payments can now be authorised.",
            reverse("payments:bank_details", args=[member.pk]),
        )
    return _bank_page(request, member, verify_form=form, status=400)


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
            "verify_form": verify_form or EmptyForm(),
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
@require_POST
def supplier_bank_details_verify(request, supplier_id):
    supplier = package_selectors.supplier_get(user=request.user, supplier_id=supplier_id)
    gate(request, "supplier_bank_account_verify")
    form = EmptyForm(request.POST)
    if run_service(form, lambda data: services.supplier_bank_account_verify(supplier_id=supplier.pk, by=request.user)):
        return done(
            request,
            f"{supplier.name}'s bank details are verified. Payments to it can now be authorised.",
            reverse("payments:supplier_detail", args=[supplier.pk]),
        )
    return _supplier_page(request, supplier, verify_form=form, status=400)


def _authorised_unbatched(request):
    return selectors.payment_list(user=request.user, status=PaymentStatus.AUTHORISED).filter(batch__isnull=True)


@login_required
def batch_list(request):
    can_batch = has_role(request.user, Role.FINANCE_OFFICER)
    payments = list(_authorised_unbatched(request)) if can_batch else []
    form = f.BatchCreateForm((request.POST if request.method == "POST" else None), payments=payments)
    if request.method == "POST":
        gate(request, "batch_create")
        batch = run_service(
            form,
            lambda data: services.batch_create(
                by=request.user, payment_ids=data["payment_ids"] or None, due_by=data["due_by"]
            ),
        )
        if batch:
            return done(
                request,
                f"Batch {batch.reference} is created with {batch.payment_count} "
                f"payment{'s' if batch.payment_count != 1 else ''} (£{batch.total:,.2f}). "
                "Another finance officer approves it next.",
                reverse("payments:batch_detail", args=[batch.pk]),
            )
    batches = Paginator(selectors.batch_list(user=request.user), 25).get_page(request.GET.get("page"))
    return page(
        request,
        "payments/batch_list.html",
        {
            "title": "Payment batches",
            "page": batches,
            "batches": batches.object_list,
            "form": form,
            "all_forms": [form],
            "can_batch": can_batch,
            "waiting": payments,
            "waiting_total": sum((p.amount for p in payments), 0),
        },
        status=400 if request.method == "POST" else 200,
    )


def _export_rows(batch):
    made = {e.export_format: e for e in batch.exports.select_related("exported_by")}
    return [(code, label, made.get(code)) for code, label in ExportFormat.choices]


def _batch_page(request, batch, *, form=None, status=200):
    return page(
        request,
        "payments/batch_detail.html",
        {
            "title": f"Batch {batch.reference}",
            "batch": batch,
            "payments": batch.payments.select_related("payee__bank_account", "supplier__bank_account", "case").order_by(
                "id"
            ),
            "is_finance": has_role(request.user, Role.FINANCE_OFFICER),
            "form": EmptyForm(),
            "all_forms": [form] if form else [],
            "downloadable": batch.status in (BatchStatus.EXPORTED, BatchStatus.CONFIRMED),
            "formats": ExportFormat.choices,
            "export_rows": _export_rows(batch),
            "returns": batch.returns.select_related("payment", "returns_import").order_by("id"),
        },
        status=status,
    )


@login_required
@require_safe
def batch_detail(request, batch_id):
    return _batch_page(request, selectors.batch_get(user=request.user, batch_id=batch_id))


def _batch_action(request, batch_id, call, message, *, step):
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    gate(request, step)
    form = EmptyForm(request.POST)
    if run_service(form, lambda data: call(batch)):
        return done(request, message, reverse("payments:batch_detail", args=[batch.pk]))
    batch.refresh_from_db()
    return _batch_page(request, batch, form=form, status=400)


@login_required
@require_POST
def batch_approve(request, batch_id):
    return _batch_action(
        request,
        batch_id,
        lambda b: services.batch_approve(batch_id=b.pk, by=request.user),
        "The batch is approved. Export the file for the bank next.",
        step="batch_approve",
    )


@login_required
@require_POST
def batch_confirm(request, batch_id):
    return _batch_action(
        request,
        batch_id,
        lambda b: services.batch_confirm(batch_id=b.pk, by=request.user),
        "The batch is confirmed as paid: its payments are marked paid.",
        step="batch_confirm",
    )


def _export_format(request) -> str:
    value = request.POST.get("format") or request.GET.get("format") or ExportFormat.CSV
    return value if value in ExportFormat.values else ""


@login_required
@require_POST
def batch_export(request, batch_id):
    """Export the approved batch in the chosen format (CSV, BACS Standard 18 or pain.001)."""
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    gate(request, "batch_export")
    form = EmptyForm(request.POST)
    export_format = _export_format(request)
    result = run_service(
        form, lambda data: services.batch_export_file(batch_id=batch.pk, by=request.user, export_format=export_format)
    )
    if not result:
        batch.refresh_from_db()
        return _batch_page(request, batch, form=form, status=400)
    batch, export = result
    record_access(by=request.user, what="export_file", door="page", obj=batch, path=request.path)
    return file_response(batch, export)


@login_required
@require_safe
def batch_download(request, batch_id):
    """A file of an exported batch (the same bytes every time), in the format asked for."""
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    gate(request, "batch_export")
    if batch.status not in (BatchStatus.EXPORTED, BatchStatus.CONFIRMED):
        raise Http404("This batch has not been exported yet.")
    form = EmptyForm({})
    export_format = request.GET.get("format") or batch.export_format
    result = run_service(
        form, lambda data: services.batch_export_file(batch_id=batch.pk, by=request.user, export_format=export_format)
    )
    if not result:
        return _batch_page(request, batch, form=form, status=400)
    batch, export = result
    record_access(by=request.user, what="export_file", door="page", obj=batch, path=request.path)
    return file_response(batch, export)


@login_required
@require_safe
def payment_detail(request, payment_id):
    """A payment's full story: its state changes, its batches and any returns by the bank."""
    payment = selectors.payment_get(user=request.user, payment_id=payment_id)
    return _payment_page(request, payment)


def _payment_page(request, payment, *, form=None, status=200):
    return page(
        request,
        "payments/payment_detail.html",
        {
            "title": f"Payment {payment.reference}",
            "payment": payment,
            "history": selectors.payment_history(payment=payment).select_related("actor"),
            "returns": payment.returns.select_related("batch", "returns_import__imported_by").order_by("id"),
            "is_finance": has_role(request.user, Role.FINANCE_OFFICER),
            "cancel_form": form or f.PaymentCancelForm(),
            "all_forms": [form] if form else [],
        },
        status=status,
    )


@login_required
@require_POST
def payment_cancel(request, payment_id):
    payment = selectors.payment_get(user=request.user, payment_id=payment_id)
    gate(request, "payment_cancel")
    form = f.PaymentCancelForm(request.POST)
    if run_service(
        form, lambda data: services.payment_cancel(payment_id=payment.pk, by=request.user, reason=data["reason"])
    ):
        return done(
            request, f"Payment {payment.reference} is cancelled.", reverse("payments:payment_detail", args=[payment.pk])
        )
    payment.refresh_from_db()
    return _payment_page(request, payment, form=form, status=400)


@login_required
def returns_import(request):
    """Upload the bank's returns file: the payments it names are marked returned and reopened."""
    gate(request, "returns_import")
    form = f.ReturnsUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":

        def call(data):
            upload = data["file"]
            if upload.size > services.RETURNS_MAX_BYTES:
                raise RuleBroken("The returns file is larger than 5 MB.", field="file")
            return services.returns_import(by=request.user, content=upload.read(), file_name=upload.name)

        imported = run_service(form, call)
        if imported:
            return done(
                request,
                f"The returns file is applied: {imported.row_count} payment"
                f"{'s' if imported.row_count != 1 else ''} (£{imported.total:,.2f}) marked returned "
                "and reopened. Correct the payees' bank details, then authorise them again.",
                reverse("payments:returns_import"),
            )
    imports = ReturnsImport.objects.select_related("imported_by").order_by("-imported_at", "-id")[:20]
    return page(
        request,
        "payments/returns_import.html",
        {
            "title": "Bank returns",
            "form": form,
            "all_forms": [form],
            "imports": imports,
            "columns": services.RETURNS_COLUMNS,
        },
        status=400 if request.method == "POST" else 200,
    )


def _financial_year(request) -> tuple[f.FinancialYearForm, int]:
    form = f.FinancialYearForm(request.GET or None)
    year = form.cleaned_data.get("financial_year") if form.is_valid() else None
    return form, year or financial_year_of(timezone.localdate())


@login_required
@require_safe
def budgets(request):
    """Each locality's budget for a financial year, what approved packages commit and what was paid."""
    gate(request, "finance_reports")
    form, year = _financial_year(request)
    lines = selectors.budget_report(user=request.user, financial_year=year)
    return page(
        request,
        "payments/budgets.html",
        {
            "title": "Budgets",
            "form": form,
            "all_forms": [form],
            "lines": lines,
            "year": year,
            "year_label": f"{year}-{(year + 1) % 100:02d}",
            "totals": {k: sum((getattr(line, k) or 0 for line in lines), 0) for k in ("budget", "committed", "paid")},
        },
    )


@login_required
@require_safe
def transparency(request):
    """Spend over £500 in the Local Government Transparency Code shape, names of individuals redacted."""
    gate(request, "finance_reports")
    form = f.TransparencyForm(request.GET or None)
    if request.GET and form.is_valid():
        start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        record_access(by=request.user, what="transparency_report", door="page", obj=None, path=request.path)
        response = StreamingHttpResponse(
            selectors.transparency_csv(user=request.user, date_from=start, date_to=end),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="spend-over-500-{start}-to-{end}.csv"'
        return response
    return page(
        request,
        "payments/transparency.html",
        {
            "title": "Spend over £500 (transparency)",
            "form": form,
            "all_forms": [form] if request.GET else [],
            "columns": selectors.TRANSPARENCY_COLUMNS,
        },
        status=400 if request.GET else 200,
    )


# -- the parts of other floors' pages that payments draws (core.pages.add_section) -----------------


def case_section(request, *, case, **objects) -> dict:
    """The case page's payments."""
    payments = list(selectors.payment_list(user=request.user, case_id=case.pk))
    return {"payments": payments, "payments_total": sum((p.amount for p in payments), 0)}


def package_section(request, *, package, **objects) -> dict:
    """The package page's payments, and those not yet gone to the bank (which a pause can cancel)."""
    payments = list(selectors.payment_list(user=request.user, case_id=package.case_id).filter(package=package))
    return {
        "payments": payments,
        "payments_total": sum((p.amount for p in payments), 0),
        "unpaid": [
            p for p in payments if p.status in (PaymentStatus.SCHEDULED, PaymentStatus.AUTHORISED) and not p.batch_id
        ],
    }
