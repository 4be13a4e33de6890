"""Large exports prepared in the background (core.exports): a year's return and a payment batch's
file, asked for on their pages or through the API, built once by the task worker as the person who
asked, downloaded only by them while they hold the right, and deleted when they expire."""

import datetime

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog, DomainEvent
from core import exports
from core.models import PreparedFile, PreparedFileStatus
from core.tasks import build_prepared_file
from notifications.models import Notification
from payments import services as payment_services
from payments.constants import BatchStatus
from tests import scenario
from tests.notifications.conftest import run_tasks

pytestmark = [pytest.mark.django_db, pytest.mark.tasks]

YEAR_RETURN = {"name": "meetings", "format": "csv"}


def stored_files(tmp_path) -> list:
    return [path for path in tmp_path.rglob("*") if path.is_file()]


def ask(user, capture, *, kind="return", parameters=None):
    with capture(execute=True):
        return exports.prepared_file_request(kind=kind, parameters=parameters or dict(YEAR_RETURN), by=user)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def held(world):
    """An East meeting held and a package approved: the returns have rows."""
    scenario.package_approved(world)
    return world


class TestReturns:
    def test_a_year_return_is_built_in_the_background_as_the_synchronous_one(
        self, held, capture, api, prepared_files_dir
    ):
        prepared = ask(held.u.tm_east, capture)
        assert prepared.status == PreparedFileStatus.QUEUED and not stored_files(prepared_files_dir)
        assert run_tasks() >= 1
        prepared.refresh_from_db()
        assert prepared.status == PreparedFileStatus.READY
        assert prepared.expires_at - prepared.ready_at == datetime.timedelta(days=7)
        synchronous = body(api.as_user(held.u.tm_east).get("/api/v1/reports/meetings/?format=csv"))
        with storages["prepared_files"].open(prepared.storage_name, "rb") as handle:
            assert handle.read() == synchronous
        import hashlib

        assert prepared.sha256 == hashlib.sha256(synchronous).hexdigest() and prepared.size == len(synchronous)
        assert b"\r\n" in synchronous and synchronous.count(b"\r\n") >= 2  # a header and the held meeting

    def test_the_person_is_told_with_a_link_to_the_page_never_the_file(self, held, capture):
        prepared = ask(held.u.tm_east, capture)
        run_tasks()
        [message] = Notification.objects.filter(event="export_ready")
        assert message.user == held.u.tm_east and message.template == "export_ready"
        assert message.template_id == "tmpl-export_ready" and message.address == "tm.east@example.org"
        link = message.personalisation["link"]
        assert link.endswith(reverse("exports:detail", args=[prepared.pk])) and "download" not in link

    def test_the_page_offers_it_and_shows_it_being_prepared_then_ready(self, held, capture, as_page):
        page = as_page(held.u.tm_east)
        text = page.get(reverse("reports:returns")).content.decode()
        assert 'name="prepare" value="meetings:csv"' in text and 'name="prepare" value="spend:xlsx"' in text
        check = page.get(reverse("reports:returns_prepare"), {"prepare": "children:xlsx", "locality": "east"})
        assert check.status_code == 200 and "Prepare the file" in check.content.decode()
        with capture(execute=True):
            response = page.post(reverse("reports:returns_prepare"), {"prepare": "children:xlsx", "locality": "east"})
        prepared = PreparedFile.objects.get()
        assert response.status_code == 302 and response["Location"] == reverse("exports:detail", args=[prepared.pk])
        assert prepared.parameters["locality"] == "east" and prepared.parameters["format"] == "xlsx"
        waiting = page.get(response["Location"]).content.decode()
        assert (
            "being prepared in the background" in waiting
            and reverse("exports:download", args=[prepared.pk]) not in waiting
        )
        run_tasks()
        ready = page.get(response["Location"]).content.decode()
        assert "The file is ready" in ready and reverse("exports:download", args=[prepared.pk]) in ready
        download = page.get(reverse("exports:download", args=[prepared.pk]))
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment;") and ".xlsx" in download["Content-Disposition"]
        assert download["X-Content-Type-Options"] == "nosniff"
        assert body(download)[:2] == b"PK"  # a workbook
        assert AccessLog.objects.filter(what="prepared_return", door="page", actor_username="tm.east").count() == 1

    def test_a_bad_period_is_an_error_on_the_page_and_nothing_is_queued(self, held, as_page):
        page = as_page(held.u.sm)
        response = page.post(
            reverse("reports:returns_prepare"),
            {
                "prepare": "spend:csv",
                "date_from-day": "1",
                "date_from-month": "4",
                "date_from-year": "2026",
                "date_to-day": "1",
                "date_to-month": "1",
                "date_to-year": "2026",
            },
        )
        assert response.status_code == 400 and "govuk-error-summary" in response.content.decode()
        assert not PreparedFile.objects.exists()

    def test_others_cannot_ask(self, held, as_page, api):
        assert (
            as_page(held.u.prac_east).post(reverse("reports:returns_prepare"), {"prepare": "spend:csv"}).status_code
            == 403
        )
        answer = api.as_user(held.u.fin1).post(
            "/api/v1/prepared-files/", {"kind": "return", "parameters": YEAR_RETURN}, format="json"
        )
        assert answer.status_code == 403 and not PreparedFile.objects.exists()


