"""A partial index for the queue of tasks to take (process.selectors.tasks_to_take): unassigned new
tasks, oldest first. viewflow's Task is viewflow's model, so the index is plain SQL (PostgreSQL and
SQLite both have partial indexes) and not part of its model state."""

from django.db import migrations

CREATE = (
    'CREATE INDEX IF NOT EXISTS "process_task_queue" ON "viewflow_task" '
    '("owner_permission", "created", "id") WHERE "status" = \'NEW\' AND "owner_id" IS NULL'
)
DROP = 'DROP INDEX IF EXISTS "process_task_queue"'


class Migration(migrations.Migration):
    dependencies = [
        ("process", "0002_timer_runs"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP, elidable=False)]
