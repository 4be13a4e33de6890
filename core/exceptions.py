"""Domain errors. One DRF exception handler (core.api.exceptions) maps them to HTTP answers;
pages show them as form errors. Models and services never raise DRF exceptions."""


class DomainError(Exception):
    """Base for every rule the system refuses to break."""

    http_status = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidTransition(DomainError):
    """The object is not in a state that allows this step (HTTP 409)."""

    http_status = 409


class NotPermitted(DomainError):
    """The user may see the object but may not take this step (HTTP 403)."""

    http_status = 403


class SeparationOfDuties(NotPermitted):
    """The same person may not take both steps (e.g. submit and approve)."""


class LimitExceeded(NotPermitted):
    """The amount is above what this approver may approve."""


class RuleBroken(DomainError):
    """Input is well formed but breaks a rule of the domain (HTTP 400, with a field if known)."""


def ensure_transition(current: str, target: str, transitions: dict, *, label: str) -> None:
    """Raise InvalidTransition unless `current -> target` is declared in `transitions`."""
    if target not in transitions.get(current, set()):
        now, then = str(current).replace("_", " "), str(target).replace("_", " ")
        raise InvalidTransition(
            f"This {label} is {now} now, so it cannot be made {then}. Go back to the {label} to see what can "
            "be done next."
        )


def ensure_not_same_person(user, other, *, message: str) -> None:
    """Raise SeparationOfDuties when `user` is `other`."""
    if other is not None and user.pk == getattr(other, "pk", other):
        raise SeparationOfDuties(message)


class ConsentWithdrawn(InvalidTransition):
    """The family withdrew consent to share information: steps that share it are refused (HTTP 409)."""


BUSY_MESSAGE = "The case is being changed by someone else at this moment; nothing was saved. Try again."

# PostgreSQL's answers when two transactions want the same rows: a deadlock (one of the two is
# rolled back) and a lock that could not be had (NOWAIT, lock_timeout). SQLSTATE codes, so that the
# kernel needs no driver import.
_BUSY_SQLSTATES = {"40P01", "55P03"}


def is_busy(exc: BaseException) -> bool:
    """Whether `exc` is the database refusing a write because another one holds the same rows.

    The flow's lock waits for the process row (core.workflow.RowLock), so two people on the same case
    queue rather than fail; what can still happen is a deadlock between two services locking rows in
    different orders. Its transaction is rolled back whole: nothing was saved, and the person may
    simply try again — a 409, never a 500."""
    from django.db import OperationalError

    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) in _BUSY_SQLSTATES
