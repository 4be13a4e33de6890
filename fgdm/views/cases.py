"""Case pages: the list, a new referral, the case page and its map, and the case's own steps
(allocation, consent, bottom lines, the stage, the network, the children's wishes, the review)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from audit.labels import state_label
from audit.selectors import case_trail
from audit.services import record_access
from core import workflow
from core.exceptions import DomainError
from core.flowmap import flow_map, flow_steps, process_tasks
from core.forms import wants_another_row
from core.pages import done, form_page, gate, page, run_service, sections_for
from core.roles import ROLE_PERMISSIONS, Role, held_permissions, may
from fgdm import forms as f
from fgdm import selectors, services
from fgdm.constants import ENDED_STATUSES, MEETING_ARRANGED, CaseStatus, PlanStatus
from fgdm.labels import event_label
from fgdm.network_picture import network_picture
from fgdm.permissions import (
    asked_once,
    ensure_can_manage_case,
    ensure_can_work_case,
    ensure_can_work_or_manage_case,
)
from fgdm.services import ChildInput
from fgdm.views.casefiles import case_file_context
from fgdm.views.offers import may_arrange, meeting_actions
from fgdm.views.rights import CaseRights


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
            "filtered": any(cleaned.get(k) for k in ("q", "status", "locality", "stage", "lead")),
        },
    )


@login_required
def case_new(request):
    gate(request, "case_create")
    if wants_another_row(request, "add_child"):
        # "Add another child" (a submit button, so it works without JavaScript): the form again as
        # typed, unchecked, with one more row for a child. Nothing is saved yet.
        return form_page(
            request,
            title="New referral",
            form=f.CaseCreateForm(initial=request.POST.dict()),
            formsets=[f.child_rows_plus_one(request.POST)],
            button="Open the referral",
            template="fgdm/case_new.html",
        )
    # "Make a new referral linked to this case" (on a closed case's page) names the case it follows.
    form = f.CaseCreateForm(
        (request.POST if request.method == "POST" else None),
        initial={"previous_case": request.GET.get("previous_case", "")[:20]},
    )
    children = f.ChildFormSet((request.POST if request.method == "POST" else None), prefix="children")
    if request.method == "POST":

        def call(data):
            kids = [
                ChildInput(
                    first_name=c.cleaned_data["first_name"],
                    last_name=c.cleaned_data["last_name"],
                    date_of_birth=c.cleaned_data["date_of_birth"],
                    expected_on=c.cleaned_data["expected_on"],
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
                previous_case=data["previous_case"] or None,
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


def may_change_stage(user, case) -> bool:
    """Whether to offer "Change the stage": the service's own check (fgdm.services.ensure_may_change_stage)."""
    try:
        services.ensure_may_change_stage(user, case)
    except DomainError:
        return False
    return True


def may_take(user, step: str, check, case) -> bool:
    """Whether to offer a step on this case now: the person's role may take that kind of step
    (core.roles) and the service's own check (`check`, e.g. fgdm.services.ensure_may_close) lets
    them take it on this case in its present state."""
    if not may(user, step):
        return False
    try:
        check(user, case)
    except DomainError:
        return False
    return True


def _events(case):
    """The latest 20 entries of the case's trail, in words."""
    events = list(case_trail(case_id=case.pk).select_related("actor")[:20])
    for event in events:
        event.label = event_label(event.action)
        event.from_label = state_label(event.from_state)
        event.to_label = state_label(event.to_state)
    return events


def open_tasks(case):
    return [
        {"task": t, "title": str(t.flow_task.task_title), "url": workflow.task_url(t)}
        for t in workflow.open_tasks(process_id=case.process_id)
    ]


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def who_for(task, case) -> str:
    """Who a step waits for, in words: the person who has it, else the role that may take it."""
    if task.owner_id:
        return _name(task.owner)
    roles = [Role(role).label for role, perms in ROLE_PERMISSIONS.items() if task.owner_permission in perms]
    if roles == [Role.PRACTITIONER.label] and case.lead_practitioner_id:
        return f"{_name(case.lead_practitioner)}, the lead practitioner"
    if not roles:
        return "Nobody yet"
    return "Any " + " or ".join(role.lower() if role != "FGC coordinator" else role for role in roles)


