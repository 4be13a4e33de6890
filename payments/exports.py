"""Payment files: CSV for the council's ledger, BACS Standard 18 and ISO 20022 pain.001.001.03.

Each renderer is a generator of byte chunks (one record or one transaction at a time), so a batch
of any size is written without holding the whole file in memory. Renderers are deterministic: the
same batch, payments, originator and export time always give the same bytes. Layouts and columns
are documented in README.md ("Payment files").
"""

import datetime
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone

from audit.spreadsheets import csv_writer
from payments import modulus
from payments.bankdays import next_bank_working_day

CSV_COLUMNS = [
    "record_type",
    "reference",
    "payee",
    "sort_code",
    "account_number",
    "amount",
    "due_date",
    "cost_centre",
    "case_reference",
    "batch_reference",
]

PAIN001_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
BACS_LABEL_LENGTH = 80  # VOL1, HDR1, HDR2, UHL1, EOF1, EOF2, UTL1: 80 characters, as Bacs defines them
BACS_RECORD_LENGTH = 100  # the data records (credits and the contra)
BACS_CREDIT = "99"  # transaction code of a credit to the payee
BACS_CONTRA = "17"  # the contra debiting the council's account with the total of the credits
BACS_ALLOWED = re.compile(r"[^A-Z0-9.&/\- ]")


@dataclass(frozen=True)
class Originator:
    name: str
    sort_code: str
    account_number: str
    service_user_number: str

    @classmethod
    def from_settings(cls) -> "Originator":
        values = settings.FGDM_ORIGINATOR
        return cls(
            name=values["name"],
            sort_code=values["sort_code"],
            account_number=values["account_number"],
            service_user_number=values["service_user_number"],
        )

    def problems(self) -> list[tuple[str, str]]:
        """What would make a BACS or pain.001 file from these details wrong, as (field, message)
        pairs; empty when they are fine. Checked at start-up (payments/checks.py) and at export."""
        found = []
        if not bacs_text(self.name, 18).strip():
            found.append(("name", "The originator's name is empty (or has no letter or digit BACS allows)."))
        sort_code, account, sun = str(self.sort_code), str(self.account_number), str(self.service_user_number)
        if not re.fullmatch(r"\d{6}", sort_code):
            found.append(("sort_code", f"The originator's sort code “{sort_code}” is not 6 digits (no dashes)."))
        if not re.fullmatch(r"\d{8}", account):
            found.append(("account_number", f"The originator's account number “{account}” is not 8 digits."))
        if not re.fullmatch(r"\d{6}", sun):
            found.append(("service_user_number", f"The BACS service user number “{sun}” is not 6 digits."))
        if (
            re.fullmatch(r"\d{6}", sort_code)
            and re.fullmatch(r"\d{8}", account)
            and not modulus.check(sort_code, account)
        ):
            found.append(
                (
                    "modulus",
                    f"The originator's sort code {sort_code} and account number {account} fail the "
                    "Vocalink modulus check.",
                )
            )
        return found


def pence(amount: Decimal) -> int:
    """Decimal pounds to integer pence, exactly (amounts are stored with two places)."""
    value = Decimal(amount) * 100
    if value != value.to_integral_value():
        raise ValueError(f"£{amount} is not a whole number of pence.")
    return int(value)


SORT_CODE = re.compile(r"[0-9]{6}", flags=re.ASCII)
ACCOUNT_NUMBER = re.compile(r"[0-9]{8}", flags=re.ASCII)


def _payee(payment):
    """The bank account paid: a supplier's, or a network member's. Details stored before the services
    took ASCII digits only (another script's digits pass `isdigit()`) are refused here, so no file
    carries them: the payee's details are corrected and verified again.

    Raises ValueError (the export is refused, naming the payment).
    """
    account = (payment.supplier if getattr(payment, "supplier_id", None) else payment.payee).bank_account
    if not (SORT_CODE.fullmatch(account.sort_code) and ACCOUNT_NUMBER.fullmatch(account.account_number)):
        raise ValueError(
            f"the bank details of payment {payment.reference} are not a sort code of 6 digits 0-9 and an "
            "account number of 8 digits 0-9; correct them and have them verified again."
        )
    return account


# --- The payments of a batch, as the renderers read them ----------------------------------------


class _Account:
    __slots__ = ("account_name", "sort_code", "account_number")

    def __init__(self, account_name, sort_code, account_number):
        self.account_name, self.sort_code, self.account_number = account_name, sort_code, account_number


