"""The process's side of the workflow port (core.workflow): what each action the domain reports
completes in the case flow, and what follows across apps.

Reactions are the process calling one app because of what another did — never a signal, never
one domain app reaching into another: when a package ends or pauses, payments cancel what has not
gone to the bank; when the last payment of a package is authorised, the case waits for its review.
"""

import datetime

from viewflow.workflow import flow
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.exceptions import InvalidTransition
from core.workflow import (
    OPEN_STATUSES,
    complete_open_task,
    complete_task,
    fire_open_event,
    links_together,
    locked_open_tasks,
    not_now,
    open_task,
    open_tasks_at,
)
from payments import services as payment_services
from process.flows import ALSO_COMPLETES, STEPS, CaseFlow, cancel_open_tasks, known_answers, package_review_moment


def _nodes(action: str, details: dict) -> tuple:
    """The nodes an action may complete, in order of preference."""
    try:
        node = STEPS[action]
    except KeyError:
        raise InvalidTransition(f"The case flow has no step for “{action}”.") from None
    if isinstance(node, dict):  # an approval decision: the task of the tier it was made at
        node = node[details["tier"]]
    return node if isinstance(node, tuple) else (node,)


def _is_event(node) -> bool:
    return isinstance(node, flow.MessageCatch)


def _package_ended(*, by, package, last_due_on: datetime.date | None, reason: str) -> None:
    cancelled = payment_services.payments_cancel_unpaid(
        package=package,
        by=by,
        due_from=last_due_on + datetime.timedelta(days=1) if last_due_on else None,
        reason=f"Package v{package.version} ended: {reason}",
    )
    if cancelled:
        _authorising_done(package=package, by=by)
    _package_reviews_follow(package.case)


def _package_reviews_follow(case) -> None:
    """An ended package has no review of its own to wait for: the package review path's timer
    moves to the next approved package's review date, or stops when none is left."""
    process = case.process
    if process is None:
        return
    with process.flow_class.lock(process.pk):
        moment = package_review_moment(case)
        if moment is None:
            cancel_open_tasks(process, nodes=[CaseFlow.package_review_due])
        else:
            process.task_set.filter(flow_task=CaseFlow.package_review_due, status=STATUS.SCHEDULED).update(
                scheduled=moment
            )


def _package_paused(*, by, package, pause_from: datetime.date, pause_to: datetime.date, reason: str) -> None:
    payment_services.payments_pause(package=package, by=by, pause_from=pause_from, pause_to=pause_to, reason=reason)
    _authorising_done(package=package, by=by)


def _authorising_done(*, package, by) -> None:
    """A package ended or paused outside the case flow: once none of its payments waits to be
    authorised, the flow's "authorise payments" step is done."""
    if not payment_services.payments_waiting_authorisation(package=package):
        complete_task(process=package.case.process, node=CaseFlow.authorise_payments, by=by, required=False)


REACTIONS = {
    "package_ended": _package_ended,
    "package_paused": _package_paused,
}


class CaseWorkflow:
    """Registered with core.workflow when Django starts (process.apps)."""

    def start(self, *, case) -> None:
        CaseFlow.start.run(case=case)

    def advance(self, *, process, action: str, by, required: bool, details: dict) -> None:
        if action in REACTIONS:
            REACTIONS[action](by=by, **details)
            return
        nodes = _nodes(action, details)
        also = ALSO_COMPLETES.get(action)
        # One statement for the lock and the open tasks of the whole step (the task it also completes
        # included); they are looked at again only if completing that one moved the flow on. The
        # links of the tasks both completions make are written together (core.workflow.link).
        with (
            links_together(),
            locked_open_tasks(process=process, nodes=(*nodes, also) if also is not None else nodes) as waiting,
        ):
            if also is not None and also in waiting:
                complete_open_task(waiting[also], by=by)
                waiting = open_tasks_at(process=process, nodes=nodes)
            # The first of the action's nodes the process waits at now.
            node = next((node for node in nodes if node in waiting), nodes[0])
            task = waiting.get(node)
            if task is None:
                if required:
                    raise InvalidTransition(not_now(node))
                return
            known = known_answers(action, process=process, details=details)
            if _is_event(node):
                fire_open_event(task, by=by, known=known)
            else:
                complete_open_task(task, by=by, known=known)

    def waiting_for(self, *, process, action: str, details: dict) -> bool:
        return any(open_task(process=process, node=node) is not None for node in _nodes(action, details))

    def tasks_waiting(self, *, action: str, details: dict):
        return Task.objects.filter(flow_task__in=_nodes(action, details), status__in=OPEN_STATUSES)

    def task_url(self, task) -> str:
        from process.routing import task_url

        return task_url(task)

    def flow_class(self):
        return CaseFlow
