"""Payments: the list, authorising one or the selected ones, a payment's history, cancelling one;
the payments part of the case and package pages (registered with core.pages.add_section)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.forms import EmptyForm
from core.pages import done, gate, page, run_service
from core.roles import Role, has_role, may
from payments import forms as f
from payments import selectors, services
from payments.constants import AUTHORISE_MANY_MAX, PaymentStatus


def _back(request) -> str:
    """Where a finance officer came from (the list with its filters), if it is this site."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("payments:payment_list")
    return back


# Bank details waiting to be verified, shown at the top of the payments list.
AWAITING_SHOWN = 10


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
    # Finance's list, all or of one status: the running totals, not a count and sum of every payment.
    totals = selectors.payment_list_totals(
        payments,
        user=request.user,
        status=cleaned.get("status") or None,
        narrowed=bool(case or cleaned.get("due_before")),
    )
    awaiting = selectors.payees_awaiting_verification(user=request.user)
    paginator = Paginator(payments.select_related("payee__bank_account", "supplier__bank_account"), 50)
    paginator.count = totals["count"]  # known from the totals' aggregate: no second COUNT of every payment
    shown = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("select", None)
    unselecting = request.GET.copy()
    unselecting.pop("select", None)
    return page(
        request,
        "payments/payment_list.html",
        {
            "title": "Payments",
            "filters": filters,
            "page": shown,
            "payments": shown.object_list,
            "count": totals["count"],
            "total": totals["total"],
            "filtered": any(cleaned.get(k) for k in ("status", "case", "due_before")),
            "is_finance": has_role(request.user, Role.FINANCE_OFFICER),
            # The first few bank details to verify; the rest are a page at a time on the home page.
            "awaiting": list(awaiting[:AWAITING_SHOWN]),
            "awaiting_count": awaiting.count(),
            "all_forms": [error_form] if error_form else [],
            "query": query.urlencode(),
            # Where "next" leads back to: this list, filtered as now (also when drawn after a POST).
            "list_url": reverse("payments:payment_list") + (f"?{unselecting.urlencode()}" if unselecting else ""),
            **_selection(request, shown.object_list, error_form),
        },
        status=status,
    )


def _selection(request, payments, error_form) -> dict:
    """Authorising the selected payments: checkboxes on the scheduled ones, for whoever may
    authorise (the service's role gate). "Select all on this page" is a link that draws them
    ticked, so the page needs no script; after a refusal the ticks sent are drawn again."""
    can_authorise = may(request.user, "payment_authorise")
    select_all = request.GET.get("select") == "all"
    refused = error_form if isinstance(error_form, f.PaymentsAuthoriseForm) else None
    if refused is not None:
        selected = set(request.POST.getlist("payment_ids"))
    elif select_all:
        selected = {str(p.pk) for p in payments if p.status == PaymentStatus.SCHEDULED}
    else:
        selected = set()
    selecting = request.GET.copy()
    selecting["select"] = "all"
    unselecting = request.GET.copy()
    unselecting.pop("select", None)
    return {
        "selectable": can_authorise and any(p.status == PaymentStatus.SCHEDULED for p in payments),
        "selected": selected,
        "select_all": select_all,
        "select_all_query": selecting.urlencode(),
        "unselect_query": unselecting.urlencode(),
        "authorise_errors": [*refused.errors.get("payment_ids", []), *refused.non_field_errors()] if refused else [],
        "max_selected": AUTHORISE_MANY_MAX,
    }


@login_required
@require_safe
def payment_list(request):
    return _render_payments(request)


def _payment_facts(payment) -> list[tuple[str, str]]:
    return [
        ("Payment", payment.reference),
        ("Case", payment.case.reference),
        ("Paid to", payment.paid_to.full_name + (" (supplier)" if payment.supplier_id else "")),
        ("For", f"{payment.item.description} ({payment.item.get_category_display()})"),
        ("Due", f"{payment.due_on:%-d %B %Y}"),
        ("Amount", f"£{payment.amount:,.2f}"),
    ]


def may_authorise(user, payment) -> bool:
    """Whether to offer "Authorise": finance, a scheduled payment, and not the manager who approved
    its package (the service's four-eyes rule; the bank details are checked when it is sent)."""
    return (
        may(user, "payment_authorise")
        and payment.status == PaymentStatus.SCHEDULED
        and payment.package.decided_by_id != user.pk
    )


