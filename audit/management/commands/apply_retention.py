"""Anonymise or delete records past their destroy-after date; `--dry-run` only reports."""

import datetime

from django.core.management.base import CommandError
from django.utils import timezone

from audit.commands import AuditedCommand
from audit.locks import OneCopyAtATime
from audit.retention import apply_retention


class Command(OneCopyAtATime, AuditedCommand):
    help = (
        "Apply the retention schedule: report what is past its destroy-after date and (without "
        "--dry-run) anonymise or delete it, skipping records under a legal hold. Each record "
        "destroyed leaves a 'retention_applied' event in the audit trail."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report only; change nothing.")
        parser.add_argument(
            "--on",
            dest="on",
            metavar="YYYY-MM-DD",
            default="",
            help="With --dry-run: what would be due on that date (planning).",
        )

    def locked(self, options) -> bool:
        return not options.get("dry_run")  # a dry run changes nothing: it may run beside a real one

    def handle(self, *args, dry_run=False, on="", **options):
        today = timezone.localdate()
        if on:
            if not dry_run:
                raise CommandError("--on is for planning: use it with --dry-run.")
            try:
                today = datetime.date.fromisoformat(on)
            except ValueError:
                raise CommandError("--on takes a date as YYYY-MM-DD.")
        outcomes = apply_retention(today=today, dry_run=dry_run, by=self.actor)
        for outcome in outcomes:
            self.stdout.write(str(outcome))
        counts = {
            result: sum(1 for o in outcomes if o.result == result) for result in ("due", "destroyed", "held", "failed")
        }
        verb = "would be destroyed" if dry_run else "destroyed"
        self.stdout.write(
            f"{counts['due'] if dry_run else counts['destroyed']} record(s) {verb}, "
            f"{counts['held']} held, {counts['failed']} failed (as of {today:%Y-%m-%d})"
        )
        if counts["failed"]:
            raise SystemExit(1)
