"""Every write and state change on the money side: bank details, payments, batches and exports."""

import csv
import datetime
import hashlib
import io
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import record_event
from core import workflow
from core.exceptions import InvalidTransition, RuleBroken, SeparationOfDuties, ensure_not_same_person, ensure_transition
from core.roles import Role, ensure_finance, has_role
from fgdm.models import NetworkMember
from fgdm.permissions import ensure_can_work_case, ensure_no_conflict
from network_packages.constants import Frequency, PackageStatus
from network_packages.models import Supplier, SupportPackage
from payments import exports, modulus
from payments.constants import (
    BATCH_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    PENDING_STATUSES,
    BatchStatus,
    ExportFormat,
    PaymentStatus,
)
from payments.models import (
    BankAccount,
    BatchExport,
    Payment,
    PaymentBatch,
    PaymentReturn,
    ReturnsImport,
    account_number_validator,
    sort_code_validator,
)


def normalise_sort_code(value: str) -> str:
    return "".join(ch for ch in str(value) if ch not in " -")


def instalment_dates(first: datetime.date, frequency: str, count: int) -> list[datetime.date]:
    """Due dates of each instalment: weekly every 7 days, monthly on the same day each month."""
    if frequency == Frequency.WEEKLY:
        return [first + datetime.timedelta(weeks=n) for n in range(count)]
    if frequency == Frequency.MONTHLY:
        return [first + relativedelta(months=n) for n in range(count)]
    return [first]


def payments_schedule(*, package: SupportPackage, by=None) -> list[Payment]:
    """One payment per instalment of each item of an approved package (rule 4 and rule 5).

    Called by the case flow after approval, on behalf of the approver (`by`). Raises InvalidTransition if the package is not approved
    or already has payments.
    """
    if package.status != PackageStatus.APPROVED:
        raise InvalidTransition("Payments are scheduled only for an approved package.")
    if package.payments.exists():
        raise InvalidTransition("This package's payments are already scheduled.")
    first = max(timezone.localdate(), package.agreement_signed_on or timezone.localdate())
    payments = []
    for item in package.items.all():
        starts_on = max(first, item.starts_on) if item.starts_on else first  # never backdated
        for number, due_on in enumerate(instalment_dates(starts_on, item.frequency, item.instalments), start=1):
            payments.append(
                Payment(
                    item=item,
                    package=package,
                    case_id=package.case_id,
                    payee_id=item.payee_id,
                    supplier_id=item.supplier_id,
                    instalment=number,
                    amount=item.amount,
                    due_on=due_on,
                )
            )
    created = Payment.objects.bulk_create(payments)
    total = sum((p.amount for p in created), Decimal("0.00"))
    if total != package.total:  # rule 5: never pay a penny more or less than was approved
        raise RuleBroken(f"Scheduled payments (£{total}) do not equal the package total (£{package.total}).")
    record_event(
        obj=package,
        action="payments_scheduled",
        by=by,
        case_id=package.case_id,
        changes={"payments": len(created), "total": str(total)},
    )
    return created


def payments_cancel_unpaid(
    *,
    package: SupportPackage,
    by=None,
    due_from: datetime.date | None = None,
    due_to: datetime.date | None = None,
    reason: str = "",
) -> int:
    """Cancel a package's payments that have not gone to the bank (scheduled or authorised and not
    in a batch), all of them or those due between `due_from` and `due_to` (inclusive). Paid and
    batched payments are never touched. Called by the case process: when a changed package replaces
    the one before it, and when a package ends or pauses.
    """
    pending = package.payments.select_for_update().filter(
        status__in=[PaymentStatus.SCHEDULED, PaymentStatus.AUTHORISED], batch__isnull=True
    )
    if due_from:
        pending = pending.filter(due_on__gte=due_from)
    if due_to:
        pending = pending.filter(due_on__lte=due_to)
    cancelled = 0
    for payment in pending.order_by("id"):
        previous = _move_payment(payment, PaymentStatus.CANCELLED)
        payment.save(update_fields=["status"])
        record_event(
            obj=payment,
            action="payment_cancelled",
            by=by,
            case_id=payment.case_id,
            from_state=previous,
            to_state=payment.status,
            reason=reason or f"Package v{package.version} ended",
        )
        cancelled += 1
    return cancelled


