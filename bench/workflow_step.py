"""How much one workflow step costs: SQL statements and wall time per service call.

Drives fresh cases from referral to a confirmed payment batch through the domain services — the
same calls the pages and the API make — and prints, for each step, the number of SQL statements
(django.test.utils.CaptureQueriesContext) and the median wall time over the runs. DESIGN.md's
budget is about 16 statements for a workflow step (lock, permission, change, audit, viewflow).
It reports; it never fails.

    make bench                                   # SQLite, in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fgdm .venv/bin/python bench/workflow_step.py
    .venv/bin/python bench/workflow_step.py --runs 10 --model fgc --sql meeting_record

Settings are config.settings.test. The benchmark never touches an existing database: it creates
a throwaway one (in memory for SQLite; `bench_<name>` on PostgreSQL) and drops it at the end.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

# Run as a script, this file's folder comes first on the path, where bench/reports.py would stand in
# for the reports app: the project's root goes first.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path[:1]:
    sys.path.insert(0, str(ROOT))

os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

BUDGET = 16
KINDS = ("tx", "viewflow", "audit", "ours")


def kind_of(sql: str) -> str:
    """Which layer a statement belongs to: transaction control, viewflow's tables, the audit trail, ours."""
    head = sql.lstrip().split(None, 1)[0].upper()
    if head in {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}:
        return "tx"
    if '"viewflow_' in sql:
        return "viewflow"
    if '"audit_' in sql or '"auditlog_' in sql:  # field history, domain events, access log, chain heads
        return "audit"
    return "ours"


class Step:
    def __init__(self, name: str, who: str, workflow: bool):
        self.name, self.who, self.workflow = name, who, workflow
        self.queries: list[int] = []
        self.seconds: list[float] = []
        self.sql: list[str] = []
        self.kinds: dict[str, int] = {}


def user(username):
    """A freshly loaded user, as a new request would have: no permission caches."""
    return get_user_model().objects.get(username=username)


