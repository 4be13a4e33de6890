"""Several app servers against one PostgreSQL (issue 18, "Several machines"), shown working.

Starts N gunicorn servers (`config.wsgi`, separate OS processes, M workers each, each on its own
free port) on one PostgreSQL database, prepares K cases through the services, then sends every
step of the cases to TWO servers at the same moment, as two people (or a double click behind a
load balancer) would:

    allocate the same referral       two managers, signed in on the pages (session and CSRF)
    take the same approval task      two managers, API tokens
    approve the same package         the same two managers
    take the same finance task       two finance officers
    authorise the same payment       the same two finance officers
    create a batch of the same payments
    approve the same batch           the officer who did not create it, on both servers

Exactly one of each pair should win; the other gets a clean 4xx ("already done"), never a 5xx.
It prints, for each step, the requests, requests a second, wins, refusals (4xx) and errors (5xx or
no answer), then checks the database: every case in the expected state, each step done once.

    # a throwaway database `bench_many_servers` on the local PostgreSQL, made afresh and dropped:
    .venv/bin/python bench/many_servers.py --servers 2 --workers 3 --cases 200 --clients 6
    .venv/bin/python bench/many_servers.py --database-url postgres://postgres@127.0.0.1:5432/x --keep

Settings are config.settings.test (fast password hashing, throttles out of the way) for the servers
and for this script. `tests/servers/test_two_servers.py` runs the same at a small size in the suite
(PostgreSQL only). Never part of `make test`'s timings; it reports, and exits 1 if a step was done
twice, a case was lost or any answer was a 5xx.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the apps before bench/ (whose reports.py is not the app)
    sys.path.insert(0, str(ROOT))
SETTINGS = "config.settings.test"


# --- servers ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for Django's connection settings (the test database's, under pytest)."""
    db = settings_dict
    user, password = quote(db["USER"] or ""), quote(db["PASSWORD"] or "")
    return f"postgres://{user}:{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Server:
    """One app server: `gunicorn config.wsgi` with its own workers, on a free port of 127.0.0.1."""

    def __init__(self, name: str, *, db_url: str, workers: int = 2, settings: str = SETTINGS, env: dict | None = None):
        self.name, self.workers = name, workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix=f"fgdm-{name}-", suffix=".log", delete=False)  # noqa: SIM115
        environment = {**os.environ, **(env or {}), "DATABASE_URL": db_url, "DJANGO_SETTINGS_MODULE": settings}
        environment.pop("PYTEST_XDIST_WORKER", None)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 90) -> None:
        """Until GET /healthz answers 200 (the app and its database are up)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.output()}")
            try:
                if requests.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer /healthz in {timeout:.0f} s:\n{self.output()}")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> None:
        """Stop gunicorn (and its workers, and so their database connections)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


def start_servers(count: int, *, db_url: str, workers: int, settings: str = SETTINGS) -> list[Server]:
    servers = [Server(f"server{n + 1}", db_url=db_url, workers=workers, settings=settings) for n in range(count)]
    try:
        for server in servers:
            server.wait_ready()
    except Exception:
        for server in servers:
            server.stop()
        raise
    return servers


# --- HTTP as a client -------------------------------------------------------------------------


@dataclasses.dataclass
class Answer:
    server: str
    status: int  # 0: no answer (connection refused or reset, timeout)
    body: str
    seconds: float

    @property
    def won(self) -> bool:
        return 200 <= self.status < 400

    @property
    def refused(self) -> bool:
        return 400 <= self.status < 500

    @property
    def error(self) -> bool:
        return self.status == 0 or self.status >= 500


