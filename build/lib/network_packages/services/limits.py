"""Approval limits: the most a package total may be for an approver of each tier. Only an
administrator sets them; a higher tier may always approve at least as much as every tier below it.
Admin calls this service; so may a page, the API or the shell."""

from decimal import Decimal

from django.db import transaction

from audit.services import record_event
from core.exceptions import RuleBroken
from core.money import ensure_money
from core.roles import ensure_administrator
from network_packages.constants import TIER_ORDER, ApprovalTier
from network_packages.models import ApprovalLimit


def _shown(amount: Decimal | None) -> str:
    return "no limit" if amount is None else f"£{amount:,.2f}"


def _ensure_tier_order(tier: str, amount: Decimal | None, others: list[ApprovalLimit]) -> None:
    """A higher tier may approve at least as much as every tier below it (no amount: no limit)."""
    rank = TIER_ORDER.index(tier)
    for other in others:
        if other.tier == tier or other.tier not in TIER_ORDER:
            continue
        other_rank = TIER_ORDER.index(other.tier)
        lower, higher = (other.max_amount, amount) if other_rank < rank else (amount, other.max_amount)
        if higher is None:
            continue
        if lower is None or lower > higher:
            raise RuleBroken(
                f"A {other.get_tier_display().lower()} limit of {_shown(other.max_amount)} does not fit: "
                f"a higher tier must be able to approve at least as much as a lower one.",
                field="max_amount",
            )


@transaction.atomic
def approval_limit_set(*, tier: str, by, max_amount: Decimal | None) -> ApprovalLimit:
    """Set the most a package total may be for approvers of `tier` (None: no limit), creating the
    tier's row if it is missing. Applies to packages submitted from now on. Records
    `approval_limit_changed` (or `approval_limit_created`), or nothing if the limit is unchanged.

    Raises NotPermitted (not an administrator), RuleBroken (an unknown tier; an amount not in pounds
    and pence, or negative; a limit out of order with the other tiers').
    """
    ensure_administrator(by, what="set approval limits")
    if tier not in TIER_ORDER:
        raise RuleBroken("Choose a tier: team manager, service manager or head of service.", field="tier")
    amount = None if max_amount is None else ensure_money(max_amount, field="max_amount")
    # The rule reads every tier's row, so every row is locked before it is checked.
    limits = list(ApprovalLimit.objects.select_for_update().order_by("pk"))
    _ensure_tier_order(tier, amount, limits)
    limit = next((row for row in limits if row.tier == tier), None)
    created = limit is None
    previous = None if created else limit.max_amount
    if not created and previous == amount:
        return limit
    if created:
        limit = ApprovalLimit.objects.create(tier=tier, max_amount=amount)
    else:
        limit.max_amount = amount
        limit.save(update_fields=["max_amount"])
    record_event(
        obj=limit,
        action="approval_limit_created" if created else "approval_limit_changed",
        by=by,
        case_id=None,
        reason=ApprovalTier(tier).label,
        changes={"max_amount": [None if previous is None else str(previous), None if amount is None else str(amount)]},
    )
    return limit
