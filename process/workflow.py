"""The process's side of the workflow port (core.workflow): what each action the domain reports
completes in the case flow, and what follows across apps.

Reactions are the process calling one app because of what another did — never a signal, never
one domain app reaching into another: when a package ends or pauses, payments cancel what has not
gone to the bank; when the last payment of a package is authorised, the case waits for its review.
"""

import datetime

from viewflow.workflow import flow
from viewflow.workflow.models import Task

from core.exceptions import InvalidTransition
from core.workflow import OPEN_STATUSES, complete_task, fire_event, open_task
from payments import services as payment_services
from process.flows import ALSO_COMPLETES, STEPS, CaseFlow, cancel_open_tasks


def _nodes(action: str, details: dict) -> tuple:
    """The nodes an action may complete, in order of preference."""
    try:
        node = STEPS[action]
    except KeyError:
        raise InvalidTransition(f"The case flow has no step for “{action}”.") from None
    if isinstance(node, dict):  # an approval decision: the task of the tier it was made at
        node = node[details["tier"]]
    return node if isinstance(node, tuple) else (node,)


def _open_node(process, action: str, details: dict):
    """The first of the action's nodes the process waits at now (or the first, if none)."""
    nodes = _nodes(action, details)
    for node in nodes:
        if open_task(process=process, node=node) is not None:
            return node
    return nodes[0]


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
    process = package.case.process
    if process is not None:  # an ended package has no review of its own to wait for
        with process.flow_class.lock(process.pk):
            cancel_open_tasks(process, nodes=[CaseFlow.package_review_due])


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
        also = ALSO_COMPLETES.get(action)
        if also is not None:
            complete_task(process=process, node=also, by=by, required=False)
        node = _open_node(process, action, details)
        if _is_event(node):
            fire_event(process=process, node=node, by=by, required=required)
        else:
            complete_task(process=process, node=node, by=by, required=required)

    def waiting_for(self, *, process, action: str, details: dict) -> bool:
        return any(open_task(process=process, node=node) is not None for node in _nodes(action, details))

    def tasks_waiting(self, *, action: str, details: dict):
        return Task.objects.filter(flow_task__in=_nodes(action, details), status__in=OPEN_STATUSES)

    def task_url(self, task) -> str:
        from process.routing import task_url

        return task_url(task)

    def flow_class(self):
        return CaseFlow