def may_take_task(user, task, case, rights: CaseRights | None = None) -> bool:
    """Whether this person can take this open task now: it is theirs, or it waits in the queue for a
    role they hold (process.services.task_assign's check); a step of the case's own work also needs
    them to work on this case (fgdm.permissions, asked once per page through `rights`)."""
    if task.owner_id is not None:
        mine = task.owner_id == user.pk
    else:
        mine = bool(task.owner_permission) and task.owner_permission in held_permissions(user)
    if mine and task.owner_permission == "fgdm.work_case":
        return (rights or CaseRights(user, case)).allows(ensure_can_work_case)
    return mine


def case_steps(user, case, rights: CaseRights | None = None, tasks=None) -> list[dict]:
    """The case's steps for its task list: each with its state in words and, for the steps open now,
    who has them and a link only for the person who can take them."""
    rows = flow_steps(
        flow_class=workflow.flow_class(), process_id=case.process_id, closed=case.status in ENDED_STATUSES, tasks=tasks
    )
    for row in rows:
        row["tasks"] = [
            {
                "task": task,
                "who": who_for(task, case),
                "url": workflow.task_url(task) if may_take_task(user, task, case, rights) else "",
            }
            for task in row["open_tasks"]
        ]
        row["url"] = next((t["url"] for t in row["tasks"] if t["url"]), "")
    return rows


def case_flow_map(case, tasks=None) -> dict:
    return flow_map(
        tasks=tasks,
        flow_class=workflow.flow_class(),
        process_id=case.process_id,
        title=f"Where case {case.reference} is in the Family Group Decision Making process",
        closed=case.status in ENDED_STATUSES,
    )


@login_required
@require_safe
@asked_once()
def case_detail(request, case_id):
    """The case page. Its statements do not grow with the case: one for the case (with flags for the
    lists it may skip), one per list, and each question of the permission checks asked once, however
    many buttons ask them (fgdm.permissions.asked_once)."""
    case = selectors.case_detail(user=request.user, case_id=case_id)
    # The case page shows its children's details: this read is the record of who saw them.
    record_access(by=request.user, what="case", door="page", obj=case, case_id=case.pk, path=request.path)
    whole = case.whole  # an FGC coordinator sees only what the conference needs (sees_whole_case)
    rights = CaseRights(request.user, case)
    meetings = selectors.meetings_seen(user=request.user, case=case)
    for meeting in meetings:
        meeting.case = case
        meeting.can = meeting_actions(request.user, meeting, rights=rights)
    arranged = next((m for m in meetings if m.status in MEETING_ARRANGED), None)
    plans = [p for p in case.plans.all() if whole or p.meeting_id in {m.pk for m in meetings}]
    can_work = rights.allows(ensure_can_work_case)
    members = [m for m in case.network_members.all() if not m.is_removed]
    children = [c for c in case.children.all() if not c.is_removed]
    escalations = (
        list(case.review_escalations.filter(resolved_at__isnull=True)) if whole and case.has_open_escalations else []
    )
    child_outcomes = list(selectors.outcomes_of(case=case)) if whole and case.has_outcomes else []
    can_manage = rights.allows(ensure_can_manage_case)
    tasks = process_tasks(case.process_id)  # the task list and the map: one read
    steps = case_steps(request.user, case, rights, tasks)
    case_file = case_file_section(request, case, rights) if whole else {}
    ended = case.status in ENDED_STATUSES
    return page(
        request,
        "fgdm/case_detail.html",
        {
            "title": f"{case.reference} — {case.family_name} family",
            "case": case,
            "children": children,
            "removed_children": [c for c in case.children.all() if c.is_removed],
            "members": members,
            "picture": network_picture(children=children, members=members),
            "steps": steps,
            "next_steps": [t for row in steps for t in row["tasks"]],
            "overdue": selectors.case_overdue(
                case=case, plans=plans, meetings=meetings, outcomes=child_outcomes, escalations=escalations
            )
            if whole
            else [],
            "removed_members": [m for m in case.network_members.all() if m.is_removed],
            "meetings": meetings,
            "arranged": arranged,
            "can_arrange": may_arrange(request.user, case),
            "plans": plans,
            "latest_plan": plans[0] if plans else None,
            "accepted_plan": next((p for p in plans if p.status == PlanStatus.ACCEPTED), None),
            "sections": sections_for("case", request, case=case, whole=whole, plans=plans) if whole else [],
            "events": _events(case) if whole else [],
            "sees_whole_case": whole,
            "can_work": can_work,
            # Correcting the children: the case's practitioners, who see its children, while it is open.
            "can_correct_children": can_work and whole and case.status not in ENDED_STATUSES,
            "can_manage": can_manage,
            "can_change_stage": may_change_stage(request.user, case),
            "stage_history": list(case.stage_changes.all()),
            "map": case_flow_map(case, tasks),
            "latest_progress": plans[0].progress() if plans else None,
            "pre_proceedings": getattr(case, "pre_proceedings", None),
            "escalations": escalations,
            # Ending the case off the main path: offered only when the service would accept it now.
            # Each asked of the service only in the state it needs (a referral waiting; an open case;
            # an ended one): read first, no query for the others.
            "ended": ended,
            "can_decline": case.status == CaseStatus.REFERRED
            and may_take(request.user, "case_decline", services.ensure_may_decline, case),
            "can_close": not ended and may_take(request.user, "case_close", services.ensure_may_close, case),
            "can_reopen": ended and may_take(request.user, "case_reopen", services.ensure_may_reopen, case),
            "reopen_until": services.reopen_until(case),
            "reopen_passed": bool(services.reopen_until(case) and services.reopen_until(case) < timezone.localdate()),
            "can_refer": may(request.user, "case_create"),
            # The cases this one follows and is followed by, as far as the person may see them.
            "previous_case": selectors.case_list(user=request.user).filter(pk=case.previous_case_id).first()
            if case.previous_case_id
            else None,
            "later_cases": list(selectors.case_list(user=request.user).filter(previous_case=case))
            if case.has_later_cases
            else [],
            "advocacy_offers": list(selectors.advocacy_offers_of(case=case))
            if whole and case.has_advocacy_offers
            else [],
            "child_outcomes": child_outcomes,
            "can_record_outcomes": may(request.user, "outcome_record")
            and rights.allows(ensure_can_work_or_manage_case),
            "today": timezone.localdate(),
            **case_file,
        },
    )


