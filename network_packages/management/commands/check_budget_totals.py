"""Check the budgets' running totals against the packages and payments recomputed; `--fix` rewrites
those that differ. Exits 1 when any differed (fixed or not), so a nightly run that found one is seen."""

from django.db import transaction

from audit.commands import AuditedCommand
from fgdm.models import Locality
from network_packages import commitments


class Command(AuditedCommand):
    help = (
        "Recompute what each locality's support packages commit against its budget, per financial "
        "year, from the packages and payments themselves, and compare it with the running totals the "
        "services keep. Each difference is listed (locality, year, kept, recomputed); the command exits "
        "1 if there was any. With --fix each differing total is rewritten, with a 'budget_total_fixed' "
        "event in the audit trail. Run it nightly."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Rewrite the totals that differ (audited).")

    def handle(self, *args, fix=False, **options):
        # Every total is locked while it is compared (and fixed): approvals wait a moment, none is lost.
        with transaction.atomic():
            differing = commitments.differences()
            if fix:
                commitments.fix(differing, by=self.actor)
        names = dict(Locality.objects.values_list("pk", "name"))
        for (locality, year), kept, fresh in differing:
            self.stdout.write(
                f"{names.get(locality, locality)} {year}-{(year + 1) % 100:02d}: kept £{commitments.pounds(kept):,.2f}, "
                f"recomputed £{commitments.pounds(fresh):,.2f}" + (" (fixed)" if fix else "")
            )
        if differing:
            verb = "fixed" if fix else "run with --fix to rewrite them"
            self.stderr.write(f"{len(differing)} budget total(s) differed from the packages and payments: {verb}")
            raise SystemExit(1)
        self.stdout.write("budget totals agree with the packages and payments")
