"""Reads of support packages, already filtered to what the user may see."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from core.roles import may
from fgdm.models import Locality
from fgdm.visibility import package_scope
from network_packages import commitments
from network_packages.commitments import SENT_TO_THE_BANK, financial_year_bounds, financial_year_of
from network_packages.constants import (
    BLOCKS_DRAFTING_STATUSES,
    EDITABLE_STATUSES,
    IN_APPROVAL_STATUSES,
    PackageStatus,
)
from network_packages.models import (
    ApprovalLimit,
    Budget,
    BudgetCommitment,
    PackageItem,
    PackageReview,
    Supplier,
    SupportPackage,
)


def package_list(*, user, case_id: int | None = None) -> QuerySet[SupportPackage]:
    qs = SupportPackage.objects.filter(package_scope(user)).select_related("case", "plan")
    if case_id is not None:
        qs = qs.filter(case_id=case_id)
    return qs.prefetch_related(
        Prefetch("items", queryset=PackageItem.objects.select_related("payee", "plan_action"))
    ).order_by("-id")


def _of_case(case, packages, statuses, excluding=None) -> SupportPackage | None:
    """The case's newest package in one of `statuses` (other than `excluding`). `packages`: the
    case's packages if already loaded (no query)."""
    if packages is not None:
        found = [p for p in packages if p.status in statuses and p.pk != getattr(excluding, "pk", None)]
        return max(found, key=lambda p: p.pk) if found else None
    qs = SupportPackage.objects.filter(case_id=case.pk, status__in=statuses)
    if excluding is not None:
        qs = qs.exclude(pk=excluding.pk)
    return qs.order_by("-id").first()


def drafting_blocked_by(*, case, packages=None) -> SupportPackage | None:
    """The package that stops a new one being drafted: a draft (carry on with it) or an approved
    package (change it instead). A package in approval does not: only its submission waits."""
    return _of_case(case, packages, BLOCKS_DRAFTING_STATUSES)


def package_can_be_drafted(*, case, packages=None) -> bool:
    """Whether a new package may be drafted for the case."""
    return drafting_blocked_by(case=case, packages=packages) is None


def in_approval_of(*, case, packages=None, excluding=None) -> SupportPackage | None:
    """The case's package in approval (submitted, or returned to be submitted again), if any."""
    return _of_case(case, packages, IN_APPROVAL_STATUSES, excluding)


def submission_waits_for(package: SupportPackage, *, packages=None) -> str:
    """Why this package cannot be submitted now because another of its case's packages is in
    approval (one at a time), or "" when none is. The service refuses with it; the page says it
    instead of offering the button."""
    other = in_approval_of(case=package.case, packages=packages, excluding=package)
    if other is None:
        return ""
    if other.status == PackageStatus.RETURNED:
        return f"Version {other.version} was returned: edit and submit it again, or withdraw it."
    return f"Version {other.version} is waiting for approval: wait for the decision or withdraw it."


def why_not_editable(package: SupportPackage) -> str:
    """Why this package cannot be edited (what would make it possible), or "" for a draft or a
    returned package. The service refuses with it; the page says it instead of offering the form."""
    if package.status in EDITABLE_STATUSES:
        return ""
    if package.status == PackageStatus.SUBMITTED:
        return "This package is waiting for approval: withdraw it to edit it, or wait to have it returned."
    if package.status == PackageStatus.APPROVED:
        return "This package is approved: change it instead (a new version, approved again)."
    return f"This package is {package.get_status_display().lower()}: only a draft or a returned package can be edited."


def package_reviews(*, package: SupportPackage) -> list[PackageReview]:
    """The package's reviews, oldest first (the package was read through its scope)."""
    return list(package.reviews.select_related("by").order_by("reviewed_on", "id"))


def package_due_for_review(*, case, packages=None) -> SupportPackage | None:
    """The case's approved package whose review is due first (the flow's "review the package" task)."""
    if packages is None:
        packages = SupportPackage.objects.filter(case_id=case.pk, status=PackageStatus.APPROVED)
    approved = [p for p in packages if p.status == PackageStatus.APPROVED and p.review_by]
    return min(approved, key=lambda p: (p.review_by, p.pk)) if approved else None


