"""Retention of payment records (registered with audit.retention from PaymentsConfig.ready()).

Payment records are kept for six years after the end of the financial year they belong to
(`AUDIT_RETENTION["payment_years_after_financial_year"]`). Then a batch's export files, one per
format (names and bank details of every payee), are removed — their chunk rows deleted; their
checksums, sizes, totals and the payments stay — and a payee's bank details are deleted once every
payment to them is past its date.
"""

from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from audit.retention import Due, payment_destroy_after
from payments.models import BankAccount, BatchExportChunk, PaymentBatch

PAYMENT_RECORDS = "payment_records"


class BatchFiles:
    name = "payments.paymentbatch"

    def due(self, *, today):
        with_files = Exists(BatchExportChunk.objects.filter(export__batch=OuterRef("pk")))
        batches = (
            PaymentBatch.objects.filter(with_files)
            .annotate(last_due=Max("payments__due_on"))
            .only("pk", "reference", "created_at")
            .order_by("pk")
        )
        for batch in batches.iterator(chunk_size=2000):
            day = batch.last_due or batch.created_at.date()
            destroy_after = payment_destroy_after(day)
            if destroy_after < today:
                yield Due(PAYMENT_RECORDS, "payments.paymentbatch", batch.pk, None, destroy_after, batch.reference)

    def destroy(self, due: Due):
        batch = PaymentBatch.objects.select_for_update().get(pk=due.object_id)
        now = timezone.now()
        for export in batch.exports.select_for_update().order_by("pk"):
            export.chunks.only("pk", "export_id", "sequence").delete()  # the content is never read
            if export.content_removed_at is None:
                export.content_removed_at = now
                export.save(update_fields=["content_removed_at"])
        return batch, ["export files (payees' names and bank details); their checksums, sizes and totals are kept"]


class BankDetails:
    name = "payments.bankaccount"

    def due(self, *, today):
        # Network members' details only: a supplier's are a business's, kept while it is on the register.
        accounts = (
            BankAccount.objects.filter(member__isnull=False)
            .select_related("member")
            .annotate(last_due=Max("member__payments__due_on"))
            .order_by("pk")
        )
        for account in accounts.iterator(chunk_size=2000):
            day = account.last_due or account.entered_at.date()
            destroy_after = payment_destroy_after(day)
            if destroy_after < today:
                yield Due(
                    PAYMENT_RECORDS,
                    "payments.bankaccount",
                    account.pk,
                    account.member.case_id,
                    destroy_after,
                    f"bank details of payee #{account.member_id}",
                )

    def destroy(self, due: Due):
        account = BankAccount.objects.select_for_update().get(pk=due.object_id)
        account.delete()
        return _Deleted("bankaccount", due.object_id, due.description), ["bank details (deleted)"]


class _Deleted:
    """Stands for a deleted row in its retention event (record_event needs _meta, pk and str)."""

    def __init__(self, model_name: str, pk: int, description: str):
        self.pk, self._description = pk, description
        self._meta = type("Meta", (), {"model_name": model_name})()

    def __str__(self) -> str:
        return f"{self._description} (deleted)"
