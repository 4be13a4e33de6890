"""Every write and state change on the money side: bank details, payments, batches and exports."""
import datetime
import uuid
import hashlib
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from fgdm.exceptions import InvalidTransition, RuleBroken, SeparationOfDuties, ensure_not_same_person, ensure_transition
from fgdm.models import NetworkMember
from fgdm.permissions import ensure_can_work_case, ensure_finance, ensure_no_conflict, has_role
from fgdm.constants import Role
from network_packages.constants import Frequency, PackageStatus
from network_packages.models import SupportPackage
from payments.constants import BATCH_TRANSITIONS, PAYMENT_TRANSITIONS, BatchStatus, ExportFormat, PaymentStatus
from payments.exports import render_csv
from payments.models import BankAccount, Payment, PaymentBatch, account_number_validator, sort_code_validator
from payments.signals import package_payments_authorised


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
        for number, due_on in enumerate(instalment_dates(first, item.frequency, item.instalments), start=1):
            payments.append(Payment(item=item, package=package, case_id=package.case_id, payee_id=item.payee_id,
                                    instalment=number, amount=item.amount, due_on=due_on))
    created = Payment.objects.bulk_create(payments)
    total = sum((p.amount for p in created), Decimal("0.00"))
    if total != package.total:  # rule 5: never pay a penny more or less than was approved
        raise RuleBroken(f"Scheduled payments (£{total}) do not equal the package total (£{package.total}).")
    record_event(obj=package, action="payments_scheduled", by=by, case_id=package.case_id,
                 changes={"payments": len(created), "total": str(total)})
    return created


def payments_cancel_unpaid(*, package: SupportPackage, by=None) -> int:
    """Cancel a package's payments that have not gone to the bank (scheduled or authorised and not
    in a batch). Paid and batched payments are never touched. Called by the case flow."""
    cancelled = 0
    for payment in package.payments.select_for_update().filter(
        status__in=[PaymentStatus.SCHEDULED, PaymentStatus.AUTHORISED], batch__isnull=True
    ).order_by("id"):
        previous = _move_payment(payment, PaymentStatus.CANCELLED)
        payment.save(update_fields=["status"])
        record_event(obj=payment, action="payment_cancelled", by=by, case_id=payment.case_id,
                     from_state=previous, to_state=payment.status, reason=f"Package v{package.version} ended")
        cancelled += 1
    return cancelled


@transaction.atomic
def bank_account_set(*, member_id: int, by, account_name: str, sort_code: str, account_number: str) -> BankAccount:
    """Enter or change a payee's bank details. A change needs verifying again before use.

    Raises RuleBroken (invalid sort code or account number, payee not eligible), NotPermitted.
    """
    member = NetworkMember.objects.select_for_update(of=("self",)).select_related("case__team").get(pk=member_id)
    if not has_role(by, Role.FINANCE_OFFICER):
        ensure_can_work_case(by, member.case)
    if not member.payment_eligible:
        raise RuleBroken("Parents and holders of parental responsibility cannot be paid from a support package.")
    sort_code = normalise_sort_code(sort_code)
    account_number = str(account_number).strip().replace(" ", "")
    for field, value, validator in (("sort_code", sort_code, sort_code_validator),
                                    ("account_number", account_number, account_number_validator)):
        try:
            validator(value)
        except ValidationError as error:
            raise RuleBroken(error.messages[0], field=field)
    if not account_name.strip():
        raise RuleBroken("Enter the name on the account.", field="account_name")
    account = BankAccount.objects.select_for_update().filter(member=member).first()
    action = "bank_details_changed" if account else "bank_details_entered"
    if account is None:
        account = BankAccount(member=member)
    account.account_name = account_name.strip()[:100]
    account.sort_code = sort_code
    account.account_number = account_number
    account.entered_by = by
    account.entered_at = timezone.now()
    account.verified_by = None
    account.verified_at = None
    account.save()
    record_event(obj=account, action=action, by=by, case_id=member.case_id, to_state="unverified")
    return account


@transaction.atomic
def bank_account_verify(*, member_id: int, by) -> BankAccount:
    """A finance officer who did not enter them confirms the bank details (rule 2)."""
    ensure_finance(by)
    account = BankAccount.objects.select_for_update().filter(member_id=member_id).first()
    if account is None:
        raise InvalidTransition("There are no bank details to verify.")
    if account.is_verified:
        raise InvalidTransition("These bank details are already verified.")
    ensure_not_same_person(by, account.entered_by, message="You entered these bank details; another officer must verify them.")
    ensure_no_conflict(by, account.member.case_id)
    account.verified_by = by
    account.verified_at = timezone.now()
    account.save(update_fields=["verified_by", "verified_at"])
    record_event(obj=account, action="bank_details_verified", by=by, case_id=account.member.case_id,
                 from_state="unverified", to_state="verified")
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
    payment = Payment.objects.select_for_update(of=("self",)).select_related("package", "payee").get(pk=payment_id)
    ensure_not_same_person(by, payment.package.decided_by,
                           message="You approved this package; someone else must authorise its payments.")
    ensure_no_conflict(by, payment.case_id)
    account = BankAccount.objects.filter(member_id=payment.payee_id).first()
    if account is None or not account.is_verified:
        raise RuleBroken(f"{payment.payee.full_name}'s bank details must be entered and verified first.")
    previous = _move_payment(payment, PaymentStatus.AUTHORISED)
    payment.authorised_by = by
    payment.authorised_at = timezone.now()
    payment.save(update_fields=["status", "authorised_by", "authorised_at"])
    record_event(obj=payment, action="payment_authorised", by=by, case_id=payment.case_id,
                 from_state=previous, to_state=payment.status)
    if not Payment.objects.filter(package_id=payment.package_id, status=PaymentStatus.SCHEDULED).exists():
        package_payments_authorised.send(sender=Payment, package=payment.package, by=by)
    return payment


