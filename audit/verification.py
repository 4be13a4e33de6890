"""Checking the chains: the first record that was edited, deleted or inserted out of order.

Only sealed records (with a position) are in a chain. Records not yet sealed (audit.sealing) are
counted and their age reported (`unsealed_report`); an unsealed record that carries a hash or a
previous hash anyway was not written by the application or the sealer, and is a break.
"""

import contextlib
import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from audit.chain import GENESIS, link_hash
from audit.models import CHAINED_MODELS, ChainHead, LogEntry, Redaction


@dataclass(frozen=True)
class Break:
    chain: str
    seq: int | None
    record_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"record #{self.record_id}" if self.record_id is not None else "the chain's end"
        position = f" (position {self.seq})" if self.seq is not None else ""
        return f"{self.chain}: {where}{position}: {self.problem}"


def verify_chain(model, *, batch_size: int = 2000) -> tuple[int, Break | None]:
    """Walk one chain in order. Returns (records checked, first break or None)."""
    chain = model.CHAIN
    unchained = model._default_manager.filter(seq__isnull=True).exclude(prev_hash="", hash="").order_by("pk").first()
    if unchained is not None:
        return 0, Break(chain, None, unchained.pk, "inserted outside the chain (a hash but no position)")
    expected_seq, prev_hash, checked = 1, GENESIS, 0
    last_seen = 0
    while True:
        rows = list(model._default_manager.filter(seq__gt=last_seen).order_by("seq")[:batch_size])
        if not rows:
            break
        # Field history anonymised by retention: each such entry has its chained redaction.
        redactions = (
            {r.entry_id: r for r in Redaction.objects.filter(entry_id__in=[row.pk for row in rows])}
            if model is LogEntry
            else {}
        )
        for record in rows:
            if record.seq != expected_seq:
                return checked, Break(
                    chain,
                    expected_seq,
                    record.pk,
                    f"record at position {expected_seq} is missing (next is {record.seq})",
                )
            if record.prev_hash != prev_hash:
                return checked, Break(chain, record.seq, record.pk, "does not follow the record before it")
            content_hash = link_hash(chain=chain, seq=record.seq, prev_hash=record.prev_hash, record=record)
            if content_hash != record.hash and not _redacted_as_recorded(record, content_hash, redactions):
                return checked, Break(chain, record.seq, record.pk, "content was changed after it was written")
            prev_hash, expected_seq, last_seen = record.hash, expected_seq + 1, record.seq
            checked += 1
    head = ChainHead.objects.filter(chain=chain).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != expected_seq - 1 or head_hash != prev_hash:
        return checked, Break(
            chain, head_seq, None, f"the last {head_seq - (expected_seq - 1)} record(s) were removed from the end"
        )
    return checked, None


def _redacted_as_recorded(record, content_hash: str, redactions: dict) -> bool:
    """An entry whose values retention removed: it keeps its hash as written, and its content now
    gives exactly the hash its (chained) redaction recorded."""
    redaction = redactions.get(record.pk)
    return (
        redaction is not None
        and redaction.entry_seq == record.seq
        and redaction.entry_hash == record.hash
        and redaction.redacted_hash == content_hash
    )


@dataclass(frozen=True)
class Unsealed:
    chain: str
    count: int
    oldest: datetime.datetime | None
    too_old: bool

    def __str__(self) -> str:
        if not self.count:
            return f"{self.chain}: every record sealed"
        age = int((timezone.now() - self.oldest).total_seconds()) if self.oldest else 0
        return f"{self.chain}: {self.count} record(s) not yet sealed, the oldest written {age} s ago"


def unsealed_report() -> list[Unsealed]:
    """Per chain: how many records wait to be sealed and since when; `too_old` past the grace."""
    from audit.sealing import unsealed, waiting_too_long

    report = []
    for model in CHAINED_MODELS:
        count, oldest = unsealed(model)
        report.append(Unsealed(model.CHAIN, count, oldest, waiting_too_long(oldest)))
    return report


@contextlib.contextmanager
def one_snapshot():
    """Every read inside sees the database as it was at one moment (PostgreSQL: one REPEATABLE READ
    transaction). The sequencer seals records and moves a chain's head in one transaction while
    verification reads: read in several statements, the records and the head could come from either
    side of its COMMIT, and a chain sealed meanwhile would look cut short at its end. Inside a
    transaction already begun (a test's own), or on SQLite (whose BEGIN IMMEDIATE would hold up
    every writer for the whole walk), the reads run as they are."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def verify_all() -> tuple[dict[str, int], list[Break]]:
    """Every chain walked in one snapshot of the database (one_snapshot)."""
    counts, breaks = {}, []
    with one_snapshot():
        for model in CHAINED_MODELS:
            checked, problem = verify_chain(model)
            counts[model.CHAIN] = checked
            if problem:
                breaks.append(problem)
    return counts, breaks
