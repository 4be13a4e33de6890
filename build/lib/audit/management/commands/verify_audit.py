"""Check every audit chain; exit non-zero and name the first broken record if any was tampered with."""

from django.core.management.base import BaseCommand

from audit.verification import verify_all


class Command(BaseCommand):
    help = "Verify the tamper-evident audit chains (field history, domain events, access log)."

    def handle(self, *args, **options):
        counts, breaks = verify_all()
        for chain, count in counts.items():
            self.stdout.write(f"{chain}: {count} record(s) checked")
        if breaks:
            for problem in breaks:
                self.stderr.write(f"BROKEN {problem}")
            raise SystemExit(1)
        self.stdout.write("audit trail intact")
