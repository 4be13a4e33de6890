"""`manage.py bulk_data --cases N` or `--scale county|england`: made-up cases in bulk, for benchmarks.

Scales (see docs/benchmarks.md for where the figures come from):
- county: 10,000 cases, open and closed (a county like Dorset holds about 2,200 open children-in-need
  cases; three years of FGDM referrals, most of them closed, make about 10,000);
- england: 400,000 cases (DESIGN.md's national scale: about 400,000 cases on one PostgreSQL).

It writes in bulk SQL (COPY on PostgreSQL, bulk_create on SQLite), not through the services: cases with everything around them
(bench/bulk_cases.py), their viewflow processes and tasks and their audit trail, chained so that
`manage.py verify_audit` accepts it (bench/bulk_trail.py). Never on a real council's database.
"""

import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

SCALES = {"county": 10_000, "england": 400_000}


class Command(BaseCommand):
    help = "Write made-up cases in bulk (with workflow tasks and a verifiable audit trail) for benchmarks."

    def add_arguments(self, parser):
        size = parser.add_mutually_exclusive_group(required=True)
        size.add_argument("--cases", type=int, help="how many cases")
        size.add_argument("--scale", choices=sorted(SCALES), help="county: 10,000 cases; england: 400,000")
        parser.add_argument("--seed", type=int, default=16)
        parser.add_argument("--chunk", type=int, default=2000, help="cases built and inserted at a time")
        parser.add_argument("--practitioners-per-team", type=int, default=None)
        parser.add_argument("--coordinators", type=int, default=None)
        parser.add_argument("--force", action="store_true", help="run with DEBUG off (never on a real council's data)")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: this looks like a production server. bulk_data writes made-up families. "
                "Use --force only on a benchmark database."
            )
        cases = options["cases"] if options["cases"] is not None else SCALES[options["scale"]]
        if cases < 1:
            raise CommandError("--cases must be at least 1.")
        # Caseloads like a council's: about 25 cases a practitioner (40 a team at county scale).
        per_team = options["practitioners_per_team"] or max(3, min(400, cases // 250))
        coordinators = options["coordinators"] or max(2, min(300, cases // 800))
        root = Path(settings.BASE_DIR)
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
        from bench.bulk_cases import generate

        started = time.perf_counter()
        generate(
            cases=cases,
            seed=options["seed"],
            chunk=options["chunk"],
            practitioners_per_team=per_team,
            coordinators=coordinators,
            trail=True,
            log=lambda line: self.stdout.write(line),
        )
        # What the services wrote around the bulk rows (budgets, users) waits for the sequencer: seal
        # it now, so that `verify_audit` says intact straight after, with no seal_audit running.
        from audit.sealing import seal

        sealed = sum(seal().values())
        self.stdout.write(f"  sealed {sealed} audit record(s) the services wrote around the bulk rows")
        self.stdout.write(f"bulk_data: {cases} cases in {time.perf_counter() - started:.1f} s")
