"""Write the audit chains' heads, signed, outside the database (run daily; see audit/anchors.py).

It seals what is waiting first (audit.sealing), so the anchor covers every record written before it."""

from django.core.management.base import BaseCommand

from audit.anchors import anchor_write, current_heads
from audit.locks import OneCopyAtATime
from audit.sealing import seal
from audit.verification import verify_all


class Command(OneCopyAtATime, BaseCommand):
    help = (
        "Seal the records waiting to be sealed, check the audit chains, then write their current heads (position and hash), signed with "
        "AUDIT_ANCHOR_KEY, to a new file in AUDIT_ANCHOR_DIR. verify_audit checks the chains against "
        "every anchor, so a chain rewritten whole in the database is caught. Exits non-zero, writing "
        "nothing, if a chain is already broken."
    )

    def handle(self, *args, **options):
        for chain, count in seal().items():
            if count:
                self.stdout.write(f"{chain}: {count} record(s) sealed first")
        _, breaks = verify_all()
        if breaks:
            for problem in breaks:
                self.stderr.write(f"BROKEN {problem}")
            self.stderr.write("No anchor written: a broken chain is not anchored. Run verify_audit.")
            raise SystemExit(1)
        path = anchor_write()
        for chain, head in current_heads().items():
            self.stdout.write(f"{chain}: position {head['seq']} {head['hash']}")
        self.stdout.write(f"anchor written to {path}")
