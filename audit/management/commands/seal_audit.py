"""Seal unsealed audit records into their chains (audit.sealing): once, or `--follow` for ever."""

import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, connection

from audit.locks import OneCopyAtATime
from audit.sealing import BATCH_SIZE, seal


class Command(OneCopyAtATime, BaseCommand):
    help = (
        "Seal the audit records written since the last run into their hash chains, in order, in batches "
        "of --batch-size. With --follow, keep sealing every --interval seconds (for production: one copy "
        "runs across all machines; the scheduler's seal_audit job does the same once a minute)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--follow", action="store_true", help="keep sealing until stopped")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between rounds (--follow)")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, **options):
        if not options["follow"]:
            self._report(seal(batch_size=options["batch_size"]), quiet=False)
            return
        self.stdout.write(f"Sealing the audit chains every {options['interval']} s (Ctrl+C stops).")
        try:
            while True:
                try:
                    self._report(seal(batch_size=options["batch_size"]), quiet=True)
                except DatabaseError as error:  # the database restarted: try again next round
                    self.stderr.write(f"seal_audit: {type(error).__name__}: {error}")
                    connection.close()
                time.sleep(options["interval"])
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")

    def _report(self, counts: dict[str, int], *, quiet: bool) -> None:
        for chain, count in counts.items():
            if count or not quiet:
                self.stdout.write(f"{chain}: {count} record(s) sealed")
