"""Support package pages: draft, edit, change, show, submit, approve, return, withdraw, end, pause,
review. One service per POST."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from core import workflow
from core.forms import EmptyForm, NoteForm, ReasonForm, wants_another_row
from core.pages import allowed, done, form_page, gate, page, run_service, sections_for
from fgdm.constants import PlanStatus
from fgdm.permissions import ensure_can_work_case
from fgdm.selectors import case_get, case_get_whole, member_get
from network_packages import forms as f
from network_packages import payees, selectors, services
from network_packages.constants import (
    CARE_CATEGORIES,
    TIER_ORDER,
    ApprovalTier,
    OtherFunding,
    PackageStatus,
    ReviewDecision,
)
from network_packages.selectors import suppliers_to_choose
from network_packages.services import ItemInput, SafetyAnswerInput


def _item_inputs(items) -> list[ItemInput]:
    return [
        ItemInput(
            description=i.cleaned_data["description"],
            category=i.cleaned_data["category"],
            payee_id=i.cleaned_data["payee"][0],
            supplier_id=i.cleaned_data["payee"][1],
            amount=i.cleaned_data["amount"],
            frequency=i.cleaned_data["frequency"],
            instalments=i.cleaned_data["instalments"],
            plan_action_id=i.cleaned_data.get("plan_action"),
            starts_on=i.cleaned_data.get("starts_on"),
            hours_per_day=i.cleaned_data.get("hours_per_day"),
        )
        for i in items.forms
        if i.cleaned_data
    ]


def _means_and_funding(data) -> dict:
    """The package form's decision on means and the funding checked, as service arguments."""
    return {
        "means_decision": data["means_decision"] or None,
        "means_reason": data["means_reason"],
        "other_funding_sources": data["other_funding_sources"],
    }


def _item_initial(package, actions) -> list[dict]:
    """The rows of a package's items, to start the form of an edit or a change from."""
    action_ids = {a.pk for a in actions}
    return [
        {
            "description": i.description,
            "category": i.category,
            "payee": f.supplier_choice(i.supplier_id) if i.supplier_id else str(i.payee_id),
            "amount": i.amount,
            "frequency": i.frequency,
            "instalments": i.instalments,
            "starts_on": i.starts_on,
            "hours_per_day": i.hours_per_day,
            "plan_action": i.plan_action_id if i.plan_action_id in action_ids else None,
        }
        for i in package.items.order_by("id")
    ]


def _package_form(request, case, *, title, button, call, message, previous=None, editing=None):
    """The package form: its details and any number of items ("Add another item" gives one more
    row without JavaScript), each paid to an eligible member or a supplier. `previous`: the
    approved version a change starts from; `editing`: the draft or returned package edited."""
    plan = case.plans.filter(status=PlanStatus.ACCEPTED).order_by("-version").first()
    if plan is None and editing is not None:
        plan = editing.plan
    payees = [m for m in case.network_members.current().order_by("full_name") if m.payment_eligible]
    suppliers = suppliers_to_choose(user=request.user)
    actions = list(plan.actions.order_by("id")) if plan else []
    form_kwargs = {"payees": payees, "suppliers": suppliers, "actions": actions}
    bound = request.POST if request.method == "POST" else None
    if wants_another_row(request, "add_item"):
        # "Add another item": the form again as typed, unchecked, with one more row. Nothing is saved.
        form = f.PackageForm(
            initial=request.POST.dict() | {"other_funding_sources": request.POST.getlist("other_funding_sources")}
        )
        items = f.item_rows_plus_one(request.POST, form_kwargs=form_kwargs)
        bound = None
    else:
        start_from = editing or previous
        initial, item_initial = None, [{}]
        if start_from is not None and bound is None:
            initial = {
                "justification": start_from.justification,
                "other_funding_checked": start_from.other_funding_checked,
                "agreement_signed_on": start_from.agreement_signed_on,
                "review_by": start_from.review_by,
                "other_funding_sources": list(start_from.other_funding_sources),
                "means_decision": start_from.means_decision,
                "means_reason": start_from.means_reason,
            }
            item_initial = _item_initial(start_from, actions)
        form = f.PackageForm(bound, initial=initial)
        items = f.ItemFormSet(
            bound, prefix="items", initial=item_initial if bound is None else None, form_kwargs=form_kwargs
        )
    if bound is not None:
        package = run_service(form, lambda data: call(plan, data, _item_inputs(items)), formsets=[items])
        if package:
            return done(request, message(package), reverse("network_packages:package_detail", args=[package.pk]))
    back = editing or previous
    return form_page(
        request,
        title=title,
        caption=f"{case.reference} — {case.family_name} family",
        form=form,
        formsets=[items],
        button=button,
        template="network_packages/package_new.html",
        context={
            "case": case,
            "plan": plan,
            "items": items,
            "payees": payees,
            "suppliers": suppliers,
            "previous": previous,
            "editing": editing,
            "back": reverse("network_packages:package_detail", args=[back.pk])
            if back
            else reverse("fgdm:case_detail", args=[case.pk]),
        },
        status=400 if bound is not None else 200,
    )


