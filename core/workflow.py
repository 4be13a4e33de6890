"""The workflow port: how the domain tells the case process what happened.

Domain services never name a workflow node. After a service has checked that a person may take a
step and has changed its records, it says what happened — `advance(process=case.process,
action="plan_accepted", by=user)` — inside its own transaction. The process (the top floor)
registers the handler at start-up; its flow maps each action to the node it completes, and runs
what follows across apps (schedule payments after approval, cancel them when a package ends).

Viewflow does not check permissions when a task is completed from code: the service has already
done so. The helpers at the bottom move a task on under the flow's row lock.
"""

import threading
from contextlib import contextmanager
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models.signals import pre_save
from django.utils import timezone
from viewflow.workflow.lock import lock_scope
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.exceptions import InvalidTransition

OPEN_STATUSES = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]


class Workflow(Protocol):
    """What the process registers (process.workflow.CaseWorkflow)."""

    def start(self, *, case) -> None: ...

    def advance(self, *, process, action: str, by, required: bool, details: dict) -> None: ...

    def waiting_for(self, *, process, action: str, details: dict) -> bool: ...

    def tasks_waiting(self, *, action: str, details: dict): ...

    def task_url(self, task) -> str: ...

    def flow_class(self): ...


_workflow: Workflow | None = None


def register(workflow: Workflow) -> None:
    """Called once by the process app when Django starts."""
    global _workflow
    _workflow = workflow


def _registered() -> Workflow:
    if _workflow is None:
        raise ImproperlyConfigured("No workflow is registered: is the process app in INSTALLED_APPS?")
    return _workflow


def start(*, case) -> None:
    """Start the case's process (a referral has been received)."""
    _registered().start(case=case)


def advance(*, process, action: str, by, required: bool = True, **details) -> None:
    """Tell the process that `action` happened, done by `by`.

    Raises InvalidTransition when `required` and the case is not waiting for that step.
    """
    if process is None:
        raise InvalidTransition(
            "This case cannot move on: its steps were not set up. Ask your system administrator to look at it."
        )
    _registered().advance(process=process, action=action, by=by, required=required, details=details)


def waiting_for(*, process, action: str, **details) -> bool:
    """Whether the case's process waits for `action` now (to offer the step on a page)."""
    return process is not None and _registered().waiting_for(process=process, action=action, details=details)


def tasks_waiting(*, action: str, **details):
    """Open tasks of every case waiting for `action` (a QuerySet of viewflow tasks)."""
    return _registered().tasks_waiting(action=action, details=details)


def task_url(task) -> str:
    """Where a person does the step of this task."""
    return _registered().task_url(task)


def flow_class():
    """The flow class of the case process (for drawing its map)."""
    return _registered().flow_class()


def open_tasks(*, process_id) -> list[Task]:
    """The process's open tasks for people, oldest first, with their owners (not the events it
    waits for, such as a submission or a closing)."""
    if process_id is None:
        return []
    return list(
        Task.objects.filter(process_id=process_id, status__in=OPEN_STATUSES, flow_task_type="HUMAN")
        .select_related("owner", "process")
        .order_by("id")
    )


# -- the flow's lock ------------------------------------------------------------------------------


