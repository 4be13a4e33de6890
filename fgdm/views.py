"""Pages of the case side. Each POST calls exactly one service; reads go through the selectors.

Views never decide who may do what or whether a step is allowed: a service's refusal
(DomainError) is shown on the form and nothing changes.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST, require_safe

from audit.labels import state_label
from audit.selectors import case_trail
from audit.services import record_access
from core import workflow
from core.flowmap import flow_map
from core.forms import EmptyForm, ReasonForm, in_days, today
from core.pages import allowed, done, form_page, gate, page, run_service, sections_for
from core.roles import Role, role_names
from fgdm import forms as f
from fgdm import selectors, services
from fgdm.constants import CaseStatus, MeetingStatus, PlanStatus
from fgdm.permissions import ensure_can_manage_case, ensure_can_work_case
from fgdm.services import ChildInput
from fgdm.visibility import sees_whole_case

# -- tasks ------------------------------------------------------------------------------------


# -- cases ------------------------------------------------------------------------------------


@login_required
@require_safe
def case_list(request):
    filters = f.CaseFilterForm(request.GET or None)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    cases = Paginator(selectors.case_list(user=request.user, filters=cleaned), 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page(
        request,
        "fgdm/case_list.html",
        {
            "title": "Cases",
            "filters": filters,
            "page": cases,
            "query": query.urlencode(),
            "filtered": any(cleaned.get(k) for k in ("q", "status", "locality", "stage")),
        },
    )


@login_required
def case_new(request):
    gate(request, "case_create")
    form = f.CaseCreateForm((request.POST if request.method == "POST" else None))
    children = f.ChildFormSet((request.POST if request.method == "POST" else None), prefix="children")
    if request.method == "POST":

        def call(data):
            kids = [
                ChildInput(
                    first_name=c.cleaned_data["first_name"],
                    last_name=c.cleaned_data["last_name"],
                    date_of_birth=c.cleaned_data["date_of_birth"],
                )
                for c in children.forms
                if c.cleaned_data
            ]
            return services.case_create(
                by=request.user,
                family_name=data["family_name"],
                locality=data["locality"],
                stage=data["stage"],
                referral_reason=data["referral_reason"],
                hub=data["hub"],
                child_lives_with=data["child_lives_with"],
                consent_given_by=data["consent_given_by"],
                children=kids,
            )

        case = run_service(form, call, formsets=[children])
        if case:
            return done(
                request,
                f"Referral {case.reference} is open. A manager of the {case.team.name} allocates "
                "a lead practitioner next.",
                reverse("fgdm:case_detail", args=[case.pk]),
            )
    return form_page(
        request,
        title="New referral",
        form=form,
        formsets=[children],
        button="Open the referral",
        template="fgdm/case_new.html",
        status=400 if request.method == "POST" else 200,
    )


# -- the case page and its map ------------------------------------------------------------------


def _events(case):
    """The latest 20 entries of the case's trail, in words."""
    events = list(case_trail(case_id=case.pk).select_related("actor")[:20])
    for event in events:
        event.label = event.action.replace("_", " ").capitalize()
        event.from_label = state_label(event.from_state)
        event.to_label = state_label(event.to_state)
    return events


def open_tasks(case):
    return [
        {"task": t, "title": str(t.flow_task.task_title), "url": workflow.task_url(t)}
        for t in workflow.open_tasks(process_id=case.process_id)
    ]


def case_flow_map(case) -> dict:
    return flow_map(
        flow_class=workflow.flow_class(),
        process_id=case.process_id,
        title=f"Where case {case.reference} is in the Family Group Decision Making process",
        closed=case.status == CaseStatus.CLOSED,
    )


