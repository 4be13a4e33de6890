"""The process floor's background task: one timer job's run (process.timers)."""

from django_tasks import task

from process import timers


@task()
def run_timer(run_id: int) -> str:
    """Run a claimed timer job once (a second delivery of the same run does nothing)."""
    return timers.run(run_id)
