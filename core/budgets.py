"""The budget port: how fgdm tells the budgets that a case moved to another locality.

What a locality's support packages commit against its budget is kept as a running total per
locality and financial year (network_packages, above fgdm: `network_packages.commitments`). When a
case moves locality, what its packages count moves with it, in the same transaction: `case_transfer`
calls `case_moved`, and network_packages registers the handler at start-up (`network_packages/apps.py`).
With no handler registered (a floor below tested on its own) nothing is kept to move.
"""

from typing import Callable

_handler: Callable[..., None] | None = None


def register(handler: Callable[..., None] | None) -> None:
    """Called once by network_packages when Django starts."""
    global _handler
    _handler = handler


def case_moved(*, case_id: int, from_locality_id: int, to_locality_id: int) -> None:
    """The case (locked by the caller) moved from one locality to another."""
    if _handler is not None and from_locality_id != to_locality_id:
        _handler(case_id=case_id, from_locality_id=from_locality_id, to_locality_id=to_locality_id)