CASE_PAGE_NOTES = 5


def case_file_section(request, case, rights: CaseRights) -> dict:
    """The case page's "Notes and documents": the newest notes (the rest on their own page) and the
    documents (neither read when the case's flags say there are none: selectors.case_detail)."""
    newest = list(selectors.notes_of(case=case)[: CASE_PAGE_NOTES + 1]) if case.has_notes else []
    more = case.notes.count() if len(newest) > CASE_PAGE_NOTES else 0
    context = case_file_context(
        request, case, notes=newest[:CASE_PAGE_NOTES], rights=rights, documents=None if case.has_documents else []
    )
    return {**context, "more_notes": more}


@login_required
@require_safe
def case_map(request, case_id):
    """The case's map on its own, full size (linked from the case page)."""
    case = selectors.case_get(user=request.user, case_id=case_id)
    response = HttpResponse(case_flow_map(case)["svg"], content_type="image/svg+xml; charset=utf-8")
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@login_required
@require_safe
def case_map_page(request, case_id):
    """The whole map on a page of its own, at full size, scrolling inside its own region."""
    case = selectors.case_get(user=request.user, case_id=case_id)
    return page(
        request,
        "fgdm/case_map.html",
        {
            "title": f"{case.reference} — where the case is on the map",
            "case": case,
            "map": case_flow_map(case),
            "back": reverse("fgdm:case_detail", args=[case.pk]) + "#steps",
        },
    )


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
    warning="",
):
    """One page, one form, one service: the shape of every case step. With a `warning`, the page is
    the confirmation of a step that cannot be undone: the GET says what will happen, the POST does it."""
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
    data = {"case": case, "intro": intro, "warning": warning, "back": reverse("fgdm:case_detail", args=[case.pk])}
    if warning and template == "fgdm/form_page.html":
        template = "fgdm/confirm_page.html"
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
def case_reassign(request, case_id):
    return _case_step(
        request,
        case_id,
        step="case_reassign",
        title="Reassign the lead practitioner",
        form_class=f.ReassignForm,
        form_kwargs=lambda case: {"case": case},
        button="Reassign",
        intro="Choose another practitioner of the team to lead this case. They get the case and the present "
        "lead's open tasks on it at once.",
        call=lambda case, data: services.case_reassign(
            case_id=case.pk, by=request.user, lead_practitioner=data["lead_practitioner"], reason=data["reason"]
        ),
        message=lambda case: (
            f"{case.reference} is now led by "
            f"{case.lead_practitioner.get_full_name() or case.lead_practitioner.get_username()}."
        ),
    )