class RowLock:
    """The flow's lock: the process row, locked with SELECT … FOR UPDATE until the transaction ends.

    viewflow's own `select_for_update_lock` opens a savepoint for each lock (2 statements) so that a
    NOWAIT refusal can be retried. This one waits for the row instead, inside the caller's
    transaction (a service's own atomic block; one is opened when there is none): nothing is caught,
    so no savepoint is needed. An error in the locked block goes on up to the service's transaction,
    which rolls back to its own savepoint or as a whole. A lock this thread already holds for the
    same process (a step that completes two tasks) is not asked for again.
    """

    def __init__(self):
        self._held = threading.local()

    @contextmanager
    def __call__(self, flow_class, process_pk):
        held = self._held.__dict__.setdefault("pks", set())
        if process_pk in held and connection.in_atomic_block:
            yield
            return
        if connection.in_atomic_block:
            yield from self._locked(flow_class, process_pk, held)
        else:
            with transaction.atomic():
                yield from self._locked(flow_class, process_pk, held)

    @staticmethod
    def _locked(flow_class, process_pk, held):
        flow_class.process_class._default_manager.filter(pk=process_pk).select_for_update().exists()
        held.add(process_pk)
        try:
            yield
        finally:
            held.discard(process_pk)

    @contextmanager
    def with_open_tasks(self, process, nodes):
        """The lock and the process's open tasks at `nodes` (as `open_tasks_at`) in one statement.

        The tasks found are read with their process row, both locked (`FOR UPDATE OF` the process
        first, then the tasks: the order of the lock above, and of `assign_task`). A task another
        transaction moved on while this one waited for the lock is read again when it is locked,
        and left out if it is no longer open. When no task is open there, nothing is locked: the
        caller has nothing to move on (it raises or returns at once).
        """
        held = self._held.__dict__.setdefault("pks", set())
        if process.pk in held and connection.in_atomic_block:
            yield open_tasks_at(process=process, nodes=nodes)
            return
        with lock_scope(lambda flow_class, pk: _in_atomic(), process.flow_class, process.pk):
            found = open_tasks_at(process=process, nodes=nodes, lock=True)
            if not found:
                yield found
                return
            held.add(process.pk)
            try:
                yield found
            finally:
                held.discard(process.pk)

    @contextmanager
    def _made_here(self, process_pk):
        held = self._held.__dict__.setdefault("pks", set())
        if process_pk in held:
            yield
            return
        held.add(process_pk)
        try:
            yield
        finally:
            held.discard(process_pk)


@contextmanager
def _in_atomic():
    if connection.in_atomic_block:
        yield
    else:
        with transaction.atomic():
            yield


row_lock = RowLock()


def new_process_lock(flow_class, process_pk):
    """The flow's lock on a process this transaction has just made (a start): no other transaction
    sees its row before this one commits, so with the flow's own lock (`row_lock`) nothing is asked
    of the database; it is held for this thread as any other. Any other lock is taken."""
    if flow_class.lock_impl is not row_lock:
        return flow_class.lock(process_pk)
    return lock_scope(lambda flow_class, pk: row_lock._made_here(pk), flow_class, process_pk)


@contextmanager
def locked_open_tasks(*, process, nodes):
    """The flow's lock on `process` and its open tasks at `nodes` (`open_tasks_at`): with the flow's
    own lock (`row_lock`), in one statement; with any other lock, the lock and then the read."""
    if process.flow_class.lock_impl is row_lock:
        with row_lock.with_open_tasks(process, nodes) as found:
            yield found
    else:
        with process.flow_class.lock(process.pk):
            yield open_tasks_at(process=process, nodes=nodes)


# -- moving tasks on (used by the process's handler and by task assignment) ------------------------

_completing = threading.local()


def completed_by_now() -> int | None:
    """The id of the person whose step is moving the flow on right now (inside `complete_task` or
    `fire_event`), else None. The task they finished is the newest finished task with an owner, so
    a node need not ask the database who that was."""
    return getattr(_completing, "user_id", None)


def open_task(*, process, node) -> Task | None:
    """The process's open task at this node, if any."""
    return Task.objects.filter(process_id=process.pk, flow_task=node, status__in=OPEN_STATUSES).order_by("-id").first()


def open_tasks_at(*, process, nodes, lock: bool = False) -> dict:
    """The process's newest open task at each of `nodes` that has one, with its process, in one
    query. Call it under the flow's lock when a task found is to be moved on, or let it take the
    lock (`lock`: see `RowLock.with_open_tasks`, which calls it so).

    The process row is read afresh (under the lock), but what the caller's `process` already holds
    of its relations is handed on: the service's case, locked and just changed, is the one the
    flow's gateways read (`process.case`), not a second copy read again."""
    found: dict = {}
    tasks = (
        Task.objects.filter(process_id=process.pk, flow_task__in=list(nodes), status__in=OPEN_STATUSES)
        .select_related("process")
        .order_by("-id")
    )
    if lock:
        tasks = tasks.select_for_update(of=("process", "self"))
    known = getattr(getattr(process, "_state", None), "fields_cache", None) or {}
    for task in tasks:
        if known:
            task.process._state.fields_cache = {**known, **task.process._state.fields_cache}
        found.setdefault(task.flow_task, task)
    return found


