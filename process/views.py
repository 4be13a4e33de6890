"""The home page: a person's tasks, the queue they may take from, and finance's other work."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from core.exceptions import DomainError
from core.pages import done, form_page, gate, page, run_service
from core.roles import Role, has_role, may, role_names
from fgdm.selectors import escalated_reviews, exclusions_to_sign_off, outcomes_due
from payments.constants import BatchStatus
from payments.selectors import batch_list, payees_awaiting_verification
from payments.views.batches import may_take_batch_step
from process import labels, selectors, services
from process.forms import TaskReassignForm
from process.routing import task_url


def _task_rows(user, tasks):
    """The tasks as rows in words, each with a link only when this person's role may take its step
    (the check its page makes first); a task they cannot take is not offered."""
    return [
        {
            "task": t,
            "case": getattr(t.process, "case", None),
            "title": labels.task_name(t),
            "url": task_url(t),
        }
        for t in tasks
        if labels.may_take(user, t)
    ]


def _finance_work(user) -> dict:
    """What waits for a finance officer besides workflow tasks: bank details to verify and batches
    (a batch to approve only when this officer may: the service's four-eyes rule)."""
    batches = list(batch_list(user=user).exclude(status=BatchStatus.CONFIRMED)[:50])
    to_approve = [b for b in batches if may_take_batch_step(user, b, "approve")]
    return {
        "to_verify": list(payees_awaiting_verification(user=user)[:50]),
        "batches_to_approve": to_approve,
        "batches_waiting": [b for b in batches if b not in to_approve],
    }


def _only_auditor(user) -> bool:
    return role_names(user) == {Role.AUDITOR}


@login_required
def home(request, error=None, status=200):
    if _only_auditor(request.user) and request.method != "POST":
        # An auditor takes no steps: they land on the case search, not on an empty task list.
        return redirect("fgdm:case_list")
    tasks = list(
        selectors.task_list(user=request.user).prefetch_related(
            "process__case__meetings", "process__case__plans", "process__case__packages"
        )
    )
    mine = [t for t in tasks if t.owner_id == request.user.pk]
    available = [t for t in tasks if t.owner_id is None]
    context = {
        "title": "My tasks",
        "mine": _task_rows(request.user, mine),
        "available": _task_rows(request.user, available),
        "may_take": may(request.user, "task_assign"),
        "errors": [{"href": "", "text": error}] if error else [],
        "is_finance": has_role(request.user, Role.FINANCE_OFFICER),
    }
    if context["is_finance"]:
        context.update(_finance_work(request.user))
    context["escalated_reviews"] = escalated_reviews(user=request.user)
    # Outcome checks after closure fall due on their day (the case's process has ended: not flow tasks).
    context["outcomes_due"] = list(outcomes_due(user=request.user)[:50])
    context["exclusions_to_sign_off"] = exclusions_to_sign_off(user=request.user)
    return page(request, "process/home.html", context, status=status)


@login_required
@require_POST
def task_take(request, task_id):
    selectors.task_get(user=request.user, task_id=task_id)
    gate(request, "task_assign")
    try:
        task = services.task_assign(task_id=task_id, by=request.user)
    except DomainError as exc:
        return home(request, error=exc.message, status=400)
    return done(request, f"“{labels.task_name(task)}” is now yours.", task_url(task))


@login_required
def task_reassign(request, task_id):
    """A manager hands one of a case's open tasks to someone else, who has it at once."""
    task = selectors.reassignable_task_get(user=request.user, task_id=task_id)
    gate(request, "task_reassign")
    case = task.process.case
    form = TaskReassignForm(
        request.POST if request.method == "POST" else None,
        people=selectors.people_for_task(task=task),
    )
    if request.method == "POST":
        reassigned = run_service(
            form,
            lambda data: services.task_reassign(task_id=task.pk, by=request.user, to=data["to"], reason=data["reason"]),
        )
        if reassigned:
            to = form.cleaned_data["to"]
            return done(
                request,
                f"“{labels.task_name(task)}” is now {to.get_full_name() or to.get_username()}'s.",
                reverse("fgdm:case_detail", args=[case.pk]),
            )
    owner = task.owner.get_full_name() or task.owner.get_username() if task.owner_id else "nobody yet"
    return form_page(
        request,
        title="Hand a task to someone else",
        caption=f"{case.reference} — {case.family_name} family",
        form=form,
        button="Hand it over",
        context={
            "intro": f"“{labels.task_name(task)}”, now with {owner}. The person you choose has it at once.",
            "back": reverse("fgdm:case_detail", args=[case.pk]),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_safe
def caseload(request):
    """Managers: per practitioner and coordinator of their teams, open cases, meetings to hold, open
    tasks and what is overdue — each figure a link to what lies behind it (?person=<username>)."""
    gate(request, "caseload_view")
    username = request.GET.get("person", "")[:150]
    if username:
        person = selectors.caseload_person(user=request.user, username=username)
        person["task_rows"] = [
            {"task": t, "title": labels.task_name(t), "case": getattr(t.process, "case", None)}
            for t in person["task_list"]
        ]
        title = f"Caseload: {person['person'].get_full_name() or person['person'].get_username()}"
        return page(request, "process/caseload_person.html", {"title": title, "row": person})
    return page(request, "process/caseload.html", {"title": "Caseload", "rows": selectors.caseload(user=request.user)})
