"""Pages of a package's written agreement: the printable page or the PDF (network_packages.documents),
the section of the package page that links to it and says who signed, and recording a signature."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from audit.services import record_access
from core.documents import HTML, chosen_format, document_response, uk_date
from core.exceptions import RuleBroken
from core.forms import Form, date_field
from core.pages import allowed, done, form_page, gate, run_service
from core.roles import may
from fgdm.permissions import ensure_can_work_case
from network_packages import documents, selectors, services
from network_packages.services.agreements import NOT_SIGNED


class SignatureForm(Form):
    signed_by_name = forms.CharField(label="Who signed", max_length=200, help_text="Their full name, as they signed")
    signed_as = forms.CharField(
        label="Their relationship to the child, or their role",
        max_length=100,
        help_text="For example: grandmother; family help practitioner.",
    )
    signed_on = date_field("The day they signed")


@login_required
@require_safe
def package_agreement(request, package_id):
    package = selectors.package_get(user=request.user, package_id=package_id)
    try:
        fmt = chosen_format(request.GET.get("format"), default=HTML)
    except RuleBroken as refused:
        raise BadRequest(refused.message)
    record_access(
        by=request.user, what="written_agreement", door="page", obj=package, case_id=package.case_id, path=request.path
    )
    return document_response(documents.agreement_document(package=package), fmt)


@login_required
def package_agreement_sign(request, package_id):
    package = selectors.package_get(user=request.user, package_id=package_id)
    gate(request, "agreement_record_signature")
    form = SignatureForm(
        request.POST if request.method == "POST" else None, initial={"signed_on": timezone.localdate()}
    )
    if request.method == "POST":
        signature = run_service(
            form,
            lambda data: services.agreement_record_signature(
                package_id=package.pk,
                by=request.user,
                signed_by_name=data["signed_by_name"],
                signed_as=data["signed_as"],
                signed_on=data["signed_on"],
            ),
        )
        if signature:
            return done(
                request,
                f"{signature.signed_by_name}'s signature of the written agreement (version {package.version}) "
                f"on {uk_date(signature.signed_on)} is recorded.",
                reverse("network_packages:package_detail", args=[package.pk]),
            )
    return form_page(
        request,
        title=f"Record a signature of the written agreement, version {package.version}",
        caption=f"{package.case.reference} — {package.case.family_name} family",
        form=form,
        button="Record the signature",
        context={"back": reverse("network_packages:package_detail", args=[package.pk])},
        status=400 if form.is_bound else 200,
    )


def agreement_section(request, *, package, **objects) -> dict:
    """The package page's written agreement: links to it, who signed this version's terms, and
    whether this person may record a signature (the same checks as the service)."""
    state = documents.signature_state(package)
    return {
        "signatures": state["signatures"],
        "needs_signing_again": bool(state["stale"]) and not state["signed"],
        "can_sign": package.status not in NOT_SIGNED
        and may(request.user, "agreement_record_signature")
        and allowed(ensure_can_work_case, request.user, package.case),
    }
