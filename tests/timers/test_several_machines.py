"""Several machines at once, on PostgreSQL: schedulers on every machine queue each timer job once;
a timer command started while another machine runs it does nothing and says so; two workers
completing workflow tasks on the same cases at the same moment do each step once and lose none.

Each "machine" is a thread with its own database connection (its own PostgreSQL session), released
together by a barrier; the advisory lock of "another machine" is held from a separate session.
"""

import datetime
import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone
from viewflow.workflow.models import Task

from audit.locks import NAMESPACE, _key, command_lock_name
from audit.models import DomainEvent
from core.exceptions import DomainError
from fgdm import services as case_services
from fgdm.constants import CaseStatus
from fgdm.models import Case
from process import timers
from process.models import TimerRun, TimerRunStatus
from tests import scenario
from tests.notifications.conftest import run_tasks
from tests.timers.conftest import queued_tasks

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory and row locks are real only on PostgreSQL"),
    # transaction=True: each thread commits on its own connection; the migrations' data come back after.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

COMMANDS = ["escalate_reviews", "send_reminders", "notify_delivery_status", "apply_retention", "anchor_audit"]


def together(calls):
    """Run each callable in its own thread (its own connection), released at once. Returns the
    results in order; any exception fails the test."""
    barrier = threading.Barrier(len(calls))
    results, broken = [None] * len(calls), []

    def run(n, call):
        try:
            barrier.wait(timeout=60)
            results[n] = call()
        except Exception as error:
            broken.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a thread is still waiting (deadlock?)"
    assert broken == [], broken[:3]
    return results


class AnotherMachine:
    """A second PostgreSQL session holding a command's advisory lock, as a copy running elsewhere."""

    def __init__(self, command, *, dies=False):
        self.key = [NAMESPACE, _key(command_lock_name(command))]
        self.dies = dies

    def __enter__(self):
        self.session = connection.get_new_connection(connection.get_connection_params())
        self.session.autocommit = True
        self.session.execute("SELECT pg_advisory_lock(%s, %s)", self.key)
        return self

    def __exit__(self, *exc):
        if not self.dies:
            self.session.execute("SELECT pg_advisory_unlock(%s, %s)", self.key)
        self.session.close()  # dies: the lock goes with the session, as when a machine is lost


def human_tasks_open(case) -> int:
    return Task.objects.filter(
        process_id=case.process_id, status__in=["NEW", "ASSIGNED"], flow_task_type="HUMAN"
    ).count()


def run_command(command, *args):
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=out)
    return out.getvalue()


