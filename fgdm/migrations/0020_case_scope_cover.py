"""The case list's count from an index alone (issue 18, England scale).

A case list counts every case the person may see (fgdm.selectors.case_list: its locality, its lead,
or a grant, and no declared conflict), which at 400,000 cases read all 122 MB of cases (a parallel
sequential scan, 160-200 ms for a team manager). `case_scope_cover` holds the columns that test
needs (locality, lead, id), so the count reads a 12 MB index instead. Plain SQL, as 0018.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("fgdm", "0019_case_team_lead_with_id")]

    operations = [
        migrations.RunSQL(
            'CREATE INDEX IF NOT EXISTS "case_scope_cover" ON "fgdm_case" ("locality_id", "lead_practitioner_id", "id")',
            'DROP INDEX IF EXISTS "case_scope_cover"',
            elidable=False,
        ),
    ]