def drive_one_case(steps: dict, *, model: str, run: int) -> None:
    from fgdm import services as case_services
    from fgdm.models import Locality
    from fgdm.services import ActionInput, ChildInput
    from network_packages import services as package_services
    from network_packages.services import ItemInput
    from payments import services as payment_services

    today = timezone.localdate()

    def step(name, who, workflow, call):
        acting = user(who)
        entry = steps.setdefault(name, Step(name, who, workflow))
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = call(acting)
            elapsed = time.perf_counter() - started
        entry.queries.append(len(captured.captured_queries))
        entry.seconds.append(elapsed)
        entry.sql = [q["sql"] for q in captured.captured_queries]
        entry.kinds = {kind: sum(kind_of(sql) == kind for sql in entry.sql) for kind in KINDS}
        return result

    east = Locality.objects.get(code="east")
    case = step(
        "case_create",
        "prac.east",
        True,
        lambda by: case_services.case_create(
            by=by,
            family_name=f"Bench{run}",
            locality=east,
            stage="family_help",
            referral_reason="Benchmark",
            children=[
                ChildInput(
                    first_name="Lily",
                    last_name="Bench",
                    date_of_birth=datetime.date(2017, 3, 9),
                    wishes_and_feelings="Lily wants to stay with Nan.",
                )
            ],
        ),
    )
    step(
        "case_allocate",
        "tm.east",
        True,
        lambda by: case_services.case_allocate(case_id=case.pk, by=by, lead_practitioner=user("prac.east")),
    )
    step(
        "case_record_consent",
        "prac.east",
        False,
        lambda by: case_services.case_record_consent(case_id=case.pk, by=by, given_by="Sarah Bench (mother)"),
    )
    nan = step(
        "member_add",
        "prac.east",
        False,
        lambda by: case_services.member_add(
            case_id=case.pk, by=by, full_name="Margaret Bench", relationship="grandparent"
        ),
    )
    coordinator = user("coord") if model == "fgc" else None
    meeting = step(
        "meeting_schedule",
        "prac.east",
        True,
        lambda by: case_services.meeting_schedule(
            case_id=case.pk,
            by=by,
            model=model,
            scheduled_for=timezone.now() - datetime.timedelta(hours=1),
            venue="Leigh Park Family Hub",
            coordinator=coordinator,
        ),
    )
    runner = "coord" if model == "fgc" else "prac.east"
    if model == "fgc":
        # A conference is prepared once everyone in the network is (meeting_prepare refuses before).
        step(
            "member_record_preparation",
            "coord",
            False,
            lambda by: case_services.member_record_preparation(member_id=nan.pk, by=by, status="prepared"),
        )
        step("meeting_prepare", "coord", True, lambda by: case_services.meeting_prepare(meeting_id=meeting.pk, by=by))
    plan = step(
        "meeting_record",
        runner,
        True,
        lambda by: case_services.meeting_record(
            meeting_id=meeting.pk,
            by=by,
            held_on=today,
            attendees="Margaret, Sarah, Lily",
            private_family_time=True,
            actions=[ActionInput(description="Nan stays over", owner_member_id=nan.pk)],
            contingency="Aunt Jo steps in",
            review_by=today + datetime.timedelta(days=42),
        ),
    )
    step("plan_accept", "prac.east", True, lambda by: case_services.plan_accept(plan_id=plan.pk, by=by))
    package = step(
        "package_create",
        "prac.east",
        False,
        lambda by: package_services.package_create(
            case_id=case.pk,
            by=by,
            plan_id=plan.pk,
            justification="Sofa bed",
            other_funding_checked=True,
            agreement_signed_on=today,
            review_by=today + datetime.timedelta(days=42),
            items=[
                ItemInput(
                    description="Sofa bed", category="furniture_and_bedding", payee_id=nan.pk, amount=Decimal("349.00")
                )
            ],
        ),
    )
    step("package_submit", "prac.east", True, lambda by: package_services.package_submit(package_id=package.pk, by=by))
    step("package_approve", "tm.east", True, lambda by: package_services.package_approve(package_id=package.pk, by=by))
    step(
        "bank_account_set",
        "fin1",
        False,
        lambda by: payment_services.bank_account_set(
            member_id=nan.pk, by=by, account_name="M BENCH", sort_code="40-00-00", account_number="12165678"
        ),
    )
    # Every run pays its Nan into the same test account: the finance officer confirms it is hers.
    step(
        "bank_account_verify",
        "fin2",
        False,
        lambda by: payment_services.bank_account_verify(member_id=nan.pk, by=by, confirm_shared_account=True),
    )
    payment_ids = list(package.payments.values_list("pk", flat=True))
    step(
        "payment_authorise",
        "fin1",
        True,
        lambda by: payment_services.payment_authorise(payment_id=payment_ids[0], by=by),
    )
    batch = step(
        "batch_create", "fin1", False, lambda by: payment_services.batch_create(by=by, payment_ids=payment_ids)
    )
    step("batch_approve", "fin2", False, lambda by: payment_services.batch_approve(batch_id=batch.pk, by=by))
    step("batch_export", "fin1", False, lambda by: payment_services.batch_export(batch_id=batch.pk, by=by))
    step("batch_confirm", "fin1", False, lambda by: payment_services.batch_confirm(batch_id=batch.pk, by=by))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cases to drive (the first warms the caches)")
    parser.add_argument("--model", choices=["fnm", "fgc"], default="fnm", help="meeting model of the path")
    parser.add_argument("--sql", metavar="STEP", help="print the SQL of this step (last run), or of every step: all")
    args = parser.parse_args()

    settings_db = connection.settings_dict
    settings_db.setdefault("TEST", {})
    if connection.vendor != "sqlite":
        settings_db["TEST"]["NAME"] = f"bench_{settings_db['NAME']}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from process import demo

        demo.seed_reference()
        demo.seed_budgets(demo.seed_users())
        steps: dict[str, Step] = {}
        for run in range(max(args.runs, 1)):
            drive_one_case(steps, model=args.model, run=run)
        report(steps, args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def report(steps: dict, args) -> None:
    print(f"FGDM workflow step benchmark — {connection.display_name}, {args.runs} run(s), meeting model {args.model}")
    print(
        "Queries: last run (first run in brackets when it differs), then split into transaction control "
        "(BEGIN, COMMIT, savepoints), viewflow's tables, audit rows (field history, domain events, access log and their chain heads) and the rest "
        "(our reads and writes, the flow's gateway conditions). Time: median of the runs after the first."
    )
    print(f"{'step':<22}{'as':<11}{'flow':<6}{'queries':>12}{'ms':>9}   " + "".join(f"{k:>9}" for k in KINDS))
    total_q, total_ms = 0, 0.0
    totals = dict.fromkeys(KINDS, 0)
    for s in steps.values():
        warm = s.seconds[1:] or s.seconds
        ms = statistics.median(warm) * 1000
        first = f"({s.queries[0]})" if s.queries[0] != s.queries[-1] else ""
        flag = "  over budget" if s.workflow and s.queries[-1] > BUDGET else ""
        print(
            f"{s.name:<22}{s.who:<11}{'yes' if s.workflow else '':<6}{first:>6}{s.queries[-1]:>6}{ms:>9.1f}   "
            + "".join(f"{s.kinds[k]:>9}" for k in KINDS)
            + flag
        )
        total_q += s.queries[-1]
        total_ms += ms
        for k in KINDS:
            totals[k] += s.kinds[k]
    print(f"{'whole path':<39}{total_q:>12}{total_ms:>9.1f}   " + "".join(f"{totals[k]:>9}" for k in KINDS))
    print(f"Budget: ~{BUDGET} statements per workflow step ('flow' = the step completes a viewflow task).")
    flow = [s for s in steps.values() if s.workflow]
    if flow:
        records = [sum(q.lstrip().upper().startswith("INSERT") and kind_of(q) == "audit" for q in s.sql) for s in flow]
        measured = sum(s.queries[-1] for s in flow)
        as_if = measured - sum(s.kinds["audit"] for s in flow) + sum(records)
        print(
            f"Per completion ({len(flow)} flow steps): {measured / len(flow):.1f} statements; "
            f"{as_if / len(flow):.1f} as if each audit record cost 1 statement ({sum(records)} records)."
        )
    for name in steps if args.sql == "all" else [args.sql] if args.sql in steps else []:
        print(f"\nSQL of {name}:")
        for number, sql in enumerate(steps[name].sql, start=1):
            print(f"{number:>3}. [{kind_of(sql)}] {sql}")


if __name__ == "__main__":
    main()