def not_now(node, label: str = "") -> str:
    """Why a step cannot be taken, in words for people: the step's title, never a node's name."""
    title = label or str(getattr(node, "task_title", "") or "").strip()
    step = f"“{title[:1].upper()}{title[1:]}”" if title else "this step"
    return (
        f"This case is not ready for {step} now: it may have been done already, or an earlier step is not done "
        "yet. Go back to the case to see what happens next."
    )


def complete_task(*, process, node, by, required: bool = True, label: str = "") -> Task | None:
    """Complete the open task at `node` as `by` and let the flow move on.

    The caller has already checked that `by` may take this step.
    Raises InvalidTransition if the process is not waiting at that node and `required` is set.
    """
    with locked_open_tasks(process=process, nodes=[node]) as waiting:
        task = waiting.get(node)
        if task is None:
            if required:
                raise InvalidTransition(not_now(node, label))
            return None
        return complete_open_task(task, by=by)


def complete_open_task(task: Task, *, by, known: dict | None = None) -> Task:
    """Complete this open human task as `by` (found under the flow's lock, which is still held).

    What viewflow's assign, start and execute do, with one save of the task instead of two: an
    unassigned task is taken by `by` (owner, ASSIGNED, `assigned`) in memory, then started and
    completed, and the completion saves it. `known`: answers the step's service already holds,
    put in the step's memo (`step_memo`) before the flow moves on."""
    activation = task.flow_task.activation_class(task)
    if task.status == STATUS.NEW:
        task.owner = by
        task.status = STATUS.ASSIGNED
        task.assigned = timezone.now()
    elif task.owner_id != by.pk:
        task.owner = by  # the person who did the work is the one on record
    if task.status == STATUS.ASSIGNED:
        activation.start(None)
    with _moving_on(by, known):
        activation.execute()
    return task


def completing_user():
    """The person whose step is moving the flow on right now (see `completed_by_now`), else None."""
    return getattr(_completing, "user", None)


def step_memo() -> dict | None:
    """What the flow's nodes know during the step moving on now, else None: what they have read
    (its gateways ask the same questions of the case more than once) and what the step's service
    handed them (the rows it has just locked and changed, `known`). The process forgets an answer
    when the rows it came from are saved."""
    return getattr(_completing, "memo", None)


@contextmanager
def _moving_on(by, known: dict | None = None):
    previous = (getattr(_completing, "user_id", None), getattr(_completing, "user", None), step_memo())
    _completing.user_id, _completing.user = by.pk, by
    _completing.memo = previous[2] if previous[2] is not None else {}
    if known:
        _completing.memo.update(known)
    try:
        with links_together():
            yield
            write_new_tasks()  # while the step's person is known: who is told of a new task
    finally:
        _completing.user_id, _completing.user, _completing.memo = previous


# -- the tasks a step creates, and the links between them ----------------------------------------
# viewflow inserts each task it creates at once (one INSERT a task) and links it to the task before
# it (`task.previous.add(...)`: one INSERT into the link table a task). A step that passes several
# nodes writes its new tasks together, in one INSERT, and then their links, in one more, when the
# step has moved the flow on. Nothing is lost by waiting: any statement on the task tables during the
# step, and any save of a task, first writes the new tasks (`_written_first`), so every read sees
# them; a node that needs a new task's id at once (a split's tokens) asks for it
# (`write_new_tasks`), and what needs it later waits for it (`when_inserted`). The case flow's
# nodes call `insert_task` and `link`.

_links = threading.local()


def insert_task(task: Task) -> None:
    """Insert `task`, which the step has just made: now, or with the step's other new tasks."""
    tasks = getattr(_links, "tasks", None)
    if tasks is None or task.pk is not None:
        task.save()
    elif not any(waiting is task for waiting in tasks):
        tasks.append(task)


def when_inserted(task: Task, do) -> None:
    """Call `do()` once `task` has its id (at once when it has)."""
    after = getattr(_links, "after", None)
    if task.pk is not None or after is None:
        do()
    else:
        after.append(do)