class TestSchedulersOnEveryMachine:
    def test_eight_schedulers_at_once_queue_each_job_once(self):
        now = timezone.make_aware(datetime.datetime(2026, 3, 10, 9, 0))
        results = together([lambda: [run.job for run in timers.schedule_due(now=now)]] * 8)
        claimed = [job for result in results for job in result]
        assert sorted(claimed) == sorted(job.command for job in timers.JOBS), "each job claimed by one of them"
        assert TimerRun.objects.count() == len(timers.JOBS)
        assert queued_tasks() == len(timers.JOBS), "and queued once"

    def test_two_scheduler_processes_at_once_queue_each_job_once(self):
        """Two real OS processes, `manage.py run_scheduler --once`, started together on this database."""
        db = connection.settings_dict
        url = (
            f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
        root = Path(__file__).resolve().parents[2]
        processes = [
            subprocess.Popen(
                [sys.executable, "manage.py", "run_scheduler", "--once"],
                cwd=root,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [process.communicate(timeout=300)[0] for process in processes]
        assert [process.returncode for process in processes] == [0, 0], outputs
        queued = [line for output in outputs for line in output.splitlines() if " queued " in line]
        runs = TimerRun.objects.count()
        assert runs >= 2, "at least the two short jobs are due at any hour"
        assert len(queued) == runs, "each run queued by one of the two, not both"
        assert queued_tasks() == runs

    def test_workers_on_two_machines_run_each_job_once(self, settings, tmp_path):
        settings.AUDIT_ANCHOR_DIR = str(tmp_path / "anchors")
        now = timezone.make_aware(datetime.datetime(2026, 3, 10, 9, 0))
        for run in timers.schedule_due(now=now):
            timers._enqueue(run.pk)  # every task delivered twice
        runs = list(TimerRun.objects.values_list("pk", flat=True))
        results = together([lambda pk=pk: timers.run(pk) for pk in runs for _ in range(2)])
        assert sorted(results).count(TimerRunStatus.DONE) == len(runs)
        assert all(r == TimerRunStatus.DONE or r.startswith("not queued") for r in results)
        assert set(TimerRun.objects.values_list("attempts", flat=True)) == {1}
        assert len(list((tmp_path / "anchors").iterdir())) == 1, "one anchor, however many deliveries"


class TestOneCopyOfACommandAtATime:
    @pytest.mark.parametrize("command", COMMANDS)
    def test_a_second_copy_does_nothing_and_says_so(self, command, settings, tmp_path):
        settings.AUDIT_ANCHOR_DIR = str(tmp_path / "anchors")
        with AnotherMachine(command):
            output = run_command(command)
        assert output == f"Another copy of {command} is running (on this or another machine): nothing done.\n"
        assert not (tmp_path / "anchors").exists()
        assert "Another copy" not in run_command(command), "once the other has finished, it runs"

    def test_a_dry_run_of_retention_needs_no_lock(self):
        with AnotherMachine("apply_retention"):
            assert "would be destroyed" in run_command("apply_retention", "--dry-run")

    def test_a_timer_run_while_a_copy_runs_by_hand_is_skipped(self, settings):
        settings.FGDM_TIMERS_OFF = [job.command for job in timers.JOBS if job.command != "escalate_reviews"]
        timers.schedule_due(now=timezone.make_aware(datetime.datetime(2026, 3, 10, 9, 0)))
        with AnotherMachine("escalate_reviews"):
            run_tasks()
        run = TimerRun.objects.get()
        assert run.status == TimerRunStatus.SKIPPED and "Another copy" in run.output

    def test_the_lock_is_released_when_the_other_machine_dies(self):
        with AnotherMachine("send_reminders", dies=True):
            assert "Another copy" in run_command("send_reminders")
        for _ in range(50):  # the server notices the closed session within moments
            if "Reviews due" in (output := run_command("send_reminders")):
                break
            time.sleep(0.1)
        assert "Reviews due" in output


class TestTwoWorkersOnTheSameCases:
    """Two app processes completing the same cases' workflow tasks at once (a double click, two
    people, two machines behind the load balancer): each step is done once, and no case is left behind."""

    CASES = 6

    def race(self, cases, act_a, act_b):
        """Worker A goes through the cases in order, worker B in reverse, at the same moment."""

        def worker(order, act):
            done, refused = [], []
            for case in order:
                try:
                    act(case)
                    done.append(case.pk)
                except DomainError:
                    refused.append(case.pk)
            return done, refused

        return together([lambda: worker(cases, act_a), lambda: worker(cases[::-1], act_b)])

    def snapshot(self, cases):
        return {
            "events": DomainEvent.objects.count(),
            "tasks": {case.pk: Task.objects.filter(process_id=case.process_id).count() for case in cases},
        }

    def test_allocating_the_same_referrals(self, world):
        control = scenario.referral(world)
        before = self.snapshot([control])
        case_services.case_allocate(case_id=control.pk, by=world.u.tm_east, lead_practitioner=world.u.prac_east)
        after = self.snapshot([control])
        events_per_step = after["events"] - before["events"]
        tasks_per_step = after["tasks"][control.pk] - before["tasks"][control.pk]
        cases = [scenario.referral(world) for _ in range(self.CASES)]
        before = self.snapshot(cases)

        (done_a, refused_a), (done_b, refused_b) = self.race(
            cases,
            lambda case: case_services.case_allocate(
                case_id=case.pk, by=world.u.tm_east, lead_practitioner=world.u.prac_east
            ),
            lambda case: case_services.case_allocate(
                case_id=case.pk, by=world.u.tm_east, lead_practitioner=world.u.prac_east2
            ),
        )

        assert sorted(done_a + done_b) == sorted(case.pk for case in cases), "each case allocated once, none lost"
        assert sorted(refused_a + refused_b) == sorted(case.pk for case in cases), "the other was refused"
        after = self.snapshot(cases)
        assert after["events"] - before["events"] == events_per_step * self.CASES, "one step's events per case"
        for case in cases:
            assert after["tasks"][case.pk] - before["tasks"][case.pk] == tasks_per_step, "viewflow moved on once"
            case.refresh_from_db()
            assert case.status == CaseStatus.ALLOCATED
            expected = world.u.prac_east if case.pk in done_a else world.u.prac_east2
            assert case.lead_practitioner == expected
            assert human_tasks_open(case) == 1, "one next step, not two"

    def test_accepting_and_returning_the_same_plans(self, world):
        plans = [scenario.meeting_held(world)[2] for _ in range(4)]
        cases = [plan.case for plan in plans]
        plan_of = {plan.case_id: plan.pk for plan in plans}
        before = self.snapshot(cases)

        (accepted, _), (returned, _) = self.race(
            cases,
            lambda case: case_services.plan_accept(plan_id=plan_of[case.pk], by=world.u.prac_east),
            lambda case: case_services.plan_return(
                plan_id=plan_of[case.pk], by=world.u.prac_east, reason="The family want to add Aunt Jo."
            ),
        )

        assert sorted(accepted + returned) == sorted(case.pk for case in cases), "each plan decided once"
        after = self.snapshot(cases)
        decisions = DomainEvent.objects.filter(action__in=["plan_accepted", "plan_returned"], object_type="familyplan")
        assert decisions.count() == len(plans)
        for case in cases:
            case.refresh_from_db()
            assert case.status == (CaseStatus.PLAN_ACCEPTED if case.pk in accepted else CaseStatus.PLAN_RETURNED)
            assert after["tasks"][case.pk] > before["tasks"][case.pk]
            assert human_tasks_open(case) == 1, "one next step, not two"
        assert Case.objects.filter(pk__in=plan_of).count() == len(plans)
