"""The process floor's own records: one row per run of a timer job (process.timers)."""

from django.db import models


class TimerRunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped (another copy was running)"
    FAILED = "failed", "Failed"


class TimerRun(models.Model):
    """A timer job's run for one period (a day, or a few minutes).

    The row is the claim: it is unique on (job, period), so however many schedulers on however many
    machines find the job due, one of them inserts the row and queues the task; the others find it
    there and do nothing. The task takes it from `queued` to `running` with a conditional UPDATE, so
    a task queued twice runs once.
    """

    job = models.CharField(max_length=64)
    period = models.CharField(max_length=32, help_text="The day (YYYY-MM-DD) or the minute it began")
    status = models.CharField(max_length=16, choices=TimerRunStatus.choices, default=TimerRunStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the task is (or was last) due to be taken: a run still queued well after it was lost on
    # its way to the queue (a broker down) and is queued again by the next scheduler tick.
    queued_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    scheduled_by = models.CharField(max_length=255, blank=True, help_text="host:pid of the scheduler")
    worker = models.CharField(max_length=255, blank=True, help_text="host:pid of the worker")
    output = models.TextField(blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "period"], name="timer_run_once_per_period")]
        indexes = [models.Index(fields=["status", "queued_at"], name="timer_run_status_queued")]
        ordering = ["-queued_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.job} {self.period} ({self.status})"
