"""The payee port: who may be paid from a support package.

The rules read the council's payee policy, which lives in network_packages above fgdm; the
network member's `payment_eligible` (fgdm) asks through this port. network_packages registers its
rule at start-up (`network_packages/apps.py`). Without it, the floor rule holds: never a parent
nor a holder of parental responsibility.
"""

from typing import Callable

_rule: Callable[[object], str] | None = None


def register(rule: Callable[[object], str]) -> None:
    """Register the function that says why a network member cannot be paid ("" when they can)."""
    global _rule
    _rule = rule


def refusal(member) -> str:
    """Why this network member cannot be paid, in plain words, or "" when they can."""
    if _rule is not None:
        return _rule(member)
    if member.is_parent or member.has_parental_responsibility:
        return "Parents and holders of parental responsibility cannot be paid from a support package."
    return ""
