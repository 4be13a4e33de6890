"""The home page: a person's tasks, the queue they may take from, and finance's other work."""

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from core.exceptions import DomainError
from core.pages import done, form_page, gate, page, run_service
from core.paging import IdsFirstPaginator, RowsWithCountPaginator
from core.roles import Role, has_role, may, role_names
from fgdm.selectors import escalated_reviews, exclusions_to_sign_off, outcomes_due
from payments import selectors as payment_selectors
from payments.selectors import payees_awaiting_verification
from process import labels, selectors, services
from process.forms import TaskReassignForm
from process.routing import task_url

# Rows on a page of each queue on the home page: a page never draws more than this many.
PAGE_SIZE = 25
# People on a page of the caseload.
CASELOAD_PAGE_SIZE = 50
# The GET parameter of each paginated list on the home page ("page" for the person's own tasks).
PAGE_PARAMS = {"mine": "page", "available": "available_page", "batches": "batches_page", "to_verify": "verify_page"}

# What the step links of a page of tasks read (routing.task_url): loaded for the page's rows only.
TASK_PREFETCH = ("process__case__meetings", "process__case__plans", "process__case__packages")


def _page(request, queryset, key: str, paginator=Paginator):
    """One page of a queryset (counted with one COUNT, read with one LIMIT), and the query string
    that keeps the other lists' pages when this one's page changes."""
    param = PAGE_PARAMS[key]
    shown = paginator(queryset, PAGE_SIZE).get_page(request.GET.get(param))
    query = request.GET.copy()
    query.pop(param, None)
    return {"page": shown, "rows": shown.object_list, "param": param, "query": query.urlencode()}


def _task_rows(tasks):
    """A page of tasks as rows in words, each with where its step is done. Only steps this person's
    role may take reach here (selectors.my_tasks / tasks_to_take filter in SQL, labels.may_take)."""
    return [
        {
            "task": t,
            "case": getattr(t.process, "case", None),
            "title": labels.task_name(t),
            "url": task_url(t),
        }
        for t in tasks
    ]


def _task_page(request, queryset, key: str, paginator=Paginator) -> dict:
    shown = _page(request, queryset.prefetch_related(*TASK_PREFETCH), key, paginator)
    shown["rows"] = _task_rows(shown["rows"])
    return shown


def _finance_work(request) -> dict:
    """What waits for a finance officer besides workflow tasks: bank details to verify and batches
    in progress (first those this officer may approve: the service's four-eyes rule, in SQL)."""
    user = request.user
    to_approve = payment_selectors.batches_to_approve(user=user)
    batches = payment_selectors.batches_in_progress(user=user).annotate(
        may_approve=Exists(to_approve.filter(pk=OuterRef("pk")))
    )
    return {
        "to_verify": _page(request, payees_awaiting_verification(user=user), "to_verify"),
        "batches": _page(request, batches.order_by("-may_approve", "-created_at", "-id"), "batches"),
    }


def _only_auditor(user) -> bool:
    return role_names(user) == {Role.AUDITOR}


@login_required
def home(request, error=None, status=200):
    if _only_auditor(request.user) and request.method != "POST":
        # An auditor takes no steps: they land on the case search, not on an empty task list.
        return redirect("fgdm:case_list")
    context = {
        "title": "My tasks",
        "mine": _task_page(request, selectors.my_tasks(user=request.user), "mine"),
        # The queue is joined to each task's case (visibility): its page is read by ids first, so only
        # index entries are sorted, not every candidate task row (core.paging).
        "available": _task_page(request, selectors.tasks_to_take(user=request.user), "available", IdsFirstPaginator),
        "may_take": may(request.user, "task_assign"),
        "errors": [{"href": "", "text": error}] if error else [],
        "is_finance": has_role(request.user, Role.FINANCE_OFFICER),
    }
    if context["is_finance"]:
        context.update(_finance_work(request))
    context["escalated_reviews"] = escalated_reviews(user=request.user)
    # Outcome checks after closure fall due on their day (the case's process has ended: not flow tasks).
    context["outcomes_due"] = list(outcomes_due(user=request.user)[:50])
    context["exclusions_to_sign_off"] = exclusions_to_sign_off(user=request.user)
    return page(request, "process/home.html", context, status=status)


@login_required
@require_POST
def task_take(request, task_id):
    selectors.takeable_task_get(user=request.user, task_id=task_id)
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
    # A page of people (a county's manager sees hundreds, England's service manager a thousand): the
    # page's people are decided and counted in SQL first, then their figures are counted live, in
    # SQL, for them only, so open work (tasks, what is overdue) is right to the minute.
    # The page's people come with their count in one statement: each person is tested (leads, coordinates,
    # holds) to be ordered, and a COUNT then a LIMIT would test them all twice.
    shown = RowsWithCountPaginator(selectors.caseload_people(user=request.user), CASELOAD_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = selectors.caseload_rows(user=request.user, people=shown.object_list)
    # Each row's links, built here once a row (as the template's urlencode filter writes them), not
    # reversed six times a row by the template.
    caseload_url, cases_url = reverse("process:caseload"), reverse("fgdm:case_list")
    for row in rows:
        username = quote(row["person"].get_username(), safe="/")
        row["url"] = f"{caseload_url}?person={username}"
        row["open_cases_url"] = f"{cases_url}?lead={username}&status=open"
    query = request.GET.copy()
    query.pop("page", None)
    people = {"page": shown, "rows": rows, "param": "page", "query": query.urlencode()}
    return page(request, "process/caseload.html", {"title": "Caseload", "rows": rows, "people": people})