@login_required
def package_new(request, case_id):
    case = case_get(user=request.user, case_id=case_id)
    gate(request, "package_create")
    return _package_form(
        request,
        case,
        title="Draft a support package",
        button="Save the draft package",
        call=lambda plan, data, items: services.package_create(
            case_id=case.pk,
            by=request.user,
            plan_id=plan.pk if plan else None,
            justification=data["justification"],
            other_funding_checked=data["other_funding_checked"],
            agreement_signed_on=data["agreement_signed_on"],
            review_by=data["review_by"],
            items=items,
            **_means_and_funding(data),
        ),
        message=lambda package: (
            f"The draft package is saved (total £{package.total:,.2f}). Check it, then submit it for approval."
        ),
    )


@login_required
def package_edit(request, package_id):
    """Edit a draft or a returned package (its details and items), to submit it (again)."""
    package = selectors.package_get(user=request.user, package_id=package_id)
    gate(request, "package_update")
    if request.method != "POST" and not _may_edit(request.user, package):
        return _not_now(
            request, package, title=f"Edit support package, version {package.version}", why=_why_not_edit(package)
        )
    return _package_form(
        request,
        package.case,
        title=f"Edit support package, version {package.version}",
        button="Save the changes",
        editing=package,
        call=lambda plan, data, items: services.package_update(
            package_id=package.pk,
            by=request.user,
            plan_id=plan.pk if plan else package.plan_id,
            justification=data["justification"],
            other_funding_checked=data["other_funding_checked"],
            agreement_signed_on=data["agreement_signed_on"],
            review_by=data["review_by"],
            items=items,
            **_means_and_funding(data),
        ),
        message=lambda p: (
            f"The changes are saved (total £{p.total:,.2f}). "
            + (
                "Submit it again when it is ready."
                if p.status == PackageStatus.RETURNED
                else "Submit it when it is ready."
            )
        ),
    )


@login_required
def package_change(request, package_id):
    """Change an approved package: a new version, approved again before it replaces this one."""
    previous = selectors.package_get(user=request.user, package_id=package_id)
    gate(request, "package_revise")
    return _package_form(
        request,
        previous.case,
        title=f"Change support package, version {previous.version}",
        button="Save the new version as a draft",
        previous=previous,
        call=lambda plan, data, items: services.package_revise(
            package_id=previous.pk,
            by=request.user,
            plan_id=plan.pk if plan else None,
            justification=data["justification"],
            other_funding_checked=data["other_funding_checked"],
            agreement_signed_on=data["agreement_signed_on"],
            review_by=data["review_by"],
            items=items,
            **_means_and_funding(data),
        ),
        message=lambda package: (
            f"Version {package.version} is saved as a draft (total £{package.total:,.2f}). "
            f"Version {previous.version} stays in force until the new one is approved."
        ),
    )


def _may_edit(user, package) -> bool:
    """Whether to offer "Edit": a draft or returned package of a case this person works on."""
    return services.package_is_editable(package) and allowed(ensure_can_work_case, user, package.case)