class TestOnce:
    def test_a_task_run_twice_builds_once(self, held, capture, prepared_files_dir):
        prepared = ask(held.u.tm_east, capture)
        build_prepared_file.enqueue(prepared.pk)  # a second worker, a retried job
        assert run_tasks() >= 2
        prepared.refresh_from_db()
        assert prepared.status == PreparedFileStatus.READY and prepared.attempts == 1
        assert len(stored_files(prepared_files_dir)) == 1
        assert DomainEvent.objects.filter(action="export_prepared").count() == 1
        assert Notification.objects.filter(event="export_ready").count() == 1
        assert exports.prepared_file_build(prepared.pk) == "not-claimed"

    def test_two_workers_claim_it_once(self, held, capture):
        prepared = ask(held.u.tm_east, capture)
        assert [exports.claim(prepared.pk), exports.claim(prepared.pk)] == [True, False]

    def test_asking_again_while_it_waits_gives_the_same_file(self, held, capture):
        first = ask(held.u.tm_east, capture)
        again = ask(held.u.tm_east, capture)
        assert again.pk == first.pk and PreparedFile.objects.count() == 1


class TestOnlyTheirs:
    @pytest.fixture
    def ready(self, held, capture):
        prepared = ask(held.u.tm_east, capture)
        run_tasks()
        prepared.refresh_from_db()
        return prepared

    @pytest.mark.parametrize("role", ["sm", "tm_west", "fin1", "auditor"])
    def test_anyone_else_gets_404(self, ready, held, as_page, api, role):
        user = getattr(held.u, role)
        page = as_page(user)
        for name in ("exports:detail", "exports:download"):
            assert page.get(reverse(name, args=[ready.pk])).status_code == 404
        assert page.post(reverse("exports:detail", args=[ready.pk])).status_code == 404
        client = api.as_user(user)
        for path in ("", "download/"):
            assert client.get(f"/api/v1/prepared-files/{ready.pk}/{path}").status_code == 404
        assert client.get("/api/v1/prepared-files/").json()["count"] == 0
        assert not AccessLog.objects.filter(what="prepared_return").exists()

    def test_without_the_right_any_more_the_owner_is_refused(self, ready, held, as_page, api):
        held.u.tm_east.groups.clear()
        user = type(held.u.tm_east).objects.get(pk=held.u.tm_east.pk)
        response = as_page(user).get(reverse("exports:download", args=[ready.pk]))
        assert response.status_code == 403 and "Only team managers" in response.content.decode()
        assert api.as_user(user).get(f"/api/v1/prepared-files/{ready.pk}/download/").status_code == 403
        assert not AccessLog.objects.filter(what="prepared_return").exists()


