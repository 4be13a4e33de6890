"""Records are appended unsealed and sealed by the sequencer (audit.sealing).

- Partial indexes on the unsealed records (seq IS NULL) of each chain: what the sequencer reads,
  a handful of rows at any time whatever the table's size. On PostgreSQL they are built
  CONCURRENTLY (the migration is not atomic), so writers are not stopped while 20 M rows are read.
- The trigger (0002, 0006) lets the sequencer seal a record once: set seq, prev_hash and hash on a
  record that has no position yet, every other column unchanged. Every other UPDATE and DELETE is
  still refused, the redactions' table included.
- A chain head for every chain (the redactions' was made by its first record).
"""

from django.db import migrations, models

SEALING = """
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL
       AND (to_jsonb(NEW) - 'seq' - 'prev_hash' - 'hash') = (to_jsonb(OLD) - 'seq' - 'prev_hash' - 'hash') THEN
        RETURN NEW;
    END IF;
"""

FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.actor_id IS NULL AND OLD.actor_id IS NOT NULL
       AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'audit_logentry'
       AND current_setting('audit.redacting', true) = 'on'
       AND (to_jsonb(NEW) - 'changes' - 'changes_text' - 'serialized_data' - 'object_repr')
         = (to_jsonb(OLD) - 'changes' - 'changes_text' - 'serialized_data' - 'object_repr') THEN
        RETURN NEW;
    END IF;{SEALING}
    RAISE EXCEPTION 'audit records cannot be changed or deleted (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

REFUSE_ANY = f"""
CREATE OR REPLACE FUNCTION audit_refuse_any_change() RETURNS trigger AS $$
BEGIN{SEALING}
    RAISE EXCEPTION 'audit records cannot be changed or deleted (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

PREVIOUS_FUNCTION = FUNCTION.replace(SEALING, "")
PREVIOUS_REFUSE_ANY = REFUSE_ANY.replace(SEALING, "")

CHAINS = ["field_history", "domain_events", "access_log", "redactions"]

INDEXES = {
    "accesslog": models.Index(condition=models.Q(("seq__isnull", True)), fields=["id"], name="audit_access_unsealed"),
    "domainevent": models.Index(condition=models.Q(("seq__isnull", True)), fields=["id"], name="audit_event_unsealed"),
    "logentry": models.Index(condition=models.Q(("seq__isnull", True)), fields=["id"], name="audit_entry_unsealed"),
    "redaction": models.Index(
        condition=models.Q(("seq__isnull", True)), fields=["id"], name="audit_redaction_unsealed"
    ),
}


def add_indexes(apps, schema_editor):
    concurrently = schema_editor.connection.vendor == "postgresql"
    for model_name, index in INDEXES.items():
        model = apps.get_model("audit", model_name)
        if concurrently:
            schema_editor.add_index(model, index, concurrently=True)
        else:
            schema_editor.add_index(model, index)


def remove_indexes(apps, schema_editor):
    for model_name, index in INDEXES.items():
        schema_editor.remove_index(apps.get_model("audit", model_name), index)


def sealing_allowed(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)
        schema_editor.execute(REFUSE_ANY, params=None)
    ChainHead = apps.get_model("audit", "ChainHead")
    for chain in CHAINS:
        ChainHead.objects.get_or_create(chain=chain)


def sealing_refused(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS_FUNCTION, params=None)
        schema_editor.execute(PREVIOUS_REFUSE_ANY, params=None)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY

    dependencies = [("audit", "0006_legal_hold_kinds_redactions_and_subject_access")]

    operations = [
        migrations.RunPython(sealing_allowed, sealing_refused),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(model_name=model_name, index=index) for model_name, index in INDEXES.items()
            ],
            database_operations=[migrations.RunPython(add_indexes, remove_indexes)],
        ),
    ]
