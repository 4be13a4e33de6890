"""The case list's count and the task queue's visibility from indexes alone (issue 18, England scale).

- `case_scope_cover` (locality, lead, id): a case list counts every case the person may see
  (fgdm.selectors.case_list: its locality, its lead, or a grant, and no declared conflict), which at
  400,000 cases read all 122 MB of cases (a parallel sequential scan, 160-200 ms for a team
  manager); the count now reads a 12 MB index.
- `case_process_scope` (process, locality, lead, id): a queue of tasks tests each task's case for
  visibility (process.selectors._queue, through the case's process): the case is found and tested
  from the index, without a visit to its row (4,158 of them for a team manager's queue).

Plain SQL, as 0018.
"""

from django.db import migrations

INDEXES = [
    ("case_scope_cover", '"fgdm_case" ("locality_id", "lead_practitioner_id", "id")'),
    ("case_process_scope", '"fgdm_case" ("process_id", "locality_id", "lead_practitioner_id", "id")'),
]


class Migration(migrations.Migration):
    dependencies = [("fgdm", "0019_case_team_lead_with_id")]

    operations = [
        migrations.RunSQL(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON {definition}', f'DROP INDEX IF EXISTS "{name}"', elidable=False
        )
        for name, definition in INDEXES
    ]
