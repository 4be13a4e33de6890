"""Reads of the money side. Finance officers see payments, payees and batches; people who can see
a case see that case's payments (never bank details unmasked)."""

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Round
from django.http import Http404
from django.utils import timezone

from audit.models import DomainEvent
from audit.spreadsheets import csv_writer
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken
from core.roles import Role, has_role, may
from fgdm.models import DeclaredConflict, Locality
from fgdm.visibility import bank_account_scope, batch_scope, payment_scope, sees_every_case
from network_packages.models import Budget
from network_packages.selectors import committed_by_locality, financial_year_bounds
from payments.constants import BatchStatus, ExportFormat, PaymentStatus
from payments.models import BankAccount, BatchExport, Payment, PaymentBatch, PaymentReturn, PaymentTotal


def payment_list(
    *, user, status: str | None = None, case_id: int | None = None, due_before: datetime.date | None = None
) -> QuerySet[Payment]:
    qs = Payment.objects.select_related("payee", "supplier", "case__locality", "item", "batch", "package")
    qs = qs.filter(payment_scope(user))
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
    return (
        PaymentBatch.objects.filter(batch_scope(user))
        .select_related("created_by", "approved_by", "exported_by", "confirmed_by")
        .order_by("-created_at", "-id")
    )


def batches_in_progress(*, user) -> QuerySet[PaymentBatch]:
    """Batches not yet confirmed, newest first (finance's home page)."""
    return batch_list(user=user).exclude(status=BatchStatus.CONFIRMED)


def batches_to_approve(*, user) -> QuerySet[PaymentBatch]:
    """Open batches this finance officer may approve: the four-eyes rule of
    payments.services.batches.ensure_can_approve_batch (not the creator, no declared conflict in a
    case the batch pays) as a filter in SQL, so a page of them needs no query per batch. The
    service checks it again when they approve."""
    if not may(user, "batch_approve"):
        return PaymentBatch.objects.none()
    conflicted = Payment.objects.filter(batch=OuterRef("pk"), case__declared_conflicts__user=user)
    return (
        batches_in_progress(user=user)
        .filter(status=BatchStatus.OPEN)
        .exclude(created_by=user)
        .exclude(Exists(conflicted))
    )


def batches_waiting(*, user) -> QuerySet[PaymentBatch]:
    """Batches in progress that wait for someone else or for a later step (not batches_to_approve)."""
    return batches_in_progress(user=user).exclude(pk__in=batches_to_approve(user=user).values("pk"))


def authorised_unbatched(*, user) -> QuerySet[Payment]:
    """Authorised payments in no batch yet: what a new batch would take, oldest due first."""
    return payment_list(user=user, status=PaymentStatus.AUTHORISED).filter(batch__isnull=True)


def payment_totals(payments: QuerySet[Payment]) -> dict:
    """How many payments and their sum, as one SQL aggregate: {"count": int, "total": Decimal}."""
    totals = payments.order_by().aggregate(count=Count("id"), total=Sum("amount"))
    return {"count": totals["count"], "total": totals["total"] or Decimal("0.00")}


def sees_every_payment(user) -> bool:
    """Whether payment_scope shows this user every payment but those of the cases they declared a
    conflict in: finance officers, and roles that see every case (fgdm.visibility.payment_scope,
    case_row_scope). tests/payments/test_payment_totals.py holds the two together for every role."""
    return has_role(user, Role.FINANCE_OFFICER) or sees_every_case(user)


