"""Plumbing between domain services and the viewflow process of a case.

Services decide whether a person may take a step (viewflow does not check when called from code);
these helpers then move the matching workflow task on, under the flow's row lock. They name nodes
by string so that the apps below `fgdm/flows.py` never import it.
"""

from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.exceptions import InvalidTransition

OPEN_STATUSES = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]


def open_task(*, process, node_name: str) -> Task | None:
    """The case's open task at this node, if any."""
    node = getattr(process.flow_class, node_name)
    return Task.objects.filter(process_id=process.pk, flow_task=node, status__in=OPEN_STATUSES).order_by("-id").first()


def complete_task(*, process, node_name: str, by, required: bool = True) -> Task | None:
    """Complete the open task at `node_name` as `by` and let the flow move on.

    The caller (a service) has already checked that `by` may take this step.
    Raises InvalidTransition if the case is not waiting at that step and `required` is set.
    """
    if process is None:
        raise InvalidTransition("This case has no workflow.")
    flow_class = process.flow_class
    node = getattr(flow_class, node_name)
    with flow_class.lock(process.pk):
        task = open_task(process=process, node_name=node_name)
        if task is None:
            if required:
                raise InvalidTransition(f"The case is not waiting for “{node_name.replace('_', ' ')}”.")
            return None
        activation = node.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(by)
            task.assigned = timezone.now()
        elif task.owner_id != by.pk:
            task.owner = by  # the person who did the work is the one on record
        if task.status == STATUS.ASSIGNED:
            activation.start(None)
        activation.execute()
    return task


def assign_task(*, task: Task, to) -> Task:
    """Take a task from the queue. The caller has checked that `to` may take it."""
    node = task.flow_task
    with node.flow_class.lock(task.process_id):
        task.refresh_from_db()
        if task.status != STATUS.NEW:
            raise InvalidTransition("This task has already been taken.")
        node.activation_class(task).assign(to)
        task.assigned = timezone.now()
        task.save(update_fields=["assigned"])
    return task


def reassign_open_tasks(*, process, from_user, to_user) -> int:
    """Hand a person's open tasks on a case to someone else (a case moved to a new lead)."""
    if process is None or from_user is None:
        return 0
    moved = 0
    with process.flow_class.lock(process.pk):
        for task in Task.objects.filter(process_id=process.pk, owner=from_user, status__in=OPEN_STATUSES):
            task.owner = to_user
            task.save(update_fields=["owner"])
            moved += 1
    return moved
