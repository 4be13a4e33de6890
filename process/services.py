"""Writes of the workflow itself: taking a task from the queue."""

from audit.services import record_event
from core.exceptions import InvalidTransition, NotPermitted
from core.roles import held_permissions
from core.workflow import assign_task
from process.selectors import task_get


def task_assign(*, task_id: int, by):
    """Take a task from the queue. Raises NotPermitted if the user's role cannot do that step."""

    task = task_get(user=by, task_id=task_id)
    if task.owner_id == by.pk:
        raise InvalidTransition("This task is already yours.")
    if task.owner_id is not None:
        raise InvalidTransition("This task has already been taken.")
    if task.owner_permission and task.owner_permission not in held_permissions(by):
        raise NotPermitted("Your role cannot take this task.")
    assign_task(task=task, to=by)
    case = getattr(task.process, "case", None)
    record_event(
        obj=task,
        action="task_assigned",
        by=by,
        case_id=case.pk if case else None,
        changes={"task": task.flow_task.name},
    )
    return task