@login_required
def case_stage(request, case_id):
    def context(case):
        history = list(case.stage_changes.select_related("changed_by"))
        return {"stage_history": history, "stage_label": case.get_stage_display()}

    return _case_step(
        request,
        case_id,
        step="case_change_stage",
        title="Change the stage",
        form_class=f.StageForm,
        form_kwargs=lambda case: {"case": case},
        button="Change the stage",
        intro="Record that the case has moved to another stage, with the reason and the day it changed. The change "
        "is kept in the case's stage history. Rules that depend on the stage apply from the change: at "
        "pre-proceedings, the duty to offer a family meeting, and meetings arranged there are Family Group "
        "Conferences.",
        template="fgdm/case_stage.html",
        context=context,
        call=lambda case, data: services.case_change_stage(
            case_id=case.pk,
            by=request.user,
            stage=data["stage"],
            reason=data["reason"],
            changed_on=data["changed_on"],
        ),
        message=lambda case: f"{case.reference} is now at {case.get_stage_display().lower()}.",
    )


@login_required
def case_edit(request, case_id):
    return _case_step(
        request,
        case_id,
        step="case_update",
        title="Correct the case's details",
        form_class=f.CaseDetailsForm,
        form_kwargs=lambda case: {"case": case},
        button="Save the corrections",
        intro="Put right the family name, the reason for the referral, the family hub or who the children live "
        "with. The stage has its own step, which keeps its history; a manager transfers a case to another "
        "locality or team. The case's history records what changed, from what and to what.",
        call=lambda case, data: services.case_update(case_id=case.pk, by=request.user, **data),
        message="The case's details are saved.",
    )


@login_required
def case_decline(request, case_id):
    return _case_step(
        request,
        case_id,
        step="case_decline",
        title="Decline the referral",
        form_class=f.DeclineForm,
        button="Decline the referral",
        intro="Decline this referral instead of allocating it, and say why. The case is recorded as declined; a "
        f"manager can reopen it within {settings.FGDM_REOPEN_DAYS} days.",
        warning="Declining ends the referral now. Only a manager can reopen it, and only for "
        f"{settings.FGDM_REOPEN_DAYS} days.",
        call=lambda case, data: services.case_decline(case_id=case.pk, by=request.user, reason=data["reason"]),
        message=lambda case: f"The referral {case.reference} is declined.",
    )


@login_required
def case_close(request, case_id):
    return _case_step(
        request,
        case_id,
        step="case_close",
        title="Close the case",
        form_class=f.CloseForm,
        button="Close the case",
        intro="Close the case now, whatever step it is at, and say why. Its open steps are cancelled, support "
        "packages not yet approved are withdrawn and approved ones end: payments not yet sent to the bank are "
        "cancelled (those in a batch or paid are not touched). Only a manager can close a case because no network "
        f"was identified. A manager can reopen the case within {settings.FGDM_REOPEN_DAYS} days.",
        warning="Closing the case cancels its open steps, withdraws or ends its support packages and cancels "
        "payments not yet sent to the bank. Reopening the case does not bring them back.",
        call=lambda case, data: services.case_close(case_id=case.pk, by=request.user, **data),
        message=lambda case: f"{case.reference} is closed: {case.get_close_reason_display().lower()}.",
    )


@login_required
def case_reopen(request, case_id):
    def intro(case):
        until = services.reopen_until(case)
        return {
            "intro": f"{case.get_status_display()} on {case.closed_on:%-d %B %Y}"
            + (f" ({case.get_close_reason_display().lower()})" if case.close_reason else "")
            + ". Reopen it, with the reason, and the work carries on from where it stood"
            + (f". It can be reopened until {until:%-d %B %Y}." if until else ".")
            if case.closed_on
            else "Reopen the case, with the reason."
        }

    return _case_step(
        request,
        case_id,
        step="case_reopen",
        title="Reopen the case",
        form_class=f.ReopenForm,
        button="Reopen the case",
        context=intro,
        call=lambda case, data: services.case_reopen(case_id=case.pk, by=request.user, reason=data["reason"]),
        message=lambda case: f"{case.reference} is reopened: {case.get_status_display().lower()}.",
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
