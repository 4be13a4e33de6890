"""How fast the report pages answer: server time and SQL statements of each, per person.

    make bench-reports                                   # the database DATABASE_URL names
    .venv/bin/python bench/reports.py --database-url postgres://postgres@127.0.0.1:5432/bench_h4 --fail-over 1.0
    .venv/bin/python bench/reports.py --runs 10 --users sm --only caseload --slowest 3

Fill the database first with `bench/bulk_cases.py` (50,000 cases for issue 16's "under a second").
For the service manager `sm` (the county) and the team manager `tm.east` (their team), it asks for:
the dashboard (default filters, then filtered to one locality), every CSV download the dashboard
links to, the returns API (meetings, children, spend; CSV and XLSX) and the caseload page. Pages
are found by URL name; one that does not exist yet is skipped with a note, so this runs before
every part of issue 16 is merged.

Each page is asked for once to warm up and count its SQL statements
(django.test.utils.CaptureQueriesContext), then `--runs` times with the clock running around
`client.get` and the reading of a streamed body (in process, Django's test Client, DEBUG off,
no network and no browser: the server's time alone). It prints the median and 95th percentile
(nearest rank: with 5 runs, the slowest) per page and person. It exits 1 if a page answers
anything but 200, or, with `--fail-over SECONDS`, if any 95th percentile reaches that.
It only reads (and writes what a real read writes: sessions, the access log).
"""

import argparse
import html
import math
import os
import re
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

USERS = ("sm", "tm.east")
# URL names of the returns API, newest first; DESIGN.md's paths are the fallback.
RETURNS = {
    "meetings": (("api-report-meetings", "reports-api:meetings"), "/api/v1/reports/meetings/"),
    "children": (("api-report-children", "reports-api:children"), "/api/v1/reports/children/"),
    "spend": (("api-report-spend", "reports-api:spend"), "/api/v1/reports/spend/"),
}


@dataclass
class Target:
    name: str
    username: str
    url: str
    seconds: list = field(default_factory=list)
    queries: int = 0
    status: int = 0
    size: int = 0
    sql: list = field(default_factory=list)  # (seconds, statement) of the warm-up run

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else math.nan

    @property
    def p95(self) -> float:
        if not self.seconds:
            return math.nan
        ordered = sorted(self.seconds)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def setup_django(database_url: str | None = None) -> None:
    # WhiteNoise warns that collectstatic has not run; the pages are measured, not their static files.
    warnings.filterwarnings("ignore", message="No directory at")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def url_by_name(*names: str, fallback_path: str = "") -> str | None:
    """The URL of the first name that exists, else `fallback_path` if something answers there."""
    from django.urls import NoReverseMatch, Resolver404, resolve, reverse

    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    if fallback_path:
        try:
            resolve(fallback_path)
            return fallback_path
        except Resolver404:
            pass
    return None


def body_of(response) -> bytes:
    """The whole body, reading a streamed one to the end (its work happens while it is read)."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def csv_links(page: str) -> list[str]:
    """The dashboard's CSV downloads: links whose path ends in .csv (query string kept)."""
    links = []
    for href in re.findall(r'href="([^"]+)"', page):
        href = html.unescape(href)
        if href.split("?", 1)[0].endswith(".csv") and href not in links:
            links.append(href)
    return links


def locality_choice(page: str) -> tuple[str, str] | None:
    """The dashboard's locality filter: its field name and the value of one locality (East if it is
    offered, else the first one), read from the page's own form."""
    match = re.search(r'<select[^>]*name="([^"]*locality[^"]*)"[^>]*>(.*?)</select>', page, re.S)
    if not match:
        return None
    options = re.findall(r'<option[^>]*value="([^"]+)"[^>]*>\s*([^<]*?)\s*<', match.group(2))
    if not options:
        return None
    east = [value for value, label in options if label.lower() == "east" or value == "east"]
    return match.group(1), (east or [options[0][0]])[0]


