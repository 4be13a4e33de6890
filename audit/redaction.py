"""Anonymising field history written before a record was anonymised (retention), chain intact.

Field history (auditlog) keeps the old and new values of every unmasked field. When retention
anonymises a case, the entries about the case's records would still hold the names and free text
it removed. `redact_field_history` removes them from those entries: free text and names (text
fields without choices, JSON) become "Removed"; states, stages, choices, dates, numbers, money and
links stay, as they stay on the records. Each entry is described as "<model> #<id>".

An entry's hash covers its values, so each entry redacted gets a `Redaction`, a record of its own
chain: the entry's hash as written (the entry keeps it, so the field history chain still links),
and the hash its redacted content gives. `verify_audit` accepts the entry when its content gives
exactly that hash (audit.verification). Entries not yet sealed are sealed first (audit.sealing).
On PostgreSQL the update is allowed only while the transaction sets `audit.redacting` (migration
0006), and only on these columns.
"""

from typing import Iterable

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models
from django.utils import timezone

from audit.chain import link_hash
from audit.models import LogEntry, Redaction
from audit.sealing import seal_chain

REMOVED = "Removed"
REDACTED_COLUMNS = ["changes", "changes_text", "serialized_data", "object_repr"]


def _keeps(model, name: str) -> bool:
    """Whether a field's values stay in the history: everything but free text and names."""
    if model is None:
        return False
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    if isinstance(field, models.JSONField):
        return False
    if isinstance(field, (models.CharField, models.TextField)) and not field.choices:
        return False
    return True


def _blank(value):
    return value if value in (None, "", "None") else REMOVED


def _redacted_changes(model, changes):
    if not isinstance(changes, dict):
        return changes
    out = {}
    for name, change in changes.items():
        if _keeps(model, name):
            out[name] = change
        elif isinstance(change, (list, tuple)):
            out[name] = [_blank(value) for value in change]
        elif isinstance(change, dict) and "objects" in change:
            out[name] = {**change, "objects": [REMOVED for _ in change["objects"]]}
        else:
            out[name] = _blank(change)
    return out


def _redacted_serialized(model, data):
    if not isinstance(data, dict) or not isinstance(data.get("fields"), dict):
        return data
    fields = {name: value if _keeps(model, name) else _blank(value) for name, value in data["fields"].items()}
    return {**data, "fields": fields}


def redact_entry(entry: LogEntry, *, by_username: str, case_id: int | None, reason: str) -> Redaction | None:
    """Remove an entry's free text; None when it holds none or is already redacted. The entry must be
    sealed (its redaction names its position and hash): redact_field_history seals first."""
    if entry.seq is None:
        raise ValueError(f"field change #{entry.pk} is not sealed yet: seal the field history first")
    if Redaction.objects.filter(entry_id=entry.pk).exists():
        return None
    model = entry.content_type.model_class() if entry.content_type_id else None
    original = {column: getattr(entry, column) for column in REDACTED_COLUMNS}
    entry.changes = _redacted_changes(model, entry.changes)
    entry.changes_text = ""
    entry.serialized_data = _redacted_serialized(model, entry.serialized_data)
    if entry.content_type_id:
        entry.object_repr = f"{entry.content_type.model} #{entry.object_pk}"
    if all(getattr(entry, column) == value for column, value in original.items()):
        return None
    redacted_hash = link_hash(chain=LogEntry.CHAIN, seq=entry.seq, prev_hash=entry.prev_hash, record=entry)
    redaction = Redaction.objects.create(
        at=timezone.now(),
        actor_username=by_username[:150],
        entry_id=entry.pk,
        entry_seq=entry.seq,
        entry_hash=entry.hash,
        redacted_hash=redacted_hash,
        case_id=case_id,
        reason=reason[:200],
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('audit.redacting', 'on', true)")
    try:
        LogEntry.objects.filter(pk=entry.pk).update(**{column: getattr(entry, column) for column in REDACTED_COLUMNS})
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('audit.redacting', 'off', true)")
    return redaction


def redact_field_history(
    objects: Iterable[tuple[str, int]], *, case_id: int | None, reason: str, by_username: str = ""
) -> int:
    """Redact the field history of these records ("app_label.model", id). Returns how many entries."""
    by_type: dict[str, set[str]] = {}
    for label, pk in objects:
        by_type.setdefault(label, set()).add(str(pk))
    count = 0
    for label, pks in by_type.items():
        app_label, model_name = label.split(".")
        try:
            content_type = ContentType.objects.get_for_model(apps.get_model(app_label, model_name))
        except LookupError:
            continue
        entries = LogEntry.objects.filter(content_type=content_type, object_pk__in=pks).order_by("seq")
        found = list(entries)
        if any(entry.seq is None for entry in found):  # a redaction names the entry's sealed position
            seal_chain(LogEntry)
            found = list(entries)
        for entry in found:
            if redact_entry(entry, by_username=by_username, case_id=case_id, reason=reason):
                count += 1
    return count