def payments_pause(
    *, package: SupportPackage, by, pause_from: datetime.date, pause_to: datetime.date, reason: str
) -> int:
    """Cancel a package's payments due in the pause that have not gone to the bank.

    Raises RuleBroken when none falls due between those dates (naming those already in a batch).
    """
    due = package.payments.filter(due_on__gte=pause_from, due_on__lte=pause_to)
    if not due.filter(status__in=[PaymentStatus.SCHEDULED, PaymentStatus.AUTHORISED], batch__isnull=True).exists():
        gone = due.filter(batch__isnull=False).count()
        raise RuleBroken(
            "No payment of this package that has not gone to the bank falls due between those dates"
            + (f" ({gone} already in a batch: ask finance to cancel them there)." if gone else "."),
            field="pause_from",
        )
    return payments_cancel_unpaid(
        package=package,
        by=by,
        due_from=pause_from,
        due_to=pause_to,
        reason=f"Package v{package.version} paused {pause_from:%d/%m/%Y}–{pause_to:%d/%m/%Y}: {reason}",
    )


def payments_waiting_authorisation(*, package: SupportPackage) -> bool:
    """Whether any of the package's payments still waits to be authorised."""
    return package.payments.filter(status=PaymentStatus.SCHEDULED).exists()


@transaction.atomic
def bank_account_set(*, member_id: int, by, account_name: str, sort_code: str, account_number: str) -> BankAccount:
    """Enter or change a network member's bank details. A change needs verifying again before use.

    Raises RuleBroken (invalid sort code or account number, payee not eligible), NotPermitted.
    """
    member = NetworkMember.objects.select_for_update(of=("self",)).select_related("case__team").get(pk=member_id)
    if not has_role(by, Role.FINANCE_OFFICER):
        ensure_can_work_case(by, member.case)
    if not member.payment_eligible:
        raise RuleBroken("Parents and holders of parental responsibility cannot be paid from a support package.")
    return _bank_account_save(
        owner=member,
        by=by,
        account_name=account_name,
        sort_code=sort_code,
        account_number=account_number,
        case_id=member.case_id,
    )


@transaction.atomic
def supplier_bank_account_set(
    *, supplier_id: int, by, account_name: str, sort_code: str, account_number: str
) -> BankAccount:
    """Enter or change a supplier's bank details (finance only). A change needs verifying again.

    Raises RuleBroken (invalid sort code or account number), NotPermitted.
    """
    ensure_finance(by)
    supplier = Supplier.objects.select_for_update().get(pk=supplier_id)
    return _bank_account_save(
        owner=supplier,
        by=by,
        account_name=account_name,
        sort_code=sort_code,
        account_number=account_number,
        case_id=None,
    )


def _owner_filter(owner) -> dict:
    """Keyword filter for the bank account (or payments) of a network member or a supplier."""
    return {"supplier": owner} if owner.is_supplier else {"member": owner}


def _payments_of(owner):
    return Payment.objects.filter(**({"supplier": owner} if owner.is_supplier else {"payee": owner}))


