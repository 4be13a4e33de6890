"""The home page: a person's tasks, the queue they may take from, and finance's other work."""

from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from core.exceptions import DomainError
from core.pages import done, form_page, gate, page, run_service
from core.roles import Role, has_role
from fgdm.selectors import escalated_reviews, exclusions_to_sign_off, outcomes_due
from payments.constants import BatchStatus
from payments.selectors import batch_list, payees_awaiting_verification
from process import selectors, services
from process.forms import TaskReassignForm
from process.routing import task_url


def _task_rows(tasks):
    return [
        {"task": t, "case": getattr(t.process, "case", None), "title": str(t.flow_task.task_title), "url": task_url(t)}
        for t in tasks
    ]


def _finance_work(user) -> dict:
    """What waits for a finance officer besides workflow tasks: bank details to verify and batches."""
    batches = list(batch_list(user=user).exclude(status=BatchStatus.CONFIRMED)[:50])
    return {
        "to_verify": list(payees_awaiting_verification(user=user)[:50]),
        "batches_to_approve": [b for b in batches if b.status == BatchStatus.OPEN and b.created_by_id != user.pk],
        "batches_waiting": [b for b in batches if not (b.status == BatchStatus.OPEN and b.created_by_id != user.pk)],
    }


@login_required
def home(request, error=None, status=200):
    tasks = list(
        selectors.task_list(user=request.user).prefetch_related(
            "process__case__meetings", "process__case__plans", "process__case__packages"
        )
    )
    mine = [t for t in tasks if t.owner_id == request.user.pk]
    available = [t for t in tasks if t.owner_id is None]
    context = {
        "title": "My tasks",
        "mine": _task_rows(mine),
        "available": _task_rows(available),
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
    return done(request, f"“{task.flow_task.task_title}” is now yours.", task_url(task))


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
                f"“{task.flow_task.task_title}” is now {to.get_full_name() or to.get_username()}'s.",
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
            "intro": f"“{task.flow_task.task_title}”, now with {owner}. The person you choose has it at once.",
            "back": reverse("fgdm:case_detail", args=[case.pk]),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_safe
def caseload(request):
    """Managers: their teams' cases and open tasks per practitioner and coordinator, overdue marked."""
    gate(request, "caseload_view")
    return page(request, "process/caseload.html", {"title": "Caseload", "rows": selectors.caseload(user=request.user)})
