"""Payment batches: made from authorised payments (no payment in two, no duplicates), approved by a
second officer, exported to the bank and ledger files, confirmed paid."""

import datetime
import uuid
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from audit.bulk import append_events
from audit.masking import masks_repr
from audit.services import record_event
from core import notify
from core.exceptions import InvalidTransition, RuleBroken, SeparationOfDuties, ensure_not_same_person, ensure_transition
from core.money import PENNY
from core.roles import ensure_finance
from fgdm.contact import member_contact
from fgdm.models import NetworkMember
from network_packages import commitments
from network_packages.constants import Frequency
from network_packages.models import Supplier
from payments import exports, totals
from payments.constants import (
    BATCH_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    BatchStatus,
    ExportFormat,
    PaymentStatus,
)
from payments.models import (
    BankAccount,
    BatchExport,
    Payment,
    PaymentBatch,
)
from payments.selectors import payees_with_returned_details


class _Item:
    """What the duplicate check reads of a package item (shared by its payments)."""

    __slots__ = ("category", "description", "frequency")

    def __init__(self, category: str, description: str, frequency: str):
        self.category, self.description, self.frequency = category, description, frequency


class _Taken:
    """A payment as batch_create reads it: one row of one query, no model instance (a batch may take
    50,000). It answers what `find_duplicates` and the audit trail ask of a Payment."""

    __slots__ = ("pk", "payee_id", "supplier_id", "amount", "case_id", "due_on", "item", "paid_to")
    status = PaymentStatus.AUTHORISED

    def __init__(self, pk, payee_id, supplier_id, amount, case_id, due_on, item, paid_to):
        self.pk, self.payee_id, self.supplier_id, self.amount = pk, payee_id, supplier_id, amount
        self.case_id, self.due_on, self.item, self.paid_to = case_id, due_on, item, paid_to

    reference = Payment.reference
    __str__ = Payment.__str__


def _described(payment) -> str:
    """The payment as the trail describes it (as `record_event` would)."""
    return (f"payment #{payment.pk}" if masks_repr("payments.payment") else str(payment))[:200]


def _taken(candidates) -> list[_Taken]:
    """The candidate payments, locked (in id order, so two officers never wait for each other), as
    light rows: one query, plus one for the payees' names and one for the suppliers'."""
    rows = list(
        candidates.select_for_update(of=("self",))
        .order_by("id")
        .values_list(
            "id",
            "payee_id",
            "supplier_id",
            "amount",
            "case_id",
            "due_on",
            "item_id",
            "item__category",
            "item__description",
            "item__frequency",
        )
    )
    members = NetworkMember.objects.in_bulk({row[1] for row in rows if row[1]})
    suppliers = Supplier.objects.in_bulk({row[2] for row in rows if row[2]})
    items: dict[int, _Item] = {}
    taken = []
    for pk, payee_id, supplier_id, amount, case_id, due_on, item_id, category, description, frequency in rows:
        item = items.get(item_id)
        if item is None:
            item = items[item_id] = _Item(category, description, frequency)
        paid_to = members[payee_id] if payee_id else suppliers[supplier_id]
        taken.append(_Taken(pk, payee_id, supplier_id, amount, case_id, due_on, item, paid_to))
    return taken


