"""Writes of the workflow itself: taking a task from the queue, handing one to someone else."""

from django.db import transaction
from viewflow.workflow.models import Task

from audit.services import record_event
from core import notify
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken
from core.roles import Role, ensure_may, has_role, held_permissions
from core.workflow import assign_task, reassign_task
from fgdm.models import Case
from fgdm.permissions import ensure_can_manage_case, ensure_no_conflict
from fgdm.visibility import case_scope, sees_whole_case
from process.flows import CaseFlow
from process.selectors import reassignable_task_get, takeable_task_get


def task_assign(*, task_id: int, by):
    """Take a task from the queue (the page and the API call this; the check is here for both).

    Raises NotPermitted (the person's role takes no tasks, or cannot do that step), InvalidTransition
    (already theirs; already taken), Http404 (not in their inbox or queue).
    """

    task = takeable_task_get(user=by, task_id=task_id)
    ensure_may(by, "task_assign")
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


def _may_work_on(person, node, case) -> bool:
    """Finance's task goes to a finance officer; a conference's tasks to someone who sees the case
    (its coordinator too); every other task to someone who sees the whole case."""
    if node is CaseFlow.authorise_payments:
        return has_role(person, Role.FINANCE_OFFICER)
    if node in (CaseFlow.prepare_network, CaseFlow.hold_meeting):
        return Case.objects.filter(case_scope(person), pk=case.pk).exists()
    return sees_whole_case(person, case)


@transaction.atomic
def task_reassign(*, task_id: int, by, to, reason: str = "") -> Task:
    """A manager over the case hands one of its open tasks to someone else, who has it at once (a
    practitioner is off; a conference moves to another coordinator's diary).

    The new owner must be able to see the case and hold the task's permission, and has no conflict
    in it. Raises NotPermitted (not a manager over the case; the new owner may not do this task),
    RuleBroken (already theirs), InvalidTransition (the task is no longer open).
    """
    task = reassignable_task_get(user=by, task_id=task_id)
    case = task.process.case
    ensure_can_manage_case(by, case)
    if to is None or not to.is_active:
        raise RuleBroken("Name an active person to hand the task to.", field="to")
    if task.owner_id == to.pk:
        raise RuleBroken(f"The task is already {to.get_username()}'s.", field="to")
    if task.owner_permission and task.owner_permission not in held_permissions(to):
        raise NotPermitted(f"{to.get_username()}'s role cannot do “{task.flow_task.task_title}”.")
    if not _may_work_on(to, task.flow_task, case):
        raise NotPermitted(f"{to.get_username()} does not work on this family's case.")
    ensure_no_conflict(to, case.pk)
    previous = task.owner
    reassign_task(task=task, to=to)
    event = record_event(
        obj=task,
        action="task_reassigned",
        by=by,
        case_id=case.pk,
        reason=reason.strip(),
        changes={
            "task": task.flow_task.name,
            "owner": [previous.get_username() if previous else "", to.get_username()],
        },
    )
    notify.announce(
        "task_assigned", key=f"task-assigned:{event.pk}", user_id=to.pk, case_id=case.pk, task=task.flow_task.task_title
    )
    return task