def _bank_account_save(
    *, owner, by, account_name: str, sort_code: str, account_number: str, case_id: int | None
) -> BankAccount:
    sort_code, account_number = _checked_bank_details(sort_code, account_number)
    if not account_name.strip():
        raise RuleBroken("Enter the name on the account.", field="account_name")
    account = BankAccount.objects.select_for_update().filter(**_owner_filter(owner)).first()
    action = "bank_details_changed" if account else "bank_details_entered"
    was_verified = bool(account and account.is_verified)
    if account is None:
        account = BankAccount(**_owner_filter(owner))
    account.account_name = account_name.strip()[:100]
    account.sort_code = sort_code
    account.account_number = account_number
    account.entered_by = by
    account.entered_at = timezone.now()
    account.verified_by = None
    account.verified_at = None
    account.changed_after_verification = was_verified or account.changed_after_verification
    account.save()
    # Payments not yet paid wait for the new details to be verified: they cannot be authorised,
    # batched or exported until then (the services check), and the pages flag them.
    held = _payments_of(owner).filter(status__in=PENDING_STATUSES).count()
    record_event(
        obj=account,
        action=action,
        by=by,
        case_id=case_id,
        from_state="verified" if was_verified else ("unverified" if action == "bank_details_changed" else ""),
        to_state="unverified",
        changes={"pending_payments_held": held} if held else None,
    )
    return account


def _checked_bank_details(sort_code: str, account_number: str) -> tuple[str, str]:
    """The sort code and 8-digit account number BACS uses, checked with Vocalink's modulus rules.

    Raises RuleBroken naming the field at fault.
    """
    try:  # 6, 7, 9 and 10 digit account numbers become the 8 digits (and sort code) BACS uses
        sort_code, account_number = modulus.bacs_sort_code_and_account(sort_code, account_number)
    except modulus.BankDetailsError as error:
        raise RuleBroken(error.message, field=error.field)
    for field, value, validator in (
        ("sort_code", sort_code, sort_code_validator),
        ("account_number", account_number, account_number_validator),
    ):
        try:
            validator(value)
        except ValidationError as error:
            raise RuleBroken(error.messages[0], field=field)
    if not modulus.check(sort_code, account_number):
        raise RuleBroken(
            "This account number does not pass the bank's check for this sort code (Vocalink modulus "
            "check): please check both with the payee.",
            field="account_number",
        )
    return sort_code, account_number


@transaction.atomic
def bank_account_verify(*, member_id: int, by) -> BankAccount:
    """A finance officer who did not enter them confirms a network member's bank details (rule 2).

    Raises NotPermitted, InvalidTransition (none entered, already verified), SeparationOfDuties.
    """
    ensure_finance(by)
    account = BankAccount.objects.select_for_update().filter(member_id=member_id).first()
    if account is not None:
        ensure_no_conflict(by, account.member.case_id)
    return _bank_account_verify(account, by=by, case_id=account.member.case_id if account else None)


@transaction.atomic
def supplier_bank_account_verify(*, supplier_id: int, by) -> BankAccount:
    """A finance officer who did not enter them confirms a supplier's bank details (rule 2).

    Raises NotPermitted, InvalidTransition (none entered, already verified), SeparationOfDuties.
    """
    ensure_finance(by)
    account = BankAccount.objects.select_for_update().filter(supplier_id=supplier_id).first()
    return _bank_account_verify(account, by=by, case_id=None)


def _bank_account_verify(account: BankAccount | None, *, by, case_id: int | None) -> BankAccount:
    if account is None:
        raise InvalidTransition("There are no bank details to verify.")
    if account.is_verified:
        raise InvalidTransition("These bank details are already verified.")
    ensure_not_same_person(
        by, account.entered_by, message="You entered these bank details; another officer must verify them."
    )
    account.verified_by = by
    account.verified_at = timezone.now()
    account.changed_after_verification = False
    account.save(update_fields=["verified_by", "verified_at", "changed_after_verification"])
    record_event(
        obj=account,
        action="bank_details_verified",
        by=by,
        case_id=case_id,
        from_state="unverified",
        to_state="verified",
    )
    return account


def _move_payment(payment: Payment, target: str) -> str:
    ensure_transition(payment.status, target, PAYMENT_TRANSITIONS, label="payment")
    previous = payment.status
    payment.status = target
    return previous


