"""`case_team_lead` with the case's id in it (issue 18): the manager's outcome checks whose case has
no lead, or a lead who has left the team (fgdm.selectors.outcomes_due), are found from a team's
cases read from the index alone — no visit to each case row — then each one's awaited checks.
A plain three-column index (SQLite has no INCLUDE); it replaces the two-column one."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("fgdm", "0018_read_indexes")]

    operations = [
        migrations.RunSQL(
            'CREATE INDEX IF NOT EXISTS "case_team_lead_id" ON "fgdm_case" ("team_id", "lead_practitioner_id", "id")',
            'DROP INDEX IF EXISTS "case_team_lead_id"',
            elidable=False,
        ),
        migrations.RunSQL(
            'DROP INDEX IF EXISTS "case_team_lead"',
            'CREATE INDEX IF NOT EXISTS "case_team_lead" ON "fgdm_case" ("team_id", "lead_practitioner_id")',
            elidable=False,
        ),
    ]