@login_required
@require_safe
def case_detail(request, case_id):
    case = selectors.case_detail(user=request.user, case_id=case_id)
    # The case page shows its children's details: this read is the record of who saw them.
    record_access(by=request.user, what="case", door="page", obj=case, case_id=case.pk, path=request.path)
    whole = sees_whole_case(request.user, case)  # an FGC coordinator sees only what the conference needs
    meetings = list(selectors.meetings_for(user=request.user, case=case))
    plans = [p for p in case.plans.all() if whole or p.meeting_id in {m.pk for m in meetings}]
    return page(
        request,
        "fgdm/case_detail.html",
        {
            "title": f"{case.reference} — {case.family_name} family",
            "case": case,
            "children": list(case.children.all()),
            "members": list(case.network_members.all()),
            "meetings": meetings,
            "plans": plans,
            "latest_plan": plans[0] if plans else None,
            "accepted_plan": next((p for p in plans if p.status == PlanStatus.ACCEPTED), None),
            "sections": sections_for("case", request, case=case, whole=whole, plans=plans) if whole else [],
            "events": _events(case) if whole else [],
            "sees_whole_case": whole,
            "can_work": allowed(ensure_can_work_case, request.user, case),
            "can_manage": allowed(ensure_can_manage_case, request.user, case),
            "tasks": open_tasks(case)
            if whole
            else [t for t in open_tasks(case) if t["task"].owner_id == request.user.pk],
            "map": case_flow_map(case),
            "latest_progress": plans[0].progress() if plans else None,
            "pre_proceedings": getattr(case, "pre_proceedings", None) if case.stage == "pre_proceedings" else None,
            "escalations": list(case.review_escalations.filter(resolved_at__isnull=True)) if whole else [],
        },
    )


@login_required
@require_safe
def case_map(request, case_id):
    """The case's map on its own, full size (linked from the case page)."""
    case = selectors.case_get(user=request.user, case_id=case_id)
    response = HttpResponse(case_flow_map(case)["svg"], content_type="image/svg+xml; charset=utf-8")
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def _caption(case):
    return f"{case.reference} — {case.family_name} family"


def _case_step(
    request,
    case_id,
    *,
    step,
    title,
    form_class,
    call,
    button,
    message,
    form_kwargs=None,
    intro="",
    template="fgdm/form_page.html",
    context=None,
):
    """One page, one form, one service: the shape of every case step."""
    case = selectors.case_get(user=request.user, case_id=case_id)
    gate(request, step)
    kwargs = form_kwargs(case) if form_kwargs else {}
    form = form_class((request.POST if request.method == "POST" else None), **kwargs)
    if request.method == "POST":
        result = run_service(form, lambda data: call(case, data))
        if result:
            return done(
                request, message(result) if callable(message) else message, reverse("fgdm:case_detail", args=[case.pk])
            )
    data = {"case": case, "intro": intro, "back": reverse("fgdm:case_detail", args=[case.pk])}
    data.update(context(case) if context else {})
    return form_page(
        request,
        title=title,
        caption=_caption(case),
        form=form,
        button=button,
        template=template,
        context=data,
        status=400 if request.method == "POST" else 200,
    )


@login_required
def case_allocate(request, case_id):
    return _case_step(
        request,
        case_id,
        step="case_allocate",
        title="Allocate a lead practitioner",
        form_class=f.AllocateForm,
        form_kwargs=lambda case: {"case": case},
        button="Allocate",
        intro="Choose the family help practitioner who will lead this case. They map the family's network "
        "and arrange the meeting next.",
        template="fgdm/case_allocate.html",
        call=lambda case, data: services.case_allocate(
            case_id=case.pk, by=request.user, lead_practitioner=data["lead_practitioner"]
        ),
        message=lambda case: (
            f"{case.reference} is allocated to "
            f"{case.lead_practitioner.get_full_name() or case.lead_practitioner.get_username()}."
        ),
    )