def send(server: Server, method: str, path: str, *, token=None, json=None, data=None, cookies=None) -> Answer:
    """One request, no redirect followed (a page's success is its 302)."""
    headers = {"Authorization": f"Token {token}"} if token else {}
    if cookies and data is not None:
        headers["Referer"] = server.base + path
    started = time.perf_counter()
    try:
        response = requests.request(
            method,
            server.base + path,
            headers=headers,
            json=json,
            data=data,
            cookies=cookies,
            allow_redirects=False,
            timeout=60,
        )
        status, body = response.status_code, response.text
    except requests.RequestException as exc:
        status, body = 0, repr(exc)
    return Answer(server.name, status, body, time.perf_counter() - started)


CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def sign_in(server: Server, username: str, password: str) -> dict:
    """Sign in on the page as a browser does (the form's CSRF token, then the POST). Returns the
    cookies (session and CSRF), which every server accepts: the session lives in the database."""
    page = requests.get(f"{server.base}/accounts/login/", timeout=30)
    page.raise_for_status()
    cookies = page.cookies.get_dict()
    answer = requests.post(
        f"{server.base}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": CSRF_FIELD.search(page.text)[1]},
        cookies=cookies,
        headers={"Referer": f"{server.base}/accounts/login/"},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"{username} could not sign in on {server.name}: {answer.status_code}")
    return {**cookies, **answer.cookies.get_dict()}


def form_token(server: Server, path: str, cookies: dict) -> str:
    """The CSRF token of the form on a page (GET it as the signed-in person)."""
    page = requests.get(server.base + path, cookies=cookies, timeout=30)
    page.raise_for_status()
    return CSRF_FIELD.search(page.text)[1]


# --- racing -----------------------------------------------------------------------------------


def at_once(*calls) -> list[Answer]:
    """Each call in its own thread, released by a barrier at the same moment."""
    barrier = threading.Barrier(len(calls))
    answers: list = [None] * len(calls)

    def run(n, call):
        barrier.wait(timeout=60)
        answers[n] = call()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


@dataclasses.dataclass
class Step:
    name: str
    pairs: list[list[Answer]]
    seconds: float

    @property
    def answers(self) -> list[Answer]:
        return [answer for pair in self.pairs for answer in pair]

    def line(self) -> str:
        answers = self.answers
        wins = sum(a.won for a in answers)
        refused = sum(a.refused for a in answers)
        errors = sum(a.error for a in answers)
        rate = len(answers) / self.seconds if self.seconds else 0
        statuses = " ".join(
            f"{status}×{n}" for status, n in sorted(Counter(a.status for a in answers if not a.won).items())
        )
        return (
            f"{self.name:<28} {len(answers):>6} {self.seconds:>8.2f} {rate:>8.1f} {wins:>6} {refused:>8} {errors:>6}"
            f"  {statuses}"
        )


HEADER = (
    f"{'step':<28} {'reqs':>6} {'seconds':>8} {'req/s':>8} {'wins':>6} {'refused':>8} {'errors':>6}  losers' answers"
)


def race(name: str, pairs, *, clients: int) -> Step:
    """Send each pair of calls at the same moment; `clients` pairs in flight at once."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(lambda pair: at_once(*pair), pairs))
    return Step(name, results, time.perf_counter() - started)


# --- the cases --------------------------------------------------------------------------------


@dataclasses.dataclass
class People:
    """Two of each: managers of the cases' team, its practitioners, finance officers."""

    manager_a: object
    manager_b: object
    lead_a: object
    lead_b: object
    fin_a: object
    fin_b: object
    password: str


def referrals(count: int, *, people: People, locality) -> list:
    from fgdm import services as case_services
    from fgdm.services import ChildInput

    return [
        case_services.case_create(
            by=people.lead_a,
            family_name=f"Hardy {n}",
            locality=locality,
            stage="family_help",
            referral_reason="Mum is going into hospital for several weeks.",
            children=[
                ChildInput(
                    first_name="Lily",
                    last_name=f"Hardy {n}",
                    date_of_birth=datetime.date(2017, 3, 9),
                    wishes_and_feelings="Wants to stay at her school and see Nan every day.",
                    participation="attends",
                )
            ],
            consent_given_by="Sarah Hardy (mother)",
        )
        for n in range(count)
    ]


