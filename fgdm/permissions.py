"""Who may do what on a case. Services call these; views never decide for themselves.

A page that offers many buttons asks these checks many times for one person and one case (each
button asks the service's own `ensure_may_*`, which asks them). Inside `asked_once()` (a page's
read: the case page) each question they put to the database (a declared conflict? on the case's
team? a manager of it?) is asked once per person and case, and every answer is forgotten at the
first write on the connection. Outside it, every check asks the database each time.
"""

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection

from core.exceptions import NotPermitted, SeparationOfDuties
from core.roles import Role, has_role

# The answers of the present asked_once() block, or None outside one.
_answers: ContextVar[dict | None] = ContextVar("fgdm_permission_answers", default=None)


@contextmanager
def asked_once():
    """Within this block (also a decorator: one view's read), each database question of these checks
    is asked once per person and case. Any statement on the connection that is not a SELECT (an
    INSERT, UPDATE, DELETE or SAVEPOINT: a service writing) forgets every answer, so no answer
    outlives a write; the block's end forgets them too."""
    answers: dict = {}
    token = _answers.set(answers)

    def forget_on_write(execute, sql, params, many, context):
        if not (isinstance(sql, str) and sql.lstrip()[:6].upper() == "SELECT"):
            answers.clear()
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(forget_on_write):
            yield
    finally:
        _answers.reset(token)


def _remembered(key: tuple, ask: Callable[[], bool]) -> bool:
    """`ask()`, or its answer already given in this asked_once() block."""
    answers = _answers.get()
    if answers is None:
        return ask()
    if key not in answers:
        answers[key] = ask()
    return answers[key]


def ensure_no_conflict(user, case_id: int, *, declared: bool | None = None) -> None:
    """Nobody acts on a case where they (or a relative) are in the family's network.

    `declared`: whether they declared a conflict in it, as the service read it with the case's row
    (`conflict_declared`) a moment before; read now when not given."""
    from fgdm.models import DeclaredConflict

    if declared is None:
        declared = _remembered(
            ("conflict", user.pk, case_id), lambda: DeclaredConflict.objects.filter(user=user, case_id=case_id).exists()
        )
    if declared:
        raise SeparationOfDuties("You have declared a conflict of interest in this case; someone else must act.")


def conflict_declared(user, case_path: str = "pk"):
    """Whether `user` declared a conflict in the case whose id is at `case_path` of a queryset, as an
    annotation: a service reads it with the row it locks, then hands it to the check (`conflict=`)."""
    from django.db.models import Exists, OuterRef

    from fgdm.models import DeclaredConflict

    return Exists(DeclaredConflict.objects.filter(user=user, case_id=OuterRef(case_path)))


def _works_case(user, case) -> bool:
    if case.lead_practitioner_id == user.pk:
        return True
    return has_role(user, Role.PRACTITIONER) and _remembered(
        ("member", user.pk, case.team_id), lambda: case.team.members.filter(pk=user.pk).exists()
    )


def _manages_case(user, case) -> bool:
    if has_role(user, Role.SERVICE_MANAGER) or has_role(user, Role.HEAD_OF_SERVICE):
        return True
    return has_role(user, Role.TEAM_MANAGER) and _remembered(
        ("manager", user.pk, case.team_id), lambda: case.team.managers.filter(pk=user.pk).exists()
    )


def ensure_can_work_case(user, case, *, conflict: bool | None = None) -> None:
    """Practitioners of the case's team (and its lead) record the casework."""
    ensure_no_conflict(user, case.pk, declared=conflict)
    if not _works_case(user, case):
        raise NotPermitted("Only the lead practitioner or a practitioner of the case's team can do this.")


def ensure_can_manage_case(user, case, *, conflict: bool | None = None) -> None:
    """Managers over the case's locality (team managers of its team, service managers, head of service)."""
    ensure_no_conflict(user, case.pk, declared=conflict)
    if not _manages_case(user, case):
        raise NotPermitted("Only a manager over this case's team can do this.")


def ensure_can_work_or_manage_case(user, case, *, conflict: bool | None = None) -> None:
    """The case's practitioners or a manager over it: for decisions about the case's course that
    either may record (its stage), not for the day-to-day casework or for approvals."""
    ensure_no_conflict(user, case.pk, declared=conflict)
    if not (_works_case(user, case) or _manages_case(user, case)):
        raise NotPermitted(
            "Only the lead practitioner, a practitioner of the case's team or a manager over it can do this."
        )


def ensure_can_lead_or_manage_case(user, case, *, conflict: bool | None = None) -> None:
    """The case's lead practitioner or a manager over it: for closing the case."""
    ensure_no_conflict(user, case.pk, declared=conflict)
    if not (case.lead_practitioner_id == user.pk or _manages_case(user, case)):
        raise NotPermitted("Only the case's lead practitioner or a manager over its team can do this.")


def manages_case(user, case) -> bool:
    """Whether the person is a manager over the case (for steps a manager must sign off)."""
    return _manages_case(user, case)
