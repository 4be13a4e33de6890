"""Appending many domain events at once (a payment batch's thousands of payments).

`record_event` appends one record at a time: a lock on the chain head, an INSERT and an update of
the head, per record. `append_events` takes the head's lock once, links every record in the order
given (`audit.chain.link_hash`, exactly as `ChainedRecord.save` does), writes them with a few
multi-row INSERTs and moves the head once. `manage.py verify_audit` cannot tell the two apart.
"""

from django.db import transaction
from django.utils import timezone

from audit.chain import link_hash
from audit.models import ChainHead, DomainEvent
from audit.services import _actor, _origin

INSERT_ROWS = 2000  # rows per INSERT statement


@transaction.atomic(savepoint=False)
def append_events(events: list[DomainEvent], *, by=None) -> None:
    """Append `events` (unsaved DomainEvents) to the domain events' chain, in the order given.

    Each event's actor and origin (the request's address or the command run) are filled in as
    `record_event` fills them, from `by`; `at` defaults to now. Call it in the service's transaction:
    the chain head stays locked until it commits, as with `record_event`.
    """
    if not events:
        return
    actor, username = _actor(by)
    origin = _origin()
    now = timezone.now()
    chain = DomainEvent.CHAIN
    head = ChainHead.objects.select_for_update().filter(pk=chain).first()
    if head is None:  # the chain's very first record
        ChainHead.objects.get_or_create(chain=chain)
        head = ChainHead.objects.select_for_update().get(pk=chain)
    seq, prev_hash = head.seq, head.hash
    for event in events:
        if event.pk is not None or event.seq is not None:
            raise ValueError("append_events takes new, unsaved events only.")
        event.at = event.at or now
        event.actor, event.actor_username = actor, username
        event.remote_addr, event.via = origin["remote_addr"], origin["via"]
        event.from_state, event.to_state = str(event.from_state or ""), str(event.to_state or "")
        event.changes = event.changes or {}
        seq += 1
        event.seq, event.prev_hash = seq, prev_hash
        event.hash = prev_hash = link_hash(chain=chain, seq=seq, prev_hash=prev_hash, record=event)
    DomainEvent.objects.bulk_create(events, batch_size=INSERT_ROWS)
    ChainHead.objects.filter(pk=chain).update(seq=seq, hash=prev_hash)
