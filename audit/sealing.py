"""The sequencer: sealing unsealed audit records into their chains, in order, in batches.

Writers append audit records unsealed (seq NULL: one INSERT, no lock; audit.models.ChainedRecord).
`seal_chain` then takes, in one short transaction per batch, the chain's lock — a transaction
advisory lock on PostgreSQL and the chain head's row lock — reads up to `batch_size` unsealed
records in id order, computes each one's position, previous hash and hash in Python (audit.chain),
writes them with one set-based UPDATE (`UPDATE … FROM (VALUES …)`) and moves the chain head: five
statements a batch of 1,000, whatever the number of writers. Two sealers, on one machine or many,
wait for each other's batch and never fork the chain.

On PostgreSQL a sealer sees only committed records: a record with a lower id whose transaction
commits later is sealed later, after records with higher ids. That is fine: the chain's order is
seq, not id. The database trigger (migration 0007) lets the sealer set seq, prev_hash and hash
once, on a record that has none, with every other column unchanged, and refuses every other
UPDATE and DELETE.

The window of weakness, said plainly: until it is sealed (a second or so with `seal_audit
--follow`, up to a minute with the timer job) a record is not covered by the chain. Someone who can
write to the database could edit or remove it unseen in that window (the trigger still refuses an
UPDATE or DELETE from the application's own database user), or insert an unsealed record that the
sealer will then seal. verify_audit reports how many records wait and for how long, and fails when
one has waited longer than FGDM_AUDIT_SEAL_GRACE_MINUTES (the sequencer is not running).

`bench.bulk_trail` writes records it has sealed itself in memory; it holds the same advisory locks
(`hold_chains`) from reading the heads until it has moved them, so a sealer never seals over it.
"""

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Min
from django.utils import timezone

from audit.chain import link_hash
from audit.locks import NAMESPACE, _key
from audit.models import CHAINED_MODELS, ChainHead

BATCH_SIZE = 1000


def _chain_key(chain: str) -> int:
    return _key(f"audit-chain:{chain}")


def _lock_chain_for_transaction(chain: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [NAMESPACE, _chain_key(chain)])


def hold_chains(chains, *, hold: bool) -> None:
    """Take (hold=True) or release the chains' advisory locks for this database session (PostgreSQL;
    a no-op elsewhere). For a bulk writer that seals in memory before its transaction begins: while
    it holds them no sealer starts a batch on these chains. Taken in name order, so two holders
    never deadlock; a sealer holds one chain at a time."""
    if connection.vendor != "postgresql":
        return
    sql = "SELECT pg_advisory_lock(%s, %s)" if hold else "SELECT pg_advisory_unlock(%s, %s)"
    with connection.cursor() as cursor:
        for chain in sorted(chains):
            cursor.execute(sql, [NAMESPACE, _chain_key(chain)])


def _write_seals(model, values: list[tuple[int, int, str, str]]) -> None:
    """One UPDATE for the batch: each record's (id, seq, prev_hash, hash)."""
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    params = [value for row in values for value in row]
    if connection.vendor == "postgresql":
        rows = ", ".join(["(%s::bigint, %s::bigint, %s::varchar, %s::varchar)"] * len(values))
        sql = (
            f"UPDATE {table} AS t SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash "
            f"FROM (VALUES {rows}) AS v(id, seq, prev_hash, hash) WHERE t.{pk} = v.id AND t.seq IS NULL"
        )
    else:  # SQLite 3.33+ (UPDATE … FROM); its VALUES name their columns column1, column2, …
        rows = ", ".join(["(%s, %s, %s, %s)"] * len(values))
        sql = (
            f"UPDATE {table} SET seq = v.column2, prev_hash = v.column3, hash = v.column4 "
            f"FROM (VALUES {rows}) AS v WHERE {table}.{pk} = v.column1 AND {table}.seq IS NULL"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != len(values):  # cannot happen while we hold the chain's lock
            raise RuntimeError(f"{model.CHAIN}: sealed {cursor.rowcount} of {len(values)} records; batch undone")


def _seal_batch(model, batch_size: int) -> int:
    chain = model.CHAIN
    with transaction.atomic():
        _lock_chain_for_transaction(chain)
        head = ChainHead.objects.select_for_update().filter(pk=chain).first()
        if head is None:  # a chain's very first batch (the heads are made by migration 0007)
            ChainHead.objects.get_or_create(chain=chain)
            head = ChainHead.objects.select_for_update().get(pk=chain)
        records = list(model._default_manager.filter(seq__isnull=True).order_by("pk")[:batch_size])
        if not records:
            return 0
        seq, prev_hash, values = head.seq, head.hash, []
        for record in records:
            seq += 1
            record_hash = link_hash(chain=chain, seq=seq, prev_hash=prev_hash, record=record)
            values.append((record.pk, seq, prev_hash, record_hash))
            prev_hash = record_hash
        _write_seals(model, values)
        ChainHead.objects.filter(pk=chain).update(seq=seq, hash=prev_hash)
    return len(records)


def seal_chain(model, *, batch_size: int = BATCH_SIZE, limit: int | None = None) -> int:
    """Seal the chain's unsealed records (committed ones, on PostgreSQL), oldest id first, one
    transaction a batch. Returns how many were sealed. `limit`: stop after about that many."""
    total = 0
    while limit is None or total < limit:
        sealed = _seal_batch(model, batch_size)
        total += sealed
        if sealed < batch_size:
            break
    return total


def seal(*, batch_size: int = BATCH_SIZE) -> dict[str, int]:
    """Seal every chain. Returns how many records each chain sealed."""
    return {model.CHAIN: seal_chain(model, batch_size=batch_size) for model in CHAINED_MODELS}


def grace() -> datetime.timedelta:
    return datetime.timedelta(minutes=getattr(settings, "FGDM_AUDIT_SEAL_GRACE_MINUTES", 15))


def unsealed(model) -> tuple[int, datetime.datetime | None]:
    """(how many records of the chain wait to be sealed, when the oldest of them was written)."""
    found = model._default_manager.filter(seq__isnull=True).aggregate(count=Count("pk"), oldest=Min(model.WRITTEN_AT))
    return found["count"], found["oldest"]


def waiting_too_long(oldest: datetime.datetime | None, *, now: datetime.datetime | None = None) -> bool:
    return oldest is not None and (now or timezone.now()) - oldest > grace()
