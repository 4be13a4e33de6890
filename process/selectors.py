"""Reads of the workflow: a person's inbox and the queue of tasks they may take."""

from django.db.models import Q, QuerySet
from django.http import Http404
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.roles import Role, held_permissions, may
from core.workflow import OPEN_STATUSES
from fgdm.models import Case
from fgdm.visibility import case_row_scope, case_scope

PAYMENT_AUTHORISATION = "payments.authorise_payment"


def _inbox(*, user) -> QuerySet:
    """Tasks assigned to the user and not finished (the partial index process_task_inbox)."""
    return Task.objects.filter(status__in=[STATUS.ASSIGNED, STATUS.STARTED], owner=user)


def _queue(*, user) -> QuerySet:
    """Unassigned new tasks whose node permission the user's role gives (the partial index
    process_task_queue_covering, process 0005), on cases the user may see; finance tasks (authorising payments) are not
    tied to case visibility. Visibility is tested on each task's case row (case_row_scope): the
    queue is read by its index and joined to its cases, rather than every visible case listed first."""
    # The roles' permissions only: an administrator (superuser) takes no casework tasks.
    perms = held_permissions(user)
    return Task.objects.filter(status=STATUS.NEW, owner__isnull=True, owner_permission__in=perms).filter(
        _case_seen(user) | Q(owner_permission=PAYMENT_AUTHORISATION)
    )


def _case_seen(user) -> Q:
    """A task's case is one the user may see, tested on the case's row found by the task's process:
    one probe of case_process_scope (process, locality, lead, id), which holds all the test reads,
    instead of joining the task to its process and the process to its case row (at England a
    manager's queue holds 4,000 candidate tasks: three index probes and a case row each). A scalar
    subquery (the case, else NULL), not EXISTS: under the OR with finance's tasks PostgreSQL may
    turn an EXISTS into a hashed set of every case the user may see."""
    from django.db.models import OuterRef, Subquery
    from django.db.models.lookups import IsNull

    case = Case.objects.filter(case_row_scope(user), process_id=OuterRef("process_id")).order_by().values("pk")[:1]
    return Q(IsNull(Subquery(case), False))


def _listed(tasks: QuerySet) -> QuerySet:
    return tasks.select_related("process__case__locality", "owner").order_by("created", "id")


def task_list(*, user) -> QuerySet:
    """The user's workflow tasks: their inbox (assigned to them) and the queue they may take.

    The queue holds unassigned tasks whose node permission the user's role gives, on cases the
    user may see; finance tasks (authorising payments) are not tied to case visibility. One
    `id IN (inbox UNION queue)`, each arm read by its own partial index, never an OR over all tasks.
    """
    if not user.is_authenticated:
        return Task.objects.none()
    ids = _inbox(user=user).order_by().values("pk").union(_queue(user=user).order_by().values("pk"))
    return _listed(Task.objects.filter(pk__in=ids))


def task_list_ids(*, user) -> QuerySet:
    """task_list's ids and creation times in its order (created, id), for a page read by ids first
    (core.paging.IdsFirstPaginator): the inbox and the queue, each read by its own partial index
    alone (the queue's covering index, process 0005), as one UNION ALL — the two never share a task
    (assigned or started, against new and unassigned) — ordered and cut at the page's LIMIT before
    any task row is read. Its COUNT is task_list's."""
    if not user.is_authenticated:
        return Task.objects.none().values_list("id", "created")
    inbox = _inbox(user=user).order_by().values_list("id", "created")
    queue = _queue(user=user).order_by().values_list("id", "created")
    return inbox.union(queue, all=True).order_by("created", "id")


def task_list_rows(*, user) -> QuerySet:
    """task_list's tasks as a test of each task row (inbox or queue), for reading a page of them by
    the ids task_list_ids gave: each is read by its key and tested on its own row (an OR over rows,
    fine for a page of ids, never for the whole list — that is task_list's UNION)."""
    if not user.is_authenticated:
        return Task.objects.none()
    return _listed(_inbox(user=user) | _queue(user=user))