@transaction.atomic
def batch_create(*, by, payment_ids: list[int] | None = None, due_by: datetime.date | None = None) -> PaymentBatch:
    """Put authorised payments into a new open batch (all those due by `due_by`, default today).

    Set-based, whatever the number of payments: the payments are locked and read in one query,
    checked, then moved into the batch with one UPDATE; the batch's count and total are summed in
    SQL; the trail gets one event per payment, appended in bulk. A payment can never be in two
    batches (rule 4): the payments are locked as they are taken.
    Raises RuleBroken (nothing to pay; a named payment not authorised; unverified bank details).
    """
    ensure_finance(by)
    candidates = Payment.objects.filter(status=PaymentStatus.AUTHORISED, batch__isnull=True)
    if payment_ids:
        wanted = set(payment_ids)
        candidates = candidates.filter(pk__in=wanted)
        payments = _taken(candidates)
        missing = wanted - {p.pk for p in payments}
        if missing:
            raise RuleBroken(
                f"Payments {', '.join(map(str, sorted(missing)))} are not authorised or are already in a batch.",
                field="payment_ids",
            )
    else:
        candidates = candidates.filter(due_on__lte=due_by or timezone.localdate())
        payments = _taken(candidates)
    if not payments:
        raise RuleBroken("There are no authorised payments due to put in a batch.")
    member_ids = {p.payee_id for p in payments if p.payee_id}
    supplier_ids = {p.supplier_id for p in payments if p.supplier_id}
    # Lock the payees' bank details too (in id order): a change of details cannot slip in while the
    # batch is made, and two officers batching payments to the same payee at the same moment take
    # turns, so the second sees the first's batch when it looks for duplicates.
    accounts = list(
        BankAccount.objects.select_for_update()
        .filter(Q(member_id__in=member_ids) | Q(supplier_id__in=supplier_ids))
        .order_by("id")
        .values_list("member_id", "supplier_id", "verified_at")
    )
    verified = {(member_id, supplier_id) for member_id, supplier_id, verified_at in accounts if verified_at is not None}
    unverified = [p for p in payments if (p.payee_id, p.supplier_id) not in verified]
    if unverified:
        raise RuleBroken(f"{len(unverified)} payment(s) have payees whose bank details are not verified.")
    returned = payees_with_returned_details(member_ids=member_ids, supplier_ids=supplier_ids)
    held = [p for p in payments if (p.payee_id, p.supplier_id) in returned]
    if held:
        names = ", ".join(sorted({p.paid_to.full_name for p in held}))
        raise RuleBroken(
            f"The bank returned a payment to the bank details of {names}, so no batch was made: "
            f"{len(held)} payment(s) to them wait until their details are changed and verified again.",
            field="payment_ids" if payment_ids else None,
        )
    duplicates = find_duplicates(payments)
    if duplicates:
        listed = "; ".join(duplicates[:5]) + (f"; and {len(duplicates) - 5} more" if len(duplicates) > 5 else "")
        raise RuleBroken(
            f"Possible duplicate payments, so no batch was made: {listed}. Cancel the duplicate, or name "
            "only the payments to pay.",
            field="payment_ids" if payment_ids else None,
        )
    batch = PaymentBatch.objects.create(reference=f"tmp-{uuid.uuid4().hex[:16]}", created_by=by)
    batch.reference = f"FNB-{timezone.localdate():%Y%m%d}-{batch.pk:04d}"
    # One UPDATE moves them all, with the query that took them: the rows it took are locked by this
    # transaction, so it finds them all again. A payment authorised by another officer since then
    # would be found too, unchecked: then nothing is batched (rolled back) and the officer tries again.
    moved = candidates.update(status=PaymentStatus.BATCHED, batch=batch)
    sums = batch.payments.aggregate(count=Count("id"), total=Sum("amount"))
    if moved != len(payments) or sums["count"] != len(payments):
        raise RuleBroken("Payments were authorised while the batch was made, so no batch was made. Try again.")
    batch.payment_count = sums["count"]
    # To the penny: SQLite sums a decimal column in floating point (0.10 + 0.20 = 0.300000000000000).
    batch.total = (sums["total"] or Decimal("0")).quantize(PENNY)
    # The running totals by what the UPDATE moved (its rows and their sum), not payment by payment.
    totals.moved([(PaymentStatus.AUTHORISED, PaymentStatus.BATCHED, batch.payment_count, batch.total)])
    batch.save(update_fields=["reference", "payment_count", "total"])
    now = timezone.now()
    append_events(
        (
            {
                "at": now,
                "action": "payment_batched",
                "object_type": "payment",
                "object_id": payment.pk,
                "object_repr": _described(payment),
                "case_id": payment.case_id,
                "from_state": PaymentStatus.AUTHORISED,
                "to_state": PaymentStatus.BATCHED,
                "changes": {"batch": batch.reference},
            }
            for payment in payments
        ),
        by=by,
    )
    commitments.payments_moved(batch.payments.all(), into_batch=True)  # budgets' running totals
    record_event(
        obj=batch,
        action="batch_created",
        by=by,
        case_id=None,
        to_state=batch.status,
        changes={"payments": batch.payment_count, "total": str(batch.total)},
    )
    notify.announce("batch_awaiting_approval", key=f"batch-approval:{batch.pk}", batch_id=batch.pk)
    return batch