class _Payee:
    __slots__ = ("bank_account",)

    def __init__(self, bank_account):
        self.bank_account = bank_account


class _Locality:
    __slots__ = ("code",)

    def __init__(self, code):
        self.code = code


class _Case:
    __slots__ = ("reference", "locality")

    def __init__(self, reference, locality):
        self.reference, self.locality = reference, locality


class ExportRow:
    """What the renderers read of one payment, from one row of one query (no model instances:
    a batch may hold 50,000 payments). Payees and cases are shared between their payments."""

    __slots__ = ("pk", "amount", "due_on", "payee", "supplier", "supplier_id", "case")

    def __init__(self, pk, amount, due_on, payee, supplier, supplier_id, case):
        self.pk, self.amount, self.due_on = pk, amount, due_on
        self.payee, self.supplier, self.supplier_id, self.case = payee, supplier, supplier_id, case

    @property
    def reference(self) -> str:
        return f"FNSP{self.pk:08d}"


ROW_FIELDS = (
    "id",
    "amount",
    "due_on",
    "payee_id",
    "supplier_id",
    "payee__bank_account__account_name",
    "payee__bank_account__sort_code",
    "payee__bank_account__account_number",
    "supplier__bank_account__account_name",
    "supplier__bank_account__sort_code",
    "supplier__bank_account__account_number",
    "case__reference",
    "case__locality__code",
)


def export_rows(rows: Iterable[tuple]) -> Iterator[ExportRow]:
    """`ROW_FIELDS` tuples (a `values_list(*ROW_FIELDS)` in id order, streamed) as ExportRows, one
    at a time: nothing is kept between rows, so memory stays flat whatever the batch's size."""
    for pk, amount, due_on, _payee_id, supplier_id, *details, case_reference, locality_code in rows:
        fields = details[3:6] if supplier_id else details[:3]
        payee = _Payee(_Account(*fields) if fields[1] is not None else None)
        case = _Case(case_reference, _Locality(locality_code))
        if supplier_id:
            yield ExportRow(pk, amount, due_on, None, payee, supplier_id, case)
        else:
            yield ExportRow(pk, amount, due_on, payee, None, None, case)


# --- CSV ------------------------------------------------------------------------------------------


def render_csv(
    batch, payments: Iterable, *, originator: Originator | None = None, exported_at: datetime.datetime | None = None
) -> Iterator[bytes]:
    """Detail rows (D) then one trailer row (T) with the payment count and control total."""
    out = io.StringIO(newline="")
    writer = csv_writer(out, lineterminator="\r\n")

    def flush() -> bytes:
        chunk = out.getvalue().encode("utf-8")
        out.seek(0)
        out.truncate()
        return chunk

    writer.writerow(CSV_COLUMNS)
    yield flush()
    total, count = Decimal("0.00"), 0
    for p in payments:
        account = _payee(p)
        total += p.amount
        count += 1
        writer.writerow(
            [
                "D",
                p.reference,
                account.account_name,
                account.sort_code,
                account.account_number,
                f"{p.amount:.2f}",
                p.due_on.isoformat(),
                p.case.locality.code,
                p.case.reference,
                batch.reference,
            ]
        )
        yield flush()
    writer.writerow(["T", batch.reference, count, "", "", f"{total:.2f}", "", "", "", batch.reference])
    yield flush()


# --- BACS Standard 18 -----------------------------------------------------------------------------


def bacs_text(value: str, width: int) -> str:
    """Text in BACS's character set (A-Z 0-9 . & / - space), upper case, cut or padded to `width`."""
    ascii_text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode("ascii").upper()
    cleaned = " ".join(BACS_ALLOWED.sub(" ", ascii_text).split())
    return cleaned[:width].ljust(width)


def _julian(day: datetime.date) -> str:
    """BACS dates: a space, then the two-digit year and the day of the year (' YYDDD')."""
    return f" {day:%y}{day.timetuple().tm_yday:03d}"


def _record(*fields: str, length: int = BACS_RECORD_LENGTH) -> bytes:
    record = "".join(fields)
    if len(record) > length:
        raise ValueError(f"BACS record longer than {length} characters: {record!r}")
    return (record.ljust(length) + "\r\n").encode("ascii")


