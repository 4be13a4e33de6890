"""Queue the timer jobs when they fall due (process.timers): no cron needed; safe on every machine."""

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from process import timers


class Command(BaseCommand):
    help = (
        "Every minute, queue each timer job due now (workflow_timers, notify_delivery_status, apply_retention, "
        "anchor_audit, verify_audit, escalate_reviews, send_reminders) as a background task, once per period however many "
        "machines run this: the period is claimed by a unique row first. The task workers (db_worker or "
        "rqworker) run them. --once: one pass, then exit (for cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")
        parser.add_argument("--interval", type=int, default=60, help="Seconds between passes (default 60).")

    def handle(self, *args, once=False, interval=60, **options):
        names = ", ".join(timers.jobs()) or "none (FGDM_TIMERS_OFF)"
        self.stdout.write(f"Scheduler: jobs {names}.")
        try:
            self._loop(once=once, interval=interval)
        except KeyboardInterrupt:
            return

    def _loop(self, *, once: bool, interval: int) -> None:
        while True:
            try:
                for run in timers.schedule_due():
                    self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M} queued {run.job} for {run.period}")
            except Exception as error:  # the database away for a moment: try again next pass
                if once:
                    raise
                self.stderr.write(f"Scheduler pass failed ({error!r}); trying again in {interval} s.")
            if once:
                return
            time.sleep(max(1, interval - time.time() % interval))  # on the minute, on every machine
            close_old_connections()  # a connection broken or past its age while asleep is not reused
