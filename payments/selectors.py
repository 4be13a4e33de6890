"""Reads of the money side. Finance officers see payments, payees and batches; people who can see
a case see that case's payments (never bank details unmasked)."""
import datetime

from django.db.models import QuerySet
from django.http import Http404

from fgdm.constants import Role
from fgdm.permissions import full_case_scope_q, has_role
from payments.models import BankAccount, Payment, PaymentBatch


def payment_list(*, user, status: str | None = None, case_id: int | None = None,
                 due_before: datetime.date | None = None) -> QuerySet[Payment]:
    qs = Payment.objects.select_related("payee", "case__locality", "item", "batch", "package")
    if not (user.is_superuser or has_role(user, Role.FINANCE_OFFICER)):
        qs = qs.filter(full_case_scope_q(user, "case__"))
    if status:
        qs = qs.filter(status=status)
    if case_id:
        qs = qs.filter(case_id=case_id)
    if due_before:
        qs = qs.filter(due_on__lte=due_before)
    return qs.order_by("due_on", "id")


def payment_get(*, user, payment_id) -> Payment:
    try:
        return payment_list(user=user).get(pk=payment_id)
    except (Payment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such payment.")


def batch_list(*, user) -> QuerySet[PaymentBatch]:
    """Batches are finance's: other roles see none."""
    if not (user.is_superuser or has_role(user, Role.FINANCE_OFFICER) or has_role(user, Role.AUDITOR)):
        return PaymentBatch.objects.none()
    return PaymentBatch.objects.select_related("created_by", "approved_by").order_by("-created_at", "-id")


def batch_get(*, user, batch_id) -> PaymentBatch:
    try:
        return batch_list(user=user).get(pk=batch_id)
    except (PaymentBatch.DoesNotExist, ValueError, TypeError):
        raise Http404("No such batch.")


def bank_account_for(*, member) -> BankAccount | None:
    return BankAccount.objects.filter(member=member).select_related("entered_by", "verified_by").first()


def payees_awaiting_verification(*, user) -> QuerySet[BankAccount]:
    if not (user.is_superuser or has_role(user, Role.FINANCE_OFFICER)):
        return BankAccount.objects.none()
    return (BankAccount.objects.filter(verified_at__isnull=True)
            .exclude(entered_by=user)
            .select_related("member__case", "entered_by").order_by("entered_at"))


