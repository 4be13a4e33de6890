"""Pages: a member of staff's choices of channel; the outbox (administrators)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from audit.services import record_access
from core.pages import done, form_page, run_service
from core.roles import is_administrator
from notifications import labels, selectors, services
from notifications.constants import Status
from notifications.delivery import outbox_mode
from notifications.forms import PreferencesForm


@login_required
def preferences(request):
    """How I want to be told of work waiting for me: by e-mail, text message or not at all."""
    current = selectors.preferences_of(request.user)
    form = PreferencesForm(
        request.POST if request.method == "POST" else None, initial={**current["choices"], "mobile": current["mobile"]}
    )
    if request.method == "POST":
        saved = run_service(
            form,
            lambda data: services.preferences_update(by=request.user, mobile=data["mobile"], choices=form.choices()),
        )
        if saved:
            return done(request, "Your choices are saved.", reverse("notifications:preferences"))
    return form_page(
        request,
        title="How you are told",
        caption="Your profile",
        form=form,
        button="Save your choices",
        status=400 if request.method == "POST" else 200,
        context={"intro": "Choose how this system tells you of work waiting for you."},
    )


@require_GET
@login_required
def outbox(request):
    """Every message, exactly as it went or would have gone (administrators; others 404)."""
    if not is_administrator(request.user):
        raise Http404
    status = request.GET.get("status", "")
    if status not in Status.values:
        status = ""
    page = Paginator(selectors.outbox(status=status), 50).get_page(request.GET.get("page"))
    for message in page:
        message.template_label = labels.template_label(message.template)
        message.role_label = labels.role_label(message.to_role)
    record_access(by=request.user, what="notification outbox", door="page", path=request.path)
    return render(
        request,
        "notifications/outbox.html",
        {
            "page": page,
            "status": status,
            "statuses": Status.choices,
            "outbox_mode": outbox_mode(),
            "title": "Outbox",
        },
    )
