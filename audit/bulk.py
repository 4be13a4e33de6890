"""Appending many domain events at once (a payment batch's thousands of payments).

Like `record_event`, the records are appended unsealed (no position, no hash, no lock: see
audit.models.ChainedRecord); the sequencer (audit.sealing) seals them into the chain a moment
later, in order, as it seals every other record. Here they are written all at once: one COPY on
PostgreSQL, multi-row INSERTs elsewhere; a few (at most WAIT_ROWS, inside a transaction) wait to be
written in the one INSERT of the transaction's domain events (audit.batching). `manage.py verify_audit` cannot tell them from events
written one at a time.
"""

import json
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from audit import batching
from audit.models import DomainEvent
from audit.services import actor_of, write_origin

INSERT_ROWS = 2000  # rows per INSERT statement where COPY is not available
WAIT_ROWS = 100  # at most this many wait to be written with the transaction's other audit records
TEXT_FIELDS = ("actor_username", "action", "object_type", "object_repr", "from_state", "to_state", "reason")


@transaction.atomic(savepoint=False)
def append_events(events: Iterable[dict], *, by=None) -> int:
    """Append domain events, unsealed, in the order given; returns how many.

    Each event is a dict of DomainEvent fields: action, object_type, object_id, object_repr,
    case_id, and optionally from_state, to_state, reason, changes and at (default now). The actor
    and origin (the request's address or the command run) are filled in from `by` as
    `record_event` fills them. Call it in the service's transaction: the events commit with it.
    """
    actor, username = actor_of(by)
    origin = write_origin()
    remote_addr = DomainEvent._meta.get_field("remote_addr").to_python(origin["remote_addr"])
    via = str(origin["via"] or "")
    now = timezone.now()
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
        row.update(seq=None, prev_hash="", hash="", remote_addr=remote_addr, via=via)
        rows.append(row)
    if not rows:
        return 0
    actor_id = getattr(actor, "pk", None)
    if len(rows) <= WAIT_ROWS and batching.waits(connection):
        # A few: they wait with the step's other records (audit.batching), one INSERT for them all.
        for row in rows:
            DomainEvent(actor_id=actor_id, **row).save()
    elif connection.vendor == "postgresql":
        _copy(rows, actor_id)
    else:
        DomainEvent.objects.bulk_create([DomainEvent(actor_id=actor_id, **row) for row in rows], batch_size=INSERT_ROWS)
    return len(rows)


def _copy(rows: list[dict], actor_id) -> None:
    """One COPY of every row into the events' table (PostgreSQL)."""
    names = [*rows[0], "actor_id"]
    columns = ", ".join(connection.ops.quote_name(DomainEvent._meta.get_field(name).column) for name in names)
    table = connection.ops.quote_name(DomainEvent._meta.db_table)
    batching.write_waiting(connection, DomainEvent)  # COPY passes no execute wrapper: the earlier ones first
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [json.dumps(value) if name == "changes" else value for name, value in row.items()] + [actor_id]
                )