def _label(*fields: str) -> bytes:
    """A label record: 80 characters, or padded with spaces to 100 when the bureau asks for fixed
    100-byte records (settings.FGDM_BACS_PAD_LABELS_TO_100)."""
    record = "".join(fields)
    if len(record) != BACS_LABEL_LENGTH:
        raise ValueError(f"BACS label not {BACS_LABEL_LENGTH} characters: {record!r}")
    padded = BACS_RECORD_LENGTH if getattr(settings, "FGDM_BACS_PAD_LABELS_TO_100", False) else BACS_LABEL_LENGTH
    return _record(record, length=padded)


def _bacs_labels(kind: str, originator: Originator, day: datetime.date, serial: str) -> list[bytes]:
    """HDR1/HDR2 (kind 'HDR') or EOF1/EOF2 (kind 'EOF'): the same fields, as Standard 18 requires."""
    sun = originator.service_user_number
    file_id = f"A{sun}S  1{sun}"  # 17 characters: file identifier
    return [
        _label(
            f"{kind}1",
            file_id,
            serial,
            "0001",
            "0001",
            " " * 4,
            " " * 2,
            _julian(day),
            _julian(day),
            " ",
            "000000",
            " " * 13,
            " " * 7,
        ),
        _label(f"{kind}2", "F", "02000", "00100", " " * 35, "00", " " * 28),
    ]


def render_bacs18(
    batch, payments: Iterable, *, originator: Originator, exported_at: datetime.datetime
) -> Iterator[bytes]:
    """BACS Standard 18: VOL1, HDR1, HDR2, UHL1, one credit (99) per payment, the contra (17), then
    EOF1, EOF2 and UTL1 with the counts and totals in pence. Labels are 80 characters and data records
    100 (labels padded to 100 too when FGDM_BACS_PAD_LABELS_TO_100 is set), CRLF after each."""
    day = timezone.localtime(exported_at).date()  # the council's day, not UTC's
    processing_day = next_bank_working_day(day)
    sun = originator.service_user_number
    serial = f"{batch.pk % 1_000_000:06d}"
    orig_sort, orig_account = originator.sort_code, originator.account_number
    orig_name = bacs_text(originator.name, 18)
    yield _label("VOL1", serial, "0", " " * 20, " " * 6, " " * 4, sun, " " * 4, " " * 28, "1")
    yield from _bacs_labels("HDR", originator, day, serial)
    yield _label(
        "UHL1",
        _julian(processing_day),
        "999999",
        " " * 4,
        "00",
        "000000",
        "1 DAILY  ",
        "001",
        " " * 7,
        " " * 7,
        " " * 26,
    )
    credits_total, credits = 0, 0
    for p in payments:
        account = _payee(p)
        amount = pence(p.amount)
        credits_total += amount
        credits += 1
        yield _record(
            account.sort_code,
            account.account_number,
            "0",
            BACS_CREDIT,
            orig_sort,
            orig_account,
            " " * 4,
            f"{amount:011d}",
            orig_name,
            bacs_text(p.reference, 18),
            bacs_text(account.account_name, 18),
        )
    yield _record(
        orig_sort,
        orig_account,
        "0",
        BACS_CONTRA,
        orig_sort,
        orig_account,
        " " * 4,
        f"{credits_total:011d}",
        bacs_text(f"CONTRA {batch.reference}", 18),
        bacs_text("CONTRA", 18),
        orig_name,
    )
    yield from _bacs_labels("EOF", originator, day, serial)
    yield _label(
        "UTL1",
        f"{credits_total:013d}",
        f"{credits_total:013d}",
        f"{1:07d}",
        f"{credits:07d}",
        " " * 8,
        " " * 7,
        " " * 21,
    )


# --- ISO 20022 pain.001.001.03 --------------------------------------------------------------------


def _xml(value: str, limit: int) -> str:
    """Text for an element: control and other non-printing characters dropped (some are not even
    allowed in XML), whitespace collapsed, cut to the schema's limit, escaped."""
    text = unicodedata.normalize("NFC", str(value))
    # Fast path: isprintable() is False for every character of the C categories (and for spaces
    # other than " "), so a printable text has nothing to drop; any other goes character by character.
    printable = (
        text
        if text.isprintable()
        else "".join(ch if not unicodedata.category(ch).startswith("C") else " " for ch in text)
    )
    text = " ".join(printable.split())[:limit]
    return escape(text or "-")