def _review_open(user, package) -> bool:
    """Whether to offer the review: an approved package whose review the flow waits for, on a case
    this person works on (the same checks as package_review)."""
    return (
        package.status == PackageStatus.APPROVED
        and allowed(ensure_can_work_case, user, package.case)
        and workflow.waiting_for(process=package.case.process, action="package_reviewed", package=package)
    )


def _decision(user, package) -> dict | None:
    """What the approval panel tells this person: their tier and limit, and whether approving now
    approves the package or endorses it up to the next tier. None for people who cannot decide."""
    tier, limit, unlimited = services.approver_limit(user)
    if tier is None or package.status != PackageStatus.SUBMITTED:
        return None
    if package.current_tier and TIER_ORDER.index(tier) < TIER_ORDER.index(package.current_tier):
        return None  # already endorsed at this tier: it waits for someone higher
    escalates = not unlimited and limit is not None and package.total > limit
    next_tier = TIER_ORDER[TIER_ORDER.index(tier) + 1] if escalates and tier != TIER_ORDER[-1] else None
    return {
        "tier": ApprovalTier(tier).label,
        "limit": limit,
        "unlimited": unlimited,
        "escalates": escalates,
        "next_tier": ApprovalTier(next_tier).label.lower() if next_tier else "",
    }


def _payee_rules(request, package, forms) -> dict:
    """What the page shows of the payee rules: the decision on means, the funding checked, the
    safety prompts and their answers (a form to answer them while the package can be edited), the
    checks on members paid for childcare or care and, while it waits, what approval still needs."""
    prompts = payees.safety_prompts(package)
    items = list(package.items.all())
    carers = {i.payee_id: i.payee for i in items if i.payee_id and i.category in CARE_CATEGORIES}
    checks = payees.latest_checks(carers)
    can_answer = prompts and _may_edit(request.user, package)
    return {
        "funding_sources": [
            OtherFunding(code).label for code in package.other_funding_sources if code in OtherFunding.values
        ],
        "prompts": prompts,
        "safety_form": (forms.get("safety_form") or f.SafetyAnswersForm(prompts=prompts)) if can_answer else None,
        "carers": [{"member": member, "checks": checks.get(pk, [])} for pk, member in carers.items()],
        "checks_needed": payees.check_label(payees.policy()),
        "still_needed": services.payee_rules_refusals(package) if package.status == PackageStatus.SUBMITTED else [],
    }


def _page(request, package, *, status=200, **forms):
    context = {
        "title": f"Support package, version {package.version}",
        "caption": f"{package.case.reference} — {package.case.family_name} family",
        "package": package,
        "items": list(package.items.all()),
        "approvals": list(package.approvals.select_related("approver").order_by("at")),
        "decision": _decision(request.user, package) if _may_decide(request.user, package) else None,
        "budget": selectors.budget_position(package=package),
        "can_work": allowed(ensure_can_work_case, request.user, package.case),
        "can_edit": _may_edit(request.user, package),
        "submission_waits_for": selectors.submission_waits_for(package)
        if package.status in (PackageStatus.DRAFT, PackageStatus.RETURNED)
        else "",
        "reviews": selectors.package_reviews(package=package),
        "review_open": _review_open(request.user, package),
        "later_versions": list(package.later_versions.exclude(status=PackageStatus.WITHDRAWN).order_by("version")),
        "note_form": forms.get("note_form") or NoteForm(),
        "return_form": forms.get("return_form") or ReasonForm(),
        "withdraw_form": forms.get("withdraw_form") or f.OptionalReasonForm(),
        "end_form": forms.get("end_form") or f.EndForm(),
        "pause_form": forms.get("pause_form") or f.PauseForm(),
        "sections": sections_for("package", request, package=package),
        "submit_form": forms.get("submit_form") or EmptyForm(),
        "all_forms": [form for form in forms.values()],
        "back": reverse("fgdm:case_detail", args=[package.case_id]),
    } | _payee_rules(request, package, forms)
    return page(request, "network_packages/package_detail.html", context, status=status)


