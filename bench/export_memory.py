"""How much Python memory a payment file takes to export and to download, by batch size and format.

Makes one case through the domain services (referral to an approved package, payees' bank details
entered and verified), then batches of N payments to those payees written straight into the tables
(authorising and batching 20,000 payments one service call at a time would take minutes and is not
what is measured here). Each batch is approved through the service; then, for each format, it
measures with tracemalloc the peak Python memory of `batch_export_file` (render and store in
chunks) and of downloading the file through the API (`GET /api/v1/payment-batches/{id}/download/`,
reading the streamed body and checking its SHA-256). Memory-flat means the peaks stay the same
while the batch — and the file — grows ten times. It reports; it never fails.

    make bench-exports                                   # SQLite, in memory: 2,000 and 20,000 payments
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fgdm .venv/bin/python bench/export_memory.py
    .venv/bin/python bench/export_memory.py --payments 1000 50000

Settings are config.settings.test (DEBUG off, so no query log grows). The benchmark never touches
an existing database: it creates a throwaway one (in memory for SQLite; `bench_<name>` on
PostgreSQL) and drops it at the end. tracemalloc sees Python's allocations, not the database
driver's C buffers.
"""

import argparse
import datetime
import hashlib
import os
import resource
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

# The project first on the path: run as a script, bench/ comes first, and its reports.py would hide
# the reports app.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path[:1]:
    sys.path.insert(0, str(ROOT))

os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

FORMATS = ("csv", "bacs18", "pain001")
PAYEES = 20
AMOUNT = Decimal("37.50")


def user(username):
    return get_user_model().objects.get(username=username)


def approved_case():
    """One case through the services, to an approved package, with PAYEES verified payees."""
    from fgdm import services as case_services
    from fgdm.models import Locality
    from fgdm.services import ActionInput, ChildInput
    from network_packages import services as package_services
    from network_packages.services import ItemInput
    from payments import services as payment_services

    today = timezone.localdate()
    prac, fin1, fin2 = user("prac.east"), user("fin1"), user("fin2")
    case = case_services.case_create(
        by=prac,
        family_name="Bench",
        locality=Locality.objects.get(code="east"),
        stage="family_help",
        referral_reason="Benchmark",
        children=[
            ChildInput(
                first_name="Lily",
                last_name="Bench",
                date_of_birth=datetime.date(2017, 3, 9),
                wishes_and_feelings="Lily wants her friends' families to help with school.",
            )
        ],
    )
    case_services.case_allocate(case_id=case.pk, by=user("tm.east"), lead_practitioner=prac)
    case_services.case_record_consent(case_id=case.pk, by=prac, given_by="Sarah Bench (mother)")
    members = [
        case_services.member_add(case_id=case.pk, by=prac, full_name=f"Payee {n} Bench-O'Brien", relationship="friend")
        for n in range(PAYEES)
    ]
    meeting = case_services.meeting_schedule(
        case_id=case.pk,
        by=prac,
        model="fnm",
        scheduled_for=timezone.now() - datetime.timedelta(hours=1),
        venue="Leigh Park Family Hub",
    )
    plan = case_services.meeting_record(
        meeting_id=meeting.pk,
        by=prac,
        held_on=today,
        attendees="Everyone",
        private_family_time=True,
        actions=[ActionInput(description="Help with the school run", owner_member_id=members[0].pk)],
        contingency="Aunt Jo steps in",
        review_by=today + datetime.timedelta(days=42),
    )
    case_services.plan_accept(plan_id=plan.pk, by=prac)
    package = package_services.package_create(
        case_id=case.pk,
        by=prac,
        plan_id=plan.pk,
        justification="School run",
        other_funding_checked=True,
        agreement_signed_on=today,
        review_by=today + datetime.timedelta(days=42),
        items=[ItemInput(description="School run", category="transport", payee_id=members[0].pk, amount=AMOUNT)],
    )
    package_services.package_submit(package_id=package.pk, by=prac)
    package_services.package_approve(package_id=package.pk, by=user("tm.east"))
    for n, member in enumerate(members):
        payment_services.bank_account_set(
            member_id=member.pk,
            by=fin1,
            account_name=f"PAYEE {n} BENCH",
            sort_code="08-99-99",
            account_number="66374958",
        )
        payment_services.bank_account_verify(member_id=member.pk, by=fin2, confirm_shared_account=True)
    package.refresh_from_db()
    return case, package, members


