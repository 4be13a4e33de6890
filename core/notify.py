"""The notification port: how a service says that people should be told something.

A service that has changed its records calls `announce("package_submitted", key=…, package_id=…)`
inside its own transaction, once per thing that happened. The notifications floor (above the
domain floors) registers the handler at start-up: it decides who is told, on which channel, with
which GOV.UK Notify template, and queues the sending as a background task that runs after COMMIT.
Nothing is sent when the transaction rolls back; nothing is sent twice for the same `key`.

`key` names the happening once and for all (for example `"package:41:v2:submitted"`): the same key
announced again, by a retry or a second worker, tells nobody anything new.

With no handler registered (a floor below tested on its own) an announcement is dropped.
"""

from typing import Protocol


class Notifier(Protocol):
    """What the notifications floor registers (notifications.handler)."""

    def announce(self, *, event: str, key: str, details: dict) -> None: ...


_notifier: Notifier | None = None


def register(notifier: Notifier | None) -> None:
    """Called once by the notifications app when Django starts (None unregisters, for tests)."""
    global _notifier
    _notifier = notifier


def announce(event: str, *, key: str, **details) -> None:
    """Say that `event` happened; details are ids and plain values (no model instances)."""
    if _notifier is not None:
        _notifier.announce(event=event, key=key, details=details)
