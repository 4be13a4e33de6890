"""Who is acting when no one is signed in: management commands.

Pages and the API name their actor and remote address through auditlog's middleware and
`core.api.base.AuditedMixin`. A management command has no request, so it runs inside
`command_context`: the actor is the active user named by `--as` (a person taking responsibility
for the run), and when none is named the run is recorded as `system:<OS user>`. Either way the
field-history entries carry a correlation id `command:<name> os:<OS user>@<host>` saying which
command on which machine, and domain events written with no actor are attributed to it.
"""

import contextlib
import getpass
import socket
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class CommandRun:
    name: str
    user: object | None
    os_user: str
    host: str

    @property
    def label(self) -> str:
        return f"command:{self.name} os:{self.os_user}@{self.host}"[:255]

    @property
    def system_name(self) -> str:
        return f"system:{self.os_user}"[:150]


_current: ContextVar[CommandRun | None] = ContextVar("audit_command_run", default=None)


def current_command() -> CommandRun | None:
    return _current.get()


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): still say it was the system
        return "unknown"


@contextlib.contextmanager
def command_context(*, name: str, user=None):
    """Attribute everything written inside to this command run (and to `user`, if named)."""
    run = CommandRun(name=name, user=user, os_user=_os_user(), host=socket.gethostname())
    token = _current.set(run)
    try:
        yield run
    finally:
        _current.reset(token)