@login_required
@require_safe
def package_detail(request, package_id):
    return _page(request, selectors.package_get(user=request.user, package_id=package_id))


def _action(request, package_id, form_class, form_name, call, message, *, step):
    package = selectors.package_get(user=request.user, package_id=package_id)
    gate(request, step)
    form = form_class(request.POST)
    result = run_service(form, lambda data: call(package, data))
    if result:
        return done(request, message(result), reverse("network_packages:package_detail", args=[package.pk]))
    package.refresh_from_db()
    return _page(request, package, status=400, **{form_name: form})


def _approved_message(package) -> str:
    if package.status == PackageStatus.APPROVED:
        return f"The package is approved (£{package.total:,.2f}). Its payments are scheduled for finance to authorise."
    return (
        f"You endorsed the package. Its total (£{package.total:,.2f}) is above your approval limit, so it now "
        f"waits for a {package.get_current_tier_display().lower()}."
    )


@login_required
@require_POST
def package_safety(request, package_id):
    """Answer the safety prompts of a draft or returned package (package_update, the answers only)."""
    package = selectors.package_get(user=request.user, package_id=package_id)
    gate(request, "package_update")
    form = f.SafetyAnswersForm(request.POST, prompts=payees.safety_prompts(package))
    result = run_service(
        form,
        lambda data: services.package_update(
            package_id=package.pk,
            by=request.user,
            safety_answers=[SafetyAnswerInput(**answer) for answer in form.answers()],
        ),
    )
    if result:
        return done(request, "The answers are saved.", reverse("network_packages:package_detail", args=[package.pk]))
    package.refresh_from_db()
    return _page(request, package, status=400, safety_form=form)


def _payee_page(request, member, *, facts_form=None, check_form=None, status=200):
    rules = payees.policy()
    return page(
        request,
        "network_packages/payee.html",
        {
            "title": f"Payee: {member.full_name}",
            "caption": f"{member.case.reference} — {member.get_relationship_display()}",
            "member": member,
            "refusal": member.payment_refusal,
            "checks": list(member.payee_checks.select_related("by")),
            "checks_needed": payees.check_label(rules),
            "policy": rules,
            "can_work": allowed(ensure_can_work_case, request.user, member.case),
            "facts_form": facts_form
            or f.PayeeFactsForm(
                initial={
                    "date_of_birth": member.date_of_birth,
                    "lives_with_child_since": member.lives_with_child_since,
                    "kinship_order": member.kinship_order,
                }
            ),
            "check_form": check_form or f.PayeeCheckForm(),
            "all_forms": [x for x in (facts_form, check_form) if x is not None],
            "back": reverse("fgdm:case_detail", args=[member.case_id]),
        },
        status=status,
    )


def _payee_member(request, member_id):
    """A network member of a case the user sees in full (finance officers and coordinators: 404)."""
    member = member_get(user=request.user, member_id=member_id)
    case_get_whole(user=request.user, case_id=member.case_id)
    return member


@login_required
def payee(request, member_id):
    """Whether a network member may be paid (and why not), the facts the rules read, the checks."""
    member = _payee_member(request, member_id)
    if request.method != "POST":
        return _payee_page(request, member)
    gate(request, "payee_facts_set")
    form = f.PayeeFactsForm(request.POST)
    if run_service(form, lambda data: services.payee_facts_set(member_id=member.pk, by=request.user, **data)):
        return done(request, "The payee facts are saved.", reverse("network_packages:payee", args=[member.pk]))
    return _payee_page(request, member, facts_form=form, status=400)


@login_required
@require_POST
def payee_check(request, member_id):
    member = _payee_member(request, member_id)
    gate(request, "payee_check_record")
    form = f.PayeeCheckForm(request.POST)
    if run_service(form, lambda data: services.payee_check_record(member_id=member.pk, by=request.user, **data)):
        return done(request, "The check is recorded.", reverse("network_packages:payee", args=[member.pk]))
    return _payee_page(request, member, check_form=form, status=400)