def takeable_nodes(*, user) -> list:
    """The flow's person-task nodes whose step this person's role may take (process.labels.may_take,
    asked once per node instead of once per task), for a filter in SQL."""
    from process import labels

    return [node for node, step in labels.TASK_STEPS.items() if may(user, step)]


def my_tasks(*, user) -> QuerySet:
    """The home page's "Assigned to you": the user's inbox, only steps their role may take, oldest
    first. Filtered and ordered in SQL, so a page of it is one LIMIT and its count one COUNT, both
    on the inbox's partial index."""
    if not user.is_authenticated:
        return Task.objects.none()
    return _listed(_inbox(user=user).filter(flow_task__in=takeable_nodes(user=user)))


def tasks_to_take(*, user) -> QuerySet:
    """The home page's "Available to take": unassigned tasks of the queue whose step the user's role
    may take (the same rule as labels.may_take, in SQL), oldest first."""
    if not user.is_authenticated:
        return Task.objects.none()
    return _listed(_queue(user=user).filter(flow_task__in=takeable_nodes(user=user)))


def task_get(*, user, task_id):
    try:
        return task_list(user=user).get(pk=task_id)
    except Exception:
        raise Http404("No such task.")


def takeable_task_get(*, user, task_id):
    """A task the user may take, or could have taken: one of their inbox, or of their queue whatever
    its state now, so that a task someone else has just taken answers "already taken" (409), not
    404, whichever of two requests arrives second. Else Http404 (not theirs to see)."""
    if not user.is_authenticated:
        raise Http404("No such task.")
    visible_processes = Case.objects.filter(case_scope(user)).values("process_id")
    theirs = Q(owner_permission__in=held_permissions(user)) & (
        Q(process_id__in=visible_processes) | Q(owner_permission="payments.authorise_payment")
    )
    try:
        return Task.objects.select_related("process__case", "owner").get(theirs | Q(owner=user), pk=task_id)
    except (Task.DoesNotExist, ValueError, TypeError):
        raise Http404("No such task.")


