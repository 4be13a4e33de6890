"""Payment files. CSV for the council's ledger; columns are documented in the README."""
import csv
import io
from decimal import Decimal

CSV_COLUMNS = [
    "record_type", "reference", "payee", "sort_code", "account_number", "amount",
    "due_date", "cost_centre", "case_reference", "batch_reference",
]


def render_csv(batch, payments) -> bytes:
    """Detail rows (D) then one trailer row (T) with the payment count and control total.

    Deterministic: the same batch always renders to the same bytes.
    """
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    total = Decimal("0.00")
    for p in payments:
        account = p.payee.bank_account
        total += p.amount
        writer.writerow([
            "D", p.reference, account.account_name, account.sort_code, account.account_number,
            f"{p.amount:.2f}", p.due_on.isoformat(), p.case.locality.code, p.case.reference, batch.reference,
        ])
    writer.writerow(["T", batch.reference, len(payments), "", "", f"{total:.2f}", "", "", "", batch.reference])
    return out.getvalue().encode("utf-8")