def package_get(*, user, package_id) -> SupportPackage:
    try:
        return package_list(user=user).get(pk=package_id)
    except (SupportPackage.DoesNotExist, ValueError, TypeError):
        raise Http404("No such support package.")


def approval_limits() -> dict[str, ApprovalLimit]:
    return {limit.tier: limit for limit in ApprovalLimit.objects.all()}


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


def committed_by_locality(
    *, financial_year: int, locality_id: int | None = None, exclude_ids=(), replaced_ids=(), kept=None
) -> dict[int, Decimal]:
    """Per locality, what packages approved within the financial year commit: the whole total of each
    package still in force, and what went to the bank from each that has ended (a package ended early,
    or a version replaced by a changed one) — that money is spent, so it stays counted.

    `exclude_ids` leaves packages out; `replaced_ids` counts approved packages as if ended (the
    version a package waiting for approval would replace). Read from the running totals
    (`network_packages.commitments`), adjusted by reading just those packages. `kept`: those running
    totals, if already read.
    """
    totals = (
        commitments.kept_by_locality(financial_year=financial_year, locality_id=locality_id)
        if kept is None
        else dict(kept)
    )
    excluded = {pk for pk in exclude_ids if pk}
    replaced = {pk for pk in replaced_ids if pk} - excluded
    if not excluded and not replaced:
        return totals
    start, end = financial_year_bounds(financial_year)
    adjusted = SupportPackage.objects.filter(
        pk__in=excluded | replaced,
        status__in=commitments.COUNTED,
        decided_at__date__gte=start,
        decided_at__date__lte=end,
    )
    if locality_id is not None:
        adjusted = adjusted.filter(case__locality_id=locality_id)
    rows = adjusted.order_by().values("pk", "status", "total", "case__locality_id").annotate(sent=SENT_TO_THE_BANK)
    for row in rows:
        locality, total, sent = row["case__locality_id"], row["total"], row["sent"] or Decimal("0.00")
        counted = total if row["status"] == PackageStatus.APPROVED else sent
        if row["pk"] in excluded:
            change = -counted
        elif row["status"] == PackageStatus.APPROVED:  # replaced: counted as if ended
            change = sent - total
        else:
            change = Decimal("0.00")
        totals[locality] = totals.get(locality, Decimal("0.00")) + change
    return totals


def committed_in(*, locality_id: int, financial_year: int, exclude_ids=(), replaced_ids=(), kept=None) -> Decimal:
    """What the locality's packages approved within the financial year commit (see
    `committed_by_locality`): totals of those in force, and what was paid on those that ended.
    `kept`: the locality's running total, if already read (None: not read; 0 when it has none)."""
    totals = committed_by_locality(
        financial_year=financial_year,
        locality_id=locality_id,
        exclude_ids=exclude_ids,
        replaced_ids=replaced_ids,
        kept=None if kept is None else {locality_id: kept},
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
    # The budget and the running total in one read (either may be missing; the locality is not).
    budget, kept = (
        Locality.objects.filter(pk=locality.pk)
        .annotate(
            budget=Subquery(
                Budget.objects.filter(locality_id=OuterRef("pk"), financial_year=year).order_by().values("amount")[:1]
            ),
            kept=Subquery(
                BudgetCommitment.objects.filter(locality_id=OuterRef("pk"), financial_year=year)
                .order_by()
                .values("committed_pence")[:1]
            ),
        )
        .values_list("budget", "kept")
        .get()
    )
    # Approving a new version ends the one it changes: that one's commitment is replaced by what
    # already went to the bank from it. The package itself waits for its decision, so it counts nowhere yet.
    committed = committed_in(
        locality_id=locality.pk,
        financial_year=year,
        replaced_ids=(package.previous_id,),
        kept=commitments.pounds(kept or 0),
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