@transaction.atomic
def batch_create(*, by, payment_ids: list[int] | None = None, due_by: datetime.date | None = None) -> PaymentBatch:
    """Put authorised payments into a new open batch (all those due by `due_by`, default today).

    Payments are locked as they are taken, so a payment can never be in two batches (rule 4).
    Raises RuleBroken (nothing to pay; a named payment not authorised; unverified bank details).
    """
    ensure_finance(by)
    candidates = Payment.objects.select_for_update().filter(status=PaymentStatus.AUTHORISED, batch__isnull=True)
    if payment_ids:
        wanted = set(payment_ids)
        payments = list(candidates.filter(pk__in=wanted).order_by("id"))
        missing = wanted - {p.pk for p in payments}
        if missing:
            raise RuleBroken(
                f"Payments {', '.join(map(str, sorted(missing)))} are not authorised or are already in a batch.",
                field="payment_ids",
            )
    else:
        payments = list(candidates.filter(due_on__lte=due_by or timezone.localdate()).order_by("id"))
    if not payments:
        raise RuleBroken("There are no authorised payments due to put in a batch.")
    verified = set(BankAccount.objects.filter(member_id__in={p.payee_id for p in payments}, verified_at__isnull=False)
                   .values_list("member_id", flat=True))
    unverified = [p for p in payments if p.payee_id not in verified]
    if unverified:
        raise RuleBroken(f"{len(unverified)} payment(s) have payees whose bank details are not verified.")
    batch = PaymentBatch.objects.create(reference=f"tmp-{uuid.uuid4().hex[:16]}", created_by=by)
    batch.reference = f"FNB-{timezone.localdate():%Y%m%d}-{batch.pk:04d}"
    batch.payment_count = len(payments)
    batch.total = sum((p.amount for p in payments), Decimal("0.00"))
    batch.save(update_fields=["reference", "payment_count", "total"])
    for payment in payments:
        previous = _move_payment(payment, PaymentStatus.BATCHED)
        payment.batch = batch
        payment.save(update_fields=["status", "batch"])
        record_event(obj=payment, action="payment_batched", by=by, case_id=payment.case_id,
                     from_state=previous, to_state=payment.status, changes={"batch": batch.reference})
    record_event(obj=batch, action="batch_created", by=by, case_id=None, to_state=batch.status,
                 changes={"payments": batch.payment_count, "total": str(batch.total)})
    return batch


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
        raise SeparationOfDuties("You have declared a conflict of interest in a case this batch pays; another officer must approve it.")
    batch.status = BatchStatus.APPROVED
    batch.approved_by = by
    batch.approved_at = timezone.now()
    batch.save(update_fields=["status", "approved_by", "approved_at"])
    record_event(obj=batch, action="batch_approved", by=by, case_id=None, from_state=BatchStatus.OPEN, to_state=batch.status)
    return batch


@transaction.atomic
def batch_export(*, batch_id: int, by, export_format: str = ExportFormat.CSV) -> tuple[PaymentBatch, bytes]:
    """Export an approved batch. Exporting again returns the same bytes (its SHA-256 is recorded).

    Raises InvalidTransition (not approved yet), RuleBroken (unknown format, or another format
    than the one first exported).
    """
    ensure_finance(by)
    batch = _lock_batch(batch_id)
    if export_format not in ExportFormat.values:
        raise RuleBroken(f"Export format “{export_format}” is not available; use one of: {', '.join(ExportFormat.values)}.",
                         field="format")
    if batch.status in (BatchStatus.EXPORTED, BatchStatus.CONFIRMED):
        if export_format != batch.export_format:
            raise RuleBroken(f"This batch was exported as {batch.export_format}.", field="format")
        content = bytes(batch.export_content)
        record_event(obj=batch, action="batch_downloaded", by=by, case_id=None, changes={"sha256": batch.export_sha256})
        return batch, content
    ensure_transition(batch.status, BatchStatus.EXPORTED, BATCH_TRANSITIONS, label="batch")
    payments = list(
        batch.payments.select_related("payee__bank_account", "case__locality").order_by("id")
    )
    unverified = [p for p in payments if not getattr(p.payee, "bank_account", None) or not p.payee.bank_account.is_verified]
    if unverified:
        raise RuleBroken("Some payees' bank details are no longer verified; the batch cannot be exported.")
    content = render_csv(batch, payments)
    batch.status = BatchStatus.EXPORTED
    batch.export_format = export_format
    batch.export_content = content
    batch.export_sha256 = hashlib.sha256(content).hexdigest()
    batch.exported_by = by
    batch.exported_at = timezone.now()
    batch.save(update_fields=["status", "export_format", "export_content", "export_sha256", "exported_by", "exported_at"])
    record_event(obj=batch, action="batch_exported", by=by, case_id=None, from_state=BatchStatus.APPROVED,
                 to_state=batch.status, changes={"format": export_format, "sha256": batch.export_sha256})
    return batch, content


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
        record_event(obj=payment, action="payment_paid", by=by, case_id=payment.case_id,
                     from_state=previous, to_state=payment.status)
    batch.status = BatchStatus.CONFIRMED
    batch.confirmed_by = by
    batch.confirmed_at = now
    batch.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    record_event(obj=batch, action="batch_confirmed", by=by, case_id=None, from_state=BatchStatus.EXPORTED,
                 to_state=batch.status)
    return batch