def payment_totals_kept(*, user, status: str | None = None) -> dict:
    """The number and sum of the payments `user` sees (those of one status, or all), from the
    running totals (payments.totals) less the payments of the cases the user declared a conflict in,
    in one statement: {"count": int, "total": Decimal}, as payment_totals. Only for a user who
    sees_every_payment. The conflicted cases' payments are few (a person declares a conflict in a
    handful of cases), found by the payments' case index."""
    statuses = [status] if status else list(PaymentStatus.values)
    # Per conflicted case, its payments (of the status) counted and summed by a probe of the payments'
    # case index — correlated, so the plan is that probe whatever the planner's statistics say; the
    # status is counted, not filtered, so no scan of a status's index joins in. COUNT and SUM are
    # plain functions, not Django aggregates: one row each, no GROUP BY.
    of_case = Payment.objects.filter(case_id=OuterRef("case_id")).order_by()

    def mine(value, field):
        return Case(When(status=status, then=value), default=Value(0), output_field=field) if status else value

    per_case_count = of_case.values(n=Func(mine(Value(1), BigIntegerField()), function="SUM"))
    per_case_pence = of_case.values(
        p=Func(mine(F("amount") * 100, DecimalField()), function="SUM", output_field=DecimalField())
    )
    conflicts = DeclaredConflict.objects.filter(user=user).order_by()
    hidden_count = conflicts.values(n=Func(Subquery(per_case_count), function="SUM"))
    hidden_pence = conflicts.values(p=Cast(Round(Func(Subquery(per_case_pence), function="SUM")), BigIntegerField()))

    def summed(kind: str):
        names = [f"{s}_{kind}" for s in statuses]
        return Sum(sum((F(name) for name in names[1:]), F(names[0])))

    figures = PaymentTotal.objects.aggregate(
        count=summed("count") - Coalesce(Subquery(hidden_count), 0),
        pence=summed("pence") - Coalesce(Subquery(hidden_pence), 0),
    )
    return {
        "count": figures["count"] or 0,
        "total": (Decimal(figures["pence"] or 0) / 100).quantize(Decimal("0.01")),
    }


def payment_totals_known(*, user, status: str | None = None, narrowed: bool) -> dict | None:
    """The number and sum of the payments `user` sees, of `status` or all, when the running totals
    answer it exactly (payment_totals_kept): the user sees every payment and the list is not
    `narrowed` by anything but its status. Otherwise None: the list must be counted."""
    if narrowed or (status and status not in PaymentStatus.values) or not sees_every_payment(user):
        return None
    return payment_totals_kept(user=user, status=status)


def payment_list_totals(payments: QuerySet[Payment], *, user, status: str | None = None, narrowed: bool) -> dict:
    """The number and sum of the payments of a list (payment_list of `user`, of `status` or all):
    from the running totals when they answer it (payment_totals_known), otherwise payment_totals of
    the list itself."""
    known = payment_totals_known(user=user, status=status, narrowed=narrowed)
    return known if known is not None else payment_totals(payments)


def payment_page(payments: QuerySet[Payment], *, size: int, number: int) -> tuple[list[Payment], dict]:
    """Page `number` (from 1) of `size` payments, with the number and sum of all of them
    ({"count", "total"} as payment_totals) in the same statement: window aggregates over the whole
    list, computed before its LIMIT. A page past the end has no rows: its totals take one aggregate."""
    start = (number - 1) * size
    rows = list(payments.annotate(all_count=Window(Count("id")), all_total=Window(Sum("amount")))[start : start + size])
    if rows:
        return rows, {"count": rows[0].all_count, "total": rows[0].all_total or Decimal("0.00")}
    if number == 1:
        return rows, {"count": 0, "total": Decimal("0.00")}
    return rows, payment_totals(payments)


def batch_get(*, user, batch_id) -> PaymentBatch:
    try:
        return batch_list(user=user).get(pk=batch_id)
    except (PaymentBatch.DoesNotExist, ValueError, TypeError):
        raise Http404("No such batch.")


def batch_file_get(*, user, batch_id, export_format: str | None = None) -> tuple[PaymentBatch, BatchExport]:
    """The stored file of an exported batch in one format (default: the format it was first exported
    in). A read: it renders nothing, stores nothing and records no event (the caller logs the access).

    Raises Http404 (no such batch for this user; not exported yet; that format never exported),
    RuleBroken (an unknown format), InvalidTransition (files removed under retention).
    """
    batch = batch_get(user=user, batch_id=batch_id)
    if batch.status not in (BatchStatus.EXPORTED, BatchStatus.CONFIRMED):
        raise Http404("This batch has not been exported yet: export it first.")
    export_format = export_format or batch.export_format
    if export_format not in ExportFormat.values:
        raise RuleBroken(
            f"Export format “{export_format}” is not available; use one of: {', '.join(ExportFormat.values)}.",
            field="format",
        )
    export = batch.exports.filter(export_format=export_format).select_related("exported_by").first()
    if export is None:
        raise Http404(f"No {export_format} file has been exported for this batch: export that format first.")
    if export.content_removed:
        raise InvalidTransition(
            "This batch's files were removed under the retention schedule; their checksums are kept."
        )
    return batch, export


