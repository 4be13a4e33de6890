"""Appending many domain events at once (a payment batch's thousands of payments).

`record_event` appends one record at a time: a lock on the chain head, an INSERT and an update of
the head, per record. `append_events` takes the head's lock once, links every record in the order
given (the hash `audit.chain.link_hash` gives: same canonical JSON, same digest), writes them all
at once (PostgreSQL's COPY; multi-row INSERTs elsewhere) and moves the head once.
`manage.py verify_audit` cannot tell the two apart.
"""

import hashlib
import json
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from audit.chain import _default
from audit.models import ChainHead, DomainEvent
from audit.services import _actor, _origin

INSERT_ROWS = 2000  # rows per INSERT statement where COPY is not available
TEXT_FIELDS = ("actor_username", "action", "object_type", "object_repr", "from_state", "to_state", "reason")


@transaction.atomic(savepoint=False)
def append_events(events: Iterable[dict], *, by=None) -> int:
    """Append domain events to their chain, in the order given; returns how many.

    Each event is a dict of DomainEvent fields: action, object_type, object_id, object_repr,
    case_id, and optionally from_state, to_state, reason, changes and at (default now). The actor
    and origin (the request's address or the command run) are filled in from `by` as
    `record_event` fills them. Call it in the service's transaction: the chain head stays locked
    until it commits, as with `record_event`.
    """
    actor, username = _actor(by)
    origin = _origin()
    remote_addr = DomainEvent._meta.get_field("remote_addr").to_python(origin["remote_addr"])
    via = str(origin["via"] or "")
    now = timezone.now()
    chain = DomainEvent.CHAIN
    head = ChainHead.objects.select_for_update().filter(pk=chain).first()
    if head is None:  # the chain's very first record
        ChainHead.objects.get_or_create(chain=chain)
        head = ChainHead.objects.select_for_update().get(pk=chain)
    seq, prev_hash = head.seq, head.hash
    rows = []
    for event in events:
        row = {
            "at": event.get("at") or now,
            "actor_username": username,
            "action": event["action"],
            "object_type": event["object_type"],
            "object_id": int(event["object_id"]),
            "object_repr": event.get("object_repr", ""),
            "case_id": None if event.get("case_id") is None else int(event["case_id"]),
            "from_state": event.get("from_state") or "",
            "to_state": event.get("to_state") or "",
            "reason": event.get("reason") or "",
            "changes": event.get("changes") or {},
        }
        for name in TEXT_FIELDS:
            row[name] = str(row[name])
        # What audit.chain.canonical makes of the record (CHAIN_FIELDS, then CHAIN_FIELDS_IF_SET
        # holding a value), hashed as audit.chain.link_hash hashes it.
        content = dict(row)
        if remote_addr not in (None, ""):
            content["remote_addr"] = remote_addr
        if via:
            content["via"] = via
        seq += 1
        digest = hashlib.sha256(f"{chain}|{seq}|{prev_hash}|".encode())
        digest.update(json.dumps(content, sort_keys=True, default=_default, separators=(",", ":")).encode())
        row.update(seq=seq, prev_hash=prev_hash, hash=digest.hexdigest(), remote_addr=remote_addr, via=via)
        prev_hash = row["hash"]
        rows.append(row)
    if not rows:
        return 0
    actor_id = getattr(actor, "pk", None)
    if connection.vendor == "postgresql":
        _copy(rows, actor_id)
    else:
        DomainEvent.objects.bulk_create([DomainEvent(actor_id=actor_id, **row) for row in rows], batch_size=INSERT_ROWS)
    ChainHead.objects.filter(pk=chain).update(seq=seq, hash=prev_hash)
    return len(rows)


def _copy(rows: list[dict], actor_id) -> None:
    """One COPY of every row into the events' table (PostgreSQL)."""
    names = [*rows[0], "actor_id"]
    columns = ", ".join(connection.ops.quote_name(DomainEvent._meta.get_field(name).column) for name in names)
    table = connection.ops.quote_name(DomainEvent._meta.db_table)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [json.dumps(value) if name == "changes" else value for name, value in row.items()] + [actor_id]
                )