@login_required
@require_POST
def package_submit(request, package_id):
    return _action(
        request,
        package_id,
        EmptyForm,
        "submit_form",
        lambda p, data: services.package_submit(package_id=p.pk, by=request.user),
        lambda p: "The package is submitted for approval. A team manager decides first.",
        step="package_submit",
    )


def _may_decide(user, package) -> bool:
    """Whether to offer "Approve" and "Return": a submitted package this manager may decide on now
    (the service's own check: tier, scope, conflict, not the one who drafted or submitted it)."""
    return package.status == PackageStatus.SUBMITTED and allowed(services.ensure_can_decide, user, package)


def _approve_check_page(request, package):
    """GET of the approve step: what approving does, the key facts and "You cannot undo this"."""
    decision = _decision(request.user, package) if _may_decide(request.user, package) else None
    endorse = bool(decision and decision["escalates"])
    facts = [
        ("Case", f"{package.case.reference}, {package.case.family_name} family"),
        ("Package", f"Version {package.version}"),
        ("Total", f"£{package.total:,.2f}"),
        ("Drafted by", package.created_by.get_full_name() or package.created_by.get_username()),
    ]
    if decision:
        facts.append(("You approve as", decision["tier"]))
    budget = selectors.budget_position(package=package)
    return page(
        request,
        "includes/confirm.html",
        {
            "title": "Endorse this package and pass it up?" if endorse else "Approve this package?",
            "caption": f"{package.case.reference} — {package.case.family_name} family",
            "intro": (
                f"Its total is above your approval limit: endorsing it passes it to a {decision['next_tier']} to decide."
                if endorse
                else "Approving it schedules its payments for finance to authorise."
            ),
            "summary": facts,
            "extra_warning": budget.warning if budget and budget.over_budget else "",
            "not_now": ""
            if decision
            else "You cannot approve this package now: "
            + (
                "it is not waiting for a decision."
                if package.status != PackageStatus.SUBMITTED
                else "another manager decides on it (you drafted or submitted it, it waits for another tier, "
                "or you declared a conflict in the case)."
            ),
            "action": reverse("network_packages:package_approve", args=[package.pk]),
            "button": "Yes, endorse the package" if endorse else "Yes, approve the package",
            "form": NoteForm(),
            "cancel": reverse("network_packages:package_detail", args=[package.pk]),
            "back": reverse("network_packages:package_detail", args=[package.pk]),
        },
    )


