"""Check every audit chain, and the chains against the signed anchors stored outside the database;
exit non-zero and name the first broken record if any was tampered with."""

from django.core.management.base import BaseCommand

from audit.anchors import anchor_dir, verify_anchors
from audit.verification import verify_all


class Command(BaseCommand):
    help = (
        "Verify the tamper-evident audit chains (field history, domain events, access log), and that "
        "they still hold the heads anchored by anchor_audit in AUDIT_ANCHOR_DIR."
    )

    def handle(self, *args, **options):
        counts, breaks = verify_all()
        for chain, count in counts.items():
            self.stdout.write(f"{chain}: {count} record(s) checked")
        anchors, anchor_breaks = verify_anchors()
        breaks = [*breaks, *anchor_breaks]
        if anchors:
            self.stdout.write(f"{anchors} anchor(s) in {anchor_dir()} checked")
        else:
            self.stdout.write(
                f"no anchors in {anchor_dir()}: run anchor_audit daily so a chain rewritten whole is caught"
            )
        if breaks:
            for problem in breaks:
                self.stderr.write(f"BROKEN {problem}")
            raise SystemExit(1)
        self.stdout.write("audit trail intact")