@transaction.atomic
def payment_authorise(*, payment_id: int, by) -> Payment:
    """Finance authorises a scheduled payment.

    Raises SeparationOfDuties (approved the package), RuleBroken (bank details missing or
    unverified), InvalidTransition (not scheduled).
    """
    ensure_finance(by)
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("package", "payee", "supplier")
        .get(pk=payment_id)
    )
    ensure_not_same_person(
        by, payment.package.decided_by, message="You approved this package; someone else must authorise its payments."
    )
    ensure_no_conflict(by, payment.case_id)
    account = BankAccount.objects.filter(**_owner_filter(payment.paid_to)).first()
    if account is None or not account.is_verified:
        raise RuleBroken(f"{payment.paid_to.full_name}'s bank details must be entered and verified first.")
    previous = _move_payment(payment, PaymentStatus.AUTHORISED)
    payment.authorised_by = by
    payment.authorised_at = timezone.now()
    payment.save(update_fields=["status", "authorised_by", "authorised_at"])
    record_event(
        obj=payment,
        action="payment_authorised",
        by=by,
        case_id=payment.case_id,
        from_state=previous,
        to_state=payment.status,
    )
    if not Payment.objects.filter(package_id=payment.package_id, status=PaymentStatus.SCHEDULED).exists():
        # The package's last payment is authorised: the case moves on to its review.
        workflow.advance(process=payment.case.process, action="payments_authorised", by=by, required=False)
    return payment


@transaction.atomic
def batch_create(*, by, payment_ids: list[int] | None = None, due_by: datetime.date | None = None) -> PaymentBatch:
    """Put authorised payments into a new open batch (all those due by `due_by`, default today).

    Payments are locked as they are taken, so a payment can never be in two batches (rule 4).
    Raises RuleBroken (nothing to pay; a named payment not authorised; unverified bank details).
    """
    ensure_finance(by)
    candidates = Payment.objects.select_for_update(of=("self",)).filter(
        status=PaymentStatus.AUTHORISED, batch__isnull=True
    )
    if payment_ids:
        wanted = set(payment_ids)
        payments = list(candidates.filter(pk__in=wanted).select_related("item", "payee", "supplier").order_by("id"))
        missing = wanted - {p.pk for p in payments}
        if missing:
            raise RuleBroken(
                f"Payments {', '.join(map(str, sorted(missing)))} are not authorised or are already in a batch.",
                field="payment_ids",
            )
    else:
        payments = list(
            candidates.filter(due_on__lte=due_by or timezone.localdate())
            .select_related("item", "payee", "supplier")
            .order_by("id")
        )
    if not payments:
        raise RuleBroken("There are no authorised payments due to put in a batch.")
    # Lock the payees' bank details too (in id order): a change of details cannot slip in while the
    # batch is made, and two officers batching payments to the same payee at the same moment take
    # turns, so the second sees the first's batch when it looks for duplicates.
    accounts = list(
        BankAccount.objects.select_for_update()
        .filter(
            Q(member_id__in={p.payee_id for p in payments if p.payee_id})
            | Q(supplier_id__in={p.supplier_id for p in payments if p.supplier_id})
        )
        .order_by("id")
        .values_list("member_id", "supplier_id", "verified_at")
    )
    verified = {(member_id, supplier_id) for member_id, supplier_id, verified_at in accounts if verified_at is not None}
    unverified = [p for p in payments if (p.payee_id, p.supplier_id) not in verified]
    if unverified:
        raise RuleBroken(f"{len(unverified)} payment(s) have payees whose bank details are not verified.")
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
    batch.payment_count = len(payments)
    batch.total = sum((p.amount for p in payments), Decimal("0.00"))
    batch.save(update_fields=["reference", "payment_count", "total"])
    for payment in payments:
        previous = _move_payment(payment, PaymentStatus.BATCHED)
        payment.batch = batch
        payment.save(update_fields=["status", "batch"])
        record_event(
            obj=payment,
            action="payment_batched",
            by=by,
            case_id=payment.case_id,
            from_state=previous,
            to_state=payment.status,
            changes={"batch": batch.reference},
        )
    record_event(
        obj=batch,
        action="batch_created",
        by=by,
        case_id=None,
        to_state=batch.status,
        changes={"payments": batch.payment_count, "total": str(batch.total)},
    )
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
        .exclude(pk__in=[p.pk for p in payments])
        .order_by("id")
    )
    seen: dict[tuple, Payment] = {_duplicate_key(p): p for p in earlier}
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


