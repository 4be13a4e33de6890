"""The scale benchmark (issue 18): key reads, workflow completions and a big payment batch, on PostgreSQL.

    make bench-scale DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_county
    .venv/bin/python bench/scale.py --database-url postgres://…/bench_county --runs 10 --only reads

Fill the database first with `manage.py bulk_data --scale county` (or `--cases N`); see
docs/benchmarks.md. It refuses SQLite: the figures are for the production database. It prints one
plain table per part, to paste into an issue note:

1. reads — for each key page and API list, as the demo user who uses it (prac.east, tm.east, sm,
   fin1): the median and 95th percentile of the server time over `--runs` requests after one
   warm-up (Django's test client in this process, DEBUG off, a streamed body read to its end: no
   network, no browser) and the SQL statements of the warm-up request;
2. writes — completions per second through the full service path (bench/workflow_step.py drives
   cases from referral to authorised payments through the services) next to a bare viewflow flow
   of the same shape (bench/bare_flow.py) in the same run, the ratio, and SQL per completion;
3. batch — seconds for a batch of `--batch-payments` (50,000) authorised payments through the
   services: create, approve, export in each format (csv, bacs18, pain001), confirm. The payments
   are written in bulk first (one approved case, verified payees). A step that runs past
   `--step-limit` seconds is cancelled (pg_cancel_backend) and reported as such; the steps after
   it are not run.

It writes to the database it measures (the completions' cases, the batch): use a benchmark
database, never a council's. It is never part of `make test`.
"""

import argparse
import datetime
import math
import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.reports import Target, measure, setup_django  # noqa: E402

READ_USERS = ("prac.east", "tm.east", "sm", "fin1")


# -- 1. reads ---------------------------------------------------------------------------------


