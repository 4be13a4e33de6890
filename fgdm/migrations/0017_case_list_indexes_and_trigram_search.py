"""Indexes for the case lists and their search.

- `case_newest_first`, `case_lead_newest_first`: lists are newest first, so a page of them reads an
  index in order and stops at its LIMIT; the visibility UNION's lead arm is an index lookup.
- PostgreSQL only: the pg_trgm extension and GIN trigram indexes on the expressions the case search's
  `icontains` compiles to (`UPPER("reference"::text) LIKE UPPER('%…%')`), so a search reads the
  index instead of every case. SQLite gets neither (nothing runs there): its search scans, which is
  fine for a demo database.
"""

from django.conf import settings
from django.db import migrations, models

# (index name, column) of the trigram indexes: the columns fgdm.selectors.case_list searches.
TRIGRAM_INDEXES = [
    ("case_reference_trgm", "reference"),
    ("case_family_name_trgm", "family_name"),
]


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in TRIGRAM_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "fgdm_case" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("fgdm", "0016_sign_in_identity"),
        ("viewflow", "0015_task_scheduled"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["-opened_on", "-id"], name="case_newest_first"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["lead_practitioner", "-opened_on"], name="case_lead_newest_first"),
        ),
        # The extension is created with the indexes, on PostgreSQL only, and left in place when
        # migrating back (another schema may use it). Not Django's TrigramExtension operation: going
        # back, it asks pg_extension whatever the database, which fails on SQLite.
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
