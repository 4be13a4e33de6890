"""Budgets: what a locality may spend on support packages in a financial year. Only an administrator
sets them; one amount per locality and year. Admin calls this service; so may a page, the API or the
shell."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from core.exceptions import RuleBroken
from core.money import ensure_money
from core.roles import ensure_administrator
from fgdm.models import Locality
from network_packages.models import Budget
from network_packages.selectors import financial_year_of

FIRST_YEAR = 2000  # as the model's validator
YEARS_AHEAD = 5  # a budget is set for this financial year, a past one, or at most this many ahead


def _ensure_financial_year(financial_year: int) -> int:
    latest = financial_year_of(timezone.localdate()) + YEARS_AHEAD
    if isinstance(financial_year, bool) or not isinstance(financial_year, int):
        raise RuleBroken("Give the year the financial year starts in, e.g. 2026 for 2026-27.", field="financial_year")
    if not FIRST_YEAR <= financial_year <= latest:
        raise RuleBroken(
            f"Give a financial year from {FIRST_YEAR} to {latest} (the year it starts in: 2026 is 2026-27).",
            field="financial_year",
        )
    return financial_year


@transaction.atomic
def budget_set(*, by, locality_id: int, financial_year: int, amount: Decimal) -> Budget:
    """Set a locality's budget for a financial year (`financial_year` is the year it starts in),
    creating it or changing the one already set. Records `budget_set` for a new budget,
    `budget_changed` for a changed one, nothing if the amount is unchanged.

    Raises NotPermitted (not an administrator), RuleBroken (no such locality; a year before 2000 or
    more than five years ahead; an amount not in pounds and pence, or negative).
    """
    ensure_administrator(by, what="set budgets")
    financial_year = _ensure_financial_year(financial_year)
    amount = ensure_money(amount, field="amount")
    # The locality's row is the lock: two people setting its budget for a year take turns.
    locality = Locality.objects.select_for_update().filter(pk=locality_id).first()
    if locality is None:
        raise RuleBroken("Choose a locality that exists.", field="locality")
    budget = Budget.objects.filter(locality=locality, financial_year=financial_year).first()
    previous = None if budget is None else budget.amount
    if previous == amount:
        return budget
    if budget is None:
        budget = Budget.objects.create(locality=locality, financial_year=financial_year, amount=amount)
    else:
        budget.amount = amount
        budget.save(update_fields=["amount"])
    record_event(
        obj=budget,
        action="budget_set" if previous is None else "budget_changed",
        by=by,
        case_id=None,
        reason=f"{locality} {budget.financial_year_label}",
        changes={"amount": [None if previous is None else str(previous), str(amount)]},
    )
    return budget
