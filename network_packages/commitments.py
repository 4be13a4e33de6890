"""Running totals of what each locality's support packages commit against its budget, per financial year.

The rule (the budgets page, the approver's budget warning): the packages decided (approved) within
the financial year count the whole total of each package still in force, and what went to the bank
from each that has ended (ended early, or a version replaced by a changed one) — its payments in a
batch, batched or paid; a payment the bank returned is taken out of its batch. The year is the one
its approval fell in; the locality is its case's.

Summing every package on each approval grows with the data, so the figure is kept as a running total
(`BudgetCommitment`, integer pence) that the services change in the same transaction as each event
that moves it:

- a package approved: + its total, in the year of its decision (`package_approved`); the version it
  replaces ends: − its total + what went to the bank from it;
- a package ended: − its total + what went to the bank from it (`package_ended`);
- a payment of an ended package put in a batch (+), or taken out of one by a bank return (−)
  (`payments_moved`);
- a case moved to another locality: its packages' figures move with it (`case_moved`).

Locking, so that two events at once never lose an update: each event takes the row locks of the
totals it changes (creating the rows if missing) and only then reads what it adds (a package's status,
what went to the bank), so it reads what any other event holding those rows committed. The totals
are locked last in each service, after the payments it locks, so no two services wait for each other.

`recomputed` applies the rule to the packages and payments themselves: `manage.py check_budget_totals`
compares every total with it (and rewrites those that differ, with `--fix`), and the migration that
made the totals filled them with it.
"""

import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db import connection
from django.db.models import F, Max, Min, Q, QuerySet, Sum
from django.utils import timezone

from audit.services import record_event
from network_packages.constants import PackageStatus
from network_packages.models import BudgetCommitment, SupportPackage

ZERO = Decimal("0.00")
COUNTED = (PackageStatus.APPROVED, PackageStatus.ENDED)
# What went to the bank from a package: its payments in a batch. Read through the reverse relation,
# so this app imports nothing from payments, which sits above it.
SENT_TO_THE_BANK = Sum("payments__amount", filter=Q(payments__batch__isnull=False))

Key = tuple[int, int]  # (locality id, financial year)