def payment_period(payment: Payment) -> str:
    """The period an instalment pays for: its ISO week if weekly, else its month."""
    if payment.item.frequency == Frequency.WEEKLY:
        year, week, _ = payment.due_on.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{payment.due_on:%Y-%m}"


def _duplicate_key(payment: Payment) -> tuple:
    """Same payee, same amount, same item (the item as carried across package versions: same
    case, category and description) and same period."""
    item = payment.item
    return (
        payment.payee_id,
        payment.supplier_id,
        payment.amount,
        payment.case_id,
        item.category,
        " ".join(item.description.lower().split()),
        payment_period(payment),
    )


def find_duplicates(payments: list[Payment]) -> list[str]:
    """Messages naming each payment that duplicates another in the list, or one already batched or paid."""
    if not payments:
        return []
    earlier = (
        Payment.objects.select_related("item", "batch", "payee", "supplier")
        .filter(
            Q(payee_id__in={p.payee_id for p in payments if p.payee_id})
            | Q(supplier_id__in={p.supplier_id for p in payments if p.supplier_id}),
            amount__in={p.amount for p in payments},
            status__in=[PaymentStatus.BATCHED, PaymentStatus.PAID],
        )
        .order_by("id")
    )
    given = {p.pk for p in payments}  # left out here, not in SQL: a batch may give 50,000
    seen: dict[tuple, Payment] = {_duplicate_key(p): p for p in earlier if p.pk not in given}
    messages = []
    for payment in sorted(payments, key=lambda p: p.pk):
        key = _duplicate_key(payment)
        other = seen.get(key)
        if other is not None:
            where = (
                f"already {other.get_status_display().lower()}"
                + (f" in {other.batch.reference}" if other.batch else "")
                if other.status in (PaymentStatus.BATCHED, PaymentStatus.PAID)
                else "also in this batch"
            )
            messages.append(
                f"{payment.reference} (£{payment.amount:,.2f} to {payment.paid_to.full_name} for "
                f"“{payment.item.description}”, {key[-1]}) duplicates {other.reference}, {where}"
            )
        else:
            seen[key] = payment
    return messages


def _lock_batch(batch_id: int) -> PaymentBatch:
    return PaymentBatch.objects.select_for_update().get(pk=batch_id)


def ensure_can_approve_batch(by, batch: PaymentBatch) -> None:
    """The four-eyes rule of a batch: not its creator, and no declared conflict in a case it pays
    (pages ask it to offer "Approve"; batch_approve checks it). Raises SeparationOfDuties."""
    ensure_not_same_person(by, batch.created_by, message="You created this batch; another officer must approve it.")
    from fgdm.models import DeclaredConflict

    if DeclaredConflict.objects.filter(user=by, case_id__in=batch.payments.values("case_id")).exists():
        raise SeparationOfDuties(
            "You have declared a conflict of interest in a case this batch pays; another officer must approve it."
        )


@transaction.atomic
def batch_approve(*, batch_id: int, by) -> PaymentBatch:
    """A second finance officer approves the batch. Raises SeparationOfDuties, InvalidTransition."""
    ensure_finance(by)
    batch = _lock_batch(batch_id)
    ensure_transition(batch.status, BatchStatus.APPROVED, BATCH_TRANSITIONS, label="batch")
    ensure_can_approve_batch(by, batch)
    batch.status = BatchStatus.APPROVED
    batch.approved_by = by
    batch.approved_at = timezone.now()
    batch.save(update_fields=["status", "approved_by", "approved_at"])
    record_event(
        obj=batch, action="batch_approved", by=by, case_id=None, from_state=BatchStatus.OPEN, to_state=batch.status
    )
    return batch


