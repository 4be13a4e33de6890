"""Finance pages: payments, payees' bank details, batches and their files. One service per POST."""
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from audit.services import record_access
from fgdm.constants import Role
from fgdm.permissions import has_role
from fgdm.selectors import member_get
from fgdm.views import done, page, run_service
from payments import forms as f
from payments import selectors, services
from payments.constants import BatchStatus, ExportFormat, PaymentStatus

CONTENT_TYPES = {ExportFormat.CSV: "text/csv; charset=utf-8"}
EXTENSIONS = {ExportFormat.CSV: "csv"}


def _render_payments(request, *, error_form=None, status=200):
    filters = f.PaymentFilterForm(request.GET or None)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    case = cleaned.get("case") or ""
    payments = selectors.payment_list(user=request.user, status=cleaned.get("status") or None,
                                      case_id=int(case) if case.isdigit() else None,
                                      due_before=cleaned.get("due_before"))
    if case and not case.isdigit():
        payments = payments.filter(case__reference=case)
    totals = payments.aggregate(count=Count("id"), total=Sum("amount"))
    shown = Paginator(payments.select_related("payee__bank_account"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page(request, "payments/payment_list.html", {
        "title": "Payments", "filters": filters, "page": shown, "payments": shown.object_list,
        "count": totals["count"], "total": totals["total"] or 0,
        "filtered": any(cleaned.get(k) for k in ("status", "case", "due_before")),
        "is_finance": has_role(request.user, Role.FINANCE_OFFICER),
        "awaiting": selectors.payees_awaiting_verification(user=request.user),
        "all_forms": [error_form] if error_form else [], "query": query.urlencode(),
    }, status=status)


@login_required
def payment_list(request):
    return _render_payments(request)


@login_required
@require_POST
def payment_authorise(request, payment_id):
    payment = selectors.payment_get(user=request.user, payment_id=payment_id)
    form = f.EmptyForm(request.POST)
    if run_service(form, lambda data: services.payment_authorise(payment_id=payment.pk, by=request.user)):
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            back = reverse("payments:payment_list")
        return done(request, f"Payment {payment.reference} (£{payment.amount:,.2f} to {payment.payee.full_name}) is "
                             "authorised. It goes into the next batch.", back)
    return _render_payments(request, error_form=form, status=400)


def _bank_page(request, member, *, form=None, verify_form=None, status=200):
    account = selectors.bank_account_for(member=member)
    show_full = bool(
        account and not account.is_verified and has_role(request.user, Role.FINANCE_OFFICER)
        and account.entered_by_id != request.user.pk
    )
    if account is not None:  # masked or in full (to the verifier), the account name is shown: a read
        record_access(by=request.user, what="bank_details", door="page", obj=account, case_id=member.case_id,
                      path=request.path)
    form = form or f.BankAccountForm()
    return page(request, "payments/bank_details.html", {
        "title": f"Bank details: {member.full_name}", "member": member, "account": account,
        "show_full": show_full, "form": form, "verify_form": verify_form or f.EmptyForm(),
        "all_forms": [x for x in (form, verify_form) if x is not None],
        "payments": selectors.payment_list(user=request.user).filter(payee=member),
    }, status=status)


@login_required
def bank_details(request, member_id):
    member = member_get(user=request.user, member_id=member_id)
    if request.method == "POST":
        form = f.BankAccountForm(request.POST)
        if run_service(form, lambda data: services.bank_account_set(member_id=member.pk, by=request.user, **data)):
            return done(request, f"{member.full_name}'s bank details are saved. Another finance officer must verify "
                                 "them before they are used.", reverse("payments:bank_details", args=[member.pk]))
        return _bank_page(request, member, form=form, status=400)
    return _bank_page(request, member)


@login_required
@require_POST
def bank_details_verify(request, member_id):
    member = member_get(user=request.user, member_id=member_id)
    form = f.EmptyForm(request.POST)
    if run_service(form, lambda data: services.bank_account_verify(member_id=member.pk, by=request.user)):
        return done(request, f"{member.full_name}'s bank details are verified. Their payments can now be authorised.",
                    reverse("payments:bank_details", args=[member.pk]))
    return _bank_page(request, member, verify_form=form, status=400)


def _authorised_unbatched(request):
    return selectors.payment_list(user=request.user, status=PaymentStatus.AUTHORISED).filter(batch__isnull=True)


@login_required
def batch_list(request):
    can_batch = has_role(request.user, Role.FINANCE_OFFICER)
    payments = list(_authorised_unbatched(request)) if can_batch else []
    form = f.BatchCreateForm((request.POST if request.method == "POST" else None), payments=payments)
    if request.method == "POST":
        batch = run_service(form, lambda data: services.batch_create(
            by=request.user, payment_ids=data["payment_ids"] or None, due_by=data["due_by"]))
        if batch:
            return done(request, f"Batch {batch.reference} is created with {batch.payment_count} "
                                 f"payment{'s' if batch.payment_count != 1 else ''} (£{batch.total:,.2f}). "
                                 "Another finance officer approves it next.",
                        reverse("payments:batch_detail", args=[batch.pk]))
    batches = Paginator(selectors.batch_list(user=request.user), 25).get_page(request.GET.get("page"))
    return page(request, "payments/batch_list.html", {
        "title": "Payment batches", "page": batches, "batches": batches.object_list, "form": form,
        "all_forms": [form], "can_batch": can_batch, "waiting": payments,
        "waiting_total": sum((p.amount for p in payments), 0),
    }, status=400 if request.method == "POST" else 200)


def _batch_page(request, batch, *, form=None, status=200):
    return page(request, "payments/batch_detail.html", {
        "title": f"Batch {batch.reference}", "batch": batch,
        "payments": batch.payments.select_related("payee__bank_account", "case").order_by("id"),
        "is_finance": has_role(request.user, Role.FINANCE_OFFICER),
        "form": f.EmptyForm(), "all_forms": [form] if form else [],
        "downloadable": batch.status in (BatchStatus.EXPORTED, BatchStatus.CONFIRMED),
    }, status=status)


@login_required
def batch_detail(request, batch_id):
    return _batch_page(request, selectors.batch_get(user=request.user, batch_id=batch_id))


def _batch_action(request, batch_id, call, message):
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    form = f.EmptyForm(request.POST)
    if run_service(form, lambda data: call(batch)):
        return done(request, message, reverse("payments:batch_detail", args=[batch.pk]))
    batch.refresh_from_db()
    return _batch_page(request, batch, form=form, status=400)


@login_required
@require_POST
def batch_approve(request, batch_id):
    return _batch_action(request, batch_id, lambda b: services.batch_approve(batch_id=b.pk, by=request.user),
                         "The batch is approved. Export the file for the bank next.")


@login_required
@require_POST
def batch_confirm(request, batch_id):
    return _batch_action(request, batch_id, lambda b: services.batch_confirm(batch_id=b.pk, by=request.user),
                         "The batch is confirmed as paid: its payments are marked paid.")


def _file_response(request, batch, content):
    record_access(by=request.user, what="export_file", door="page", obj=batch, path=request.path)
    response = HttpResponse(content, content_type=CONTENT_TYPES[batch.export_format])
    response["Content-Disposition"] = f'attachment; filename="{batch.reference}.{EXTENSIONS[batch.export_format]}"'
    response["X-Checksum-SHA256"] = batch.export_sha256
    return response


@login_required
@require_POST
def batch_export(request, batch_id):
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    form = f.EmptyForm(request.POST)
    result = run_service(form, lambda data: services.batch_export(batch_id=batch.pk, by=request.user,
                                                                  export_format=ExportFormat.CSV))
    if not result:
        batch.refresh_from_db()
        return _batch_page(request, batch, form=form, status=400)
    batch, content = result
    return _file_response(request, batch, content)


@login_required
def batch_download(request, batch_id):
    """The file of an exported batch again (the same bytes); only once it has been exported."""
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    if batch.status not in (BatchStatus.EXPORTED, BatchStatus.CONFIRMED):
        raise Http404("This batch has not been exported yet.")
    form = f.EmptyForm({})
    result = run_service(form, lambda data: services.batch_export(batch_id=batch.pk, by=request.user,
                                                                  export_format=batch.export_format))
    if not result:
        return _batch_page(request, batch, form=form, status=400)
    batch, content = result
    return _file_response(request, batch, content)


