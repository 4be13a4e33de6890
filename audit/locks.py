"""One copy at a time, across machines: a PostgreSQL advisory lock around a scheduled command.

The timer commands (`escalate_reviews`, `send_reminders`, `notify_delivery_status`,
`apply_retention`, `anchor_audit`) and the timer jobs that run them (process.timers) may be started on
several machines at once: by the scheduler on each of them, by cron, by hand. Each takes a
session-level `pg_try_advisory_lock` named after the command; a second copy started while the first
holds it does nothing and says so. The lock goes with the database session, so a copy that dies
(killed, machine lost) frees it at once.

It lives on the bottom floor so that every app's commands can take it (audit imports nothing of
ours). On SQLite there is one machine and one writer at a time: the lock is a no-op that always
succeeds. Behind PgBouncer in transaction pooling mode a session-level lock does not hold: give the
commands a direct connection (or session pooling).
"""

import contextlib
import hashlib

from django.db import connection

# A fixed first key, so our locks never meet another application's on a shared database server.
NAMESPACE = 0x46474D  # "FGM"


def _key(name: str) -> int:
    """A stable 32-bit key for a name (the second half of the two-key form)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big", signed=True)


@contextlib.contextmanager
def advisory_lock(name: str):
    """Yield True if this session now holds the lock called `name` (False: another holds it).

    Re-entrant within one session, as PostgreSQL's advisory locks are; released on leaving.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    key = _key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [NAMESPACE, key])
        got = cursor.fetchone()[0]
    try:
        yield got
    finally:
        if got:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [NAMESPACE, key])
            except Exception:  # the session is gone: PostgreSQL released the lock with it
                pass


def command_lock_name(command: str) -> str:
    return f"command:{command}"


class OneCopyAtATime:
    """Mixin for a management command: a second copy, on any machine, does nothing and says so.

    Put it before BaseCommand (or AuditedCommand) in the bases. `locked(options)` may say a run
    needs no lock (a dry run that changes nothing).
    """

    def locked(self, options) -> bool:
        return True

    def execute(self, *args, **options):
        if not self.locked(options):
            return super().execute(*args, **options)
        name = self.__class__.__module__.rsplit(".", 1)[-1]
        with advisory_lock(command_lock_name(name)) as got:
            if not got:
                message = f"Another copy of {name} is running (on this or another machine): nothing done."
                (options.get("stdout") or self.stdout).write(message + "\n")
                return None
            return super().execute(*args, **options)