@login_required
def package_approve(request, package_id):
    """GET: the check page; POST: approve (or endorse up) with the service."""
    if request.method not in ("POST", "GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    if request.method != "POST":
        package = selectors.package_get(user=request.user, package_id=package_id)
        gate(request, "package_approve")
        return _approve_check_page(request, package)
    return _action(
        request,
        package_id,
        NoteForm,
        "note_form",
        lambda p, data: services.package_approve(package_id=p.pk, by=request.user, note=data["note"]),
        _approved_message,
        step="package_approve",
    )


@login_required
@require_POST
def package_return(request, package_id):
    return _action(
        request,
        package_id,
        ReasonForm,
        "return_form",
        lambda p, data: services.package_return(package_id=p.pk, by=request.user, reason=data["reason"]),
        lambda p: "The package is returned to the practitioner with your reasons.",
        step="package_return",
    )


@login_required
@require_POST
def package_withdraw(request, package_id):
    return _action(
        request,
        package_id,
        f.OptionalReasonForm,
        "withdraw_form",
        lambda p, data: services.package_withdraw(package_id=p.pk, by=request.user, reason=data["reason"]),
        lambda p: "The package is withdrawn.",
        step="package_withdraw",
    )


@login_required
@require_POST
def package_end(request, package_id):
    return _action(
        request,
        package_id,
        f.EndForm,
        "end_form",
        lambda p, data: services.package_end(
            package_id=p.pk, by=request.user, reason=data["reason"], last_due_on=data["last_due_on"]
        ),
        lambda p: (
            "The package has ended. Its payments that had not gone to the bank (after the last day "
            "to pay, if you gave one) are cancelled; payments already paid or in a batch stand."
        ),
        step="package_end",
    )


@login_required
@require_POST
def package_pause(request, package_id):
    return _action(
        request,
        package_id,
        f.PauseForm,
        "pause_form",
        lambda p, data: services.package_pause(
            package_id=p.pk,
            by=request.user,
            pause_from=data["pause_from"],
            pause_to=data["pause_to"],
            reason=data["reason"],
        ),
        lambda p: "The payments due in the pause are cancelled; the package continues after it.",
        step="package_pause",
    )


@login_required
def package_review(request, package_id):
    """Review an approved package on its review date: continue to a later review, or end it."""
    package = selectors.package_get(user=request.user, package_id=package_id)
    gate(request, "package_review")
    bound = request.POST if request.method == "POST" else None
    form = f.ReviewForm(bound, initial={"decision": ReviewDecision.CONTINUE})
    if bound is not None:
        review = run_service(
            form,
            lambda data: services.package_review(
                package_id=package.pk,
                by=request.user,
                decision=data["decision"],
                notes=data["notes"],
                next_review_by=data["next_review_by"],
            ),
        )
        if review:
            return done(
                request,
                f"The review is recorded: the package continues until its next review on "
                f"{review.next_review_by:%d/%m/%Y}."
                if review.decision == ReviewDecision.CONTINUE
                else "The review is recorded and the package has ended. Its payments that had not gone to the "
                "bank are cancelled; payments already paid or in a batch stand.",
                reverse("network_packages:package_detail", args=[package.pk]),
            )
    elif not _review_open(request.user, package):
        return _not_now(
            request, package, title=f"Review support package, version {package.version}", why=_why_not_review(package)
        )
    return form_page(
        request,
        title=f"Review support package, version {package.version}",
        caption=f"{package.case.reference} — {package.case.family_name} family",
        form=form,
        button="Record the review",
        template="network_packages/package_step.html",
        context={
            "intro": (
                f"The review was due by {package.review_by:%d/%m/%Y}. Continue the package until a later review, "
                "or end it: its payments that have not gone to the bank are then cancelled."
            ),
            "back": reverse("network_packages:package_detail", args=[package.pk]),
        },
        status=400 if bound is not None else 200,
    )


def _not_now(request, package, *, title, why):
    """A step's page when it cannot be taken now: why (what would make it possible), and no form."""
    return form_page(
        request,
        title=title,
        caption=f"{package.case.reference} — {package.case.family_name} family",
        form=None,
        button="",
        template="network_packages/package_step.html",
        context={"not_now": why, "back": reverse("network_packages:package_detail", args=[package.pk])},
    )


def _why_not_edit(package) -> str:
    return selectors.why_not_editable(package) or "Only the case's practitioners can edit this package."


def _why_not_review(package) -> str:
    if package.status != PackageStatus.APPROVED:
        return f"Only an approved package is reviewed; this one is {package.get_status_display().lower()}."
    due = f" ({package.review_by:%d/%m/%Y})" if package.review_by else ""
    return f"This package's review is not open: it opens on its review date{due}."


def case_section(request, *, case, plans, **objects) -> dict:
    """The case page's support packages, and whether a new one may be drafted (the same rule as the
    service: an accepted plan that needs support, and no other package open on the case)."""
    packages = list(selectors.package_list(user=request.user, case_id=case.pk))
    accepted = any(p.status == PlanStatus.ACCEPTED for p in plans)
    can_draft = (
        accepted
        and bool(case.support_needed)
        and selectors.package_can_be_drafted(case=case, packages=packages)
        and allowed(ensure_can_work_case, request.user, case)
    )
    return {"packages": packages, "can_draft": can_draft}


def review_section(request, *, case, **objects) -> dict:
    """The review page's approved support."""
    return {
        "packages": list(
            selectors.package_list(user=request.user, case_id=case.pk).filter(status=PackageStatus.APPROVED)
        )
    }
