"""The subject access request pages, for the people who handle requests (STEP_ROLES "sar_handle").

The list shows open requests with their deadlines, the most overdue first; a request's page records
the identity check, extends the deadline, gathers what is held (audit.sar), decides each item
marked for review (disclose or withhold; the social-work exemption per item) and completes or
refuses the request. Each POST calls one service of core.sar_services.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from core import forms as core_forms
from core import pages
from core import sar_forms as forms
from core import sar_services as services

# The request page's forms: what the POST's `action` names, its form and the service it calls.
ACTIONS = {
    "id_check": (
        forms.IdCheckForm,
        lambda request, by, d: services.sar_record_id_check(
            request_id=request.pk, by=by, method=d["method"], checked_on=d["checked_on"], note=d["note"]
        ),
        "Identity check recorded: the request is in progress.",
    ),
    "extend": (
        forms.ExtendForm,
        lambda request, by, d: services.sar_extend(
            request_id=request.pk, by=by, months=d["months"], reason=d["reason"]
        ),
        "Deadline extended.",
    ),
    "gather": (
        core_forms.EmptyForm,
        lambda request, by, d: services.sar_gather(request_id=request.pk, by=by),
        "What is held was gathered: decide each item marked for review.",
    ),
    "decide": (
        forms.DecideForm,
        lambda request, by, d: _decide(request, by, d),
        "Item decided.",
    ),
    "complete": (
        forms.CompleteForm,
        lambda request, by, d: services.sar_complete(request_id=request.pk, by=by, completed_on=d["completed_on"]),
        "Request completed.",
    ),
    "refuse": (
        forms.RefuseForm,
        lambda request, by, d: services.sar_refuse(request_id=request.pk, by=by, reason=d["reason"]),
        "Request refused.",
    ),
}


def _decide(sar_request, by, data):
    from core.exceptions import RuleBroken

    if not sar_request.items.filter(pk=data["item"]).exists():
        raise RuleBroken("That item is not part of this request.")
    return services.sar_item_decide(
        item_id=data["item"],
        by=by,
        decision=data["decision"],
        social_work_exemption=data["social_work_exemption"],
        note=data["note"],
    )


@login_required
@require_safe
def sar_list(request):
    pages.gate(request, "sar_handle")
    today = timezone.localdate()
    requests = services.sar_list(user=request.user)
    for sar_request in requests:
        sar_request.overdue = sar_request.is_open and sar_request.deadline < today
        sar_request.days_left = (sar_request.deadline - today).days
        sar_request.days_over = -sar_request.days_left
    return pages.page(request, "core/sar_list.html", {"title": "Subject access requests", "requests": requests})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def sar_new(request):
    pages.gate(request, "sar_handle")
    form = forms.SarLogForm(request.POST or None, initial={"received_on": timezone.localdate()})
    if request.method == "POST":
        created = pages.run_service(
            form,
            lambda d: services.sar_log(
                by=request.user,
                received_on=d["received_on"],
                requester=d["requester"],
                subject_name=d["subject_name"],
                subject_kind=d["subject_kind"],
                subject_id=d["subject_id"],
                what_was_asked=d["what_was_asked"],
            ),
        )
        if created:
            return pages.done(
                request,
                f"{created.reference} logged: due {created.deadline:%-d %B %Y}.",
                reverse("records:sar_detail", args=[created.pk]),
            )
    return pages.form_page(
        request,
        title="Log a subject access request",
        form=form,
        button="Log the request",
        context={"back": reverse("records:sar_list")},
        status=400 if form.is_bound else 200,
    )


# The request's irreversible steps: answered through a check page first (GET ?confirm=<action>).
CHECKED = {
    "complete": {
        "title": "Mark this request completed?",
        "intro": "Do this once the response has been sent. The request is then closed: nothing more can be "
        "gathered, decided or extended.",
        "button": "Yes, mark it completed",
    },
    "refuse": {
        "title": "Refuse this request?",
        "intro": "The request is closed as refused, with the reason you give. Tell the person who asked why, "
        "and that they can complain to the Information Commissioner.",
        "button": "Yes, refuse the request",
        "danger": True,
    },
}


def _may_check(sar_request, action: str) -> bool:
    """The same states the service accepts: complete an open request in progress; refuse an open one."""
    return sar_request.is_open and (action != "complete" or sar_request.status == "in_progress")


def _check_page(request, sar_request, action, *, form=None, status=200):
    spec = CHECKED[action]
    detail = reverse("records:sar_detail", args=[sar_request.pk])
    return pages.page(
        request,
        "includes/confirm.html",
        {
            "title": spec["title"],
            "caption": f"Subject access request {sar_request.reference}",
            "intro": spec["intro"],
            "summary": [
                ("Whose data", sar_request.subject_name),
                ("Who asked", sar_request.requester),
                ("Received", f"{sar_request.received_on:%-d %B %Y}"),
                ("Deadline", f"{sar_request.deadline:%-d %B %Y}"),
            ],
            "not_now": "" if _may_check(sar_request, action) else "This request is not open for that now.",
            "action": detail,
            "hidden": [("action", action)],
            "form": form or ACTIONS[action][0](prefix=action),
            "all_forms": [form] if form is not None else [],
            "button": spec["button"],
            "danger": spec.get("danger", False),
            "cancel": detail,
            "back": detail,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def sar_detail(request, request_id: int):
    sar_request = get_object_or_404(services.sar_scope(request.user), pk=request_id)
    pages.gate(request, "sar_handle")
    if request.method != "POST" and request.GET.get("confirm") in CHECKED:
        return _check_page(request, sar_request, request.GET["confirm"])
    bound = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            status = 400
        else:
            form_class, call, message = ACTIONS[action]
            form = form_class(request.POST, prefix=action)
            if pages.run_service(form, lambda d: call(sar_request, request.user, d)):
                return pages.done(request, message, reverse("records:sar_detail", args=[sar_request.pk]))
            if action in CHECKED:
                sar_request.refresh_from_db()
                return _check_page(request, sar_request, action, form=form, status=400)
            bound[action] = form
            status = 400
    today = timezone.localdate()
    items = list(sar_request.items.select_related("decided_by"))
    context = {
        "title": f"Subject access request {sar_request.reference}",
        "back": reverse("records:sar_list"),
        "sar": sar_request,
        "overdue": sar_request.is_open and sar_request.deadline < today,
        "items": items,
        "for_review": [item for item in items if item.for_review],
        "undecided": sum(1 for item in items if item.for_review and not item.decision),
        "forms": {
            name: bound.get(name) or form_class(prefix=name)
            for name, (form_class, _call, _message) in ACTIONS.items()
            if name != "decide"
        },
        "decide_form": bound.get("decide"),
        "can_complete": _may_check(sar_request, "complete"),
        "can_refuse": _may_check(sar_request, "refuse"),
        "all_forms": list(bound.values()),
    }
    return pages.page(request, "core/sar_detail.html", context, status=status)
