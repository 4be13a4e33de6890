"""Pages of the case side. Each POST calls exactly one service; reads go through the selectors.

Views never decide who may do what or whether a step is allowed: a service's refusal
(DomainError) is shown on the form and nothing changes.
"""
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from viewflow.workflow import chart
from viewflow.workflow.models import Task

from audit.selectors import case_trail
from fgdm import forms as f
from fgdm import selectors, services
from fgdm.constants import PlanStatus
from fgdm.exceptions import DomainError
from fgdm.permissions import sees_whole_case
from fgdm.services import ChildInput
from fgdm.workflow import OPEN_STATUSES
from network_packages.constants import PackageStatus
from network_packages.selectors import package_list
from payments.selectors import payment_list


def run_service(form, call, *, formsets=()):
    """Validate the form (and formsets), then call the one service. Returns its result, or None
    when the input is bad or the service refused (the error is then on the form)."""
    valid = form.is_valid()
    valid = all([fs.is_valid() for fs in formsets]) and valid
    if not valid:
        return None
    try:
        result = call(form.cleaned_data)
    except DomainError as exc:
        f.show_domain_error(form, exc)
        return None
    return result if result is not None else True


def error_list(forms) -> list[dict]:
    """Every error of the page's forms (and formsets), for the summary at the top of the page."""
    errors = []

    def of_form(form, prefix=""):
        for message in form.non_field_errors():
            errors.append({"href": "", "text": f"{prefix}{message}"})
        for field in form:
            for message in field.errors:
                errors.append({"href": f"#{field.id_for_label}", "text": f"{prefix}{field.label}: {message}"})

    for form in forms:
        if form is None or not form.is_bound:
            continue
        if hasattr(form, "forms"):
            for message in form.non_form_errors():
                errors.append({"href": "", "text": str(message)})
            for number, sub in enumerate(form.forms, start=1):
                of_form(sub, prefix=f"Row {number}: ")
        else:
            of_form(form)
    return errors


def page(request, template, context, status=200):
    """Render a page; the error summary lists what is wrong with any of its forms."""
    context.setdefault("all_forms", [])
    context["errors"] = [*context.get("errors", []), *error_list(context["all_forms"])]
    return render(request, template, context, status=status)


def form_page(request, *, title, form, button, context=None, caption="", formsets=(), template="fgdm/form_page.html",
              status=200):
    data = {"title": title, "form": form, "button": button, "caption": caption, "formsets": formsets,
            "all_forms": [form, *formsets]}
    data.update(context or {})
    return page(request, template, data, status=status)


# -- tasks ------------------------------------------------------------------------------------


def _latest(qs):
    return qs.order_by("-id").first()


def task_url(task) -> str:
    """Where the step of this task is done."""
    case = getattr(task.process, "case", None)
    name = task.flow_task.name
    if case is None:
        return reverse("fgdm:home")
    if name == "allocate":
        return reverse("fgdm:case_allocate", args=[case.pk])
    if name in ("prepare_network", "hold_meeting"):
        meeting = _latest(case.meetings.all())
        if meeting:
            step = "meeting_prepare" if name == "prepare_network" else "meeting_record"
            return reverse(f"fgdm:{step}", args=[meeting.pk])
    if name in ("accept_plan", "revise_plan"):
        plan = case.plans.order_by("-version").first()
        if plan:
            return reverse("fgdm:plan_detail" if name == "accept_plan" else "fgdm:plan_revise", args=[plan.pk])
    if name == "draft_package":
        package = _latest(case.packages.filter(status__in=[PackageStatus.DRAFT, PackageStatus.RETURNED]))
        if package:
            return reverse("network_packages:package_detail", args=[package.pk])
        return reverse("network_packages:package_new", args=[case.pk])
    if name.startswith("approve_"):
        package = _latest(case.packages.filter(status=PackageStatus.SUBMITTED)) or _latest(case.packages.all())
        if package:
            return reverse("network_packages:package_detail", args=[package.pk])
    if name == "authorise_payments":
        return reverse("payments:payment_list") + f"?case={case.pk}"
    if name == "review":
        return reverse("fgdm:case_review", args=[case.pk])
    return reverse("fgdm:case_detail", args=[case.pk])