def bank_account_for(*, member) -> BankAccount | None:
    return BankAccount.objects.filter(member=member).select_related("entered_by", "verified_by").first()


def bank_account_of_supplier(*, supplier) -> BankAccount | None:
    return BankAccount.objects.filter(supplier=supplier).select_related("entered_by", "verified_by").first()


def return_to_these_details(*, owner, account: BankAccount | None) -> PaymentReturn | None:
    """The latest payment to `owner` (a network member or a supplier) that the bank returned after it
    was sent to the bank details on file — entered before the batch went to the bank. While there is
    one, none of the payee's payments is authorised or batched: the details must be changed and
    verified again. None when there is no such return (or no details on file)."""
    if account is None:
        return None
    paid_to = {"payment__supplier": owner} if owner.is_supplier else {"payment__payee": owner}
    sent_after_entered = Q(batch__exported_at__gte=account.entered_at) | Q(
        batch__exported_at__isnull=True, batch__created_at__gte=account.entered_at
    )
    return (
        PaymentReturn.objects.filter(sent_after_entered, **paid_to)
        .select_related("payment")
        .order_by("-returned_on", "-id")
        .first()
    )


def payees_with_returned_details(*, member_ids: set[int], supplier_ids: set[int]) -> set[tuple[int | None, int | None]]:
    """Of these payees, those (as (member_id, supplier_id)) whose bank details on file the bank has
    returned a payment from (see `return_to_these_details`), in one query."""
    returns = PaymentReturn.objects.filter(
        Q(payment__payee_id__in=member_ids, payment__payee__bank_account__entered_at__lte=F("batch__exported_at"))
        | Q(
            payment__supplier_id__in=supplier_ids,
            payment__supplier__bank_account__entered_at__lte=F("batch__exported_at"),
        )
    )
    return set(returns.values_list("payment__payee_id", "payment__supplier_id"))


def bank_details_shown_in_full(*, user, account: BankAccount | None) -> bool:
    """Bank details are shown unmasked only to a finance officer who may verify them — not verified
    yet, and not entered by that officer — on the page and in the API alike. Everywhere else they are
    masked (the export file carries them to the bank)."""
    return bool(
        account
        and not account.is_verified
        and has_role(user, Role.FINANCE_OFFICER)
        and account.entered_by_id != user.pk
    )


def payees_awaiting_verification(*, user) -> QuerySet[BankAccount]:
    """Bank details (network members' and suppliers') this finance officer may verify: not their own entries."""
    if not has_role(user, Role.FINANCE_OFFICER):
        return BankAccount.objects.none()
    return (
        BankAccount.objects.filter(verified_at__isnull=True)
        .filter(bank_account_scope(user))
        .exclude(entered_by=user)
        .select_related("member__case", "supplier", "entered_by")
        .order_by("entered_at")
    )


def can_see_finance_reports(user) -> bool:
    return may(user, "finance_reports")


def payment_history(*, payment) -> QuerySet[DomainEvent]:
    """Every state change of the payment, oldest first (who, when, from what, to what)."""
    return DomainEvent.objects.filter(object_type="payment", object_id=payment.pk).order_by("at", "id")


@dataclass(frozen=True)
class BudgetLine:
    locality: Locality
    budget: Decimal | None
    committed: Decimal  # approved packages' totals
    paid: Decimal  # payments paid in the year (returned payments are not paid)

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.committed

    @property
    def over_budget(self) -> bool:
        return self.budget is not None and self.committed > self.budget


