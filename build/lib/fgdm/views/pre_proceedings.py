"""The pre-proceedings duty's page and its steps (Children Act 1989 s.31ZA)."""

from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.pages import done, gate, page, run_service
from fgdm import forms as f
from fgdm import selectors, services
from fgdm.constants import MeetingStatus
from fgdm.views.cases import _caption

PRE_PROCEEDINGS_STEPS = {
    "offer": (
        f.OfferForm,
        services.pre_proceedings_record_offer,
        "The offer in the letter before proceedings is recorded.",
    ),
    "declined": (f.DeclinedForm, services.pre_proceedings_record_declined, "Everyone declining the offer is recorded."),
    "exemption": (
        f.ExemptionForm,
        services.pre_proceedings_record_exemption,
        "The best-interests exemption is recorded.",
    ),
    "application": (
        f.ApplicationForm,
        services.pre_proceedings_record_application,
        "The application to court is recorded.",
    ),
}


@login_required
@require_GET
def pre_proceedings(request, case_id):
    return _pre_proceedings_page(request, case_id)


def pre_proceedings_step(step):
    """The view a form of the pre-proceedings page posts to (one URL per step)."""

    @login_required
    @require_POST
    def view(request, case_id):
        return _pre_proceedings_page(request, case_id, step=step)

    view.__name__ = f"pre_proceedings_{step}"
    return view


def _pre_proceedings_page(request, case_id, step=None):
    """The case's pre-proceedings duty: one page, a form per step; each POST calls one service."""
    case, record = selectors.pre_proceedings_of(user=request.user, case_id=case_id)
    forms_by_step = {name: form_class(prefix=name) for name, (form_class, _, _) in PRE_PROCEEDINGS_STEPS.items()}
    status = 200
    if step is not None:
        gate(request, "pre_proceedings_application" if step == "application" else "pre_proceedings_record")
        form_class, service, message = PRE_PROCEEDINGS_STEPS[step]
        form = forms_by_step[step] = form_class(request.POST, prefix=step)
        if run_service(form, lambda data: service(case_id=case.pk, by=request.user, **data)):
            return done(request, message, reverse("fgdm:pre_proceedings", args=[case.pk]))
        status = 400
    return page(
        request,
        "fgdm/pre_proceedings.html",
        {
            "title": "Pre-proceedings: the offer of a family meeting",
            "caption": _caption(case),
            "case": case,
            "record": record,
            "forms": forms_by_step,
            "all_forms": list(forms_by_step.values()),
            "urls": {name: reverse(f"fgdm:pre_proceedings_{name}", args=[case.pk]) for name in PRE_PROCEEDINGS_STEPS},
            "fgc_held": case.meetings.filter(model="fgc", status=MeetingStatus.HELD).exists(),
            "back": reverse("fgdm:case_detail", args=[case.pk]),
        },
        status=status,
    )