def financial_year_of(day: datetime.date) -> int:
    """The year a council financial year (1 April to 31 March) starts in."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 4, 1), datetime.date(year + 1, 3, 31)


def pence(amount: Decimal | None) -> int:
    return int((amount or ZERO).quantize(Decimal("0.01")) * 100)


def pounds(amount_pence: int) -> Decimal:
    return (Decimal(amount_pence) / 100).quantize(Decimal("0.01"))


def year_of(decided_at: datetime.datetime) -> int:
    """The financial year of a decision (its local date, as the rule's `decided_at__date` reads it)."""
    return financial_year_of(timezone.localdate(decided_at))


def key_of(locality_id: int, decided_at: datetime.datetime) -> Key:
    """The total a package of the locality decided at `decided_at` counts in."""
    return locality_id, year_of(decided_at)


# -- the rule, recomputed from the packages and payments ----------------------------------------------


def recomputed_by_locality(
    *, financial_year: int, locality_id: int | None = None, exclude_ids=(), replaced_ids=(), packages=SupportPackage
) -> dict[int, Decimal]:
    """The rule applied to the packages themselves: per locality, what packages approved within the
    financial year commit. `exclude_ids` leaves packages out; `replaced_ids` counts approved packages
    as if ended. `packages` is the model (the migration passes its historical one)."""
    start, end = financial_year_bounds(financial_year)
    decided = packages.objects.filter(decided_at__date__gte=start, decided_at__date__lte=end).exclude(
        pk__in=[pk for pk in exclude_ids if pk]
    )
    if locality_id is not None:
        decided = decided.filter(case__locality_id=locality_id)
    replaced = [pk for pk in replaced_ids if pk]
    totals: dict[int, Decimal] = {}
    in_force = decided.filter(status=PackageStatus.APPROVED).exclude(pk__in=replaced)
    ended = decided.filter(Q(status=PackageStatus.ENDED) | Q(pk__in=replaced, status=PackageStatus.APPROVED))
    for queryset, amount in ((in_force, Sum("total")), (ended, SENT_TO_THE_BANK)):
        for row in queryset.order_by().values("case__locality_id").annotate(amount=amount):
            locality = row["case__locality_id"]
            totals[locality] = totals.get(locality, ZERO) + (row["amount"] or ZERO)
    return totals


def recomputed(*, packages=SupportPackage) -> dict[Key, int]:
    """Every (locality, financial year) total, in pence, recomputed with the rule."""
    span = packages.objects.filter(status__in=COUNTED, decided_at__isnull=False).aggregate(
        first=Min("decided_at"), last=Max("decided_at")
    )
    if span["first"] is None:
        return {}
    first, last = year_of(span["first"]), year_of(span["last"])
    totals: dict[Key, int] = {}
    for year in range(first, last + 1):
        for locality, amount in recomputed_by_locality(financial_year=year, packages=packages).items():
            totals[(locality, year)] = pence(amount)
    return totals


# -- the running totals -------------------------------------------------------------------------------


def kept_by_locality(*, financial_year: int, locality_id: int | None = None) -> dict[int, Decimal]:
    """The running totals of one financial year, per locality."""
    rows = BudgetCommitment.objects.filter(financial_year=financial_year)
    if locality_id is not None:
        rows = rows.filter(locality_id=locality_id)
    return {locality: pounds(amount) for locality, amount in rows.values_list("locality_id", "committed_pence")}


def _lock(keys: Iterable[Key], locked: set[Key]) -> None:
    """Create the totals of `keys` that do not exist yet, then lock those not locked already (in
    one order, so two events locking several totals never wait for each other)."""
    wanted = sorted(set(keys) - locked)
    if not wanted:
        return
    BudgetCommitment.objects.bulk_create(
        [BudgetCommitment(locality_id=locality, financial_year=year) for locality, year in wanted],
        ignore_conflicts=True,
    )
    which = Q()
    for locality, year in wanted:
        which |= Q(locality_id=locality, financial_year=year)
    list(BudgetCommitment.objects.select_for_update().filter(which).order_by("locality_id", "financial_year"))
    locked.update(wanted)


def _apply(changes: dict[Key, int]) -> None:
    for (locality, year), amount in sorted(changes.items()):
        if amount:
            BudgetCommitment.objects.filter(locality_id=locality, financial_year=year).update(
                committed_pence=F("committed_pence") + amount
            )


def _locked_changes(keys: Iterable[Key], changes: Callable[[], dict[Key, int]]) -> None:
    """Lock the totals of `keys`, then work out the changes (reading what other events committed
    meanwhile); if they touch a total not locked yet (a case moved meanwhile), lock it and work
    them out again. Then apply them."""
    locked: set[Key] = set()
    _lock(keys, locked)
    while True:
        found = {key: amount for key, amount in changes().items() if amount}
        if set(found) <= locked:
            break
        _lock(found, locked)
    _apply(found)


def _sent(package_id: int) -> int:
    return pence(SupportPackage.objects.filter(pk=package_id).aggregate(amount=SENT_TO_THE_BANK)["amount"])


def _add(key: Key, amount: int) -> None:
    """Add to one total in one statement, creating it if missing: an upsert takes the row's lock as
    it changes it, so for a change that reads nothing (a package's own total) this is the whole
    lock-then-change."""
    table = connection.ops.quote_name(BudgetCommitment._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (locality_id, financial_year, committed_pence) VALUES (%s, %s, %s) "
            f"ON CONFLICT (locality_id, financial_year) "
            f"DO UPDATE SET committed_pence = {table}.committed_pence + EXCLUDED.committed_pence",
            [key[0], key[1], amount],
        )


def package_approved(package: SupportPackage, *, replaced: SupportPackage | None = None) -> None:
    """A package was approved (+ its total in the year of its decision); `replaced`, the version it
    changes, ended with it (− its total + what went to the bank from it)."""
    locality = package.case.locality_id
    if replaced is None:
        _add(key_of(locality, package.decided_at), pence(package.total))
        return
    keys = [key_of(locality, package.decided_at)]
    if replaced is not None:
        keys.append(key_of(locality, replaced.decided_at))

    def changes():
        found = {keys[0]: pence(package.total)}
        if replaced is not None:
            found[keys[1]] = found.get(keys[1], 0) - pence(replaced.total) + _sent(replaced.pk)
        return found

    _locked_changes(keys, changes)


def package_ended(package: SupportPackage) -> None:
    """An approved package ended: − its total + what went to the bank from it."""
    key = key_of(package.case.locality_id, package.decided_at)
    _locked_changes([key], lambda: {key: _sent(package.pk) - pence(package.total)})


def payments_moved(payments: QuerySet, *, into_batch: bool) -> None:
    """Payments were put in a batch (`into_batch`) or taken out of one (a bank return): those of an
    ended package add to (or take from) its total. `payments` is a queryset of them (payments sits
    above this app, so it passes its own)."""
    sign = 1 if into_batch else -1
    package_ids = payments.order_by().values("package_id")

    def keys_of(statuses):
        rows = (
            SupportPackage.objects.filter(pk__in=package_ids, status__in=statuses, decided_at__isnull=False)
            .order_by()
            .values_list("pk", "case__locality_id", "decided_at")
        )
        return {pk: key_of(locality, decided_at) for pk, locality, decided_at in rows}

    def changes():
        ended = keys_of([PackageStatus.ENDED])
        found: dict[Key, int] = {}
        if ended:
            amounts = (
                payments.filter(package_id__in=list(ended)).order_by().values("package_id").annotate(s=Sum("amount"))
            )
            for row in amounts:
                key = ended[row["package_id"]]
                found[key] = found.get(key, 0) + sign * pence(row["s"])
        return found

    # An approved package may end meanwhile: lock the totals of all of them before reading which ended.
    _locked_changes(set(keys_of(COUNTED).values()), changes)


def case_moved(*, case_id: int, from_locality_id: int, to_locality_id: int) -> None:
    """A case moved to another locality: what its packages count moves with it."""
    if from_locality_id == to_locality_id:
        return
    packages = SupportPackage.objects.filter(case_id=case_id, status__in=COUNTED, decided_at__isnull=False)
    years = {year_of(decided_at) for decided_at in packages.values_list("decided_at", flat=True)}
    keys = [(locality, year) for year in years for locality in (from_locality_id, to_locality_id)]

    def changes():
        found: dict[Key, int] = {}
        rows = packages.order_by().values("pk", "status", "total", "decided_at").annotate(sent=SENT_TO_THE_BANK)
        for row in rows:
            year = year_of(row["decided_at"])
            amount = pence(row["total"]) if row["status"] == PackageStatus.APPROVED else pence(row["sent"])
            found[(from_locality_id, year)] = found.get((from_locality_id, year), 0) - amount
            found[(to_locality_id, year)] = found.get((to_locality_id, year), 0) + amount
        return found

    _locked_changes(keys, changes)


# -- the check ----------------------------------------------------------------------------------------


def differences() -> list[tuple[Key, int, int]]:
    """Each total that differs from the rule recomputed: ((locality, year), kept, recomputed), in pence.
    Call it in a transaction: it locks every total first, so no event changes one while it compares."""
    locked: set[Key] = set()
    _lock(BudgetCommitment.objects.values_list("locality_id", "financial_year"), locked)
    while True:
        fresh = recomputed()
        if set(fresh) <= locked:
            break
        _lock(fresh, locked)
    kept = {
        (locality, year): amount
        for locality, year, amount in BudgetCommitment.objects.values_list(
            "locality_id", "financial_year", "committed_pence"
        )
    }
    return [
        (key, kept.get(key, 0), fresh.get(key, 0))
        for key in sorted(set(kept) | set(fresh))
        if kept.get(key, 0) != fresh.get(key, 0)
    ]


def fix(differing: list[tuple[Key, int, int]], *, by=None) -> None:
    """Rewrite the totals `differences` found (in the same transaction, still locked), each with a
    `budget_total_fixed` event: the kept and recomputed figures."""
    for (locality, year), kept, fresh in differing:
        row = BudgetCommitment.objects.select_related("locality").get(locality_id=locality, financial_year=year)
        BudgetCommitment.objects.filter(pk=row.pk).update(committed_pence=fresh)
        record_event(
            obj=row,
            action="budget_total_fixed",
            by=by,
            case_id=None,
            reason=f"{row.locality.name} {year}-{(year + 1) % 100:02d}: the running total differed from the "
            "packages and payments recomputed",
            changes={"committed": [str(pounds(kept)), str(pounds(fresh))]},
        )


def fill(*, packages=SupportPackage, commitments=BudgetCommitment) -> int:
    """Write every total from the rule recomputed (no events): for data written without the services
    (the migration that made the totals; bench/bulk_cases.py). Returns the number of totals."""
    fresh = recomputed(packages=packages)
    commitments.objects.all().delete()
    commitments.objects.bulk_create(
        [
            commitments(locality_id=locality, financial_year=year, committed_pence=amount)
            for (locality, year), amount in sorted(fresh.items())
        ]
    )
    return len(fresh)
