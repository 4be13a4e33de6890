"""Write a return (meetings, children or spend) for the whole county: the council's scheduled export.

    manage.py export_return meetings --format csv --from 2026-04-01 --to 2027-03-31 --output meetings.csv

The command runs with no one signed in, so it is not cut to a manager's teams: it exports every case
in the county (still with pseudonymous keys, no names, and small counts suppressed in the spend
return). The run is written to the access log as the command's (or the `--as` user's).
"""

import datetime
from pathlib import Path

from django.core.management.base import CommandError
from django.utils import timezone

from audit.commands import AuditedCommand
from audit.services import record_access
from fgdm.models import Locality
from network_packages.selectors import financial_year_bounds, financial_year_of
from reports import returns
from reports.scope import Filters


def _day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date: give it as YYYY-MM-DD.")


class Command(AuditedCommand):
    help = (
        "Export a return for the whole county: meetings (a row per family meeting), children (a row "
        "per child) or spend (locality × category × month), as CSV or XLSX. The period defaults to "
        "the current financial year. Columns: docs/returns.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", choices=sorted(returns.RETURNS), help="Which return")
        parser.add_argument("--format", dest="file_format", choices=returns.FORMATS, default="csv")
        parser.add_argument("--from", dest="date_from", default="", help="First day, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", default="", help="Last day (included), YYYY-MM-DD")
        parser.add_argument("--locality", default="", help="A locality code (default: every locality)")
        parser.add_argument("--output", default="", help="The file to write (default: standard output; CSV only)")

    def handle(self, *args, name, file_format, date_from, date_to, locality, output, **options):
        start, end = financial_year_bounds(financial_year_of(timezone.localdate()))
        start = _day(date_from) if date_from else start
        end = _day(date_to) if date_to else end
        if end < start:
            raise CommandError("--to must be on or after --from.")
        place = None
        if locality:
            place = Locality.objects.filter(code=locality).first()
            if place is None:
                raise CommandError(f"--locality {locality}: no such locality code.")
        if file_format == "xlsx" and not output:
            raise CommandError("An XLSX file is binary: name it with --output.")
        the_return = returns.RETURNS[name]
        filters = Filters(date_from=start, date_to=end, locality=place)
        record_access(by=self.actor, what=f"{name}_return", door="command", obj=None, path=output or "stdout")
        if file_format == "xlsx":
            Path(output).write_bytes(returns.xlsx_file(the_return, user=None, filters=filters))
        elif output:
            with Path(output).open("wb") as out:
                for chunk in returns.csv_chunks(the_return, user=None, filters=filters):
                    out.write(chunk)
        else:
            for chunk in returns.csv_chunks(the_return, user=None, filters=filters):
                self.stdout.write(chunk.decode("utf-8"), ending="")
        if output:
            self.stderr.write(f"Wrote {the_return.version} for {start} to {end} to {output}.")