def _task_rows(tasks):
    return [{"task": t, "case": getattr(t.process, "case", None), "title": str(t.flow_task.task_title),
             "url": task_url(t)} for t in tasks]


@login_required
def home(request, error=None):
    tasks = list(selectors.task_list(user=request.user))
    mine = [t for t in tasks if t.owner_id == request.user.pk]
    available = [t for t in tasks if t.owner_id is None]
    return page(request, "fgdm/home.html", {
        "title": "My tasks", "mine": _task_rows(mine), "available": _task_rows(available), "errors": [{"href": "", "text": error}] if error else [],
    }, status=400 if error else 200)


@login_required
@require_POST
def task_take(request, task_id):
    try:
        task = services.task_assign(task_id=task_id, by=request.user)
    except DomainError as exc:
        return home(request, error=exc.message)
    return redirect(task_url(task))


# -- cases ------------------------------------------------------------------------------------


@login_required
def case_list(request):
    filters = f.CaseFilterForm(request.GET or None)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    cases = Paginator(selectors.case_list(user=request.user, filters=cleaned), 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page(request, "fgdm/case_list.html", {"title": "Cases", "filters": filters, "page": cases,
                                                   "query": query.urlencode()})


@login_required
def case_new(request):
    form = f.CaseCreateForm((request.POST if request.method == "POST" else None))
    children = f.ChildFormSet((request.POST if request.method == "POST" else None), prefix="children")
    if request.method == "POST":
        def call(data):
            kids = [ChildInput(first_name=c.cleaned_data["first_name"], last_name=c.cleaned_data["last_name"],
                               date_of_birth=c.cleaned_data["date_of_birth"])
                    for c in children.forms if c.cleaned_data]
            return services.case_create(
                by=request.user, family_name=data["family_name"], locality=data["locality"], stage=data["stage"],
                referral_reason=data["referral_reason"], hub=data["hub"], child_lives_with=data["child_lives_with"],
                consent_given_by=data["consent_given_by"], children=kids,
            )

        case = run_service(form, call, formsets=[children])
        if case:
            return redirect("fgdm:case_detail", case.pk)
    return form_page(request, title="New referral", form=form, formsets=[children], button="Open the referral",
                     template="fgdm/case_new.html", status=400 if request.method == "POST" else 200)


def _events(case):
    events = list(case_trail(case_id=case.pk).select_related("actor")[:20])
    for event in events:
        event.label = event.action.replace("_", " ").capitalize()
    return events


def _flow_svg(case) -> str:
    from fgdm.flows import CaseFlow

    grid = chart.calc_layout_data(CaseFlow)
    if case.process_id:
        chart.calc_cell_status(CaseFlow, grid, case.process_id)
    return chart.grid_to_svg(grid)


def open_tasks(case):
    if case.process_id is None:
        return []
    tasks = Task.objects.filter(process_id=case.process_id, status__in=OPEN_STATUSES).select_related("owner", "process")
    return [{"task": t, "title": str(t.flow_task.task_title), "url": task_url(t)} for t in tasks.order_by("id")]


@login_required
def case_detail(request, case_id):
    case = selectors.case_detail(user=request.user, case_id=case_id)
    plans = list(case.plans.all())
    members = list(case.network_members.all())
    whole = sees_whole_case(request.user, case)
    packages = list(package_list(user=request.user, case_id=case.pk))  # an FGC coordinator sees only what the conference needs
    return page(request, "fgdm/case_detail.html", {
        "title": f"{case.reference} — {case.family_name} family",
        "case": case,
        "children": list(case.children.all()),
        "members": members,
        "meetings": list(selectors.meetings_for(user=request.user, case=case)),
        "plans": plans,
        "latest_plan": plans[0] if plans else None,
        "accepted_plan": next((p for p in plans if p.status == PlanStatus.ACCEPTED), None),
        "packages": packages,
        "can_draft_package": not any(p.status in (PackageStatus.DRAFT, PackageStatus.SUBMITTED, PackageStatus.RETURNED,
                                                  PackageStatus.APPROVED) for p in packages),
        "payments": list(payment_list(user=request.user, case_id=case.pk)),
        "events": _events(case) if whole else [],
        "sees_whole_case": whole,
        "tasks": open_tasks(case),
        "flow_svg": _flow_svg(case),
    })


def _case_step(request, case_id, *, title, form_class, call, button, success=None, form_kwargs=None,
               intro=""):
    """One page, one form, one service: the shape of every case step."""
    case = selectors.case_get(user=request.user, case_id=case_id)
    kwargs = form_kwargs(case) if form_kwargs else {}
    form = form_class((request.POST if request.method == "POST" else None), **kwargs)
    if request.method == "POST":
        if run_service(form, lambda data: call(case, data)):
            return redirect(success or reverse("fgdm:case_detail", args=[case.pk]))
    return form_page(request, title=title, caption=f"{case.reference} — {case.family_name} family", form=form,
                     button=button, context={"case": case, "intro": intro,
                                             "back": reverse("fgdm:case_detail", args=[case.pk])},
                     status=400 if request.method == "POST" else 200)


@login_required
def case_allocate(request, case_id):
    return _case_step(
        request, case_id, title="Allocate a lead practitioner", form_class=f.AllocateForm,
        form_kwargs=lambda case: {"case": case}, button="Allocate",
        intro="Choose the family help practitioner who will lead this case.",
        call=lambda case, data: services.case_allocate(case_id=case.pk, by=request.user,
                                                       lead_practitioner=data["lead_practitioner"]),
    )


@login_required
def case_consent(request, case_id):
    return _case_step(
        request, case_id, title="Record consent", form_class=f.ConsentForm, button="Record consent",
        intro="Record who agreed to the referral and to information being shared.",
        call=lambda case, data: services.case_record_consent(case_id=case.pk, by=request.user,
                                                             given_by=data["given_by"]),
    )


@login_required
def member_new(request, case_id):
    return _case_step(
        request, case_id, title="Add someone to the family network", form_class=f.MemberForm,
        button="Add to the network",
        intro="Parents and people holding parental responsibility can be in the network, but cannot be paid "
              "from a support package.",
        call=lambda case, data: services.member_add(case_id=case.pk, by=request.user, **data),
    )


@login_required
def meeting_new(request, case_id):
    return _case_step(
        request, case_id, title="Arrange the family meeting", form_class=f.MeetingScheduleForm,
        button="Arrange the meeting",
        intro="A Family Network Meeting is run by the practitioner; a Family Group Conference by an independent "
              "coordinator. At pre-proceedings it must be a Family Group Conference.",
        call=lambda case, data: services.meeting_schedule(
            case_id=case.pk, by=request.user, model=data["model"], scheduled_for=data["scheduled_for"],
            venue=data["venue"], coordinator=data["coordinator"], bottom_lines=data["bottom_lines"]),
    )


@login_required
def case_review(request, case_id):
    return _case_step(
        request, case_id, title="Review the plan with the family", form_class=f.ReviewForm, button="Record the review",
        call=lambda case, data: services.case_review(case_id=case.pk, by=request.user,
                                                     close=data["decision"] == "close", outcome=data["outcome"],
                                                     notes=data["notes"]),
    )


# -- meetings and plans -----------------------------------------------------------------------


def _caption(case):
    return f"{case.reference} — {case.family_name} family"


@login_required
def meeting_prepare(request, meeting_id):
    meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
    form = f.EmptyForm((request.POST if request.method == "POST" else None))
    if request.method == "POST":
        if run_service(form, lambda data: services.meeting_prepare(meeting_id=meeting.pk, by=request.user)):
            return redirect("fgdm:case_detail", meeting.case_id)
    return form_page(request, title="Prepare the network for the conference", caption=_caption(meeting.case),
                     form=form, button="The network is prepared", template="fgdm/meeting_prepare.html",
                     context={"meeting": meeting, "case": meeting.case,
                              "back": reverse("fgdm:case_detail", args=[meeting.case_id])},
                     status=400 if request.method == "POST" else 200)


@login_required
def meeting_record(request, meeting_id):
    meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
    case = meeting.case
    members = case.network_members.order_by("full_name")
    form = f.MeetingRecordForm((request.POST if request.method == "POST" else None), initial={"held_on": f.today(), "review_by": f.in_days(42)})
    actions = f.action_formset((request.POST if request.method == "POST" else None), members=members)
    if request.method == "POST":
        plan = run_service(form, lambda data: services.meeting_record(
            meeting_id=meeting.pk, by=request.user, held_on=data["held_on"], attendees=data["attendees"],
            private_family_time=data["private_family_time"], child_participation=data["child_participation"],
            actions=f.actions_from_formset(actions), contingency=data["contingency"], review_by=data["review_by"],
        ), formsets=[actions])
        if plan:
            return redirect("fgdm:plan_detail", plan.pk)
    return form_page(request, title="Record the meeting and the family's plan", caption=_caption(case), form=form,
                     formsets=[actions], button="Record the meeting and plan", template="fgdm/plan_form.html",
                     context={"meeting": meeting, "case": case, "actions": actions,
                              "back": reverse("fgdm:case_detail", args=[case.pk])},
                     status=400 if request.method == "POST" else 200)


def _plan_context(request, plan):
    return {"plan": plan, "case": plan.case, "title": f"Family plan, version {plan.version}",
            "caption": _caption(plan.case),
            "actions": plan.actions.select_related("owner_member").order_by("id"),
            "back": reverse("fgdm:case_detail", args=[plan.case_id])}


@login_required
def plan_detail(request, plan_id):
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    context = _plan_context(request, plan)
    context.update(accept_form=f.PlanAcceptForm(initial={"support_needed": "yes"}), return_form=f.ReasonForm())
    return page(request, "fgdm/plan_detail.html", context)


@login_required
@require_POST
def plan_accept(request, plan_id):
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    form = f.PlanAcceptForm(request.POST)
    if run_service(form, lambda data: services.plan_accept(plan_id=plan.pk, by=request.user,
                                                          support_needed=data["support_needed"])):
        return redirect("fgdm:case_detail", plan.case_id)
    context = _plan_context(request, plan)
    context.update(accept_form=form, return_form=f.ReasonForm(), all_forms=[form])
    return page(request, "fgdm/plan_detail.html", context, status=400)


@login_required
@require_POST
def plan_return(request, plan_id):
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    form = f.ReasonForm(request.POST)
    if run_service(form, lambda data: services.plan_return(plan_id=plan.pk, by=request.user, reason=data["reason"])):
        return redirect("fgdm:case_detail", plan.case_id)
    context = _plan_context(request, plan)
    context.update(accept_form=f.PlanAcceptForm(), return_form=form, all_forms=[form])
    return page(request, "fgdm/plan_detail.html", context, status=400)


@login_required
def plan_revise(request, plan_id):
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    case = plan.case
    members = case.network_members.order_by("full_name")
    form = f.PlanForm((request.POST if request.method == "POST" else None), initial={"contingency": plan.contingency, "review_by": plan.review_by})
    initial = [{"description": a.description, "owner_member": a.owner_member_id, "owner_text": a.owner_text,
                "due_by": a.due_by} for a in plan.actions.order_by("id")[:5]]
    actions = f.ActionFormSet((request.POST if request.method == "POST" else None), prefix="actions", initial=None if request.POST else initial,
                              form_kwargs={"members": list(members)})
    if request.method == "POST":
        new = run_service(form, lambda data: services.plan_revise(
            plan_id=plan.pk, by=request.user, actions=f.actions_from_formset(actions),
            contingency=data["contingency"], review_by=data["review_by"]), formsets=[actions])
        if new:
            return redirect("fgdm:plan_detail", new.pk)
    return form_page(request, title="Record the family's revised plan", caption=_caption(case), form=form,
                     formsets=[actions], button="Record the revised plan", template="fgdm/plan_form.html",
                     context={"case": case, "plan": plan, "actions": actions,
                              "back": reverse("fgdm:plan_detail", args=[plan.pk])},
                     status=400 if request.method == "POST" else 200)

