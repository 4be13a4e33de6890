"""What an event's recipients function returns, and the table of events."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    """One person to tell: a member of staff (`user`, `to_role`, `kind`) or a network member."""

    template: str
    personalisation: dict
    user: object = None
    to_role: str = ""
    kind: str = ""
    member: object = None
    case_id: int | None = None
    about_plan: bool = False


EVENTS: dict[str, Callable[[dict], list[Message]]] = {}


def on(event: str):
    """Declare the recipients function of one event."""

    def register(function):
        EVENTS[event] = function
        return function

    return register
