"""The pre-proceedings duty's page and its steps (Children Act 1989 s.31ZA, inserted by s.1 of the
Children's Wellbeing and Schools Act 2026)."""

from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.pages import done, gate, page, run_service
from core.roles import may
from fgdm import forms as f
from fgdm import selectors, services
from fgdm.constants import MeetingStatus, PreProceedingsStatus
from fgdm.views.cases import _caption

# step: (form, service, the kind of step in core.roles.STEP_ROLES, what the page says when done)
PRE_PROCEEDINGS_STEPS = {
    "intention": (
        f.IntentionForm,
        services.pre_proceedings_record_intention,
        "pre_proceedings_intention",
        "The council's intention to apply to court is recorded: the duty to offer a family meeting starts.",
    ),
    "offer": (
        f.OfferForm,
        services.pre_proceedings_record_offer,
        "pre_proceedings_record",
        "The offer of a family group decision-making meeting is recorded.",
    ),
    "answer": (
        f.AnswerForm,
        services.pre_proceedings_record_answer,
        "pre_proceedings_record",
        "The answer is recorded.",
    ),
    "exemption": (
        f.ExemptionForm,
        services.pre_proceedings_record_exemption,
        "pre_proceedings_exemption",
        "Your best-interests exemption is recorded.",
    ),
    "application": (
        f.ApplicationForm,
        services.pre_proceedings_record_application,
        "pre_proceedings_application",
        "The application to court is recorded.",
    ),
}

OPEN = (PreProceedingsStatus.INTENDED, PreProceedingsStatus.OFFERED)


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


def _shown(step: str, record, forms) -> bool:
    """Whether the page offers a step now (the service decides; this only hides what cannot apply)."""
    status = record.status if record else None
    return {
        "intention": record is None,
        "offer": status in OPEN,
        "answer": status == PreProceedingsStatus.OFFERED and bool(forms["answer"].fields["offer"].choices),
        "exemption": status in OPEN,
        "application": record is not None and status != PreProceedingsStatus.APPLICATION_MADE,
    }[step]


def _pre_proceedings_page(request, case_id, step=None):
    """The case's pre-proceedings duty: one page, a form per step; each POST calls one service."""
    case, record = selectors.pre_proceedings_of(user=request.user, case_id=case_id)
    if step is not None:
        gate(request, PRE_PROCEEDINGS_STEPS[step][2])
    forms_by_step = {
        name: form_class(prefix=name, case=case, record=record)
        for name, (form_class, _, _, _) in PRE_PROCEEDINGS_STEPS.items()
    }
    status = 200
    if step is not None:
        form_class, service, _, message = PRE_PROCEEDINGS_STEPS[step]
        form = forms_by_step[step] = form_class(request.POST, prefix=step, case=case, record=record)
        if run_service(form, lambda data: service(case_id=case.pk, by=request.user, **data)):
            return done(request, message, reverse("fgdm:pre_proceedings", args=[case.pk]))
        status = getattr(form, "refusal_status", 400)
    today = timezone.localdate()
    shown = {
        name: form
        for name, form in forms_by_step.items()
        if may(request.user, PRE_PROCEEDINGS_STEPS[name][2]) and (name == step or _shown(name, record, forms_by_step))
    }
    position = None
    if record is not None and record.status != PreProceedingsStatus.APPLICATION_MADE:
        position = services.duty_position(record, on=today)
    return page(
        request,
        "fgdm/pre_proceedings.html",
        {
            "title": "The pre-proceedings duty: offering a family meeting",
            "caption": _caption(case),
            "case": case,
            "record": record,
            "offers": list(record.offers.select_related("member", "offered_by")) if record else [],
            "position": position,
            "commencement": services.duty_commencement(),
            "in_force": services.duty_in_force(today),
            "meetings_held": case.meetings.filter(status=MeetingStatus.HELD).order_by("held_on"),
            "forms": shown,
            "all_forms": list(shown.values()),
            "urls": {name: reverse(f"fgdm:pre_proceedings_{name}", args=[case.pk]) for name in PRE_PROCEEDINGS_STEPS},
            "back": reverse("fgdm:case_detail", args=[case.pk]),
        },
        status=status,
    )
