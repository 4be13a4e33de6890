"""Tamper evidence: every audit record carries the hash of the one before it.

Each audited table (field history, domain events, access log) is its own chain. A record's hash
covers its position (seq), the previous record's hash and a canonical digest of its content, so
editing, deleting or inserting a record out of order breaks the chain at that point and
`manage.py verify_audit` names it. Records are appended unsealed, with no lock, and the sequencer
(audit.sealing) seals them into the chain in batches a moment later, holding the chain's lock for
one batch, so two sealers can never fork the chain and writers never wait for each other.
"""

import datetime
import decimal
import hashlib
import json
import uuid

GENESIS = "0" * 64


def _default(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).isoformat()
    if isinstance(value, (datetime.date, decimal.Decimal, uuid.UUID)):
        return str(value)
    return str(value)


def canonical(record) -> bytes:
    """The record's content as canonical JSON: only CHAIN_FIELDS (and CHAIN_FIELDS_IF_SET that hold a
    value), sorted, UTC datetimes."""
    from django.db import models

    data = {}
    optional = getattr(record, "CHAIN_FIELDS_IF_SET", [])
    for name in [*record.CHAIN_FIELDS, *optional]:
        field = record._meta.get_field(name)
        value = getattr(record, field.attname)
        if value is not None and not field.is_relation and not isinstance(field, models.JSONField):
            value = field.to_python(value)  # as it will read back: "5" for a CharField given 5
        if name in optional and value in (None, ""):
            continue
        data[name] = value
    return json.dumps(data, sort_keys=True, default=_default, separators=(",", ":")).encode()


def link_hash(*, chain: str, seq: int, prev_hash: str, record) -> str:
    digest = hashlib.sha256()
    digest.update(f"{chain}|{seq}|{prev_hash}|".encode())
    digest.update(canonical(record))
    return digest.hexdigest()
