"""Reads of the workflow: a person's inbox and the queue of tasks they may take."""

from django.db.models import Q, QuerySet
from django.http import Http404
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.roles import held_permissions
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