def to_submitted_package(case):
    """From an allocated case to a submitted £300 package for Nan, through the services."""
    from django.utils import timezone

    from fgdm import services as case_services
    from fgdm.services import ActionInput
    from network_packages import services as package_services
    from network_packages.services import ItemInput

    case.refresh_from_db()
    lead, today = case.lead_practitioner, timezone.localdate()
    nan = case_services.member_add(case_id=case.pk, by=lead, full_name="Margaret Hardy", relationship="grandparent")
    meeting = case_services.meeting_schedule(
        case_id=case.pk,
        by=lead,
        model="fnm",
        scheduled_for=timezone.now() - datetime.timedelta(days=1),
        venue="Leigh Park Family Hub",
    )
    plan = case_services.meeting_record(
        meeting_id=meeting.pk,
        by=lead,
        held_on=today,
        attendees="Margaret, Sarah, Lily",
        private_family_time=True,
        actions=[
            ActionInput(description="Nan stays over", owner_member_id=nan.pk, due_by=today + datetime.timedelta(days=7))
        ],
        contingency="If Nan is unwell, Aunt Jo steps in.",
        review_by=today + datetime.timedelta(days=42),
    )
    case_services.plan_accept(plan_id=plan.pk, by=lead, support_needed=True)
    package = package_services.package_create(
        case_id=case.pk,
        by=lead,
        plan_id=plan.pk,
        justification="A sofa bed so Nan can stay over while mum is in hospital.",
        other_funding_checked=True,
        agreement_signed_on=today,
        review_by=today + datetime.timedelta(days=42),
        items=[
            ItemInput(
                description="Sofa bed",
                category="furniture_and_bedding",
                payee_id=nan.pk,
                amount=Decimal("300.00"),
                frequency="one_off",
                instalments=1,
                plan_action_id=plan.actions.first().pk,
            )
        ],
    )
    return package_services.package_submit(package_id=package.pk, by=lead)


def verified_bank_details(package, people: People) -> None:
    from payments import services as payment_services

    payee = package.items.first().payee
    payment_services.bank_account_set(
        member_id=payee.pk, by=people.fin_a, account_name="M HARDY", sort_code="40-00-00", account_number="12165678"
    )
    # Every Nan banks with the same test account: the verifier confirms they checked it.
    payment_services.bank_account_verify(member_id=payee.pk, by=people.fin_b, confirm_shared_account=True)


def open_tasks(cases, node) -> list[int]:
    """The cases' tasks at `node` waiting in the queue (nobody has taken them). A case without one
    is left out here, and `check` reports it."""
    from viewflow.workflow.models import Task

    tasks = Task.objects.filter(process_id__in=[case.process_id for case in cases], flow_task=node, status="NEW")
    return list(tasks.order_by("id").values_list("pk", flat=True))


def token(user) -> str:
    from knox.models import AuthToken

    return AuthToken.objects.create(user=user, expiry=datetime.timedelta(hours=2))[1]