EXPORT_FETCH_ROWS = 2000  # payments fetched from the database at a time while a file is written


@transaction.atomic
def batch_export(*, batch_id: int, by, export_format: str = ExportFormat.CSV) -> tuple[PaymentBatch, bytes]:
    """The batch's file in one format (see `batch_export_file`), as bytes. This holds the whole file
    in memory: pages and the API stream it from `batch_export_file` instead."""
    batch, export = batch_export_file(batch_id=batch_id, by=by, export_format=export_format)
    return batch, b"".join(export.stream())


@transaction.atomic
def batch_export_file(*, batch_id: int, by, export_format: str = ExportFormat.CSV) -> tuple[PaymentBatch, BatchExport]:
    """Export an approved batch as CSV, BACS Standard 18 or pain.001. The first export of any
    format marks the batch exported; each format is rendered once — payment by payment, stored in
    chunks as it is written (memory stays flat whatever the batch's size) — with its size and
    SHA-256, so exporting that format again returns the same bytes (`BatchExport.stream()`).

    Raises InvalidTransition (not approved yet; files removed under retention), RuleBroken (unknown
    format; payees' bank details changed and not verified again; the originator's details in the
    settings not valid for a bank file; file totals not matching the batch).
    """
    ensure_finance(by)
    batch = _lock_batch(batch_id)
    if export_format not in ExportFormat.values:
        raise RuleBroken(
            f"Export format “{export_format}” is not available; use one of: {', '.join(ExportFormat.values)}.",
            field="format",
        )
    if batch.status in (BatchStatus.EXPORTED, BatchStatus.CONFIRMED):
        if batch.exports.filter(content_removed_at__isnull=False).exists():
            raise InvalidTransition(
                "This batch's files were removed under the retention schedule; their checksums are kept."
            )
        existing = batch.exports.filter(export_format=export_format).first()
        if existing is not None:
            record_event(
                obj=batch,
                action="batch_downloaded",
                by=by,
                case_id=None,
                changes={"format": export_format, "sha256": existing.sha256},
            )
            return batch, existing
    else:
        ensure_transition(batch.status, BatchStatus.EXPORTED, BATCH_TRANSITIONS, label="batch")
    payments = batch.payments.order_by("id")
    unverified = payments.exclude(
        Q(payee__bank_account__verified_at__isnull=False) | Q(supplier__bank_account__verified_at__isnull=False)
    ).count()
    if unverified:
        raise RuleBroken(
            f"{unverified} payee(s) have bank details that were changed and not verified again; "
            "the batch cannot be exported until another officer verifies them."
        )
    originator = exports.Originator.from_settings()
    problems = originator.problems() if export_format != ExportFormat.CSV else []
    if problems:  # `manage.py check` reports these too, but gunicorn does not run the checks
        raise RuleBroken(
            "The council's originator details in the settings are not valid, so no bank file was made: "
            + " ".join(message for _, message in problems)
            + " An administrator must correct them.",
            field="format",
        )
    now = timezone.now()
    export = BatchExport.objects.create(
        batch=batch,
        export_format=export_format,
        sha256="",
        size=0,
        payment_count=batch.payment_count,
        total=batch.total,
        exported_by=by,
        exported_at=now,
    )
    # One streamed query of plain rows (no model instances), rendered as they come.
    rows = payments.values_list(*exports.ROW_FIELDS).iterator(chunk_size=EXPORT_FETCH_ROWS)
    try:
        export.write(
            exports.render(export_format, batch, exports.export_rows(rows), originator=originator, exported_at=now)
        )
    except ValueError as error:  # the transaction is rolled back: no export, no chunks
        raise RuleBroken(f"The {export_format} file could not be made: {error}", field="format")
    finally:
        # Close PostgreSQL's server-side cursor now: left to the garbage collector, it would be
        # closed later inside whatever transaction then runs on this connection, and abort it.
        rows.close()
    if batch.status == BatchStatus.APPROVED:
        batch.status = BatchStatus.EXPORTED
        batch.export_format = export_format
        batch.export_sha256 = export.sha256
        batch.exported_by = by
        batch.exported_at = now
        batch.save(update_fields=["status", "export_format", "export_sha256", "exported_by", "exported_at"])
        record_event(
            obj=batch,
            action="batch_exported",
            by=by,
            case_id=None,
            from_state=BatchStatus.APPROVED,
            to_state=batch.status,
            changes={"format": export_format, "sha256": export.sha256},
        )
    else:
        record_event(
            obj=batch,
            action="batch_exported_again",
            by=by,
            case_id=None,
            changes={"format": export_format, "sha256": export.sha256},
        )
    return batch, export


