"""The scheduler queues each timer job once a period; a worker runs it once; failures are retried when
safe and shown to an administrator. On SQLite and PostgreSQL, the database backend and RQ."""

import datetime
import io
import os

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from process import timers
from process.models import TimerRun, TimerRunStatus
from process.tasks import run_timer
from tests.notifications.conftest import run_tasks
from tests.timers.conftest import lose_queued_tasks, queued_tasks

pytestmark = pytest.mark.django_db

ALL_JOBS = {"workflow_timers", "notify_delivery_status", "apply_retention", "anchor_audit", "escalate_reviews"}
ALL_JOBS |= {"send_reminders", "verify_audit", "check_budget_totals", "expire_prepared_files", "seal_audit"}
ALL_JOBS |= {"refresh_figures", "check_payment_totals"}


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, 3, day, hour, minute))


def due_at(when: datetime.datetime) -> set[str]:
    return {run.job for run in timers.schedule_due(now=when)}


class TestSchedule:
    def test_every_job_is_queued_once_a_period(self):
        assert due_at(at(10, 9)) == ALL_JOBS
        assert queued_tasks() == len(ALL_JOBS)
        assert due_at(at(10, 9)) == set(), "the same period is claimed once"
        assert due_at(at(10, 9, 4)) == {"seal_audit"}, "the sealer runs every minute"
        assert queued_tasks() == len(ALL_JOBS) + 1
        assert TimerRun.objects.count() == len(ALL_JOBS) + 1

    def test_the_next_slot_queues_the_short_jobs_again(self):
        due_at(at(10, 9))
        assert due_at(at(10, 9, 1)) == {"seal_audit"}
        assert due_at(at(10, 9, 5)) == {"workflow_timers", "refresh_figures", "seal_audit"}
        assert due_at(at(10, 9, 10)) == {"workflow_timers", "refresh_figures", "notify_delivery_status", "seal_audit"}
        assert due_at(at(11, 9)) == ALL_JOBS, "a new day"
        assert set(TimerRun.objects.filter(job="workflow_timers").values_list("period", flat=True)) == {
            "2026-03-10T09:00",
            "2026-03-10T09:05",
            "2026-03-10T09:10",
            "2026-03-11T09:00",
        }

    def test_daily_jobs_wait_for_their_hour(self):
        daily = {job.command for job in timers.JOBS if job.minutes == timers.DAY}
        assert due_at(at(10, 0, 30)) & daily == set(), "nothing daily at 00:30"
        assert due_at(at(10, 1)) & daily == {"expire_prepared_files"}
        assert due_at(at(10, 2, 30)) & daily == {"apply_retention"}
        assert due_at(at(10, 7, 59)) & daily == {
            "anchor_audit",
            "verify_audit",
            "check_budget_totals",
            "check_payment_totals",
            "escalate_reviews",
        }
        assert due_at(at(10, 8)) & daily == {"send_reminders"}, "nobody is texted before 08:00"
        assert TimerRun.objects.get(job="send_reminders").period == "2026-03-10"

    def test_jobs_can_be_left_to_cron(self, settings):
        settings.FGDM_TIMERS_OFF = ["apply_retention", "send_reminders"]
        assert due_at(at(10, 9)) == ALL_JOBS - {"apply_retention", "send_reminders"}

    def test_run_scheduler_once_from_the_command_line(self):
        out = io.StringIO()
        call_command("run_scheduler", "--once", stdout=out)
        assert TimerRun.objects.count() >= 2  # at least the two short jobs, whatever the hour
        assert "queued workflow_timers" in out.getvalue()
        call_command("run_scheduler", "--once", stdout=out)
        assert queued_tasks() == TimerRun.objects.count()

    def test_runs_that_went_well_are_forgotten_after_a_while_failed_ones_kept(self, settings):
        settings.FGDM_TIMER_KEEP_DAYS = 90
        due_at(at(1, 9))
        TimerRun.objects.update(status=TimerRunStatus.DONE)
        TimerRun.objects.filter(job="anchor_audit").update(status=TimerRunStatus.FAILED)
        due_at(at(30, 9))
        assert TimerRun.objects.filter(queued_at=at(1, 9)).count() == len(ALL_JOBS), "not yet"
        due_at(at(31, 9) + datetime.timedelta(days=61))
        old = TimerRun.objects.filter(queued_at=at(1, 9))
        assert list(old.values_list("job", flat=True)) == ["anchor_audit"], "done ones forgotten, the failed kept"