def run(servers: list[Server], *, people: People, locality, cases: int, clients: int, batch_size: int = 5, log=print):
    """Prepare `cases` referrals, then race every step across two servers at a time (server n and
    server n+1, in turn). Returns (steps, cases, batch ids)."""
    from network_packages.models import SupportPackage
    from payments.models import Payment
    from process.flows import CaseFlow

    def pair_of(n):
        return servers[n % len(servers)], servers[(n + 1) % len(servers)]

    tokens = {who: token(getattr(people, who)) for who in ("manager_a", "manager_b", "fin_a", "fin_b")}
    sessions = {
        who: sign_in(servers[n % len(servers)], getattr(people, who).username, people.password)
        for n, who in enumerate(("manager_a", "manager_b"))
    }
    started = time.perf_counter()
    made = referrals(cases, people=people, locality=locality)
    log(f"{cases} referrals made in {time.perf_counter() - started:.1f} s")
    steps = []

    def allocate(n, case):
        one, two = pair_of(n)
        path = f"/cases/{case.pk}/allocate/"
        forms = {
            who: form_token(server, path, sessions[who]) for who, server in (("manager_a", one), ("manager_b", two))
        }
        return (
            lambda: send(
                one,
                "POST",
                path,
                cookies=sessions["manager_a"],
                data={"csrfmiddlewaretoken": forms["manager_a"], "lead_practitioner": people.lead_a.pk},
            ),
            lambda: send(
                two,
                "POST",
                path,
                cookies=sessions["manager_b"],
                data={"csrfmiddlewaretoken": forms["manager_b"], "lead_practitioner": people.lead_b.pk},
            ),
        )

    steps.append(race("allocate (pages)", [allocate(n, case) for n, case in enumerate(made)], clients=clients))

    started = time.perf_counter()
    packages = [to_submitted_package(case) for case in made]
    log(f"{cases} packages drafted and submitted in {time.perf_counter() - started:.1f} s")

    def both(n, path, who_a, who_b, body=None):
        one, two = pair_of(n)
        return (
            lambda: send(one, "POST", path, token=tokens[who_a], json=body),
            lambda: send(two, "POST", path, token=tokens[who_b], json=body),
        )

    approval_tasks = open_tasks(made, CaseFlow.approve_team_manager)
    steps.append(
        race(
            "take approval task (API)",
            [both(n, f"/api/v1/tasks/{pk}/assign/", "manager_a", "manager_b") for n, pk in enumerate(approval_tasks)],
            clients=clients,
        )
    )
    steps.append(
        race(
            "approve package (API)",
            [
                both(n, f"/api/v1/packages/{p.pk}/approve/", "manager_a", "manager_b", {"note": "Agreed"})
                for n, p in enumerate(packages)
            ],
            clients=clients,
        )
    )

    started = time.perf_counter()
    for package in packages:
        verified_bank_details(SupportPackage.objects.get(pk=package.pk), people)
    log(f"{cases} payees' bank details set and verified in {time.perf_counter() - started:.1f} s")
    finance_tasks = open_tasks(made, CaseFlow.authorise_payments)
    steps.append(
        race(
            "take finance task (API)",
            [both(n, f"/api/v1/tasks/{pk}/assign/", "fin_a", "fin_b") for n, pk in enumerate(finance_tasks)],
            clients=clients,
        )
    )
    payments = list(Payment.objects.filter(case__in=made).order_by("id").values_list("pk", flat=True))
    steps.append(
        race(
            "authorise payment (API)",
            [both(n, f"/api/v1/payments/{pk}/authorise/", "fin_a", "fin_b") for n, pk in enumerate(payments)],
            clients=clients,
        )
    )
    groups = [payments[n : n + batch_size] for n in range(0, len(payments), batch_size)]
    step = race(
        "create batch (API)",
        [both(n, "/api/v1/payment-batches/", "fin_a", "fin_b", {"payment_ids": ids}) for n, ids in enumerate(groups)],
        clients=clients,
    )
    steps.append(step)
    import json

    creators, batches = {}, []
    for answers in step.pairs:
        for who, answer in zip(("fin_a", "fin_b"), answers, strict=True):
            if answer.status == 201:
                batch_id = json.loads(answer.body)["id"]
                creators[batch_id] = who
                batches.append(batch_id)
    steps.append(
        race(
            "approve batch (API)",
            [
                both(
                    n,
                    f"/api/v1/payment-batches/{pk}/approve/",
                    *(["fin_b"] * 2 if creators[pk] == "fin_a" else ["fin_a"] * 2),
                )
                for n, pk in enumerate(batches)
            ],
            clients=clients,
        )
    )
    return steps, made, batches