@login_required
def case_consent(request, case_id):
    return _case_step(
        request,
        case_id,
        step="case_record_consent",
        title="Record consent",
        form_class=f.ConsentForm,
        button="Record consent",
        intro="Record who agreed to the referral and to information being shared with the family's network.",
        call=lambda case, data: services.case_record_consent(
            case_id=case.pk,
            by=request.user,
            given_by=data["given_by"],
            to_refer=data["to_refer"],
            to_share=data["to_share"],
        ),
        message="Consent is recorded.",
    )


@login_required
def member_new(request, case_id):
    return _case_step(
        request,
        case_id,
        step="member_add",
        title="Add someone to the family network",
        form_class=f.MemberForm,
        button="Add to the network",
        intro="Add the people the family names. Parents and people holding parental responsibility can be in "
        "the network, but cannot be paid from a support package.",
        call=lambda case, data: services.member_add(case_id=case.pk, by=request.user, **data),
        message=lambda member: (
            f"{member.full_name} is added to the network"
            + ("." if member.payment_eligible else " (cannot be paid from a support package).")
        ),
    )


@login_required
def meeting_new(request, case_id):
    return _case_step(
        request,
        case_id,
        step="meeting_schedule",
        title="Arrange the family meeting",
        form_class=f.MeetingScheduleForm,
        button="Arrange the meeting",
        intro="A Family Network Meeting is run by the practitioner; a Family Group Conference by an independent "
        "coordinator, who prepares the network first. At pre-proceedings it must be a Family Group Conference.",
        call=lambda case, data: services.meeting_schedule(
            case_id=case.pk,
            by=request.user,
            model=data["model"],
            scheduled_for=data["scheduled_for"],
            venue=data["venue"],
            coordinator=data["coordinator"],
            bottom_lines=data["bottom_lines"],
            coordinator_request=data["coordinator_request"],
        ),
        message=lambda meeting: (
            f"The {meeting.get_model_display()} is arranged for "
            f"{timezone.localtime(meeting.scheduled_for):%-d %B %Y at %H:%M}."
        ),
    )


@login_required
def case_review(request, case_id):
    def context(case):
        plan = case.plans.order_by("-version").first()
        return {
            "plan": plan,
            "actions": list(plan.actions.select_related("owner_member")) if plan else [],
            "sections": sections_for("review", request, case=case),
        }

    return _case_step(
        request,
        case_id,
        step="case_review",
        title="Review the plan with the family",
        form_class=f.ReviewForm,
        button="Record the review",
        intro="Meet the family to review how the plan is working. Either the family revises the plan and the case "
        "continues, or the case closes with an outcome for the child.",
        template="fgdm/case_review.html",
        context=context,
        call=lambda case, data: services.case_review(
            case_id=case.pk,
            by=request.user,
            close=data["decision"] == "close",
            outcome=data["outcome"],
            notes=data["notes"],
        ),
        message=lambda case: (
            "The case is closed."
            if case.status == CaseStatus.CLOSED
            else "The review is recorded: the family revises the plan next."
        ),
    )


# -- meetings and plans -----------------------------------------------------------------------