def write_new_tasks() -> None:
    """Insert the step's new tasks now, in the order they were made (one INSERT), then do what
    waited for their ids."""
    tasks = getattr(_links, "tasks", None)
    if not tasks or getattr(_links, "writing", False):
        return
    _links.writing = True
    try:
        _links.tasks = []
        for task in tasks:
            if task.flow_task and not task.flow_task_type:  # as Task.save
                task.flow_task_type = task.flow_task.task_type
        type(tasks[0])._default_manager.bulk_create(tasks)
    finally:
        _links.writing = False
    after, _links.after = _links.after, []
    for do in after:
        do()


def link(task: Task, previous: Task) -> None:
    """`task` follows `previous`: linked now, or with the step's other links when it ends."""
    pending = getattr(_links, "pending", None)
    if pending is None:
        task.previous.add(previous)
    else:
        pending.append((task, previous))


def _written_first(execute, sql, params, many, context):
    """A statement on the task tables while the step's new tasks wait: they are written first."""
    if getattr(_links, "tasks", None) and "viewflow_task" in sql:
        write_new_tasks()
    return execute(sql, params, many, context)


def _saved_first(sender, instance, **kwargs):
    """A task saved while it waits to be inserted (with the step's others): they are inserted
    first, and this save updates it."""
    tasks = getattr(_links, "tasks", None)
    if tasks and any(waiting is instance for waiting in tasks):
        write_new_tasks()


pre_save.connect(_saved_first, sender=Task, dispatch_uid="core.workflow.saved_first")


@contextmanager
def links_together():
    """Write the tasks created inside this block in one INSERT, and their links in one more, at its
    end (nested blocks: at the end of the outermost). An error leaves them unwritten: it rolls the
    step back."""
    if getattr(_links, "pending", None) is not None:
        yield
        return
    _links.pending, _links.tasks, _links.after = [], [], []
    try:
        with connection.execute_wrapper(_written_first):
            yield
            write_new_tasks()
        pending, _links.pending = _links.pending, None
        if pending:
            through = Task.previous.through
            through._default_manager.bulk_create(
                [through(from_task_id=task.pk, to_task_id=previous.pk) for task, previous in pending],
                ignore_conflicts=True,
            )
    finally:
        _links.pending = _links.tasks = _links.after = None


def fire_event(*, process, node, by, required: bool = True) -> Task | None:
    """Deliver the event the process waits for at `node` (a message catch) on behalf of `by`.

    Raises InvalidTransition if the process does not wait for it and `required` is set.
    """
    with locked_open_tasks(process=process, nodes=[node]) as waiting:
        task = waiting.get(node)
        if task is None:
            if required:
                raise InvalidTransition(not_now(node))
            return None
        return fire_open_event(task, by=by)


def fire_open_event(task: Task, *, by, known: dict | None = None) -> Task:
    """Deliver the event this open task waits for, on behalf of `by` (under the flow's lock);
    `known` as for `complete_open_task`."""
    activation = task.flow_task.activation_class(task)
    activation.run(None)
    task.owner = by  # the person whose step delivered the event is the one on record
    with _moving_on(by, known):
        activation.execute()
    return task


def assign_task(*, task: Task, to) -> Task:
    """Take a task from the queue. The caller has checked that `to` may take it."""
    node = task.flow_task
    with node.flow_class.lock(task.process_id):
        task.refresh_from_db()
        if task.status != STATUS.NEW:
            raise InvalidTransition(
                "Someone else has already taken this task. Go back to your tasks to choose another."
            )
        node.activation_class(task).assign(to)
        task.assigned = timezone.now()
        task.save(update_fields=["assigned"])
    return task


def reassign_task(*, task: Task, to) -> Task:
    """Hand an open task to `to`, who has it at once. The caller has checked that `to` may do it.

    Raises InvalidTransition if the task is no longer open.
    """
    node = task.flow_task
    with node.flow_class.lock(task.process_id):
        task.refresh_from_db()
        if task.status not in OPEN_STATUSES:
            raise InvalidTransition(
                "This task is no longer open: the step has been done or cancelled. Go back to the case to see what "
                "happens next."
            )
        if task.status == STATUS.NEW:
            node.activation_class(task).assign(to)
            task.assigned = timezone.now()
            task.save(update_fields=["assigned"])
        else:
            task.owner = to
            task.save(update_fields=["owner"])
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
