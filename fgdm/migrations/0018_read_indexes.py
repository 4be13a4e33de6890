"""Indexes for the key reads at scale (issue 18, part 4), plain SQL (PostgreSQL and SQLite both
have partial indexes) so that they are not part of the models' state.

- `child_outcome_awaited`: the outcome checks not yet recorded, by case (fgdm.selectors.outcomes_due
  reads them from a person's cases; recorded checks are most of the table as the years go by).
- `case_team_lead`: a team's cases with their lead (outcomes_due's "lead has left the team" arm and
  the manager's figures), read from the index alone.
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
]


class Migration(migrations.Migration):
    dependencies = [("fgdm", "0017_case_list_indexes_and_trigram_search")]

    operations = [
        migrations.RunSQL(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON {definition}', f'DROP INDEX IF EXISTS "{name}"', elidable=False
        )
        for name, definition in INDEXES
    ]