@login_required
def meeting_prepare(request, meeting_id):
    meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
    gate(request, "meeting_prepare")
    form = EmptyForm((request.POST if request.method == "POST" else None))
    if request.method == "POST":
        if run_service(form, lambda data: services.meeting_prepare(meeting_id=meeting.pk, by=request.user)):
            return done(
                request,
                "The network is prepared. Record the conference and the family's plan once it has been held.",
                reverse("fgdm:case_detail", args=[meeting.case_id]),
            )
    return form_page(
        request,
        title="Prepare the network for the conference",
        caption=_caption(meeting.case),
        form=form,
        button="The network is prepared",
        template="fgdm/meeting_prepare.html",
        context={
            "meeting": meeting,
            "case": meeting.case,
            "members": meeting.case.network_members.all(),
            "back": reverse("fgdm:case_detail", args=[meeting.case_id]),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def meeting_record(request, meeting_id):
    meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
    gate(request, "meeting_record")
    case = meeting.case
    members = case.network_members.order_by("full_name")
    bound = request.POST if request.method == "POST" else None
    form = f.MeetingRecordForm(
        bound, initial={"held_on": today(), "review_by": in_days(42), "private_family_time": meeting.model == "fgc"}
    )
    actions = f.action_formset(bound, members=members)
    if request.method == "POST":
        plan = run_service(
            form,
            lambda data: services.meeting_record(
                meeting_id=meeting.pk,
                by=request.user,
                held_on=data["held_on"],
                attendees=data["attendees"],
                private_family_time=data["private_family_time"],
                child_participation=data["child_participation"],
                actions=f.actions_from_formset(actions),
                contingency=data["contingency"],
                review_by=data["review_by"],
                monitoring=data["monitoring"],
                information_shared=data["information_shared"],
                private_family_time_minutes=data["private_family_time_minutes"],
            ),
            formsets=[actions],
        )
        if plan:
            return done(
                request,
                "The meeting and the family's plan are recorded. Accept the plan, or return it "
                "to the family with your reasons.",
                reverse("fgdm:plan_detail", args=[plan.pk]),
            )
    return form_page(
        request,
        title="Record the meeting and the family's plan",
        caption=_caption(case),
        form=form,
        formsets=[actions],
        button="Record the meeting and plan",
        template="fgdm/plan_form.html",
        context={
            "meeting": meeting,
            "case": case,
            "actions": actions,
            "back": reverse("fgdm:case_detail", args=[case.pk]),
        },
        status=400 if request.method == "POST" else 200,
    )


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
        "back": reverse("fgdm:case_detail", args=[plan.case_id]),
    }


@login_required
@require_safe
def plan_detail(request, plan_id):
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    record_access(by=request.user, what="plan", door="page", obj=plan, case_id=plan.case_id, path=request.path)
    context = _plan_context(request, plan)
    context.update(accept_form=f.PlanAcceptForm(initial={"support_needed": "yes"}), return_form=ReasonForm())
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
    members = case.network_members.order_by("full_name")
    bound = request.POST if request.method == "POST" else None
    form = f.PlanForm(
        bound, initial={"contingency": plan.contingency, "review_by": plan.review_by, "monitoring": plan.monitoring}
    )
    initial = [
        {
            "description": a.description,
            "owner_member": a.owner_member_id,
            "owner_text": a.owner_text,
            "due_by": a.due_by,
            "checked_by": a.checked_by,
        }
        for a in plan.actions.order_by("id")[:5]
    ]
    actions = f.ActionFormSet(
        bound, prefix="actions", initial=None if bound else initial, form_kwargs={"members": list(members)}
    )
    if request.method == "POST":
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
        status=400 if request.method == "POST" else 200,
    )


# -- the person's own page ------------------------------------------------------------------------


@login_required
def profile(request):
    """Who I am here (roles, teams) and the conflicts of interest I have declared."""
    from django.db.models import Q

    from fgdm.models import DeclaredConflict, Team

    form = f.ConflictForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        conflict = run_service(
            form,
            lambda data: services.conflict_declare(
                by=request.user, case_reference=data["case_reference"], reason=data["reason"]
            ),
        )
        if conflict:
            return done(
                request,
                f"Your conflict of interest in {conflict.case.reference} is recorded. You can no "
                "longer see or act on that case.",
                reverse("fgdm:profile"),
            )
    return form_page(
        request,
        title="Your profile",
        form=form,
        button="Declare the conflict",
        template="fgdm/profile.html",
        status=400 if request.method == "POST" else 200,
        context={
            "roles": (["Administrator"] if request.user.is_superuser else [])
            + [Role(name).label for name in sorted(role_names(request.user)) if name in Role.values],
            "teams": Team.objects.filter(Q(members=request.user) | Q(managers=request.user))
            .distinct()
            .order_by("name"),
            "conflicts": DeclaredConflict.objects.filter(user=request.user)
            .select_related("case")
            .order_by("-declared_at"),
        },
    )


