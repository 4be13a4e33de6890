"""The queue of tasks to take, read from its index alone (issue 18, England scale).

`process_task_queue` held (owner_permission, created, id): a queue read had to visit each task's row
for its step (`flow_task`) and its process, thousands of random reads in a table of millions (at
400,000 cases, 4,158 rows of a 1.4 GB table for a team manager's queue count: 122 ms). The covering
index holds them too, so the count and a page of the queue (process.selectors.tasks_to_take, the
queue arm of task_list) read the index alone and join each task to its case. Plain SQL, as 0003
(viewflow's Task is viewflow's model); it replaces 0003's index.
"""

from django.db import migrations

CREATE = (
    'CREATE INDEX IF NOT EXISTS "process_task_queue_covering" ON "viewflow_task" '
    '("owner_permission", "created", "id", "flow_task", "process_id") WHERE "status" = \'NEW\' AND "owner_id" IS NULL'
)
OLD = (
    'CREATE INDEX IF NOT EXISTS "process_task_queue" ON "viewflow_task" '
    '("owner_permission", "created", "id") WHERE "status" = \'NEW\' AND "owner_id" IS NULL'
)


class Migration(migrations.Migration):
    dependencies = [("process", "0004_read_indexes")]

    operations = [
        migrations.RunSQL(CREATE, 'DROP INDEX IF EXISTS "process_task_queue_covering"', elidable=False),
        migrations.RunSQL('DROP INDEX IF EXISTS "process_task_queue"', OLD, elidable=False),
    ]