def read_targets() -> list[Target]:
    """The key reads, each as the demo user who makes it."""
    from django.db.models import Count
    from django.urls import reverse

    from audit.models import DomainEvent
    from fgdm.models import Case

    east = Case.objects.filter(team__code="east")
    # The case page and timeline of a busy East case (the most events), which tm.east may see.
    busy = (
        DomainEvent.objects.filter(case_id__in=east.filter(status="plan_accepted").values("pk")[:500])
        .values("case_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    case_id = busy["case_id"] if busy else east.values_list("pk", flat=True).first()
    family = Case.objects.filter(pk=case_id).values_list("family_name", flat=True).first() or "Pearce"
    home, cases = reverse("process:home"), reverse("fgdm:case_list")
    targets = [
        Target("my tasks (home)", "prac.east", home),
        Target("API tasks", "prac.east", "/api/v1/tasks/"),
        Target("manager's queues (home)", "tm.east", home),
        Target("API tasks", "tm.east", "/api/v1/tasks/"),
        Target("case list", "tm.east", cases),
        Target(f"case list search '{family}'", "tm.east", f"{cases}?q={family}"),
        Target("API case list", "tm.east", "/api/v1/cases/"),
        Target("case page", "tm.east", reverse("fgdm:case_detail", args=[case_id])),
        Target("audit timeline", "tm.east", reverse("fgdm:case_timeline", args=[case_id])),
        Target("API case audit", "tm.east", f"/api/v1/cases/{case_id}/audit/"),
        Target("case list", "sm", cases),
        Target("dashboard", "sm", reverse("reports:dashboard")),
        Target("caseload", "sm", reverse("process:caseload")),
        Target("finance queue (home)", "fin1", home),
        Target("payments list", "fin1", reverse("payments:payment_list")),
        Target("batch list", "fin1", reverse("payments:batch_list")),
        Target("API payments", "fin1", "/api/v1/payments/"),
        Target("API payment batches", "fin1", "/api/v1/payment-batches/"),
    ]
    return targets


def run_reads(*, runs: int, only: str = "", out=print) -> list[Target]:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    clients = {}
    targets = [t for t in read_targets() if not only or only in t.name]
    for target in targets:
        if target.username not in clients:
            client = Client(HTTP_HOST="localhost")
            client.force_login(get_user_model().objects.get(username=target.username))
            clients[target.username] = client
        measure(clients[target.username], target, runs)
    out(f"Key reads: {runs} timed requests each after a warm-up; server time in the test client.")
    out(f"| {'read':<34} | {'as':<9} | {'median':>9} | {'p95':>9} | {'SQL':>4} | {'answer':>8} |")
    out(f"|{'-' * 36}|{'-' * 11}|{'-' * 10}:|{'-' * 10}:|{'-' * 5}:|{'-' * 9}:|")
    for t in targets:
        if t.status != 200:
            out(f"| {t.name:<34} | {t.username:<9} | {'HTTP ' + str(t.status):>21} | {t.queries:>4} | {'':>8} |")
            continue
        out(
            f"| {t.name:<34} | {t.username:<9} | {_ms(t.median):>9} | {_ms(t.p95):>9} | {t.queries:>4} "
            f"| {t.size / 1024:>5.0f} KB |"
        )
    return targets


def _ms(seconds: float) -> str:
    return "—" if math.isnan(seconds) else f"{seconds * 1000:,.0f} ms"


# -- 2. writes --------------------------------------------------------------------------------


@dataclass
class Completions:
    label: str
    seconds: list = field(default_factory=list)
    queries: list = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return len(self.seconds) / sum(self.seconds) if self.seconds else math.nan

    @property
    def sql(self) -> float:
        return statistics.mean(self.queries) if self.queries else math.nan


def run_writes(*, cases: int, out=print) -> tuple[Completions, Completions]:
    """`cases` cases through the services and `cases` bare processes, interleaved, after one warm-up
    of each. Only the steps that complete a workflow task count."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench import bare_flow
    from bench.workflow_step import drive_one_case

    service, bare = Completions("full service path"), Completions("bare viewflow")
    someone = get_user_model().objects.get(username="tm.east")
    stamp = int(time.time())
    for run in range(cases + 1):
        # CaptureQueriesContext counts the growth of connection.queries, a deque of at most 9,000:
        # once full, every count would read 0. One run is a few hundred statements.
        connection.queries_log.clear()
        steps: dict = {}
        drive_one_case(steps, model="fnm", run=stamp * 1000 + run)
        timed = [s for s in steps.values() if s.workflow]
        if run:
            service.seconds += [s.seconds[-1] for s in timed]
            service.queries += [s.queries[-1] for s in timed]
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            process = bare_flow.start()
            first = time.perf_counter() - started
        if run:
            bare.seconds.append(first)
            bare.queries.append(len(captured.captured_queries))
        for name in bare_flow.STEPS:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                bare_flow.complete(process, name, someone)
                elapsed = time.perf_counter() - started
            if run:
                bare.seconds.append(elapsed)
                bare.queries.append(len(captured.captured_queries))
    ratio = service.per_second / bare.per_second if bare.seconds else math.nan
    out(f"Workflow completions: {cases} case(s) each way after a warm-up, interleaved in one run.")
    out(f"| {'path':<20} | {'completions':>11} | {'per second':>10} | {'SQL per completion':>18} |")
    out(f"|{'-' * 22}|{'-' * 12}:|{'-' * 11}:|{'-' * 19}:|")
    for c in (service, bare):
        out(f"| {c.label:<20} | {len(c.seconds):>11} | {c.per_second:>10.1f} | {c.sql:>18.1f} |")
    out(f"Ratio, full service path / bare viewflow: {ratio:.2f}x")
    return service, bare


# -- 3. the big batch -------------------------------------------------------------------------


class Watchdog:
    """Cancels this connection's running statement if a step takes longer than `limit` seconds."""

    def __init__(self, limit: float):
        self.limit = limit
        self.fired = False

    def __enter__(self):
        from django.db import connection

        connection.ensure_connection()
        self.pid = connection.connection.info.backend_pid
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()
        return self

    def _watch(self):
        import psycopg
        from django.db import connection

        if self.done.wait(self.limit):
            return
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        with psycopg.connect(**params, autocommit=True) as other:
            self.fired = True
            # A cancel lands only while a statement runs: repeat until the step gives up.
            while not self.done.is_set():
                other.execute("SELECT pg_cancel_backend(%s)", [self.pid])
                self.done.wait(0.05)

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()
        return False


def bulk_authorised_payments(count: int):
    """`count` authorised payments due in the last 30 days, on one approved case, written in bulk."""
    from django.db.models import Count, Sum
    from django.utils import timezone

    from bench.export_memory import AMOUNT, PAYEES, approved_case, user
    from payments import totals
    from payments.constants import PaymentStatus
    from payments.models import Payment

    case, package, members = approved_case()
    item = package.items.get()
    fin1, now, today = user("fin1"), timezone.now(), timezone.localdate()
    first = (item.payments.order_by("-instalment").values_list("instalment", flat=True).first() or 0) + 1
    for start in range(0, count, 5000):
        Payment.objects.bulk_create(
            Payment(
                item=item,
                package=package,
                case=case,
                payee=members[n % PAYEES],
                instalment=first + n,
                # a penny more for each round of the payees: no two are the same payee, amount and
                # month, which the batch would refuse as possible duplicates
                amount=AMOUNT + Decimal(n // PAYEES) / 100,
                due_on=today - datetime.timedelta(days=n % 30),
                status=PaymentStatus.AUTHORISED,
                authorised_by=fin1,
                authorised_at=now,
            )
            for n in range(start, min(start + 5000, count))
        )
    written = Payment.objects.filter(package=package, status=PaymentStatus.AUTHORISED, batch__isnull=True)
    # Written without the services: the payments list's running totals are kept here (payments.totals).
    sums = written.filter(instalment__gte=first).aggregate(n=Count("id"), total=Sum("amount"))
    totals.created(PaymentStatus.AUTHORISED, count=sums["n"], amount=sums["total"])
    return list(written.values_list("pk", flat=True))


class Counter:
    """Counts the SQL statements run on the connection (CaptureQueriesContext keeps only 9,000)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def batch_in_bulk(ids: list, by):
    """The open batch batch_create would make of `ids`, written in bulk: so that approve, the exports
    and confirm are still measured when create did not finish in time."""
    from django.db import transaction
    from django.db.models import Count, Sum

    from payments import totals
    from payments.constants import PaymentStatus
    from payments.models import Payment, PaymentBatch

    with transaction.atomic():
        batch = PaymentBatch.objects.create(reference=f"FNB-SCALE-{int(time.time())}", created_by=by)
        for start in range(0, len(ids), 5000):
            Payment.objects.filter(pk__in=ids[start : start + 5000]).update(status=PaymentStatus.BATCHED, batch=batch)
        sums = Payment.objects.filter(batch=batch).aggregate(n=Count("id"), total=Sum("amount"))
        PaymentBatch.objects.filter(pk=batch.pk).update(payment_count=sums["n"], total=sums["total"])
        totals.moved([(PaymentStatus.AUTHORISED, PaymentStatus.BATCHED, sums["n"], sums["total"])])
    return batch


def run_batch(*, payments: int, limit: float, out=print) -> list:
    from django.db import connection
    from django.db.utils import OperationalError

    from bench.export_memory import user
    from payments import services as payment_services

    started = time.perf_counter()
    ids = bulk_authorised_payments(payments)
    out(f"Batch: {len(ids):,} authorised payments written in bulk in {time.perf_counter() - started:.1f} s.")
    fin1, fin2 = user("fin1"), user("fin2")
    batch = None
    steps = [
        ("create", lambda: payment_services.batch_create(by=fin1, payment_ids=ids)),
        ("approve", lambda: payment_services.batch_approve(batch_id=batch.pk, by=fin2)),
        *[
            (
                f"export {fmt}",
                lambda fmt=fmt: payment_services.batch_export_file(batch_id=batch.pk, by=fin1, export_format=fmt),
            )
            for fmt in ("csv", "bacs18", "pain001")
        ],
        ("confirm", lambda: payment_services.batch_confirm(batch_id=batch.pk, by=fin1)),
    ]
    rows, stopped = [], False
    for name, call in steps:
        if stopped:
            rows.append((name, None, None, "not run"))
            continue
        watchdog, counter = Watchdog(limit), Counter()
        began = time.perf_counter()
        try:
            with watchdog, connection.execute_wrapper(counter):
                result = call()
            seconds = time.perf_counter() - began
            if name == "create":
                batch = result
            rows.append((name, seconds, counter.count, ""))
        except OperationalError as error:
            if not watchdog.fired:
                raise
            connection.close()  # the cancelled transaction is gone; start afresh
            note = f"cancelled after {limit:.0f} s ({type(error).__name__})"
            if name == "create":
                batch = batch_in_bulk(ids, fin1)
                note += "; the batch was then written in bulk for the steps after"
            else:
                stopped = True
            rows.append((name, None, counter.count, note))
    out(f"| {'batch of ' + format(len(ids), ',') + ' payments':<26} | {'seconds':>8} | {'SQL':>8} | note |")
    out(f"|{'-' * 28}|{'-' * 9}:|{'-' * 9}:|------|")
    for name, seconds, queries, note in rows:
        shown = (
            f"> {limit:.0f}"
            if seconds is None and note.startswith("cancelled")
            else ("—" if seconds is None else f"{seconds:.1f}")
        )
        out(f"| {name:<26} | {shown:>8} | {queries if queries is not None else '—':>8} | {note} |")
    # create and confirm are set-based (one UPDATE each, events appended in bulk): the budgets'
    # running totals they keep must still agree with the packages and payments recomputed.
    from django.db import transaction

    from network_packages import commitments

    with transaction.atomic():
        differing = commitments.differences()
    out(
        "Budget totals after the batch: " + ("agree." if not differing else f"{len(differing)} differ: {differing[:3]}")
    )
    return rows


# -- the run ----------------------------------------------------------------------------------


def describe(out=print) -> None:
    from django.db import connection
    from viewflow.workflow.models import Task

    from audit.models import DomainEvent, LogEntry
    from fgdm.models import Case
    from payments.models import Payment

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    counts = {
        "cases": Case.objects.count(),
        "open cases": Case.objects.exclude(status__in=["closed", "declined"]).count(),
        "workflow tasks": Task.objects.count(),
        "audit rows": DomainEvent.objects.count() + LogEntry.objects.count(),
        "payments": Payment.objects.count(),
    }
    out(
        f"FGDM scale benchmark — {connection.settings_dict['NAME']} ({version}, {size}), "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, load average "
        f"{os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs"
    )
    out("Data: " + ", ".join(f"{value:,} {name}" for name, value in counts.items()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: DATABASE_URL (PostgreSQL only)")
    parser.add_argument("--runs", type=int, default=10, help="timed requests per read (after one warm-up)")
    parser.add_argument("--only", choices=["reads", "writes", "batch"], action="append", help="run only these parts")
    parser.add_argument("--read", default="", help="only the reads whose name contains this")
    parser.add_argument("--completions", type=int, default=10, help="cases driven each way for the write figures")
    parser.add_argument("--batch-payments", type=int, default=50_000)
    parser.add_argument("--step-limit", type=float, default=600, help="seconds before a batch step is cancelled")
    args = parser.parse_args(argv)
    setup_django(args.database_url)
    from django.db import connection

    from core.runtime import settle_garbage_collector

    settle_garbage_collector()  # as config.wsgi sets up an app server's process
    if connection.vendor != "postgresql":
        print("bench/scale.py measures PostgreSQL only: set DATABASE_URL (or --database-url) to a postgres:// URL.")
        return 2
    parts = args.only or ["reads", "writes", "batch"]
    out = lambda line: print(line, flush=True)  # noqa: E731
    describe(out)
    if "reads" in parts:
        out("")
        run_reads(runs=args.runs, only=args.read, out=out)
    if "writes" in parts:
        out("")
        run_writes(cases=args.completions, out=out)
    if "batch" in parts:
        out("")
        run_batch(payments=args.batch_payments, limit=args.step_limit, out=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
