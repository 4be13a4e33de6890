"""Indexes for the caseload a page at a time (issue 18, process.selectors.caseload_people and
caseload_rows), plain SQL (PostgreSQL and SQLite both have partial indexes) so that they are not
part of the models' state.

- `case_open_lead`: open cases by lead, with the case's id, team and locality (what the manager's
  visibility and teams test; the predicate is fgdm.constants' ENDED_STATUSES). Whether someone leads
  an open case the manager counts (the caseload's people), and a page of people's open cases
  counted, are read from this index alone — not from every case a lead ever had (four in five are
  closed as the years go by).
- `meeting_arranged_coordinator`: meetings arranged and not yet held, by coordinator, with their
  case (the predicate is MEETING_ARRANGED): a coordinator's meetings to hold, not every meeting they
  ever coordinated.
"""

from django.db import migrations

INDEXES = [
    (
        "case_open_lead",
        '"fgdm_case" ("lead_practitioner_id", "id", "team_id", "locality_id") '
        "WHERE NOT (\"status\" IN ('closed', 'declined'))",
    ),
    (
        "meeting_arranged_coordinator",
        '"fgdm_meeting" ("coordinator_id", "case_id") WHERE "status" IN (\'scheduled\', \'prepared\')',
    ),
]


class Migration(migrations.Migration):
    dependencies = [("fgdm", "0020_case_scope_cover")]

    operations = [
        migrations.RunSQL(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON {definition}', f'DROP INDEX IF EXISTS "{name}"', elidable=False
        )
        for name, definition in INDEXES
    ]
