"""The daily timers as background tasks, each once per period however many machines schedule it.

The jobs are the scheduled management commands, run as they would be by hand or by cron:

| job | every | from | retried |
|---|---|---|---|
| `seal_audit` (seals new audit records into their chains) | minute | | yes |
| `workflow_timers` (viewflow: due review dates) | 5 minutes | | yes |
| `refresh_figures` (the dashboard's summary: the months touched since the last run) | 5 minutes | | yes |
| `notify_delivery_status` (asks Notify what was delivered) | 10 minutes | | yes |
| `expire_prepared_files` (prepared exports past their days) | day | 01:00 | yes |
| `apply_retention` (the retention schedule) | day | 02:00 | yes |
| `anchor_audit` (signs the audit chains' heads) | day | 03:00 | no: it fails only on a broken chain |
| `verify_audit` (checks the chains against the anchors) | day | 04:00 | no: a failure is tampering |
| `check_budget_totals` (budgets' running totals against a recompute) | day | 05:00 | no: a difference needs a person |
| `check_payment_totals` (payments' running totals per status against a recount) | day | 05:30 | no: a difference needs a person |
| `escalate_reviews` (reviews left open too long) | day | 07:00 | yes |
| `send_reminders` (reviews due, members' actions due) | day | 08:00 | yes |

How a run happens (`manage.py run_scheduler`, every minute, on any number of machines):
1. `schedule_due()` finds each job's current period (the day, or the 5/10-minute slot; a daily job
   only from its hour, so nobody is texted at midnight) and **claims** it by inserting a
   `TimerRun` row, unique on (job, period). One scheduler wins; the others find the row and pass.
   The winner queues the task `process.tasks.run_timer` (the database backend or RQ, whichever the
   settings chose).
2. A worker takes the run from `queued` to `running` with a conditional UPDATE (a task queued twice
   runs once), takes the command's advisory lock (audit.locks; a copy started by hand or by cron
   holds the same lock, and then this run is `skipped`), and calls the command.
3. Done: `done`, with what the command printed. Failed (an exception, or the command's non-zero
   exit): tried again after `FGDM_TIMER_RETRY_BACKOFF`×2ⁿ seconds up to `FGDM_TIMER_MAX_ATTEMPTS`
   if the job is safe to repeat (each of these commands does each thing once however often it
   runs), then `failed`, with the traceback, in admin (*Case process → Timer runs*, filter by
   status) and in the log.
4. A run still `queued` `FGDM_TIMER_REQUEUE_MINUTES` after it was due (its task was lost: Redis
   down, a worker's database restarted) is queued again by the next tick.
5. Runs done or skipped more than `FGDM_TIMER_KEEP_DAYS` ago are deleted once a day; failed runs stay.

Why here: the jobs are commands of the audit, case and notifications floors and of viewflow; only
the top floor may import them all, as `process.workflow` already does for the reactions across
apps. The floors below stay unaware of any scheduling; each command keeps working from cron.
"""

import datetime
import io
import logging
import os
import socket
import traceback
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from audit.locks import advisory_lock, command_lock_name
from process.models import TimerRun, TimerRunStatus

logger = logging.getLogger(__name__)

DAY = 24 * 60
KEEP_CHARS = 20_000  # of a command's output or a traceback


@dataclass(frozen=True)
class Job:
    command: str  # the management command the job runs, with no arguments
    minutes: int  # the period: DAY, or a slot of this many minutes (a divisor of 60)
    retry: bool  # safe to run again after a failure in the same period
    at: datetime.time = datetime.time(0, 0)  # a daily job: not before this local time

    def period_at(self, now: datetime.datetime) -> str | None:
        """The period `now` falls in, or None when a daily job's hour has not come yet today."""
        local = timezone.localtime(now)
        if self.minutes >= DAY:
            return None if local.time() < self.at else local.date().isoformat()
        slot = local.replace(minute=local.minute - local.minute % self.minutes, second=0, microsecond=0)
        return slot.strftime("%Y-%m-%dT%H:%M")


JOBS: tuple[Job, ...] = (
    Job("seal_audit", minutes=1, retry=True),
    Job("workflow_timers", minutes=5, retry=True),
    Job("refresh_figures", minutes=5, retry=True),
    Job("notify_delivery_status", minutes=10, retry=True),
    Job("expire_prepared_files", minutes=DAY, retry=True, at=datetime.time(1, 0)),
    Job("apply_retention", minutes=DAY, retry=True, at=datetime.time(2, 0)),
    Job("anchor_audit", minutes=DAY, retry=False, at=datetime.time(3, 0)),
    Job("verify_audit", minutes=DAY, retry=False, at=datetime.time(4, 0)),
    Job("check_budget_totals", minutes=DAY, retry=False, at=datetime.time(5, 0)),
    Job("check_payment_totals", minutes=DAY, retry=False, at=datetime.time(5, 30)),
    Job("escalate_reviews", minutes=DAY, retry=True, at=datetime.time(7, 0)),
    Job("send_reminders", minutes=DAY, retry=True, at=datetime.time(8, 0)),
)


def jobs() -> dict[str, Job]:
    """The jobs the scheduler runs: every one but those named in FGDM_TIMERS_OFF."""
    off = set(settings.FGDM_TIMERS_OFF)
    return {job.command: job for job in JOBS if job.command not in off}


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:255]