# -- referral, consent and the child's voice ----------------------------------------------------


@login_required
def case_consent_withdraw(request, case_id):
    return _case_step(
        request,
        case_id,
        step="case_withdraw_consent",
        title="Record that consent was withdrawn",
        form_class=f.ConsentWithdrawForm,
        button="Record the withdrawal",
        intro="From now on nothing more can be shared with the family's network: arranging, preparing and holding "
        "the meeting are refused until consent is given again.",
        call=lambda case, data: services.case_withdraw_consent(case_id=case.pk, by=request.user, **data),
        message="The withdrawal of consent is recorded. Nothing more will be shared with the network.",
    )


@login_required
def case_bottom_lines(request, case_id):
    return _case_step(
        request,
        case_id,
        step="case_set_bottom_lines",
        title="The referrer's bottom lines",
        form_class=f.BottomLinesForm,
        button="Record the bottom lines",
        form_kwargs=lambda case: {"initial": {"bottom_lines": case.bottom_lines}},
        intro="What any plan the family makes must achieve for the child to be safe.",
        call=lambda case, data: services.case_set_bottom_lines(
            case_id=case.pk, by=request.user, bottom_lines=data["bottom_lines"]
        ),
        message="The bottom lines are recorded.",
    )


@login_required
def child_wishes(request, child_id):
    child = selectors.child_get(user=request.user, child_id=child_id)
    gate(request, "child_record_wishes")
    bound = request.POST if request.method == "POST" else None
    form = f.WishesForm(
        bound,
        initial={
            "wishes_and_feelings": child.wishes_and_feelings,
            "participation": child.participation,
            "participation_detail": child.participation_detail,
        },
    )
    if request.method == "POST":
        if run_service(form, lambda data: services.child_record_wishes(child_id=child.pk, by=request.user, **data)):
            return done(
                request,
                f"{child.first_name}'s wishes and feelings are recorded.",
                reverse("fgdm:case_detail", args=[child.case_id]),
            )
    return form_page(
        request,
        title=f"{child.first_name}'s wishes and feelings",
        caption=_caption(child.case),
        form=form,
        button="Record",
        context={
            "intro": "Record what the child wants and feels, and how they will take part in the meeting, "
            "before any decision about services (Children Act 1989 s17(4A)).",
            "back": reverse("fgdm:case_detail", args=[child.case_id]),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def member_preparation(request, member_id):
    member = selectors.member_get(user=request.user, member_id=member_id)
    gate(request, "member_record_preparation")
    bound = request.POST if request.method == "POST" else None
    form = f.PreparationForm(
        bound,
        initial={
            "status": member.preparation_status,
            "notes": member.preparation_notes,
            "exclusion_reason": member.exclusion_reason,
            "how_to_contribute": member.how_to_contribute,
        },
    )
    meeting = member.case.meetings.order_by("-id").first()
    back = (
        reverse("fgdm:meeting_prepare", args=[meeting.pk])
        if meeting and meeting.model == "fgc"
        else reverse("fgdm:case_detail", args=[member.case_id])
    )
    if request.method == "POST":
        if run_service(
            form, lambda data: services.member_record_preparation(member_id=member.pk, by=request.user, **data)
        ):
            return done(request, f"{member.full_name}'s preparation is recorded.", back)
    return form_page(
        request,
        title=f"Preparing {member.full_name}",
        caption=_caption(member.case),
        form=form,
        button="Record",
        context={
            "intro": "Contact, prepare and invite each person the family names. Someone who cannot "
            "safely attend is excluded with the reason, and can still contribute another way.",
            "back": back,
        },
        status=400 if request.method == "POST" else 200,
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


# -- the pre-proceedings duty ------------------------------------------------------------------

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