def check(steps, cases, batches) -> list[str]:
    """What went wrong: a pair with not exactly one winner, a 5xx, a case not where it should be,
    a step done twice. Empty when all is well."""
    from django.db.models import Count
    from viewflow.workflow.models import Task

    from audit.models import DomainEvent
    from network_packages.constants import PackageStatus
    from network_packages.models import SupportPackage
    from payments.constants import BatchStatus, PaymentStatus
    from payments.models import Payment, PaymentBatch
    from process.flows import CaseFlow

    problems = []
    for step in steps:
        for answers in step.pairs:
            if [a.won for a in answers].count(True) != 1 or not all(a.won or a.refused for a in answers):
                problems.append(f"{step.name}: {[(a.server, a.status, a.body[:200]) for a in answers]}")
    ids = [case.pk for case in cases]
    processes = [case.process_id for case in cases]
    for node in (CaseFlow.allocate, CaseFlow.approve_team_manager, CaseFlow.authorise_payments):
        done = Task.objects.filter(process_id__in=processes, flow_task=node, status="DONE").count()
        if done != len(cases):
            problems.append(f"{node.name}: {done} tasks done for {len(cases)} cases")
        if Task.objects.filter(process_id__in=processes, flow_task=node).exclude(status="DONE").exists():
            problems.append(f"{node.name}: a task left open or a second one made")
    approved = SupportPackage.objects.filter(case_id__in=ids, status=PackageStatus.APPROVED).count()
    if approved != len(cases):
        problems.append(f"{approved} packages approved of {len(cases)}")
    payments = Payment.objects.filter(case_id__in=ids)
    if payments.exclude(status=PaymentStatus.BATCHED).exists() or payments.count() != len(cases):
        problems.append("a payment not batched, or lost")
    if PaymentBatch.objects.filter(pk__in=batches).exclude(status=BatchStatus.APPROVED).exists():
        problems.append("a batch not approved")
    if payments.filter(batch_id__in=batches).count() != len(cases):
        problems.append("a payment outside the batches made")
    twice = (
        DomainEvent.objects.filter(case_id__in=ids)
        .exclude(action__in=["member_added"])
        .values("object_type", "object_id", "action")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    problems += [f"done twice: {row}" for row in twice]
    for action in ("case_allocated", "package_approved", "payment_authorised"):
        count = DomainEvent.objects.filter(case_id__in=ids, action=action).count()
        if count != len(cases):
            problems.append(f"{count} {action} events for {len(cases)} cases")
    for action in ("batch_created", "batch_approved"):
        count = DomainEvent.objects.filter(object_type="paymentbatch", object_id__in=batches, action=action).count()
        if count != len(batches):
            problems.append(f"{count} {action} events for {len(batches)} batches")
    return problems


# --- by hand ----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=2, help="gunicorn servers (2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server (2)")
    parser.add_argument("--cases", type=int, default=50, help="cases, each step raced on two servers (50)")
    parser.add_argument("--clients", type=int, default=4, help="pairs of requests in flight at once (4)")
    parser.add_argument("--batch-size", type=int, default=5, help="payments a batch (5)")
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/bench_many_servers",
        help="a PostgreSQL database of its own: made afresh and dropped at the end unless --keep",
    )
    parser.add_argument(
        "--keep", action="store_true", help="use the database as it is (it must exist) and keep it at the end"
    )
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("PostgreSQL only: several servers on SQLite are not a production layout")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    if not args.keep:
        _drop_and_create(args.database_url)
    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.core.management import call_command, get_commands
    from django.db import connections

    from audit.models import DomainEvent
    from core.roles import Role
    from fgdm.models import Locality, Team

    started = time.perf_counter()
    call_command("migrate", verbosity=0)  # both do nothing on a database they have already filled
    call_command("seed_demo", "--force", "--no-cases", verbosity=0)
    from django.contrib.auth import get_user_model

    User = get_user_model()
    password = os.environ.get("DEMO_PASSWORD", "fgdm-demo")
    team = Team.objects.get(code="east")
    manager_b, made = User.objects.get_or_create(username="tm.east2", defaults={"first_name": "Tess"})
    if made:
        manager_b.set_password(password)
        manager_b.save()
        manager_b.groups.add(Group.objects.get(name=Role.TEAM_MANAGER))
        team.managers.add(manager_b)
    lead_b, made = User.objects.get_or_create(username="prac.east2", defaults={"first_name": "Pat"})
    if made:
        lead_b.set_password(password)
        lead_b.save()
        lead_b.groups.add(Group.objects.get(name=Role.PRACTITIONER))
        team.members.add(lead_b)
    from network_packages.models import PayeePolicy

    PayeePolicy.objects.update(annual_cap_per_payee=None, checks_required="none")
    people = People(
        manager_a=User.objects.get(username="tm.east"),
        manager_b=manager_b,
        lead_a=User.objects.get(username="prac.east"),
        lead_b=lead_b,
        fin_a=User.objects.get(username="fin1"),
        fin_b=User.objects.get(username="fin2"),
        password=password,
    )
    print(f"database ready in {time.perf_counter() - started:.1f} s")
    connections.close_all()
    started = time.perf_counter()
    servers = start_servers(args.servers, db_url=args.database_url, workers=args.workers)
    print(f"{args.servers} servers × {args.workers} workers up in {time.perf_counter() - started:.1f} s")
    try:
        events_before = DomainEvent.objects.count()
        steps, cases, batches = run(
            servers,
            people=people,
            locality=Locality.objects.get(code="east"),
            cases=args.cases,
            clients=args.clients,
            batch_size=args.batch_size,
        )
    finally:
        for server in servers:
            server.stop()
    logs = [
        line for server in servers for line in server.output().splitlines() if "Traceback" in line or "ERROR" in line
    ]
    print()
    print(f"{args.servers} servers × {args.workers} workers, {args.cases} cases, {args.clients} pairs in flight")
    print(HEADER)
    for step in steps:
        print(step.line())
    answers = [a for step in steps for a in step.answers]
    total = sum(step.seconds for step in steps)
    times = sorted(a.seconds for a in answers)
    print(
        f"{'all raced steps':<28} {len(answers):>6} {total:>8.2f} {len(answers) / total:>8.1f} "
        f"{sum(a.won for a in answers):>6} {sum(a.refused for a in answers):>8} {sum(a.error for a in answers):>6}"
    )
    print(
        f"answer time: median {times[len(times) // 2] * 1000:.0f} ms, p95 {times[int(len(times) * 0.95)] * 1000:.0f} ms"
    )
    print(f"domain events written: {DomainEvent.objects.count() - events_before}")
    problems = check(steps, cases, batches)
    if "seal_audit" in get_commands():  # the audit trail sealed a moment after writing, if it is
        call_command("seal_audit", verbosity=0)
    out = subprocess.run(
        [sys.executable, "manage.py", "verify_audit"],
        cwd=ROOT,
        env={**os.environ},
        capture_output=True,
        text=True,
    )
    print(f"verify_audit: exit {out.returncode}, {out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ''}")
    if out.returncode:
        problems.append(out.stderr.strip())
    if logs:
        problems.append(f"{len(logs)} error lines in the servers' logs, e.g. {logs[0]}")
    print("problems:" if problems else "no step done twice, no case lost, no 5xx")
    for problem in problems[:20]:
        print(f"  {problem}")
    if not args.keep:
        connections.close_all()
        _drop_and_create(args.database_url, create=False)
    return 1 if problems else 0


def _drop_and_create(url: str, *, create: bool = True) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    if name in {"postgres", "template0", "template1", "test", ""}:
        raise SystemExit(f"refusing to drop the database {name!r}")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    sys.exit(main())
