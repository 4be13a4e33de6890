"""Payments of approved packages: scheduling the instalments, cancelling or pausing what has not
gone to the bank, authorising them (one, or many at once), finance cancelling one."""

import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from core import workflow
from core.exceptions import DomainError, InvalidTransition, RuleBroken, ensure_not_same_person, ensure_transition
from core.roles import ensure_finance
from fgdm.permissions import conflict_declared, ensure_no_conflict
from network_packages.constants import Frequency, PackageStatus
from network_packages.models import SupportPackage
from payments import totals
from payments.constants import (
    AUTHORISE_MANY_MAX,
    PAYMENT_TRANSITIONS,
    PaymentStatus,
)
from payments.models import (
    BankAccount,
    Payment,
)
from payments.selectors import payment_list, return_to_these_details
from payments.services.bank_details import _owner_filter


def instalment_dates(first: datetime.date, frequency: str, count: int) -> list[datetime.date]:
    """Due dates of each instalment: weekly every 7 days, monthly on the same day each month."""
    if frequency == Frequency.WEEKLY:
        return [first + datetime.timedelta(weeks=n) for n in range(count)]
    if frequency == Frequency.MONTHLY:
        return [first + relativedelta(months=n) for n in range(count)]
    return [first]


# The payments and their running totals together; inside a caller's transaction no savepoint (nothing
# here catches an error, and a savepoint is two statements more on the approval).
@transaction.atomic(savepoint=False)
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
    totals.created(PaymentStatus.SCHEDULED, count=len(created), amount=total)
    record_event(
        obj=package,
        action="payments_scheduled",
        by=by,
        case_id=package.case_id,
        changes={"payments": len(created), "total": str(total)},
    )
    return created


# The payments and their running totals together; inside a caller's transaction no savepoint (nothing
# here catches an error, and a savepoint is two statements more on the approval).
@transaction.atomic(savepoint=False)
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
    cancelled, moves = 0, []
    for payment in pending.order_by("id"):
        previous = _move_payment(payment, PaymentStatus.CANCELLED)
        payment.save(update_fields=["status"])
        moves.append((previous, payment.status, 1, payment.amount))
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
    totals.moved(moves)
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
        # The approver (separation of duties) and the case's process (the flow moves on after the
        # last payment) read with the payment, not one by one.
        .select_related("package__decided_by", "payee", "supplier", "case__process")
        .annotate(by_conflicted=conflict_declared(by, "case_id"))  # read with it, not after
        .get(pk=payment_id)
    )
    ensure_not_same_person(
        by, payment.package.decided_by, message="You approved this package; someone else must authorise its payments."
    )
    ensure_no_conflict(by, payment.case_id, declared=payment.by_conflicted)
    account = BankAccount.objects.filter(**_owner_filter(payment.paid_to)).first()
    if account is None or not account.is_verified:
        raise RuleBroken(f"{payment.paid_to.full_name}'s bank details must be entered and verified first.")
    _ensure_not_returned_to_the_same_details(payment, account)
    previous = _move_payment(payment, PaymentStatus.AUTHORISED)
    payment.authorised_by = by
    payment.authorised_at = timezone.now()
    payment.save(update_fields=["status", "authorised_by", "authorised_at"])
    totals.moved([(previous, payment.status, 1, payment.amount)])
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


def _ensure_not_returned_to_the_same_details(payment: Payment, account: BankAccount) -> None:
    """A payment goes out only to bank details the bank has not returned a payment from: once the
    bank returns any payment to the payee (account closed, details wrong), that payment and every
    other one to the same payee wait until the details are changed — entered after the returned
    payment was sent — and verified again by a second officer.

    Raises InvalidTransition naming the return and what to do.
    """
    returned = return_to_these_details(owner=payment.paid_to, account=account)
    if returned is None:
        return
    which = "this payment" if returned.payment_id == payment.pk else f"payment {returned.payment.reference}"
    raise InvalidTransition(
        f"The bank returned {which} on {returned.returned_on:%d %B %Y} ({returned.reason}). Payments to "
        f"{payment.paid_to.full_name} can be authorised again only after their bank details are changed and "
        "verified again by a second finance officer."
    )


# What a payment the officer cannot see is refused with: the same for one that does not exist, so
# the answer says nothing about cases they may not see (rule 1).
NOT_FOUND = "Not found."


@transaction.atomic
def payments_authorise_many(*, payment_ids: list[int], by) -> tuple[list[Payment], list[tuple[int, str]]]:
    """Finance authorises many scheduled payments at once; returns (authorised, refused).

    Each payment goes through `payment_authorise` on its own, in its own savepoint: a refused one
    (with the reason it gives) leaves the others authorised, and each authorised one leaves its own
    `payment_authorised` event (and, the last of a package, moves the case on as it does alone).
    An id the officer cannot see (payments.selectors.payment_list: no payment of a case they
    declared a conflict in) or that names no payment is refused as "Not found." and nothing more.
    Ids are taken once each, in id order, so two officers' runs lock rows in the same order.

    Raises NotPermitted (not a finance officer) and RuleBroken (no ids, or more than
    AUTHORISE_MANY_MAX) before touching any payment.
    """
    ensure_finance(by)
    wanted = sorted(set(payment_ids))
    if not wanted:
        raise RuleBroken("Choose at least one payment to authorise.", field="payment_ids")
    if len(wanted) > AUTHORISE_MANY_MAX:
        raise RuleBroken(
            f"Authorise at most {AUTHORISE_MANY_MAX} payments at a time; you chose {len(wanted)}.", field="payment_ids"
        )
    visible = set(payment_list(user=by).filter(pk__in=wanted).values_list("pk", flat=True))
    authorised: list[Payment] = []
    refused: list[tuple[int, str]] = []
    for payment_id in wanted:
        if payment_id not in visible:
            refused.append((payment_id, NOT_FOUND))
            continue
        try:
            # payment_authorise is atomic itself: inside this transaction that is a savepoint of its
            # own, so a refusal undoes this payment only.
            authorised.append(payment_authorise(payment_id=payment_id, by=by))
        except Payment.DoesNotExist:
            refused.append((payment_id, NOT_FOUND))
        except DomainError as exc:
            refused.append((payment_id, exc.message))
    return authorised, refused


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
    totals.moved([(previous, payment.status, 1, payment.amount)])
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
