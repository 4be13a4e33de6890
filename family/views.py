"""The family's own page (no sign-in: the link is the key) and the staff's pages that send and stop
links. Staff pages: gate, selector, one service per POST."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

from audit.services import record_access
from core.pages import allowed, done, form_page, gate, run_service
from family import forms, selectors, services
from family.links import link_days, why_no_link
from family.models import FamilyLink
from family.throttles import FamilyLinkThrottle
from fgdm.constants import ENDED_STATUSES
from fgdm.permissions import ensure_can_work_case
from fgdm.selectors import member_get


def _private(response):
    """Nobody caches, indexes or is told where the family came from."""
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow, noarchive"
    response["Referrer-Policy"] = "no-referrer"
    # Django logs every answer of 400 and over with its path, which here holds a token: not this one.
    response._has_been_logged = True
    return response


def _not_found(request):
    return _private(render(request, "family/not_found.html", {"title": "Page not found"}, status=404))


@require_safe
def family_page(request, token):
    """A network member's view of their family's plan, for that member only. Unknown, expired or
    revoked: a plain 404. Each view is in the access log."""
    throttle = FamilyLinkThrottle()
    if not throttle.allow_request(request, None):
        wait = int(throttle.wait() or 60)
        response = render(request, "family/too_many.html", {"title": "Too many requests", "wait": wait}, status=429)
        response["Retry-After"] = str(wait)
        return _private(response)
    link = selectors.link_by_token(token)
    if link is None:
        return _not_found(request)
    member = link.member
    view = selectors.family_view(link)
    record_access(
        by=None,
        what="family_link_view",
        door="page",
        obj=member,
        case_id=member.case_id,
        path=f"family link #{link.pk} of network member #{member.pk}",
    )
    # When it was last opened, for the staff's list; the access log above is the record of the view.
    FamilyLink.objects.filter(pk=link.pk).update(last_viewed_at=timezone.now())
    return _private(
        render(request, "family/family_page.html", {"title": "Your family's plan", "view": view, "link": link})
    )


def _back(member):
    return reverse("fgdm:member_messages", args=[member.pk])


def _caption(member):
    return f"{member.case.reference} — {member.full_name}"


@login_required
def link_new(request, member_id):
    """Send the member a link to the plan (by the channel they agreed): a confirmation, then the service."""
    member = member_get(user=request.user, member_id=member_id)
    gate(request, "member_update")
    form = forms.LinkIssueForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        link = run_service(form, lambda data: services.family_link_issue(member_id=member.pk, by=request.user))
        if link:
            return done(
                request,
                f"A link to the plan is on its way to {member.full_name}. It works until "
                f"{timezone.localtime(link.expires_at):%-d %B %Y}.",
                _back(member),
            )
    refusal = why_no_link(member)
    return form_page(
        request,
        title=f"Send {member.full_name} a link to the plan",
        caption=_caption(member),
        form=form,
        button="Send the link",
        context={
            "intro": "They can read the family's plan, their own actions, the meeting dates and what the support "
            "package pays them. They never see anyone else's details.",
            "back": _back(member),
        },
        warning=refusal or f"The link works for {link_days()} days. A link sent to them before stops working now.",
        status=400 if request.method == "POST" else 200,
    )


@login_required
def link_revoke(request, link_id):
    """Stop a link working now, with the reason."""
    link = selectors.link_get(user=request.user, link_id=link_id)
    member = link.member
    gate(request, "member_update")
    form = forms.LinkRevokeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        revoked = run_service(
            form, lambda data: services.family_link_revoke(link_id=link.pk, by=request.user, reason=data["reason"])
        )
        if revoked:
            return done(request, f"The link sent to {member.full_name} no longer works.", _back(member))
    return form_page(
        request,
        title=f"Stop the link sent to {member.full_name}",
        caption=_caption(member),
        form=form,
        button="Stop the link",
        context={"intro": "The link stops working at once. You can send a new one later.", "back": _back(member)},
        status=400 if request.method == "POST" else 200,
    )


def member_section(request, member):
    """The member's messages page (fgdm) shows the links sent to them, and the button to send one."""
    can_work = allowed(ensure_can_work_case, request.user, member.case) and member.case.status not in ENDED_STATUSES
    return {
        "member": member,
        "links": selectors.member_links(member),
        "can_work": can_work,
        "why_not": why_no_link(member),
        "days": link_days(),
    }