def render_pain001(
    batch, payments: Iterable, *, originator: Originator, exported_at: datetime.datetime
) -> Iterator[bytes]:
    """pain.001.001.03 customer credit transfer initiation in GBP: one payment information block
    paying every payment from the council's account by sort code (clearing system GBDSC).

    NbOfTxs and CtrlSum come first in the file, so the batch's stored count and total are used and
    checked against the payments as they are written (a mismatch raises ValueError).
    """
    count, control_sum = batch.payment_count, f"{batch.total:.2f}"
    execution_day = next_bank_working_day(timezone.localtime(exported_at).date()).isoformat()
    created = exported_at.astimezone(datetime.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    name = _xml(originator.name, 140)
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Document xmlns="{PAIN001_NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        "<CstmrCdtTrfInitn>\n"
        f"<GrpHdr><MsgId>{_xml(batch.reference, 35)}</MsgId><CreDtTm>{created}</CreDtTm>"
        f"<NbOfTxs>{count}</NbOfTxs><CtrlSum>{control_sum}</CtrlSum>"
        f"<InitgPty><Nm>{name}</Nm><Id><OrgId><Othr><Id>{_xml(originator.service_user_number, 35)}</Id>"
        "<SchmeNm><Prtry>BACS SUN</Prtry></SchmeNm></Othr></OrgId></Id></InitgPty></GrpHdr>\n"
        f"<PmtInf><PmtInfId>{_xml(batch.reference, 35)}</PmtInfId><PmtMtd>TRF</PmtMtd><BtchBookg>true</BtchBookg>"
        f"<NbOfTxs>{count}</NbOfTxs><CtrlSum>{control_sum}</CtrlSum>"
        "<PmtTpInf><SvcLvl><Prtry>BACS</Prtry></SvcLvl></PmtTpInf>"
        f"<ReqdExctnDt>{execution_day}</ReqdExctnDt>"
        f"<Dbtr><Nm>{name}</Nm></Dbtr>"
        f"<DbtrAcct><Id><Othr><Id>{originator.sort_code}{originator.account_number}</Id></Othr></Id>"
        "<Ccy>GBP</Ccy></DbtrAcct>"
        f"<DbtrAgt><FinInstnId><ClrSysMmbId><ClrSysId><Cd>GBDSC</Cd></ClrSysId><MmbId>{originator.sort_code}</MmbId>"
        "</ClrSysMmbId></FinInstnId></DbtrAgt><ChrgBr>SLEV</ChrgBr>\n"
    ).encode("utf-8")
    written, total = 0, Decimal("0.00")
    for p in payments:
        account = _payee(p)
        written += 1
        total += p.amount
        yield (
            f"<CdtTrfTxInf><PmtId><InstrId>{p.reference}</InstrId><EndToEndId>{p.reference}</EndToEndId></PmtId>"
            f'<Amt><InstdAmt Ccy="GBP">{p.amount:.2f}</InstdAmt></Amt>'
            f"<CdtrAgt><FinInstnId><ClrSysMmbId><ClrSysId><Cd>GBDSC</Cd></ClrSysId><MmbId>{account.sort_code}</MmbId>"
            "</ClrSysMmbId></FinInstnId></CdtrAgt>"
            f"<Cdtr><Nm>{_xml(account.account_name, 140)}</Nm></Cdtr>"
            f"<CdtrAcct><Id><Othr><Id>{account.account_number}</Id></Othr></Id><Ccy>GBP</Ccy>"
            f"<Nm>{_xml(account.account_name, 70)}</Nm></CdtrAcct>"
            f"<RmtInf><Ustrd>{_xml(f'{p.reference} {batch.reference}', 140)}</Ustrd></RmtInf></CdtTrfTxInf>\n"
        ).encode("utf-8")
    if written != count or f"{total:.2f}" != control_sum:
        raise ValueError(f"pain.001 header says {count} payments / £{control_sum}; wrote {written} / £{total:.2f}.")
    yield b"</PmtInf>\n</CstmrCdtTrfInitn>\n</Document>\n"


RENDERERS = {"csv": render_csv, "bacs18": render_bacs18, "pain001": render_pain001}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "bacs18": "text/plain; charset=us-ascii",
    "pain001": "application/xml",
}
EXTENSIONS = {"csv": "csv", "bacs18": "bacs.txt", "pain001": "pain001.xml"}


def render(
    export_format: str, batch, payments: Iterable, *, originator: Originator, exported_at: datetime.datetime
) -> Iterator[bytes]:
    return RENDERERS[export_format](batch, payments, originator=originator, exported_at=exported_at)