@transaction.atomic
def batch_confirm(*, batch_id: int, by) -> PaymentBatch:
    """The bank has paid the batch: its payments become paid.

    Set-based: the payments are locked and read in one query, made paid with one UPDATE, and the
    trail gets one event per payment, appended in bulk. Raises InvalidTransition (the batch not
    exported; a payment in it that can no longer be paid).
    """
    ensure_finance(by)
    batch = _lock_batch(batch_id)
    ensure_transition(batch.status, BatchStatus.CONFIRMED, BATCH_TRANSITIONS, label="batch")
    now = timezone.now()
    payments = list(
        batch.payments.select_for_update(of=("self",))
        .order_by("id")
        .values_list("id", "status", "case_id", "payee_id", "supplier_id", "amount", "due_on")
    )
    for status in sorted({status for _, status, *_ in payments}):  # as each payment's own move would
        ensure_transition(status, PaymentStatus.PAID, PAYMENT_TRANSITIONS, label="payment")
    Payment.objects.filter(batch=batch).update(status=PaymentStatus.PAID, paid_at=now)
    # The running totals by what the UPDATE moved: the rows locked and read above (all of the
    # batch's: none can join it), per status.
    moving: dict[str, list] = {}
    for _pk, status, _case_id, _payee_id, _supplier_id, amount, _due_on in payments:
        figures = moving.setdefault(status, [0, Decimal("0.00")])
        figures[0] += 1
        figures[1] += amount
    totals.moved([(status, PaymentStatus.PAID, n, amount) for status, (n, amount) in sorted(moving.items())])
    members = NetworkMember.objects.in_bulk({row[3] for row in payments if row[3]})
    suppliers = Supplier.objects.in_bulk({row[4] for row in payments if row[4]})
    append_events(
        (
            {
                "at": now,
                "action": "payment_paid",
                "object_type": "payment",
                "object_id": pk,
                "object_repr": _described(
                    _Taken(
                        pk,
                        payee_id,
                        supplier_id,
                        amount,
                        case_id,
                        due_on,
                        None,
                        members.get(payee_id) or suppliers.get(supplier_id),
                    )
                ),
                "case_id": case_id,
                "from_state": status,
                "to_state": PaymentStatus.PAID,
            }
            for pk, status, case_id, payee_id, supplier_id, amount, due_on in payments
        ),
        by=by,
    )
    # A payment made is announced to be told to the network member paid (notifications decides
    # how). Only a member who may be sent messages (fgdm.contact) can be told anything: a supplier
    # or a member who agreed to none would be told nothing, so their payments are not announced
    # one by one.
    reachable = {pk for pk, member in members.items() if member_contact(member) is not None}
    for pk, _status, _case_id, payee_id, *_ in payments:
        if payee_id in reachable:
            notify.announce("payment_made", key=f"payment-paid:{pk}", payment_id=pk)
    batch.status = BatchStatus.CONFIRMED
    batch.confirmed_by = by
    batch.confirmed_at = now
    batch.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    record_event(
        obj=batch, action="batch_confirmed", by=by, case_id=None, from_state=BatchStatus.EXPORTED, to_state=batch.status
    )
    return batch