class TestRun:
    def test_the_worker_runs_each_job_and_keeps_what_it_printed(self, anchors):
        due_at(at(10, 9))
        assert run_tasks() == len(ALL_JOBS)
        runs = {run.job: run for run in TimerRun.objects.all()}
        assert {run.status for run in runs.values()} == {TimerRunStatus.DONE}
        assert all(run.attempts == 1 and run.started_at and run.finished_at for run in runs.values())
        assert "timer(s) fired" in runs["workflow_timers"].output
        assert "Reviews due: 0 plan(s)" in runs["send_reminders"].output
        assert "review(s) escalated" in runs["escalate_reviews"].output
        assert "anchor written" in runs["anchor_audit"].output
        assert runs["verify_audit"].output
        assert len(list(anchors.iterdir())) == 1

    def test_a_run_delivered_twice_runs_once(self, anchors):
        due_at(at(10, 9))
        anchor_run = TimerRun.objects.get(job="anchor_audit")
        run_timer.enqueue(anchor_run.pk)  # a second delivery of the same run (a redelivery, a requeue)
        run_tasks()
        anchor_run.refresh_from_db()
        assert anchor_run.status == TimerRunStatus.DONE and anchor_run.attempts == 1
        assert len(list(anchors.iterdir())) == 1, "one anchor written, not two"

    def test_a_lost_task_is_queued_again_by_a_later_tick(self, settings, anchors):
        settings.FGDM_TIMERS_OFF = [job.command for job in timers.JOBS if job.command != "anchor_audit"]
        due_at(at(10, 9))
        lose_queued_tasks()
        assert due_at(at(10, 9, 10)) == set()
        assert queued_tasks() == 0, "not yet late"
        assert due_at(at(10, 9, 16)) == set()
        assert queued_tasks() == 1
        assert due_at(at(10, 9, 17)) == set()
        assert queued_tasks() == 1, "queued again once, not every minute"
        run_tasks()
        assert TimerRun.objects.get(job="anchor_audit").status == TimerRunStatus.DONE
        assert len(list(anchors.iterdir())) == 1


class TestFailures:
    @pytest.fixture
    def anchors_broken(self, settings, tmp_path):
        """The anchor directory is a file: anchor_audit cannot write (a mount gone read-only or wrong)."""
        path = tmp_path / "not-a-directory"
        path.write_text("")
        settings.AUDIT_ANCHOR_DIR = str(path)
        settings.FGDM_TIMERS_OFF = [job.command for job in timers.JOBS if job.command != "anchor_audit"]
        settings.FGDM_TIMER_RETRY_BACKOFF = 0

    def test_a_job_not_safe_to_repeat_fails_at_once(self, anchors_broken):
        due_at(at(10, 9))
        assert run_tasks() == 1
        run = TimerRun.objects.get()
        assert run.status == TimerRunStatus.FAILED and run.attempts == 1
        assert "Traceback" in run.error

    def test_a_job_safe_to_repeat_is_tried_again_then_failed(self, anchors_broken, settings, monkeypatch):
        settings.FGDM_TIMER_MAX_ATTEMPTS = 3
        monkeypatch.setattr(
            timers, "JOBS", tuple(timers.Job(j.command, j.minutes, retry=True, at=j.at) for j in timers.JOBS)
        )
        due_at(at(10, 9))
        assert run_tasks() == 3
        run = TimerRun.objects.get()
        assert run.status == TimerRunStatus.FAILED and run.attempts == 3
        assert due_at(at(10, 9)) == set(), "a failed period is not claimed again"

    @pytest.mark.skipif(
        os.environ.get("FGDM_TASKS_BACKEND", "database") != "database",
        reason="RQ's delayed jobs are moved to the queue by rqworker's scheduler, not by a burst worker",
    )
    def test_a_retry_that_succeeds_is_done(self, anchors_broken, settings, monkeypatch, anchors):
        monkeypatch.setattr(
            timers, "JOBS", tuple(timers.Job(j.command, j.minutes, retry=True, at=j.at) for j in timers.JOBS)
        )
        settings.FGDM_TIMER_RETRY_BACKOFF = 3600  # the retry waits an hour
        due_at(at(10, 9))
        with time_machine.travel(at(10, 9), tick=False):
            run_tasks()
        run = TimerRun.objects.get()
        assert run.status == TimerRunStatus.QUEUED and run.attempts == 1 and "Traceback" in run.error
        assert run.queued_at == at(10, 10)
        with time_machine.travel(at(10, 9, 30), tick=False):
            assert timers.run(run.pk).startswith("not queued"), "not before its time, whoever runs it"
        settings.AUDIT_ANCHOR_DIR = str(anchors)  # the mount is back
        with time_machine.travel(at(10, 10, 1), tick=False):
            run_tasks()
        run.refresh_from_db()
        assert run.status == TimerRunStatus.DONE and run.attempts == 2
        assert len(list(anchors.iterdir())) == 1

    def test_an_administrator_sees_failed_runs_in_admin(self, anchors_broken, client):
        due_at(at(10, 9))
        run_tasks()
        admin = get_user_model().objects.create_superuser("admin", "admin@example.invalid", "x")
        client.force_login(admin)
        page = client.get(reverse("admin:process_timerrun_changelist") + "?status__exact=failed")
        assert page.status_code == 200
        assert b"anchor_audit" in page.content and b"Failed" in page.content
        run = TimerRun.objects.get()
        detail = client.get(reverse("admin:process_timerrun_change", args=[run.pk]))
        assert detail.status_code == 200 and b"Traceback" in detail.content
        assert client.post(reverse("admin:process_timerrun_delete", args=[run.pk])).status_code == 403
