"""Reads of the workflow: a person's inbox and the queue of tasks they may take."""

from django.db.models import Q, QuerySet
from django.http import Http404
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.roles import held_permissions
from core.workflow import OPEN_STATUSES
from fgdm.models import Case
from fgdm.visibility import case_scope


def task_list(*, user) -> QuerySet:
    """The user's workflow tasks: their inbox (assigned to them) and the queue they may take.

    The queue holds unassigned tasks whose node permission the user's role gives, on cases the
    user may see; finance tasks (authorising payments) are not tied to case visibility.
    """

    if not user.is_authenticated:
        return Task.objects.none()
    # The roles' permissions only: an administrator (superuser) takes no casework tasks.
    perms = held_permissions(user)
    visible_processes = Case.objects.filter(case_scope(user)).values("process_id")
    queue = Q(status=STATUS.NEW, owner__isnull=True, owner_permission__in=perms) & (
        Q(process_id__in=visible_processes) | Q(owner_permission="payments.authorise_payment")
    )
    inbox = Q(status__in=[STATUS.ASSIGNED, STATUS.STARTED], owner=user)
    return (
        Task.objects.filter(inbox | queue).select_related("process__case__locality", "owner").order_by("created", "id")
    )


def task_get(*, user, task_id):
    try:
        return task_list(user=user).get(pk=task_id)
    except Exception:
        raise Http404("No such task.")


def reassignable_task_get(*, user, task_id):
    """An open task of a case the user may see (a manager hands it on), else Http404."""
    visible_processes = Case.objects.filter(case_scope(user)).values("process_id")
    try:
        return (
            Task.objects.select_related("process__case", "owner")
            .filter(process_id__in=visible_processes, status__in=OPEN_STATUSES)
            .get(pk=task_id)
        )
    except (Task.DoesNotExist, ValueError, TypeError):
        raise Http404("No such task.")


def people_for_task(*, task) -> QuerySet:
    """Who a manager may hand a task to: active people whose role may do the step and who work on
    the case (finance's task: finance officers), without a declared conflict in it. The service
    checks each choice again."""
    from django.contrib.auth import get_user_model

    from core.roles import Role
    from fgdm.models import CaseUserObjectPermission
    from fgdm.visibility import VIEW_ALL_CASES
    from process.flows import CaseFlow

    User = get_user_model()
    case = task.process.case
    people = User.objects.filter(is_active=True).exclude(declared_conflicts__case=case)
    if task.owner_id:
        people = people.exclude(pk=task.owner_id)
    if task.flow_task is CaseFlow.authorise_payments:
        return people.filter(groups__name=Role.FINANCE_OFFICER).order_by("username").distinct()
    if task.owner_permission:
        app, codename = task.owner_permission.split(".")
        people = people.filter(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app)
    app, codename = VIEW_ALL_CASES.split(".")
    works_on = (
        Q(teams__localities=case.locality)
        | Q(managed_teams__localities=case.locality)
        | Q(pk=case.lead_practitioner_id)
        | Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app)
    )
    if task.flow_task in (CaseFlow.prepare_network, CaseFlow.hold_meeting):
        works_on |= Q(pk__in=CaseUserObjectPermission.objects.filter(content_object=case).values("user_id"))
    return people.filter(works_on).order_by("username").distinct()


def caseload(*, user) -> list[dict]:
    """The caseload of the teams a manager manages (every team for those who see every locality):
    per practitioner and coordinator, their open cases as lead, their open tasks, and overdue reviews
    (escalated and not yet done). A fixed number of queries, whatever the size of the teams."""
    from django.db.models import Count

    from fgdm.constants import ENDED_STATUSES
    from fgdm.models import ReviewEscalation, Team
    from fgdm.visibility import sees_every_case

    teams = Team.objects.all() if sees_every_case(user) else Team.objects.filter(managers=user)
    teams = list(teams.prefetch_related("members").order_by("name"))
    people = {}
    for team in teams:
        for person in team.members.all():
            people.setdefault(person.pk, {"person": person, "teams": [], "cases": [], "tasks": 0, "overdue": 0})
            people[person.pk]["teams"].append(team.name)
    cases = (
        Case.objects.filter(case_scope(user), lead_practitioner_id__in=people)
        .exclude(status__in=ENDED_STATUSES)
        .only("id", "reference", "family_name", "status", "lead_practitioner_id")
        .order_by("reference")
    )
    overdue = set(
        ReviewEscalation.objects.filter(resolved_at__isnull=True, case__in=cases).values_list("case_id", flat=True)
    )
    for case in cases:
        case.review_overdue = case.pk in overdue
        people[case.lead_practitioner_id]["cases"].append(case)
        people[case.lead_practitioner_id]["overdue"] += case.review_overdue
    visible_processes = Case.objects.filter(case_scope(user)).values("process_id")
    tasks = (
        Task.objects.filter(owner_id__in=people, status__in=OPEN_STATUSES, process_id__in=visible_processes)
        .values("owner_id")
        .annotate(count=Count("id"))
    )
    for row in tasks:
        people[row["owner_id"]]["tasks"] = row["count"]
    return sorted(people.values(), key=lambda row: row["person"].get_full_name() or row["person"].get_username())
