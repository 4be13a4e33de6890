"""Bring the dashboard's pre-aggregated figures up to date (reports.summary).

Without options: the months touched since the last refresh (every month when the last whole rebuild
is older than FGDM_FIGURES_FULL_MINUTES); the timer job runs it every 5 minutes. `--all` rebuilds
every month. `--check` recomputes everything and compares it with the stored summary, changing
nothing, and exits 1 on any difference (then `--all` rewrites it)."""

import time

from django.core.management.base import BaseCommand

from reports import summary


class Command(BaseCommand):
    help = (
        "Refresh the dashboard's summary figures: the months touched since the last refresh, or every "
        "month with --all. --check compares the summary with a recompute and exits 1 if they differ."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Rebuild every month.")
        parser.add_argument("--check", action="store_true", help="Compare with a recompute; change nothing.")

    def handle(self, *args, **options):
        if options["check"]:
            differing = summary.differences()
            for line in differing[:50]:
                self.stdout.write(line)
            if differing:
                self.stderr.write(f"{len(differing)} summary row(s) differ from a recompute: run refresh_figures --all")
                raise SystemExit(1)
            self.stdout.write("the dashboard's summary agrees with a recompute")
            return
        started = time.perf_counter()
        done = summary.refresh(everything=options["all"])
        what = "every month" if done.full_at == done.started_at else f"{done.months} month(s)"
        self.stdout.write(f"figures refreshed ({what}) in {time.perf_counter() - started:.1f} s")