class TestExpiry:
    def test_an_expired_file_is_deleted_and_can_be_asked_for_again(self, held, capture, as_page, prepared_files_dir):
        prepared = ask(held.u.tm_east, capture)
        run_tasks()
        PreparedFile.objects.filter(pk=prepared.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
        page = as_page(held.u.tm_east)
        assert page.get(reverse("exports:download", args=[prepared.pk])).status_code == 404
        call_command("expire_prepared_files")
        prepared.refresh_from_db()
        assert prepared.status == PreparedFileStatus.EXPIRED and prepared.file_deleted_at is not None
        assert not stored_files(prepared_files_dir)
        assert "has expired" in page.get(reverse("exports:detail", args=[prepared.pk])).content.decode()
        with capture(execute=True):
            assert page.post(reverse("exports:detail", args=[prepared.pk])).status_code == 302
        run_tasks()
        prepared.refresh_from_db()
        assert prepared.status == PreparedFileStatus.READY and len(stored_files(prepared_files_dir)) == 1

    def test_a_file_within_its_days_is_kept(self, held, capture, prepared_files_dir):
        ask(held.u.tm_east, capture)
        run_tasks()
        assert exports.prepared_files_expire() == 0 and len(stored_files(prepared_files_dir)) == 1


class TestBatchFile:
    def test_a_finance_officer_prepares_the_file_through_the_batch_service(self, world, capture, as_page, api):
        batch = scenario.approved_batch(world)
        page = as_page(world.u.fin1)
        detail = page.get(reverse("payments:batch_detail", args=[batch.pk])).content.decode()
        assert reverse("payments:batch_prepare", args=[batch.pk]) in detail
        assert page.get(reverse("payments:batch_prepare", args=[batch.pk]), {"format": "bacs18"}).status_code == 200
        with capture(execute=True):
            response = page.post(reverse("payments:batch_prepare", args=[batch.pk]), {"format": "bacs18"})
        prepared = PreparedFile.objects.get()
        assert response.status_code == 302 and prepared.kind == "batch_file"
        batch.refresh_from_db()
        assert batch.status == BatchStatus.APPROVED  # nothing exported until the task runs
        run_tasks()
        batch.refresh_from_db()
        prepared.refresh_from_db()
        assert batch.status == BatchStatus.EXPORTED and batch.exported_by == world.u.fin1
        assert DomainEvent.objects.filter(action="batch_exported", actor=world.u.fin1).count() == 1
        assert prepared.status == PreparedFileStatus.READY and prepared.sha256 == batch.export_sha256
        mine = body(page.get(reverse("exports:download", args=[prepared.pk])))
        same = body(api.as_user(world.u.fin1).get(f"/api/v1/payment-batches/{batch.pk}/download/?format=bacs18"))
        assert mine == same
        assert as_page(world.u.fin2).get(reverse("exports:download", args=[prepared.pk])).status_code == 404

    def test_the_batch_rules_hold_and_a_failure_is_shown_with_a_way_to_try_again(self, world, capture, as_page):
        batch = scenario.approved_batch(world)
        prepared = ask(world.u.fin1, capture, kind="batch_file", parameters={"batch_id": batch.pk, "format": "csv"})
        payee = batch.payments.first().payee
        payment_services.bank_account_set(  # changed after approval: not verified again yet
            member_id=payee.pk, by=world.u.fin1, account_name="M HARDY", sort_code="40-00-00", account_number="12165678"
        )
        run_tasks()
        prepared.refresh_from_db()
        batch.refresh_from_db()
        assert prepared.status == PreparedFileStatus.FAILED and "not verified again" in prepared.error
        assert batch.status == BatchStatus.APPROVED and not prepared.storage_name
        page = as_page(world.u.fin1)
        text = page.get(reverse("exports:detail", args=[prepared.pk])).content.decode()
        assert "could not be prepared" in text and "not verified again" in text and "Try again" in text
        payment_services.bank_account_verify(member_id=payee.pk, by=world.u.fin2, confirm_shared_account=True)
        with capture(execute=True):
            assert page.post(reverse("exports:detail", args=[prepared.pk])).status_code == 302
        run_tasks()
        prepared.refresh_from_db()
        batch.refresh_from_db()
        assert prepared.status == PreparedFileStatus.READY and batch.status == BatchStatus.EXPORTED

    def test_an_open_batch_cannot_be_prepared(self, world, api):
        batch = scenario.approved_batch(world)
        from payments.models import PaymentBatch

        PaymentBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.OPEN)
        answer = api.as_user(world.u.fin1).post(
            "/api/v1/prepared-files/", {"kind": "batch_file", "parameters": {"batch_id": batch.pk}}, format="json"
        )
        assert answer.status_code == 409


class TestApi:
    def test_ask_follow_and_download(self, held, capture, api):
        client = api.as_user(held.u.sm)
        with capture(execute=True):
            answer = client.post(
                "/api/v1/prepared-files/",
                {"kind": "return", "parameters": {"name": "spend", "format": "xlsx", "locality": "east"}},
                format="json",
            )
        assert answer.status_code == 202
        data = answer.json()
        assert data["status"] == "queued" and data["download"] is None
        assert data["page"] == reverse("exports:detail", args=[data["id"]])
        assert client.get(f"/api/v1/prepared-files/{data['id']}/download/").status_code == 409
        run_tasks()
        ready = client.get(f"/api/v1/prepared-files/{data['id']}/").json()
        assert ready["status"] == "ready" and ready["download"] == f"/api/v1/prepared-files/{data['id']}/download/"
        download = client.get(ready["download"])
        assert download.status_code == 200 and download["X-Checksum-SHA256"] == ready["sha256"]
        assert AccessLog.objects.filter(what="prepared_return", door="api").count() == 1
        assert client.get("/api/v1/prepared-files/").json()["count"] == 1
        assert client.post(f"/api/v1/prepared-files/{data['id']}/retry/").status_code == 409  # ready: nothing to retry

    @pytest.mark.parametrize(
        "body, field",
        [
            ({"kind": "nonsense"}, "kind"),
            ({"kind": "return", "parameters": {"name": "nonsense"}}, "name"),
            ({"kind": "return", "parameters": {"name": "spend", "format": "pdf"}}, "format"),
            ({"kind": "return", "parameters": {"name": "spend", "from": "2026-04-01", "to": "2025-04-01"}}, "to"),
        ],
    )
    def test_bad_input_is_400(self, held, api, body, field):
        answer = api.as_user(held.u.sm).post("/api/v1/prepared-files/", body, format="json")
        assert answer.status_code == 400 and not PreparedFile.objects.exists()


class TestFailureOfTheRight:
    def test_a_role_lost_before_the_build_fails_it_in_words(self, held, capture):
        prepared = ask(held.u.tm_east, capture)
        held.u.tm_east.groups.clear()
        run_tasks()
        prepared.refresh_from_db()
        assert prepared.status == PreparedFileStatus.FAILED and "Only team managers" in prepared.error
        assert DomainEvent.objects.filter(action="export_failed").count() == 1
        assert not Notification.objects.filter(event="export_ready").exists()
