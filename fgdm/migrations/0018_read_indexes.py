"""Indexes for the key reads at scale (issue 18, part 4), plain SQL (PostgreSQL and SQLite both
have partial indexes) so that they are not part of the models' state.

- `child_outcome_awaited`: the outcome checks not yet recorded, by case (fgdm.selectors.outcomes_due
  reads them from a person's cases; recorded checks are most of the table as the years go by).
- `case_team_lead`: a team's cases with their lead (outcomes_due's "lead has left the team" arm and
  the manager's figures), read from the index alone.
- the dates the dashboard's figures are cut by (a case closed, a meeting arranged, held or
  cancelled, a plan agreed or decided, an action done or due, a case's outcome checks): a figure for
  a year reads that year's rows, not the whole history.
- `member_exclusion_proposed`: exclusions for safety waiting for a manager's sign-off, oldest first
  (fgdm.selectors.exclusions_to_sign_off on the home page): a handful among every network member.
"""

from django.db import migrations

INDEXES = [
    ("child_outcome_awaited", '"fgdm_childoutcome" ("case_id", "due_on") WHERE "recorded_at" IS NULL'),
    ("case_team_lead", '"fgdm_case" ("team_id", "lead_practitioner_id")'),
    (
        "member_exclusion_proposed",
        '"fgdm_networkmember" ("exclusion_proposed_at", "id") WHERE "exclusion_status" = \'proposed\'',
    ),
    # The dashboard's figures for a period (reports.figures): each reads the rows dated in it.
    ("case_closed_on", '"fgdm_case" ("closed_on")'),
    ("meeting_created_at", '"fgdm_meeting" ("created_at")'),
    ("meeting_held_on", '"fgdm_meeting" ("held_on")'),
    ("meeting_cancelled_at", '"fgdm_meeting" ("cancelled_at")'),
    ("plan_agreed_on", '"fgdm_familyplan" ("agreed_on")'),
    ("plan_decided_at", '"fgdm_familyplan" ("decided_at")'),
    ("action_done_on", '"fgdm_planaction" ("done_on")'),
    ("action_due_by", '"fgdm_planaction" ("due_by")'),
    ("child_outcome_closed_on", '"fgdm_childoutcome" ("closed_on")'),
]


class Migration(migrations.Migration):
    dependencies = [("fgdm", "0017_case_list_indexes_and_trigram_search")]

    operations = [
        migrations.RunSQL(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON {definition}', f'DROP INDEX IF EXISTS "{name}"', elidable=False
        )
        for name, definition in INDEXES
    ]