def budget_report(*, user, financial_year: int) -> list[BudgetLine]:
    """Per locality: the budget for the financial year, approved commitments and actual payments.
    Raises NotPermitted for people without a finance view (practitioners, coordinators, team managers)."""
    if not can_see_finance_reports(user):
        raise NotPermitted("Only finance, auditors and senior managers see budgets.")
    start, end = financial_year_bounds(financial_year)
    budgets = dict(Budget.objects.filter(financial_year=financial_year).values_list("locality_id", "amount"))
    committed = committed_by_locality(financial_year=financial_year)
    paid = dict(
        Payment.objects.filter(status=PaymentStatus.PAID, paid_at__date__gte=start, paid_at__date__lte=end)
        .values_list("case__locality_id")
        .annotate(total=Sum("amount"))
        .values_list("case__locality_id", "total")
    )
    zero = Decimal("0.00")
    return [
        BudgetLine(
            locality=locality,
            budget=budgets.get(locality.pk),
            committed=committed.get(locality.pk) or zero,
            paid=paid.get(locality.pk) or zero,
        )
        for locality in Locality.objects.order_by("name")
    ]


TRANSPARENCY_THRESHOLD = Decimal("500.00")
TRANSPARENCY_COLUMNS = [
    "Body name",
    "Service area",
    "Expenditure category",
    "Payment date",
    "Transaction number",
    "Amount",
    "Supplier name",
    "Supplier type",
    "Purpose of expenditure",
    "Procurement category",
]
REDACTED = "REDACTED - PERSONAL DATA"


def transparency_rows(*, user, date_from: datetime.date, date_to: datetime.date):
    """Payments over £500 paid between the dates, in the Local Government Transparency Code's
    "expenditure exceeding £500" shape. A member of a child's family network is a private
    individual, so their name is redacted; a supplier (a shop, a taxi firm) is a business and is
    named, as the Code asks. The purpose is the item's category only — nothing that could identify a
    family.

    Raises NotPermitted as `budget_report`.
    """
    if not can_see_finance_reports(user):
        raise NotPermitted("Only finance, auditors and senior managers see spending reports.")
    body = settings.FGDM_ORIGINATOR["name"]
    payments = (
        Payment.objects.filter(
            status=PaymentStatus.PAID,
            amount__gt=TRANSPARENCY_THRESHOLD,
            paid_at__date__gte=date_from,
            paid_at__date__lte=date_to,
        )
        .select_related("item", "case__locality", "supplier")
        .order_by("paid_at", "id")
    )
    for p in payments.iterator(chunk_size=500):
        if p.supplier_id:
            name, kind, procurement = p.supplier.name, "Supplier", "Goods and services bought for a family"
        else:
            name, kind, procurement = REDACTED, "Individual", "Grants and payments to individuals"
        yield [
            body,
            f"Children's Services - Family Network Support - {p.case.locality.name}",
            "Family network support packages",
            timezone.localtime(p.paid_at).date().isoformat(),
            p.reference,
            f"{p.amount:.2f}",
            name,
            kind,
            p.item.get_category_display(),
            procurement,
        ]


def transparency_csv(*, user, date_from: datetime.date, date_to: datetime.date):
    """The transparency report as CSV, one chunk of bytes per line (for a streamed response)."""
    rows = transparency_rows(user=user, date_from=date_from, date_to=date_to)
    out = io.StringIO(newline="")
    writer = csv_writer(out, lineterminator="\r\n")
    for row in (TRANSPARENCY_COLUMNS, *rows):
        writer.writerow(row)
        yield out.getvalue().encode("utf-8")
        out.seek(0)
        out.truncate()


def same_account_elsewhere(account: BankAccount | None) -> list[BankAccount]:
    """Other payees' bank details with the same sort code and account number (one person, one
    account: a grandmother and a taxi firm should not share one). The verifier is warned."""
    if account is None:
        return []
    return list(
        BankAccount.objects.filter(sort_code=account.sort_code, account_number=account.account_number)
        .exclude(pk=account.pk)
        .select_related("member", "supplier")
        .order_by("pk")
    )


def shared_account_warning(account: BankAccount | None) -> str:
    """The verifier's warning when these bank details are on file for another payee, or ""."""
    others = same_account_elsewhere(account)
    if not others:
        return ""
    names = ", ".join(
        dict.fromkeys(
            f"{other.owner.full_name} (supplier)" if other.supplier_id else other.owner.full_name for other in others
        )
    )
    return (
        f"One person, one account: the same sort code and account number are on file for another payee: {names}. "
        "Check with the payee that the account is theirs before verifying."
    )
