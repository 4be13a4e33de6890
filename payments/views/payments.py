"""Payments: the list, authorising, a payment's history, cancelling one; the payments part of the
case and package pages (registered with core.pages.add_section)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from core.forms import EmptyForm
from core.pages import done, gate, page, run_service
from core.roles import Role, has_role
from payments import forms as f
from payments import selectors, services
from payments.constants import PaymentStatus


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
