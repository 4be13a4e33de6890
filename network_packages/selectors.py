"""Reads of support packages, already filtered to what the user may see."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from core.roles import may
from fgdm.visibility import package_scope
from network_packages.constants import OPEN_STATUSES, PackageStatus
from network_packages.models import ApprovalLimit, Budget, PackageItem, Supplier, SupportPackage


def package_list(*, user, case_id: int | None = None) -> QuerySet[SupportPackage]:
    qs = SupportPackage.objects.filter(package_scope(user)).select_related("case", "plan")
    if case_id is not None:
        qs = qs.filter(case_id=case_id)
    return qs.prefetch_related(
        Prefetch("items", queryset=PackageItem.objects.select_related("payee", "plan_action"))
    ).order_by("-id")


def open_package_of(*, case, packages=None) -> SupportPackage | None:
    """The case's package that is open (draft, submitted, returned or approved), if any.
    `packages`: the case's packages if already loaded (no query)."""
    if packages is not None:
        return next((p for p in packages if p.status in OPEN_STATUSES), None)
    return SupportPackage.objects.filter(case_id=case.pk, status__in=OPEN_STATUSES).order_by("-id").first()


def package_can_be_drafted(*, case, packages=None) -> bool:
    """Whether a new package may be drafted for the case: no other is open."""
    return open_package_of(case=case, packages=packages) is None


def package_get(*, user, package_id) -> SupportPackage:
    try:
        return package_list(user=user).get(pk=package_id)
    except (SupportPackage.DoesNotExist, ValueError, TypeError):
        raise Http404("No such support package.")


def approval_limits() -> dict[str, ApprovalLimit]:
    return {limit.tier: limit for limit in ApprovalLimit.objects.all()}


def financial_year_of(day: datetime.date) -> int:
    """The year a council financial year (1 April to 31 March) starts in."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 4, 1), datetime.date(year + 1, 3, 31)


@dataclass(frozen=True)
class BudgetPosition:
    """A locality's budget for a year, what approved packages commit against it, and what approving
    one more package would do to it."""

    locality: str
    financial_year: int
    budget: Decimal | None
    committed: Decimal
    package_total: Decimal
    after_approval: Decimal
    over_budget: bool
    warning: str

    @property
    def financial_year_label(self) -> str:
        return f"{self.financial_year}-{(self.financial_year + 1) % 100:02d}"


# What went to the bank from a package: its payments in a batch (batched or paid; a payment the bank
# returned is taken out of its batch). Looked up through the reverse relation, so this app imports
# nothing from payments, which sits above it.
SENT_TO_THE_BANK = Sum("payments__amount", filter=Q(payments__batch__isnull=False))


def committed_by_locality(
    *, financial_year: int, locality_id: int | None = None, exclude_ids=(), replaced_ids=()
) -> dict[int, Decimal]:
    """Per locality, what packages approved within the financial year commit: the whole total of each
    package still in force, and what went to the bank from each that has ended (a package ended early,
    or a version replaced by a changed one) — that money is spent, so it stays counted.

    `exclude_ids` leaves packages out; `replaced_ids` counts approved packages as if ended (the
    version a package waiting for approval would replace).
    """
    start, end = financial_year_bounds(financial_year)
    decided = SupportPackage.objects.filter(decided_at__date__gte=start, decided_at__date__lte=end).exclude(
        pk__in=[pk for pk in exclude_ids if pk]
    )
    if locality_id is not None:
        decided = decided.filter(case__locality_id=locality_id)
    replaced = [pk for pk in replaced_ids if pk]
    totals: dict[int, Decimal] = {}
    in_force = decided.filter(status=PackageStatus.APPROVED).exclude(pk__in=replaced)
    ended = decided.filter(Q(status=PackageStatus.ENDED) | Q(pk__in=replaced, status=PackageStatus.APPROVED))
    for queryset, amount in ((in_force, Sum("total")), (ended, SENT_TO_THE_BANK)):
        rows = queryset.order_by().values("case__locality_id").annotate(amount=amount)
        for row in rows:
            totals[row["case__locality_id"]] = totals.get(row["case__locality_id"], Decimal("0.00")) + (
                row["amount"] or Decimal("0.00")
            )
    return totals


def committed_in(*, locality_id: int, financial_year: int, exclude_ids=(), replaced_ids=()) -> Decimal:
    """What the locality's packages approved within the financial year commit (see
    `committed_by_locality`): totals of those in force, and what was paid on those that ended."""
    totals = committed_by_locality(
        financial_year=financial_year, locality_id=locality_id, exclude_ids=exclude_ids, replaced_ids=replaced_ids
    )
    return totals.get(locality_id, Decimal("0.00"))


def budget_position(*, package: SupportPackage, on: datetime.date | None = None) -> BudgetPosition | None:
    """For a package waiting for a decision: the locality's budget this financial year, what is
    committed, and whether approving this package would go over (a warning, not a refusal).
    None for packages that are not waiting for a decision."""
    if package.status != PackageStatus.SUBMITTED:
        return None
    year = financial_year_of(on or timezone.localdate())
    locality = package.case.locality
    budget = (
        Budget.objects.filter(locality_id=locality.pk, financial_year=year).values_list("amount", flat=True).first()
    )
    # Approving a new version ends the one it changes: that one's commitment is replaced by what
    # already went to the bank from it.
    committed = committed_in(
        locality_id=locality.pk, financial_year=year, exclude_ids=(package.pk,), replaced_ids=(package.previous_id,)
    )
    after = committed + package.total
    label = f"{year}-{(year + 1) % 100:02d}"
    if budget is None:
        warning, over = f"No budget is set for {locality.name} in {label}.", False
    elif after > budget:
        warning, over = (
            (
                f"Approving this package would take {locality.name} over its {label} budget: "
                f"£{after:,.2f} committed against £{budget:,.2f} (£{after - budget:,.2f} over)."
            ),
            True,
        )
    else:
        warning, over = "", False
    return BudgetPosition(
        locality=locality.code,
        financial_year=year,
        budget=budget,
        committed=committed,
        package_total=package.total,
        after_approval=after,
        over_budget=over,
        warning=warning,
    )


def supplier_list(*, user, search: str = "", active: bool | None = None) -> QuerySet[Supplier]:
    """The council's register of suppliers, for the roles that pick, pay or audit them (none for others)."""
    if not may(user, "supplier_view"):
        return Supplier.objects.none()
    qs = Supplier.objects.all()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(supplies__icontains=search))
    if active is not None:
        qs = qs.filter(active=active)
    return qs.select_related("bank_account").order_by("name", "id")


def supplier_get(*, user, supplier_id) -> Supplier:
    try:
        return supplier_list(user=user).get(pk=supplier_id)
    except (Supplier.DoesNotExist, ValueError, TypeError):
        raise Http404("No such supplier.")


def suppliers_to_choose(*, user) -> list[Supplier]:
    """Active suppliers, for the payee choice of a package item."""
    return list(supplier_list(user=user, active=True))
