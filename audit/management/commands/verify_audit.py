"""Check every audit chain, and the chains against the signed anchors stored outside the database;
exit non-zero and name the first broken record if any was tampered with.

Records not yet sealed (audit.sealing) are reported, not a break: they are a few seconds old while
the sequencer runs. One older than FGDM_AUDIT_SEAL_GRACE_MINUTES means it is not running: exit 1."""

from django.core.management.base import BaseCommand

from audit.anchors import anchor_dir, verify_anchors
from audit.sealing import grace
from audit.verification import unsealed_report, verify_all


class Command(BaseCommand):
    help = (
        "Verify the tamper-evident audit chains (field history, domain events, access log, redactions), "
        "that they still hold the heads anchored by anchor_audit in AUDIT_ANCHOR_DIR, and report the "
        "records not yet sealed (failing when one waited longer than FGDM_AUDIT_SEAL_GRACE_MINUTES)."
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
        waiting = [line for line in unsealed_report() if line.count]
        for line in waiting:
            self.stdout.write(f"{line} (sealed by seal_audit; not yet covered by the chain)")
        stale = [line for line in waiting if line.too_old]
        if breaks:
            for problem in breaks:
                self.stderr.write(f"BROKEN {problem}")
        for line in stale:
            minutes = int(grace().total_seconds() // 60)
            self.stderr.write(
                f"NOT SEALED {line.chain}: records wait longer than {minutes} minute(s) "
                "(FGDM_AUDIT_SEAL_GRACE_MINUTES): the sequencer is not running. Run `manage.py seal_audit` "
                "and keep `seal_audit --follow` or the scheduler (run_scheduler) running."
            )
        if breaks or stale:
            raise SystemExit(1)
        if waiting:
            self.stdout.write("audit trail intact (sealed records); the records above wait to be sealed")
        else:
            self.stdout.write("audit trail intact")