def reassignable_task_get(*, user, task_id):
    """An open task of a case the user may see (a manager hands it on), else Http404."""
    try:
        return (
            Task.objects.select_related("process__case", "owner")
            .filter(case_row_scope(user, "process__case__"), status__in=OPEN_STATUSES)
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


# -- caseloads --------------------------------------------------------------------------------
# A manager's view of who holds what in their teams. The people are decided first, in SQL, a page of
# them at a time (caseload_people); then each figure is an aggregate in SQL over the cases the
# manager may see (case_scope: their teams' localities, minus any case they declared a conflict in)
# for those people only (caseload_rows: `lead_practitioner_id IN page` and so on, read by the
# indexes on lead, coordinator and holder). A page costs the same handful of queries, and reads the
# same few rows, whatever the number of cases in the service.

CASELOAD_COLUMNS = ("open_cases", "meetings", "tasks", "reviews_overdue", "actions_overdue")


def caseload_cases(*, user) -> QuerySet:
    """The cases a manager's caseload counts: those they may see, of the teams they manage — a team
    the case belongs to, or a locality one of those teams serves. Service managers and heads of
    service: every case they may see.

    Visibility as a test of each case's row (case_row_scope, the same cases as case_scope): the
    caseload reads a few people's cases by their lead, coordinator or holder, and case_scope's UNION
    would first list every case of the manager's localities."""
    from fgdm.models import Team
    from fgdm.visibility import sees_every_case

    cases = Case.objects.filter(case_row_scope(user))
    if sees_every_case(user):
        return cases
    teams = Team.objects.filter(managers=user)
    served = Team.localities.through.objects.filter(team__in=teams).values("locality_id")
    return cases.filter(Q(team__in=teams) | Q(locality_id__in=served))


def _managed_teams(user) -> QuerySet:
    from fgdm.models import Team
    from fgdm.visibility import sees_every_case

    return Team.objects.all() if sees_every_case(user) else Team.objects.filter(managers=user)


def _open(cases) -> QuerySet:
    from fgdm.constants import ENDED_STATUSES

    return cases.exclude(status__in=ENDED_STATUSES)


def _newest_plan(*, accepted: bool = False, case=None) -> QuerySet:
    """The versions of the plan of the case `case` (default OuterRef("pk"), the case of the query
    around), newest first, of its accepted versions if `accepted`: the first is one probe of
    plan_unique_version_per_case (case_id, version), read backwards."""
    from django.db.models import OuterRef

    from fgdm.constants import PlanStatus
    from fgdm.models import FamilyPlan

    plans = FamilyPlan.objects.filter(case_id=OuterRef("pk") if case is None else case)
    if accepted:
        plans = plans.filter(status=PlanStatus.ACCEPTED)
    return plans.order_by("-version")


def _with_review_state(cases, *, today) -> QuerySet:
    """The cases, each with `review_overdue`: its review is overdue — escalated and not resolved (the
    review timer's ReviewEscalation), or the review date of its newest accepted plan has passed. Both
    asked of each case by index (its escalations, its newest accepted plan), never of every plan or
    escalation in the service: the cost follows the cases asked about (a page of people's). The
    estimated cost of a subquery a case can be high (it once set PostgreSQL compiling the query, JIT,
    when the caseload asked it of every open case of the service): the app's connections run with
    JIT off (config.settings, DATABASE_JIT), and these cases are a page's."""
    from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Subquery

    from fgdm.models import ReviewEscalation

    escalated = ReviewEscalation.objects.filter(case_id=OuterRef("pk"), resolved_at__isnull=True)
    due_by = Subquery(_newest_plan(accepted=True).values("review_by")[:1])
    return cases.alias(
        review_escalated=Exists(escalated),
        review_due_by=due_by,
        review_overdue=ExpressionWrapper(Q(review_escalated=True) | Q(review_due_by__lt=today), BooleanField()),
    )


def review_overdue_cases(cases, *, today) -> QuerySet:
    """Open cases whose review is overdue: escalated and not resolved (the review timer's
    ReviewEscalation), or the review date of their newest accepted plan has passed (_with_review_state:
    asked of each of these cases by index)."""
    return _with_review_state(_open(cases), today=today).filter(review_overdue=True)


def with_review_due_by(cases) -> QuerySet:
    """The cases, each with the review date of its newest accepted plan (for a page of them)."""
    from django.db.models import Subquery

    return cases.annotate(review_due_by=Subquery(_newest_plan(accepted=True).values("review_by")[:1]))


def _current_plans(cases) -> QuerySet:
    """The current plan (the newest version, as on the case page) of each open case of `cases`, as a
    subquery of plan ids: one index probe a case."""
    from django.db.models import Subquery

    return (
        _open(cases).order_by().annotate(current_plan=Subquery(_newest_plan().values("pk")[:1])).values("current_plan")
    )


def overdue_actions(cases, *, today) -> QuerySet:
    """Open actions past their date on the current plan (the newest version, as on the case page)
    of open cases: the cases' current plans first (one probe a case), then their actions by plan —
    never every open action or plan of the service."""
    from fgdm.constants import ActionStatus
    from fgdm.models import PlanAction

    return PlanAction.objects.filter(status=ActionStatus.OPEN, due_by__lt=today, plan_id__in=_current_plans(cases))


def _overdue_action_count(*, today):
    """For the case at OuterRef("pk"): how many open actions of its current plan are past their date."""
    from django.db.models import Count, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from fgdm.constants import ActionStatus
    from fgdm.models import PlanAction

    current = Subquery(_newest_plan(case=OuterRef(OuterRef("pk"))).values("pk")[:1])
    counted = (
        PlanAction.objects.filter(plan_id=current, status=ActionStatus.OPEN, due_by__lt=today)
        .order_by()
        .values("plan_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def arranged_meetings(cases) -> QuerySet:
    """Meetings arranged (scheduled or prepared) and not yet held, of open cases."""
    from fgdm.constants import MEETING_ARRANGED
    from fgdm.models import Meeting

    return Meeting.objects.filter(status__in=MEETING_ARRANGED, case__in=_open(cases).order_by().values("pk"))


def open_tasks(cases) -> QuerySet:
    """Open workflow tasks on the cases. Each task's case is looked up by its process (a scalar
    subquery per task, by the unique index on the case's process), for a few people's tasks: as
    `process_id IN (cases)`, PostgreSQL may read every case into a hash first (its estimate of the
    cases left after the conflicts is a guess of half of them)."""
    from django.db.models import OuterRef, Subquery

    case = cases.filter(process_id=OuterRef("process_id")).order_by().values("pk")[:1]
    return (
        Task.objects.filter(status__in=OPEN_STATUSES)
        .alias(counted_case=Subquery(case))
        .filter(counted_case__isnull=False)
    )


def caseload_people(*, user) -> QuerySet:
    """The people of a manager's caseload, in SQL and in the page's order (full name, else username,
    ignoring case): the members of the manager's teams, and anyone who does casework (a
    practitioner or FGC coordinator) and leads an open case counted, coordinates a meeting of one
    not yet held, or holds an open task on a case counted. Finance officers hold payment tasks on
    cases, but they are not casework: they are not listed.

    Each "leads, coordinates, holds" is asked of one person at a time, read by the index on the
    case's lead, the meeting's coordinator or the task's holder, and only of those not already in
    by membership: the list and its count cost the same whatever the number of cases. It is asked as
    a scalar subquery (the first such case, meeting or task), not EXISTS: under an OR, PostgreSQL
    may turn an EXISTS into a hashed set, built by reading every open case, arranged meeting or open
    task of the manager's cases first."""
    from django.contrib.auth import get_user_model
    from django.db.models import CharField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce, Concat, Lower, NullIf, Trim

    from fgdm.models import Team

    User = get_user_model()
    cases = caseload_cases(user=user)
    members = Team.members.through.objects.filter(team__in=_managed_teams(user)).values("user_id")
    casework = User.groups.through.objects.filter(group__name__in=[Role.PRACTITIONER, Role.COORDINATOR]).values(
        "user_id"
    )

    def first(rows: QuerySet) -> Subquery:
        return Subquery(rows.order_by().values("pk")[:1])

    work = {
        "leads": first(_open(cases).filter(lead_practitioner=OuterRef("pk"))),
        "coordinates": first(arranged_meetings(cases).filter(coordinator=OuterRef("pk"))),
        "holds": first(open_tasks(cases).filter(owner=OuterRef("pk"))),
    }
    has_work = Q(leads__isnull=False) | Q(coordinates__isnull=False) | Q(holds__isnull=False)
    # As User.get_full_name (first and last name, stripped), else the username; lower case.
    full_name = Trim(Concat("first_name", Value(" "), "last_name", output_field=CharField()))
    shown_as = Lower(Coalesce(NullIf(full_name, Value("")), "username", output_field=CharField()))
    return (
        User.objects.alias(**work)
        .filter(Q(pk__in=members) | (Q(pk__in=casework) & has_work))
        .alias(shown_as=shown_as)
        .order_by("shown_as", "username")
    )


def caseload_rows(*, user, people, today=None) -> list[dict]:
    """Per person of `people` (a page of caseload_people, in its order): their teams among the
    manager's, open cases as lead, meetings they coordinate that are not yet held, open workflow
    tasks, and — on the cases they lead — reviews and plan actions overdue. Two queries whatever the
    number of cases and people: the figures, each counted over these people's cases only
    (`lead_practitioner_id IN page`, `coordinator_id IN page`, `owner_id IN page`) and sent as one
    UNION ALL; and their teams."""
    from django.db.models import Count, IntegerField, Sum, Value
    from django.utils import timezone

    people = list(people)
    if not people:
        return []
    today = today or timezone.localdate()
    ids = [person.pk for person in people]
    cases = caseload_cases(user=user)
    led = cases.filter(lead_practitioner_id__in=ids)

    def none() -> Value:
        return Value(0, output_field=IntegerField())

    # Each arm: (person, open cases, reviews overdue, actions overdue, meetings, tasks), its own figures
    # counted, the others 0. The cases they lead in one pass over those open cases (case_open_lead),
    # each case's review state and overdue actions asked of it by index.
    led_figures = (
        _with_review_state(_open(led), today=today)
        .alias(overdue_actions=_overdue_action_count(today=today))
        .order_by()
        .values_list("lead_practitioner_id")
        .annotate(
            open_cases=Count("pk"),
            reviews_overdue=Count("pk", filter=Q(review_overdue=True)),
            actions_overdue=Sum("overdue_actions"),
            meetings=none(),
            tasks=none(),
        )
    )
    meetings = (
        arranged_meetings(cases)
        .filter(coordinator_id__in=ids)
        .order_by()
        .values_list("coordinator_id")
        .annotate(a=none(), b=none(), c=none(), n=Count("pk"), d=none())
    )
    tasks = (
        open_tasks(cases)
        .filter(owner_id__in=ids)
        .order_by()
        .values_list("owner_id")
        .annotate(a=none(), b=none(), c=none(), d=none(), n=Count("pk"))
    )
    figures: dict[int, dict] = {}
    for person_id, *counts in led_figures.union(meetings, tasks, all=True):
        if person_id is not None:
            row = figures.setdefault(person_id, dict.fromkeys(CASELOAD_COLUMNS, 0))
            for column, n in zip(
                ("open_cases", "reviews_overdue", "actions_overdue", "meetings", "tasks"), counts, strict=True
            ):
                row[column] += n or 0

    from fgdm.models import Team

    memberships: dict[int, list[str]] = {}
    for person_id, team_name in (
        Team.members.through.objects.filter(team__in=_managed_teams(user), user_id__in=ids)
        .order_by("team__name")
        .values_list("user_id", "team__name")
    ):
        memberships.setdefault(person_id, []).append(team_name)
    return [
        {
            "person": person,
            "teams": memberships.get(person.pk, []),
            **(figures.get(person.pk) or dict.fromkeys(CASELOAD_COLUMNS, 0)),
        }
        for person in people
    ]


def caseload(*, user, today=None) -> list[dict]:
    """Every row of a manager's caseload (caseload_people with caseload_rows): for a page of it,
    paginate caseload_people and pass the page to caseload_rows."""
    return caseload_rows(user=user, people=caseload_people(user=user), today=today)


def caseload_person(*, user, username: str, today=None, limit: int = 100) -> dict:
    """What lies behind one person's caseload figures, as lists (each at most `limit` long), for the
    manager to follow a figure to its cases. Http404 if the person is not in the manager's caseload."""
    from django.utils import timezone

    today = today or timezone.localdate()
    person = caseload_people(user=user).filter(username=username).first()
    if person is None:
        raise Http404("No such person in your teams' caseload.")
    (row,) = caseload_rows(user=user, people=[person], today=today)
    cases = caseload_cases(user=user)
    led = cases.filter(lead_practitioner=person)
    return {
        **row,
        "open_case_list": list(_open(led).order_by("reference")[:limit]),
        "meeting_list": list(
            arranged_meetings(cases).filter(coordinator=person).select_related("case").order_by("scheduled_for")[:limit]
        ),
        "task_list": list(
            open_tasks(cases).filter(owner=person).select_related("process__case").order_by("created", "id")[:limit]
        ),
        "review_list": list(with_review_due_by(review_overdue_cases(led, today=today)).order_by("reference")[:limit]),
        "action_list": list(
            overdue_actions(led, today=today).select_related("plan__case").order_by("due_by", "id")[:limit]
        ),
    }