def measure(client, target: Target, runs: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(target.url)
        target.size = len(body_of(response))
    target.status = response.status_code
    target.queries = len(captured.captured_queries)
    target.sql = sorted(((float(q["time"]), q["sql"]) for q in captured.captured_queries), reverse=True)
    if response.status_code != 200:
        return
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(target.url)
        body_of(response)
        target.seconds.append(time.perf_counter() - started)


def targets_for(client, username: str, notes: list) -> list[Target]:
    """Every report page there is today, for one person."""
    found = []
    dashboard = url_by_name("reports:dashboard")
    if dashboard is None:
        notes.append("reports:dashboard does not exist yet: dashboard and its CSV downloads skipped")
    else:
        found.append(Target("dashboard", username, dashboard))
        page = body_of(client.get(dashboard)).decode("utf-8", "replace")
        choice = locality_choice(page)
        if choice is None:
            notes.append(f"{username}: no locality filter found on the dashboard; filtered run skipped")
        else:
            found.append(Target(f"dashboard {choice[0]}={choice[1]}", username, f"{dashboard}?{choice[0]}={choice[1]}"))
        links = csv_links(page)
        if not links:
            notes.append(f"{username}: the dashboard links to no .csv download")
        for link in links:
            found.append(Target(f"csv {link.split('?', 1)[0].rsplit('/', 1)[-1]}", username, link))
    for name, (names, path) in RETURNS.items():
        url = url_by_name(*names, fallback_path=path)
        if url is None:
            notes.append(f"returns API {path} does not exist yet: skipped")
            continue
        for fmt in ("csv", "xlsx"):
            found.append(Target(f"api {name} {fmt}", username, f"{url}?format={fmt}"))
    caseload = url_by_name("process:caseload", "caseload")
    if caseload is None:
        notes.append("process:caseload does not exist: skipped")
    else:
        found.append(Target("caseload", username, caseload))
    return found


def run(*, users=USERS, runs: int = 5, only: str = "", slowest: int = 0, out=print) -> list[Target]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from fgdm.models import Case

    User = get_user_model()
    notes: list[str] = []
    measured: list[Target] = []
    out(
        f"Report pages on {connection.vendor} ({connection.settings_dict['NAME']}): "
        f"{Case.objects.count():,} cases; {runs} timed runs each after one warm-up"
    )
    with override_settings(ALLOWED_HOSTS=["testserver", "localhost"], DEBUG=False):
        for username in users:
            user = User.objects.filter(username=username).first()
            if user is None:
                notes.append(f"no user {username}: run bench/bulk_cases.py (or seed_demo) first")
                continue
            client = Client()
            client.force_login(user)
            for target in targets_for(client, username, notes):
                if only and only not in target.name:
                    continue
                measure(client, target, runs)
                measured.append(target)
                out(f"  {target.username:<8} {target.name:<40} {target.status}  {target.p95 * 1000:8.0f} ms p95")
    out("")
    out(f"{'page':<40} {'user':<8} {'status':>6} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'bytes':>10}")
    for t in measured:
        out(
            f"{t.name:<40} {t.username:<8} {t.status:>6} {t.median * 1000:>10.0f} {t.p95 * 1000:>8.0f} "
            f"{t.queries:>8} {t.size:>10,}"
        )
    for note in dict.fromkeys(notes):
        out(f"note: {note}")
    if slowest:
        for t in measured:
            out(f"\nslowest SQL of {t.name} as {t.username} (warm-up run; {t.queries} statements):")
            for seconds, sql in t.sql[:slowest]:
                out(f"  {seconds * 1000:7.0f} ms  {sql[:600]}")
    return measured


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--users", nargs="+", default=list(USERS))
    parser.add_argument("--only", default="", help="measure only pages whose name contains this")
    parser.add_argument("--slowest", type=int, default=0, help="print each page's N slowest SQL statements")
    parser.add_argument("--fail-over", type=float, help="exit 1 if any page's p95 reaches this many seconds")
    parser.add_argument("--database-url", help="default: DATABASE_URL, else the SQLite file beside manage.py")
    args = parser.parse_args(argv)
    setup_django(args.database_url)
    measured = run(
        users=args.users,
        runs=args.runs,
        only=args.only,
        slowest=args.slowest,
        out=lambda line: print(line, flush=True),
    )
    failed = [t for t in measured if t.status != 200]
    if args.fail_over is not None:
        failed += [t for t in measured if t.status == 200 and t.p95 >= args.fail_over]
    for t in failed:
        why = f"answered {t.status}" if t.status != 200 else f"p95 {t.p95:.3f} s ≥ {args.fail_over} s"
        print(f"FAIL {t.name} as {t.username}: {why}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
