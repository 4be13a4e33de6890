"""Sending through GOV.UK Notify (a live local fake of its API): once and only once, with retries."""

import datetime
import os

import pytest
from django.db import transaction
from django.utils import timezone

from core import notify
from notifications import delivery
from notifications.constants import WITHHELD, Status
from notifications.models import Notification
from notifications.tasks import send_notification
from tests import scenario
from tests.factories import NetworkMemberFactory
from tests.notifications.conftest import run_tasks

pytestmark = [pytest.mark.django_db, pytest.mark.tasks]


@pytest.fixture
def member(world):
    case = scenario.referral(world)
    return NetworkMemberFactory(
        case=case, email="nan@example.org", phone="07700900123", messages="email", messages_agreed_at=timezone.now()
    )


def issue_link(member, *, link_id=7, key=None):
    with transaction.atomic():
        notify.announce(
            "family_link_issued",
            key=key or f"family-link:{link_id}",
            link_id=link_id,
            member_id=member.pk,
            url="https://fgdm.example/family/secret-token/",
            expires_on="2027-01-31",
        )


class TestSendOnce:
    def test_a_family_link_goes_once_and_its_url_is_then_withheld(
        self, member, fake_notify, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            issue_link(member)
        assert run_tasks() == 1
        [post] = fake_notify.posts()
        assert post["path"] == "/v2/notifications/email"
        assert post["json"]["email_address"] == "nan@example.org"
        assert post["json"]["template_id"] == "tmpl-family_link"
        assert post["json"]["personalisation"]["url"] == "https://fgdm.example/family/secret-token/"
        message = Notification.objects.get()
        assert message.status == Status.SENT
        assert message.notify_id in fake_notify.sent
        assert message.personalisation["url"] == WITHHELD
        assert message.attempts == 1

    def test_the_same_happening_announced_twice_makes_one_message(
        self, member, fake_notify, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            issue_link(member)
            issue_link(member)
        run_tasks()
        assert Notification.objects.count() == 1
        assert len(fake_notify.posts()) == 1

    def test_the_send_task_enqueued_twice_sends_once(self, member, fake_notify, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            issue_link(member)
        message = Notification.objects.get()
        send_notification.enqueue(message.pk)  # a second worker, or a duplicate enqueue
        assert run_tasks() == 2
        assert len(fake_notify.posts()) == 1
        message.refresh_from_db()
        assert message.status == Status.SENT and message.attempts == 1

    def test_the_send_run_again_after_success_sends_nothing(
        self, member, fake_notify, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            issue_link(member)
        run_tasks()
        message = Notification.objects.get()
        assert delivery.send(message.pk) == "not-claimed"
        assert len(fake_notify.posts()) == 1

    def test_a_rolled_back_announcement_sends_nothing(self, member, fake_notify, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(RuntimeError):
                with transaction.atomic():
                    notify.announce(
                        "family_link_issued",
                        key="family-link:9",
                        link_id=9,
                        member_id=member.pk,
                        url="u",
                        expires_on="2027-01-31",
                    )
                    raise RuntimeError("the service failed after announcing")
        run_tasks()
        assert Notification.objects.count() == 0
        assert fake_notify.posts() == []


class TestRetries:
    def test_notify_failing_twice_is_retried_and_sends_once(
        self, member, fake_notify, django_capture_on_commit_callbacks
    ):
        fake_notify.fail(2)
        with django_capture_on_commit_callbacks(execute=True):
            issue_link(member)
        assert run_tasks() == 3
        assert len(fake_notify.posts()) == 3  # two 500s, then the one that went
        assert len(fake_notify.sent) == 1
        message = Notification.objects.get()
        assert message.status == Status.SENT and message.attempts == 3

    def test_after_the_last_attempt_the_message_has_failed(
        self, member, fake_notify, settings, django_capture_on_commit_callbacks
    ):
        settings.NOTIFY_MAX_ATTEMPTS = 3
        fake_notify.fail(10)
        with django_capture_on_commit_callbacks(execute=True):
            issue_link(member)
        run_tasks()
        message = Notification.objects.get()
        assert message.status == Status.FAILED
        assert message.attempts == 3
        assert "500" in message.last_error
        assert fake_notify.sent == {}
        assert message.personalisation["url"] != WITHHELD  # never went: kept for an administrator to resend by hand

    def test_a_refusal_by_notify_is_not_retried(self, member, fake_notify, django_capture_on_commit_callbacks):
        fake_notify.fail(1, status=400)
        with django_capture_on_commit_callbacks(execute=True):
            issue_link(member)
        assert run_tasks() == 1
        message = Notification.objects.get()
        assert message.status == Status.FAILED and message.attempts == 1

    def test_a_wrong_api_key_is_refused_by_the_fake_like_notify(
        self, member, fake_notify, settings, django_capture_on_commit_callbacks
    ):
        settings.NOTIFY_API_KEY = "fgdm_test-26785a09-ab16-4eb0-8407-a37497a57506-00000000-0000-0000-0000-000000000000"
        with django_capture_on_commit_callbacks(execute=True):
            issue_link(member)
        run_tasks()
        message = Notification.objects.get()
        assert message.status == Status.FAILED and "403" in message.last_error
        assert fake_notify.requests == []


class TestBackoff:
    def test_a_retry_waits_longer_each_time(self, settings):
        settings.NOTIFY_RETRY_BACKOFF = 60
        assert [delivery.backoff(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]

    @pytest.mark.skipif(
        os.environ.get("FGDM_TASKS_BACKEND", "database") != "database", reason="reads the database queue"
    )
    def test_a_retry_is_queued_for_later(self, member, fake_notify, settings, django_capture_on_commit_callbacks):
        from django_tasks_db.models import DBTaskResult

        settings.NOTIFY_RETRY_BACKOFF = 60
        fake_notify.fail(1)
        with django_capture_on_commit_callbacks(execute=True):
            issue_link(member)
        assert run_tasks() == 1  # the retry is not due yet
        message = Notification.objects.get()
        assert message.status == Status.QUEUED and message.attempts == 1
        later = DBTaskResult.objects.get(status="READY")
        assert later.run_after - timezone.now() > datetime.timedelta(seconds=50)
        assert delivery.send(message.pk) == "not-claimed"  # not before its time, whoever runs it


class TestDeliveryStatus:
    def test_the_delivery_status_is_fetched_from_notify(self, member, fake_notify, django_capture_on_commit_callbacks):
        from django.core.management import call_command

        with django_capture_on_commit_callbacks(execute=True):
            issue_link(member)
        run_tasks()
        call_command("notify_delivery_status")
        run_tasks()
        message = Notification.objects.get()
        assert message.status == Status.DELIVERED and message.notify_status == "delivered"

    def test_a_permanent_failure_reported_by_notify_is_failed(
        self, member, fake_notify, django_capture_on_commit_callbacks
    ):
        fake_notify.delivery_status = "permanent-failure"
        with django_capture_on_commit_callbacks(execute=True):
            issue_link(member)
        run_tasks()
        message = Notification.objects.get()
        assert delivery.refresh_status(message.pk) == Status.FAILED


class TestOutbox:
    def test_without_an_api_key_the_message_waits_in_the_outbox(
        self, member, settings, django_capture_on_commit_callbacks
    ):
        settings.NOTIFY_API_KEY = ""
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            issue_link(member)
        assert callbacks == []
        assert run_tasks() == 0
        message = Notification.objects.get()
        assert message.status == Status.OUTBOX
        assert message.personalisation["url"] == "https://fgdm.example/family/secret-token/"


class TestBadKey:
    def test_a_key_the_client_cannot_read_fails_the_message_not_the_worker(
        self, member, fake_notify, settings, django_capture_on_commit_callbacks
    ):
        settings.NOTIFY_API_KEY = "not-a-key"
        with django_capture_on_commit_callbacks(execute=True):
            issue_link(member)
        assert run_tasks() == 1
        message = Notification.objects.get()
        assert message.status == Status.FAILED and message.last_error
        assert fake_notify.requests == []
