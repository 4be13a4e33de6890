"""The bank's returns file: payments that did not reach the payee, applied whole or not at all."""

import csv
import datetime
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction

from audit.services import record_event
from core.exceptions import InvalidTransition, RuleBroken
from core.roles import ensure_finance
from network_packages import commitments
from payments import totals
from payments.constants import (
    BatchStatus,
    PaymentStatus,
)
from payments.models import (
    Payment,
    PaymentReturn,
    ReturnsImport,
)
from payments.services.schedule import _move_payment

RETURNS_COLUMNS = ["reference", "amount", "returned_on", "reason_code", "reason"]


RETURNS_MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class ReturnRow:
    line: int
    reference: str
    amount: Decimal
    returned_on: datetime.date
    reason_code: str
    reason: str


def parse_returns_file(content: bytes) -> list[ReturnRow]:
    """Rows of a bank returns CSV (columns in README.md). Raises RuleBroken listing every bad line."""
    if len(content) > RETURNS_MAX_BYTES:
        raise RuleBroken("The returns file is larger than 5 MB.", field="file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RuleBroken("The returns file is not UTF-8 text (save it as CSV).", field="file")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in next(reader, [])]
    if header != RETURNS_COLUMNS:
        raise RuleBroken(f"The first line must be the column names {','.join(RETURNS_COLUMNS)}.", field="file")
    rows, errors = [], []
    for line, fields in enumerate(reader, start=2):
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(RETURNS_COLUMNS):
            errors.append(f"line {line}: {len(fields)} columns, expected {len(RETURNS_COLUMNS)}")
            continue
        reference, amount, returned_on, reason_code, reason = (f.strip() for f in fields)
        try:
            value = Decimal(amount)
            if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
                raise InvalidOperation
        except InvalidOperation:
            errors.append(f"line {line}: amount “{amount[:20]}” is not a sum of money like 25.00")
            continue
        try:
            day = datetime.date.fromisoformat(returned_on)
        except ValueError:
            errors.append(f"line {line}: returned_on “{returned_on[:20]}” is not a date like 2026-04-30")
            continue
        if not reason:
            errors.append(f"line {line}: the reason is empty")
            continue
        rows.append(
            ReturnRow(line, reference.upper(), value.quantize(Decimal("0.01")), day, reason_code[:10], reason[:200])
        )
    if not rows and not errors:
        errors.append("the file has no returned payments")
    if errors:
        raise RuleBroken(_errors_message("The returns file was not applied", errors), field="file")
    return rows


def _errors_message(lead: str, errors: list[str]) -> str:
    shown = "; ".join(errors[:10]) + (f"; and {len(errors) - 10} more" if len(errors) > 10 else "")
    return f"{lead} (nothing was changed): {shown}."


@transaction.atomic
def returns_import(*, by, content: bytes, file_name: str = "") -> ReturnsImport:
    """Apply a bank returns file whole: each payment named is marked returned and reopened for
    correction (scheduled again, out of its batch, to be authorised again once its payee's bank
    details are put right). Any bad line, unknown reference or mismatch applies nothing.

    Raises RuleBroken listing every problem, InvalidTransition (the same file imported before).
    """
    ensure_finance(by)
    rows = parse_returns_file(content)
    digest = hashlib.sha256(content).hexdigest()
    if ReturnsImport.objects.filter(sha256=digest).exists():
        raise InvalidTransition("This returns file has been imported already.")
    by_reference = {}
    errors = []
    ids = {}
    for row in rows:
        number = row.reference[4:] if row.reference.startswith("FNSP") else ""
        if not number.isdigit() or len(row.reference) != 12:
            errors.append(f"line {row.line}: “{row.reference[:20]}” is not a payment reference like FNSP00000123")
        elif row.reference in by_reference:
            errors.append(f"line {row.line}: {row.reference} is also on line {by_reference[row.reference].line}")
        else:
            by_reference[row.reference] = row
            ids[int(number)] = row
    payments = {
        p.pk: p
        for p in Payment.objects.select_for_update(of=("self",))
        .select_related("batch")
        .filter(pk__in=list(ids))
        .order_by("id")
    }
    for pk, row in ids.items():
        payment = payments.get(pk)
        if payment is None:
            errors.append(f"line {row.line}: no payment has the reference {row.reference}")
        elif (
            payment.status not in (PaymentStatus.BATCHED, PaymentStatus.PAID)
            or payment.batch is None
            or payment.batch.status not in (BatchStatus.EXPORTED, BatchStatus.CONFIRMED)
        ):
            errors.append(
                f"line {row.line}: {row.reference} is {payment.get_status_display().lower()}, not sent to "
                "the bank in an exported batch"
            )
        elif payment.amount != row.amount:
            errors.append(f"line {row.line}: {row.reference} was for £{payment.amount:,.2f}, not £{row.amount:,.2f}")
    if errors:
        raise RuleBroken(_errors_message("The returns file was not applied", errors), field="file")
    imported = ReturnsImport.objects.create(
        file_name=file_name[:200],
        sha256=digest,
        row_count=len(rows),
        total=sum((r.amount for r in rows), Decimal("0.00")),
        imported_by=by,
    )
    moves = []
    for pk in sorted(ids):
        row, payment = ids[pk], payments[pk]
        batch = payment.batch
        PaymentReturn.objects.create(
            payment=payment,
            batch=batch,
            returns_import=imported,
            amount=row.amount,
            reason_code=row.reason_code,
            reason=row.reason,
            returned_on=row.returned_on,
        )
        previous = _move_payment(payment, PaymentStatus.RETURNED)
        payment.save(update_fields=["status"])
        moves.append((previous, PaymentStatus.SCHEDULED, 1, payment.amount))  # returned, then reopened
        record_event(
            obj=payment,
            action="payment_returned",
            by=by,
            case_id=payment.case_id,
            from_state=previous,
            to_state=payment.status,
            reason=f"{row.reason_code} {row.reason}".strip(),
            changes={"batch": batch.reference, "returned_on": row.returned_on.isoformat()},
        )
        _move_payment(payment, PaymentStatus.SCHEDULED)
        payment.batch = None
        payment.authorised_by = None
        payment.authorised_at = None
        payment.paid_at = None
        payment.times_returned += 1
        payment.save(update_fields=["status", "batch", "authorised_by", "authorised_at", "paid_at", "times_returned"])
        record_event(
            obj=payment,
            action="payment_reopened",
            by=by,
            case_id=payment.case_id,
            from_state=PaymentStatus.RETURNED,
            to_state=payment.status,
            reason="Returned by the bank: correct the payee's bank details, then authorise it again.",
        )
    totals.moved(moves)  # the payments' running totals, in one change
    commitments.payments_moved(Payment.objects.filter(pk__in=sorted(ids)), into_batch=False)  # budgets' running totals
    record_event(
        obj=imported,
        action="returns_imported",
        by=by,
        case_id=None,
        changes={"rows": imported.row_count, "total": str(imported.total), "sha256": digest},
    )
    return imported