def _enqueue(run_pk: int, *, at: datetime.datetime | None = None) -> None:
    from process.tasks import run_timer

    try:
        (run_timer.using(run_after=at) if at else run_timer).enqueue(run_pk)
    except Exception:  # the broker is down: the run stays queued and a later tick queues it again
        logger.exception("Timer run %s could not be queued; the scheduler will try again", run_pk)


def schedule_due(*, now: datetime.datetime | None = None) -> list[TimerRun]:
    """Claim and queue every job due now that nobody has claimed for its period. Returns the claimed.

    Safe on every machine at once: the claim is an INSERT that the unique (job, period) lets only
    one of them make.
    """
    now = now or timezone.now()
    claimed = []
    for job in jobs().values():
        period = job.period_at(now)
        if period is None:
            continue
        try:
            with transaction.atomic():
                run = TimerRun.objects.create(job=job.command, period=period, queued_at=now, scheduled_by=_me())
        except IntegrityError:
            continue  # claimed already, here or on another machine
        _enqueue(run.pk)
        claimed.append(run)
    requeue_lost(now=now)
    if any(jobs()[run.job].minutes >= DAY for run in claimed):  # once a day, by whoever claimed a day
        prune(now=now)
    return claimed


def prune(*, now: datetime.datetime) -> int:
    """Forget runs that went well more than FGDM_TIMER_KEEP_DAYS ago (failed runs are kept)."""
    before = now - datetime.timedelta(days=settings.FGDM_TIMER_KEEP_DAYS)
    done = [TimerRunStatus.DONE, TimerRunStatus.SKIPPED]
    return TimerRun.objects.filter(status__in=done, queued_at__lt=before).delete()[0]


def requeue_lost(*, now: datetime.datetime) -> int:
    """Queue again each run still waiting well after it was due (its task never reached a worker)."""
    late = now - datetime.timedelta(minutes=settings.FGDM_TIMER_REQUEUE_MINUTES)
    requeued = 0
    for pk, queued_at in TimerRun.objects.filter(status=TimerRunStatus.QUEUED, queued_at__lt=late).values_list(
        "pk", "queued_at"
    ):
        # Conditional, so that two schedulers seeing the same late run queue it once.
        if TimerRun.objects.filter(pk=pk, status=TimerRunStatus.QUEUED, queued_at=queued_at).update(queued_at=now):
            _enqueue(pk)
            requeued += 1
    return requeued


def run(run_pk: int) -> str:
    """Run one claimed job (the task's body). Returns what became of it."""
    now = timezone.now()
    # Not before its time: a retry delivered early (a requeue, a second delivery) waits for its own.
    # A minute's slack for clocks that differ between machines (else the requeue picks it up later).
    due = now + datetime.timedelta(minutes=1)
    taken = TimerRun.objects.filter(pk=run_pk, status=TimerRunStatus.QUEUED, queued_at__lte=due).update(
        status=TimerRunStatus.RUNNING, started_at=now, finished_at=None, attempts=F("attempts") + 1, worker=_me()
    )
    if not taken:
        return "not queued: taken by another worker, finished, or not due yet"
    timer_run = TimerRun.objects.get(pk=run_pk)
    job = {job.command: job for job in JOBS}.get(timer_run.job)
    out = io.StringIO()
    try:
        if job is None:
            raise LookupError(f"No timer job is called {timer_run.job!r}.")
        with advisory_lock(command_lock_name(job.command)) as got:
            if not got:
                return _finish(timer_run, TimerRunStatus.SKIPPED, output="Another copy was running: nothing done.")
            try:
                call_command(job.command, stdout=out, stderr=out)
            except SystemExit as exit_:
                if exit_.code not in (None, 0):
                    raise RuntimeError(f"{job.command} exited with status {exit_.code}") from exit_
    except Exception:
        logger.exception("Timer job %s (%s) failed, attempt %s", timer_run.job, timer_run.period, timer_run.attempts)
        return _failed(timer_run, job, output=out.getvalue(), error=traceback.format_exc())
    return _finish(timer_run, TimerRunStatus.DONE, output=out.getvalue())


def _finish(timer_run: TimerRun, status: str, *, output: str, error: str = "") -> str:
    timer_run.status = status
    timer_run.finished_at = timezone.now()
    timer_run.output = output[-KEEP_CHARS:]
    timer_run.error = error[-KEEP_CHARS:]
    timer_run.save(update_fields=["status", "finished_at", "output", "error"])
    return status


def _failed(timer_run: TimerRun, job: Job | None, *, output: str, error: str) -> str:
    if job is not None and job.retry and timer_run.attempts < settings.FGDM_TIMER_MAX_ATTEMPTS:
        wait = datetime.timedelta(seconds=settings.FGDM_TIMER_RETRY_BACKOFF * 2 ** (timer_run.attempts - 1))
        at = timezone.now() + wait
        timer_run.status = TimerRunStatus.QUEUED
        timer_run.queued_at = at
        timer_run.output = output[-KEEP_CHARS:]
        timer_run.error = error[-KEEP_CHARS:]
        timer_run.save(update_fields=["status", "queued_at", "output", "error"])
        _enqueue(timer_run.pk, at=at if wait else None)
        return "retrying"
    return _finish(timer_run, TimerRunStatus.FAILED, output=output, error=error)
