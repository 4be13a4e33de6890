"""Plan pages: the family's plan, accepting or returning it, the revised plan, actions done."""

from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from audit.services import record_access
from core import workflow
from core.forms import EmptyForm, ReasonForm, wants_another_row
from core.pages import allowed, done, form_page, gate, page, run_service
from fgdm import forms as f
from fgdm import selectors, services
from fgdm.constants import PlanStatus
from fgdm.permissions import ensure_can_work_case
from fgdm.views.cases import _caption
from fgdm.views.offers import can


def _plan_context(request, plan):
    return {
        "plan": plan,
        "case": plan.case,
        "title": f"Family plan, version {plan.version}",
        "progress": plan.progress(),
        "today": timezone.localdate(),
        "caption": _caption(plan.case),
        "actions": plan.actions.select_related("owner_member").order_by("id"),
        "can_work": allowed(ensure_can_work_case, request.user, plan.case),
        "revise_open": plan.case.process_id is not None
        and plan.case.plans.order_by("-version").first() == plan
        and workflow.waiting_for(process=plan.case.process, action="plan_revised"),
        "can_reconvene": plan.status == PlanStatus.AGREED
        and can(request.user, "meeting_reconvene", services.ensure_may_reconvene, plan.meeting),
        "back": reverse("fgdm:case_detail", args=[plan.case_id]),
    }


@login_required
@require_safe
def plan_detail(request, plan_id):
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    record_access(by=request.user, what="plan", door="page", obj=plan, case_id=plan.case_id, path=request.path)
    context = _plan_context(request, plan)
    context.update(accept_form=f.PlanAcceptForm(), return_form=ReasonForm())
    return page(request, "fgdm/plan_detail.html", context)


@login_required
@require_POST
def plan_accept(request, plan_id):
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    gate(request, "plan_accept")
    form = f.PlanAcceptForm(request.POST)
    accepted = run_service(
        form, lambda data: services.plan_accept(plan_id=plan.pk, by=request.user, support_needed=data["support_needed"])
    )
    if accepted:
        return done(
            request,
            "The plan is accepted."
            + (
                " Draft the support package next."
                if form.cleaned_data["support_needed"]
                else " The case waits for the review date."
            ),
            reverse("fgdm:case_detail", args=[plan.case_id]),
        )
    context = _plan_context(request, plan)
    context.update(accept_form=form, return_form=ReasonForm(), all_forms=[form])
    return page(request, "fgdm/plan_detail.html", context, status=400)


@login_required
@require_POST
def plan_return(request, plan_id):
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    gate(request, "plan_return")
    form = ReasonForm(request.POST)
    if run_service(form, lambda data: services.plan_return(plan_id=plan.pk, by=request.user, reason=data["reason"])):
        return done(
            request,
            "The plan is returned to the family. Record their revised plan when they have made it.",
            reverse("fgdm:case_detail", args=[plan.case_id]),
        )
    context = _plan_context(request, plan)
    context.update(accept_form=f.PlanAcceptForm(), return_form=form, all_forms=[form])
    return page(request, "fgdm/plan_detail.html", context, status=400)


@login_required
def plan_revise(request, plan_id):
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    gate(request, "plan_revise")
    case = plan.case
    members = case.network_members.current().order_by("full_name")
    bound = request.POST if request.method == "POST" else None
    if wants_another_row(request, "add_action"):
        # "Add another action": the form again as typed, unchecked, with one more row. Nothing is saved.
        form = f.PlanForm(initial=request.POST.dict())
        actions = f.action_rows_plus_one(request.POST, members=members)
        bound = None
    else:
        form = f.PlanForm(
            bound,
            initial={"contingency": plan.contingency, "review_by": plan.review_by, "monitoring": plan.monitoring},
        )
        initial = [
            {
                "description": a.description,
                "owner_member": a.owner_member_id,
                "owner_text": a.owner_text,
                "due_by": a.due_by,
                "checked_by": a.checked_by,
            }
            for a in plan.actions.order_by("id")
        ]
        actions = f.action_formset(bound, members=members, initial=[*initial, {}])
    if bound is not None:
        new = run_service(
            form,
            lambda data: services.plan_revise(
                plan_id=plan.pk,
                by=request.user,
                actions=f.actions_from_formset(actions),
                contingency=data["contingency"],
                review_by=data["review_by"],
                monitoring=data["monitoring"],
            ),
            formsets=[actions],
        )
        if new:
            return done(
                request,
                f"Version {new.version} of the plan is recorded. Accept it, or return it to the "
                "family with your reasons.",
                reverse("fgdm:plan_detail", args=[new.pk]),
            )
    return form_page(
        request,
        title="Record the family's revised plan",
        caption=_caption(case),
        form=form,
        formsets=[actions],
        button="Record the revised plan",
        template="fgdm/plan_form.html",
        context={"case": case, "plan": plan, "actions": actions, "back": reverse("fgdm:plan_detail", args=[plan.pk])},
        status=400 if bound is not None else 200,
    )


@login_required
@require_POST
def action_done(request, action_id):
    action = selectors.action_get(user=request.user, action_id=action_id)
    gate(request, "action_mark_done")
    form = EmptyForm(request.POST)
    if run_service(form, lambda data: services.action_mark_done(action_id=action.pk, by=request.user)):
        return done(request, "The action is marked done.", reverse("fgdm:plan_detail", args=[action.plan_id]))
    context = _plan_context(request, action.plan)
    context.update(accept_form=f.PlanAcceptForm(), return_form=ReasonForm(), all_forms=[form])
    return page(request, "fgdm/plan_detail.html", context, status=400)
