"""Gather everything held about one person into a JSON + HTML bundle (a subject access request)."""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils import timezone

from audit.commands import AuditedCommand
from audit.sar import UnknownSubject, build, to_html, to_json


class Command(AuditedCommand):
    help = (
        "Subject access request: write everything held about a child (--child ID) or a network "
        "member or parent (--member ID) to SAR-<kind>-<id>-<date>.json and .html in --out. Other "
        "people's details are marked for review and redaction before the bundle is sent."
    )

    def add_arguments(self, parser):
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--child", type=int, metavar="ID", help="The child's id (admin: Children)")
        who.add_argument("--member", type=int, metavar="ID", help="The network member's id (admin: Network members)")
        parser.add_argument("--out", default=".", help="Directory for the two files (default: here)")

    def handle(self, *args, child=None, member=None, out=".", **options):
        kind, subject_id = ("child", child) if child is not None else ("member", member)
        directory = Path(out)
        if not directory.is_dir():
            raise CommandError(f"--out {out}: no such directory.")
        try:
            bundle = build(kind=kind, subject_id=subject_id, by=self.actor)
        except UnknownSubject as error:
            raise CommandError(str(error))
        stem = directory / f"SAR-{kind}-{subject_id}-{timezone.localdate():%Y%m%d}"
        stem.with_suffix(".json").write_text(to_json(bundle), encoding="utf-8")
        stem.with_suffix(".html").write_text(to_html(bundle), encoding="utf-8")
        marked = sum(1 for s in bundle["sections"] for r in s["records"] for v in r["values"] if v["redact"])
        self.stdout.write(
            f"Wrote {stem}.json and {stem}.html: {len(bundle['sections'])} section(s), "
            f"{marked} value(s) marked for redaction review."
        )