@transaction.atomic
def batch_of(count: int, case, package, members, first_instalment: int):
    """An open batch of `count` payments, written directly (see the module's docstring)."""
    from payments import totals
    from payments.constants import PaymentStatus
    from payments.models import Payment, PaymentBatch

    fin1, now = user("fin1"), timezone.now()
    item = package.items.get()
    batch = PaymentBatch.objects.create(
        reference=f"FNB-BENCH-{count}", created_by=fin1, payment_count=count, total=AMOUNT * count
    )
    due = timezone.localdate()
    for start in range(0, count, 2000):
        Payment.objects.bulk_create(
            Payment(
                item=item,
                package=package,
                case=case,
                payee=members[n % PAYEES],
                instalment=first_instalment + n,
                amount=AMOUNT,
                due_on=due + datetime.timedelta(weeks=n % 520),
                status=PaymentStatus.BATCHED,
                authorised_by=fin1,
                authorised_at=now,
                batch=batch,
            )
            for n in range(start, min(start + 2000, count))
        )
    # Written without the services: the payments list's running totals are kept here (payments.totals).
    totals.created(PaymentStatus.BATCHED, count=count, amount=AMOUNT * count)
    return batch


def traced(call):
    """(result, peak bytes traced, seconds) of call()."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    try:
        result = call()
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak, elapsed


def download(client, batch_id: int, export_format: str):
    response = client.get(f"/api/v1/payment-batches/{batch_id}/download/?format={export_format}")
    assert response.status_code == 200 and response.streaming, response.status_code
    digest, size, pieces = hashlib.sha256(), 0, 0
    for piece in response.streaming_content:
        digest.update(piece)
        size += len(piece)
        pieces += 1
    response.close()
    return response["X-Checksum-SHA256"], digest.hexdigest(), size, pieces


def measure(batch, rows: list) -> None:
    from rest_framework.test import APIClient

    from payments import services as payment_services

    payment_services.batch_approve(batch_id=batch.pk, by=user("fin2"))
    client = APIClient()
    client.force_authenticate(user("fin2"))
    for export_format in FORMATS:
        by = user("fin1")
        (_, export), export_peak, export_s = traced(
            lambda by=by, export_format=export_format: payment_services.batch_export_file(
                batch_id=batch.pk, by=by, export_format=export_format
            )
        )
        (header, body_sha, size, pieces), download_peak, download_s = traced(
            lambda export_format=export_format: download(client, batch.pk, export_format)
        )
        same = header == body_sha == export.sha256 and size == export.size
        rows.append(
            (
                batch.payment_count,
                export_format,
                export.size,
                export.chunks.count(),
                export_peak,
                export_s,
                download_peak,
                download_s,
                pieces,
                same,
            )
        )


def report(rows: list) -> None:
    print(
        f"FGDM payment file memory benchmark — {connection.display_name}; peak Python memory (tracemalloc) "
        "of the export (render and store in chunks) and of the download through the API (stream and hash the body)"
    )
    print(
        f"{'payments':>9} {'format':<8}{'file':>11}{'chunks':>8}{'export peak':>13}{'s':>7}"
        f"{'download peak':>15}{'s':>7}{'pieces':>8}  same bytes"
    )
    for count, fmt, size, chunks, e_peak, e_s, d_peak, d_s, pieces, same in rows:
        print(
            f"{count:>9,} {fmt:<8}{kib(size):>11}{chunks:>8}{kib(e_peak):>13}{e_s:>7.1f}"
            f"{kib(d_peak):>15}{d_s:>7.1f}{pieces:>8}  {'yes' if same else 'NO'}"
        )
    print(
        f"Process peak resident set size: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB "
        "(includes Python, Django and the seeded data). Times are with tracemalloc on (slower than normal)."
    )


def kib(value: int) -> str:
    return f"{value / 1024:,.0f} KiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--payments", type=int, nargs="+", default=[2_000, 20_000], help="batch sizes to measure (default: 2000 20000)"
    )
    args = parser.parse_args()

    settings_db = connection.settings_dict
    settings_db.setdefault("TEST", {})
    if connection.vendor != "sqlite":
        settings_db["TEST"]["NAME"] = f"bench_{settings_db['NAME']}"
    setup_test_environment()  # lets the API client's "testserver" host in
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from process import demo

        demo.seed_reference()
        demo.seed_budgets(demo.seed_users())
        case, package, members = approved_case()
        rows, next_instalment = [], 1000
        for count in [10, *args.payments]:  # the first, small batch warms imports and caches: not reported
            batch = batch_of(count, case, package, members, next_instalment)
            next_instalment += count
            measure(batch, rows)
        report(rows[len(FORMATS) :])
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
