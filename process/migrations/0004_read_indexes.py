"""Partial indexes for the reads of open workflow tasks (issue 18, part 4). viewflow's Task is
viewflow's model, so they are plain SQL (PostgreSQL and SQLite both have partial indexes), as
0003's queue index is, and not part of its model state.

- `process_task_inbox`: a person's assigned and started tasks, oldest first (process.selectors.my_tasks
  and the inbox arm of task_list): a page of them is one index range, and their count too, instead
  of a filter over every task the person ever had (finished tasks are most of the table).
- `process_task_open_owned`: open tasks someone holds, by holder (the caseload's open tasks per
  person). Its predicate (an owner) keeps the planner from reading it for the queue of unassigned
  tasks, which an index of all open tasks tempted it to do (26,000 rows read for none found).
"""

from django.db import migrations

INDEXES = [
    (
        "process_task_inbox",
        '("owner_id", "created", "id") WHERE "status" IN (\'ASSIGNED\', \'STARTED\')',
    ),
    (
        "process_task_open_owned",
        '("owner_id", "process_id") WHERE "status" IN (\'NEW\', \'ASSIGNED\', \'STARTED\') AND "owner_id" IS NOT NULL',
    ),
]


class Migration(migrations.Migration):
    dependencies = [("process", "0003_task_queue_index")]

    operations = [
        migrations.RunSQL(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "viewflow_task" {definition}',
            f'DROP INDEX IF EXISTS "{name}"',
            elidable=False,
        )
        for name, definition in INDEXES
    ]
