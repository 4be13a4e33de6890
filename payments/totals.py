"""Running totals of the payments in each status: how many, and their sum in integer pence
(`PaymentTotal`; why sharded in slots, and why each status is a pair of columns, is in its docstring).

The payments list shows, for whoever sees every payment (finance), how many payments there are and
what they add up to, all of them or those of one status. Counting and summing 974,000 payments on
each view grows with the data, so the services keep the figures as they go, in the same transaction
as each event that moves them:

- payments scheduled for an approved package: + scheduled (`payments_schedule`);
- one authorised: scheduled → authorised (`payment_authorise`, `payments_authorise_many`);
- cancelled: scheduled or authorised → cancelled (`payment_cancel`, `payments_cancel_unpaid`,
  `payments_pause`);
- put in a batch: authorised → batched, by the count and sum of the rows the batch's one UPDATE
  moved (`batch_create`); confirmed paid: batched → paid, likewise (`batch_confirm`);
- returned by the bank and reopened: batched or paid → scheduled (`returns_import`).

A payment's amount never changes once scheduled, and payments are never deleted.

Each change is one statement: an upsert of the transaction's slot that adds to its columns in SQL
(`n = n + x`), so two transactions never lose each other's update and a slot missing is created.
`recomputed` counts and sums the payments themselves: `manage.py check_payment_totals` compares the
totals with it (and rewrites them, with `--fix`); the migration that made the totals and
bench/bulk_cases.py fill them with it (`fill`).
"""

from collections.abc import Iterable
from decimal import Decimal

from django.db import connection
from django.db.models import Count, F, Sum

from audit.services import record_event
from payments.constants import PaymentStatus
from payments.models import Payment, PaymentTotal

STATUSES: tuple[str, ...] = tuple(PaymentStatus.values)
Figures = dict[str, tuple[int, int]]  # status → (count, pence)


def pence(amount: Decimal | None) -> int:
    return int((amount or Decimal("0")).quantize(Decimal("0.01")) * 100)


def pounds(amount_pence: int) -> Decimal:
    return (Decimal(amount_pence) / 100).quantize(Decimal("0.01"))


def columns(status: str) -> tuple[str, str]:
    """The count and pence columns of a status."""
    return f"{status}_count", f"{status}_pence"


# -- the changes --------------------------------------------------------------------------------------


def add(changes: Figures) -> None:
    """Add to the totals of each status (count, pence; either may be negative), in one statement on
    this transaction's slot. The slot is the transaction id modulo SLOTS on PostgreSQL, so every
    change of one transaction goes to the same row (it never holds two); SQLite has one writer at a
    time, so one slot."""
    wanted = {status: figures for status, figures in changes.items() if any(figures)}
    if not wanted:
        return
    unknown = set(wanted) - set(STATUSES)
    if unknown:
        raise ValueError(f"No running total for payment status {sorted(unknown)}.")
    # Every column in the INSERT (a slot not there yet starts from 0), only the changed ones updated.
    names = [name for status in STATUSES for name in columns(status)]
    values = [int(value) for status in STATUSES for value in wanted.get(status, (0, 0))]
    changed = [name for status in sorted(wanted) for name in columns(status)]
    quote = connection.ops.quote_name
    table = quote(PaymentTotal._meta.db_table)
    slot = f"mod(txid_current(), {PaymentTotal.SLOTS})" if connection.vendor == "postgresql" else "0"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (slot, {', '.join(quote(n) for n in names)}) "
            f"VALUES ({slot}, {', '.join(['%s'] * len(values))}) "
            f"ON CONFLICT (slot) DO UPDATE SET "
            + ", ".join(f"{quote(n)} = {table}.{quote(n)} + EXCLUDED.{quote(n)}" for n in changed),
            values,
        )


def created(status: str, *, count: int, amount: Decimal) -> None:
    """`count` payments adding up to `amount` were created in `status`."""
    add({status: (count, pence(amount))})


def moved(moves: Iterable[tuple[str, str, int, Decimal]]) -> None:
    """Payments moved (from status, to status, how many, their sum): all of them in one change."""
    changes: dict[str, list[int]] = {}
    for source, target, count, amount in moves:
        if source == target:
            continue
        for status, sign in ((source, -1), (target, 1)):
            figures = changes.setdefault(status, [0, 0])
            figures[0] += sign * count
            figures[1] += sign * pence(amount)
    add({status: (n, p) for status, (n, p) in changes.items()})


# -- reading and checking -----------------------------------------------------------------------------


def kept(*, totals=PaymentTotal) -> Figures:
    """The running totals, per status (the slots summed)."""
    sums = totals.objects.aggregate(
        **{name: Sum(name) for status in STATUSES for name in columns(status)},
    )
    return {status: tuple(sums[name] or 0 for name in columns(status)) for status in STATUSES}


def recomputed(*, payments=Payment) -> Figures:
    """The payments themselves counted and summed per status (`payments`: the migration's model)."""
    found = {status: (0, 0) for status in STATUSES}
    for row in payments.objects.order_by().values("status").annotate(n=Count("id"), amount=Sum("amount")):
        found[row["status"]] = (row["n"], pence(row["amount"]))
    return found


def _lock_all() -> None:
    """Make every slot exist and lock them all (in slot order): no payment event changes a total
    until this transaction ends, and each waits for the events still holding one."""
    PaymentTotal.objects.bulk_create(
        [PaymentTotal(slot=slot) for slot in range(PaymentTotal.SLOTS)], ignore_conflicts=True
    )
    list(PaymentTotal.objects.select_for_update().order_by("slot").values_list("pk", flat=True))


def differences() -> list[tuple[str, tuple[int, int], tuple[int, int]]]:
    """Each status whose totals differ from the payments recomputed: (status, kept, recomputed), as
    (count, pence). Call it in a transaction: every slot is locked first, so no payment event
    changes a total while it compares (an event that moved payments but not yet its total waits,
    and its payments are not seen by the recount either)."""
    _lock_all()
    fresh, held = recomputed(), kept()
    return [(status, held[status], fresh[status]) for status in STATUSES if held[status] != fresh[status]]


def fix(differing, *, by=None) -> None:
    """Rewrite the totals `differences` found (in the same transaction, still locked): the status's
    columns of slot 0 take the recomputed figures less what the other slots hold. Each with a
    `payment_total_fixed` event: the kept and recomputed figures."""
    row = PaymentTotal.objects.get(slot=0)
    for status, was, fresh in differing:
        count, amount = columns(status)
        PaymentTotal.objects.filter(pk=row.pk).update(
            **{count: F(count) + (fresh[0] - was[0]), amount: F(amount) + (fresh[1] - was[1])}
        )
        record_event(
            obj=row,
            action="payment_total_fixed",
            by=by,
            case_id=None,
            reason=f"Payments {PaymentStatus(status).label.lower()}: the running total differed from the "
            "payments recounted",
            changes={
                "count": [was[0], fresh[0]],
                "total": [str(pounds(was[1])), str(pounds(fresh[1]))],
            },
        )


def fill(*, payments=Payment, totals=PaymentTotal) -> None:
    """Write the totals from the payments recounted (no events), every slot but the first empty: for
    payments written without the services (the migration that made the totals; bench/bulk_cases.py).
    Call it in a transaction no payment event runs beside."""
    fresh = recomputed(payments=payments)
    totals.objects.all().delete()
    first = {name: value for status in STATUSES for name, value in zip(columns(status), fresh[status], strict=True)}
    totals.objects.bulk_create([totals(slot=0, **first)] + [totals(slot=slot) for slot in range(1, PaymentTotal.SLOTS)])
