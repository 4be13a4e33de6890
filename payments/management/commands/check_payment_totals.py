"""Check the payments' running totals (per status) against the payments recounted; `--fix` rewrites
those that differ. Exits 1 when any differed (fixed or not), so a nightly run that found one is seen."""

from django.db import transaction

from audit.commands import AuditedCommand
from payments import totals
from payments.constants import PaymentStatus


class Command(AuditedCommand):
    help = (
        "Recount the payments in each status (how many, and their sum) and compare them with the "
        "running totals the services keep (the payments list reads them). Each difference is listed "
        "(status, kept, recounted); the command exits 1 if there was any. With --fix each differing "
        "total is rewritten, with a 'payment_total_fixed' event in the audit trail. Run it nightly."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Rewrite the totals that differ (audited).")

    def handle(self, *args, fix=False, **options):
        # Every slot is locked while it is compared (and fixed): payment events wait a moment, none is lost.
        with transaction.atomic():
            differing = totals.differences()
            if fix:
                totals.fix(differing, by=self.actor)
        for status, kept, fresh in differing:
            self.stdout.write(
                f"{PaymentStatus(status).label}: kept {kept[0]:,} payments, £{totals.pounds(kept[1]):,.2f}; "
                f"recounted {fresh[0]:,}, £{totals.pounds(fresh[1]):,.2f}" + (" (fixed)" if fix else "")
            )
        if differing:
            verb = "fixed" if fix else "run with --fix to rewrite them"
            self.stderr.write(f"{len(differing)} payment total(s) differed from the payments: {verb}")
            raise SystemExit(1)
        self.stdout.write("payment totals agree with the payments")