def may_cancel(user, payment) -> bool:
    """Whether to offer "Cancel": finance, and a payment not yet in a batch or paid."""
    return may(user, "payment_cancel") and (
        payment.status == PaymentStatus.SCHEDULED
        or (payment.status == PaymentStatus.AUTHORISED and not payment.batch_id)
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def payment_authorise(request, payment_id):
    """GET: the check page; POST: authorise the payment (the service checks the bank details)."""
    payment = selectors.payment_get(user=request.user, payment_id=payment_id)
    gate(request, "payment_authorise")
    if request.method != "POST":
        back = reverse("payments:payment_detail", args=[payment.pk])
        return page(
            request,
            "includes/confirm.html",
            {
                "title": "Authorise this payment?",
                "caption": f"Payment {payment.reference}",
                "intro": "Authorising it puts it in the next payment batch.",
                "summary": _payment_facts(payment),
                "not_now": ""
                if may_authorise(request.user, payment)
                else "You cannot authorise this payment: it is not scheduled, or you approved its package.",
                "action": reverse("payments:payment_authorise", args=[payment.pk]),
                "hidden": [("next", back)],
                "button": "Yes, authorise the payment",
                "cancel": back,
                "back": back,
            },
        )
    form = EmptyForm(request.POST)
    if run_service(form, lambda data: services.payment_authorise(payment_id=payment.pk, by=request.user)):
        return done(
            request,
            f"Payment {payment.reference} (£{payment.amount:,.2f} to {payment.paid_to.full_name}) is "
            "authorised. It goes into the next batch.",
            _back(request),
        )
    return _render_payments(request, error_form=form, status=400)


@login_required
@require_POST
def payments_authorise(request):
    """Authorise the payments ticked on the list, each checked on its own (the service the API's
    `POST /api/v1/payments/authorise/` calls). The answer is a page naming how many were authorised
    and each refused one with its reason; nothing selected, or too many, is a form error."""
    gate(request, "payment_authorise")
    form = f.PaymentsAuthoriseForm(request.POST)
    result = run_service(
        form, lambda data: services.payments_authorise_many(payment_ids=data["payment_ids"], by=request.user)
    )
    if not result:
        return _render_payments(request, error_form=form, status=400)
    authorised, refused = result
    # Refused payments the officer can see are named by their reference; the others only by the id
    # they sent ("Not found." says nothing about a case they may not see).
    known = selectors.payment_list(user=request.user).in_bulk([pk for pk, _ in refused])
    return page(
        request,
        "payments/authorise_result.html",
        {
            "title": "Authorising the selected payments",
            "authorised": authorised,
            "authorised_total": sum((p.amount for p in authorised), 0),
            "refused": [{"id": pk, "payment": known.get(pk), "reason": reason} for pk, reason in refused],
            "back": _back(request),
        },
    )


@login_required
@require_safe
def payment_detail(request, payment_id):
    """A payment's full story: its state changes, its batches and any returns by the bank."""
    payment = selectors.payment_get(user=request.user, payment_id=payment_id)
    return _payment_page(request, payment)


def _history_in_words(payment) -> list:
    """The payment's events with words for their action and states (never the codes)."""
    events = list(selectors.payment_history(payment=payment).select_related("actor"))
    states = dict(PaymentStatus.choices)
    for event in events:
        event.what = event.action.replace("_", " ").capitalize()
        event.from_label = states.get(event.from_state, event.from_state)
        event.to_label = states.get(event.to_state, event.to_state)
    return events


def _payment_page(request, payment, *, form=None, status=200):
    return page(
        request,
        "payments/payment_detail.html",
        {
            "title": f"Payment {payment.reference}",
            "payment": payment,
            "history": _history_in_words(payment),
            "returns": payment.returns.select_related("batch", "returns_import__imported_by").order_by("id"),
            "held_by_return": selectors.return_to_these_details(owner=payment.paid_to, account=payment.bank_account)
            if payment.status in (PaymentStatus.SCHEDULED, PaymentStatus.AUTHORISED)
            else None,
            "is_finance": has_role(request.user, Role.FINANCE_OFFICER),
            "can_authorise": may_authorise(request.user, payment),
            "can_cancel": may_cancel(request.user, payment),
        },
        status=status,
    )


def _cancel_check_page(request, payment, *, form=None, status=200):
    back = reverse("payments:payment_detail", args=[payment.pk])
    return page(
        request,
        "includes/confirm.html",
        {
            "title": "Cancel this payment?",
            "caption": f"Payment {payment.reference}",
            "intro": "A cancelled payment is never made. Cancel a payment that should not be made (a duplicate, "
            "or no longer owed).",
            "summary": _payment_facts(payment),
            "not_now": ""
            if may_cancel(request.user, payment)
            else "This payment cannot be cancelled: it is paid, in a batch or cancelled already.",
            "action": reverse("payments:payment_cancel", args=[payment.pk]),
            "form": form or f.PaymentCancelForm(),
            "all_forms": [form] if form else [],
            "button": "Yes, cancel the payment",
            "danger": True,
            "cancel": back,
            "back": back,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def payment_cancel(request, payment_id):
    """GET: the check page; POST: cancel the payment with the reason given."""
    payment = selectors.payment_get(user=request.user, payment_id=payment_id)
    gate(request, "payment_cancel")
    if request.method != "POST":
        return _cancel_check_page(request, payment)
    form = f.PaymentCancelForm(request.POST)
    if run_service(
        form, lambda data: services.payment_cancel(payment_id=payment.pk, by=request.user, reason=data["reason"])
    ):
        return done(
            request, f"Payment {payment.reference} is cancelled.", reverse("payments:payment_detail", args=[payment.pk])
        )
    payment.refresh_from_db()
    return _cancel_check_page(request, payment, form=form, status=400)


# Payments on a page of the case page: a case with thousands of payments draws this many at a time.
CASE_PAYMENTS_PAGE = 25


def case_section(request, *, case, **objects) -> dict:
    """The case page's payments, a page at a time (GOV.UK pagination, `?payments_page=`), with the
    number and total of all of them in the same statement (selectors.payment_page): one query
    whatever their number (two for a page number past the end, which shows the last page)."""
    payments = selectors.payment_list(user=request.user, case_id=case.pk)
    try:
        number = min(max(int(request.GET.get("payments_page", 1)), 1), 10**6)  # past the end: the last page
    except (TypeError, ValueError):
        number = 1
    rows, totals = selectors.payment_page(payments, size=CASE_PAYMENTS_PAGE, number=number)
    paginator = Paginator(payments, CASE_PAYMENTS_PAGE)
    paginator.count = totals["count"]  # known from the window aggregate: no second COUNT
    shown = paginator.get_page(number)
    if shown.number != number:  # past the end: the last page instead
        rows = list(shown.object_list)
    query = request.GET.copy()
    query.pop("payments_page", None)
    return {
        "payments": rows,
        "payments_total": totals["total"],
        "payments_list": {"page": shown, "param": "payments_page", "query": query.urlencode()},
    }


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