@transaction.atomic
def payment_cancel(*, payment_id: int, by, reason: str) -> Payment:
    """Finance cancels one payment not yet in a batch (a duplicate, or no longer owed).

    Raises RuleBroken (no reason), InvalidTransition (batched, paid or already cancelled).
    """
    ensure_finance(by)
    if not reason.strip():
        raise RuleBroken("Say why the payment is cancelled.", field="reason")
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    ensure_no_conflict(by, payment.case_id)
    previous = _move_payment(payment, PaymentStatus.CANCELLED)
    payment.save(update_fields=["status"])
    record_event(
        obj=payment,
        action="payment_cancelled",
        by=by,
        case_id=payment.case_id,
        from_state=previous,
        to_state=payment.status,
        reason=reason.strip(),
    )
    return payment


def _lock_batch(batch_id: int) -> PaymentBatch:
    return PaymentBatch.objects.select_for_update().get(pk=batch_id)


@transaction.atomic
def batch_approve(*, batch_id: int, by) -> PaymentBatch:
    """A second finance officer approves the batch. Raises SeparationOfDuties, InvalidTransition."""
    ensure_finance(by)
    batch = _lock_batch(batch_id)
    ensure_transition(batch.status, BatchStatus.APPROVED, BATCH_TRANSITIONS, label="batch")
    ensure_not_same_person(by, batch.created_by, message="You created this batch; another officer must approve it.")
    from fgdm.models import DeclaredConflict

    if DeclaredConflict.objects.filter(user=by, case_id__in=batch.payments.values("case_id")).exists():
        raise SeparationOfDuties(
            "You have declared a conflict of interest in a case this batch pays; another officer must approve it."
        )
    batch.status = BatchStatus.APPROVED
    batch.approved_by = by
    batch.approved_at = timezone.now()
    batch.save(update_fields=["status", "approved_by", "approved_at"])
    record_event(
        obj=batch, action="batch_approved", by=by, case_id=None, from_state=BatchStatus.OPEN, to_state=batch.status
    )
    return batch


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
    payments = batch.payments.select_related(
        "payee__bank_account", "supplier__bank_account", "case__locality"
    ).order_by("id")
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
    try:
        export.write(
            exports.render(
                export_format, batch, payments.iterator(chunk_size=500), originator=originator, exported_at=now
            )
        )
    except ValueError as error:  # the transaction is rolled back: no export, no chunks
        raise RuleBroken(f"The {export_format} file could not be made: {error}", field="format")
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
    """The bank has paid the batch: its payments become paid."""
    ensure_finance(by)
    batch = _lock_batch(batch_id)
    ensure_transition(batch.status, BatchStatus.CONFIRMED, BATCH_TRANSITIONS, label="batch")
    now = timezone.now()
    for payment in batch.payments.select_for_update().order_by("id"):
        previous = _move_payment(payment, PaymentStatus.PAID)
        payment.paid_at = now
        payment.save(update_fields=["status", "paid_at"])
        record_event(
            obj=payment,
            action="payment_paid",
            by=by,
            case_id=payment.case_id,
            from_state=previous,
            to_state=payment.status,
        )
    batch.status = BatchStatus.CONFIRMED
    batch.confirmed_by = by
    batch.confirmed_at = now
    batch.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    record_event(
        obj=batch, action="batch_confirmed", by=by, case_id=None, from_state=BatchStatus.EXPORTED, to_state=batch.status
    )
    return batch


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
    record_event(
        obj=imported,
        action="returns_imported",
        by=by,
        case_id=None,
        changes={"rows": imported.row_count, "total": str(imported.total), "sha256": digest},
    )
    return imported
