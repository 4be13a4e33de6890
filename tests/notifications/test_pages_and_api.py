"""The outbox page, the preferences page and GET /api/v1/notifications/."""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog, DomainEvent
from core import notify
from notifications.constants import Status
from notifications.models import Notification, Preference, StaffContact
from tests import scenario
from tests.factories import NetworkMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def link_in_outbox(world):
    case = scenario.referral(world)
    member = NetworkMemberFactory(
        case=case,
        email="nan@example.org",
        phone="07700900123",
        messages="email_and_sms",
        messages_agreed_at=timezone.now(),
    )
    with transaction.atomic():
        notify.announce(
            "family_link_issued",
            key="family-link:3",
            link_id=3,
            member_id=member.pk,
            url="https://fgdm.example/family/the-secret/",
            expires_on="2027-01-31",
        )
    return member


class TestOutbox:
    def test_the_outbox_shows_exactly_what_would_have_gone(self, link_in_outbox, admin_user):
        assert set(Notification.objects.values_list("channel", "status")) == {("email", "outbox"), ("sms", "outbox")}
        page = signed_in(admin_user).get(reverse("notifications:outbox"))
        assert page.status_code == 200
        text = page.content.decode()
        assert "nan@example.org" in text and "07700900123" in text
        assert "family_link" in text and "tmpl-family_link" in text
        assert "The family&#x27;s link to their plan" in text  # the template in words, its code beside it
        assert "https://fgdm.example/family/the-secret/" in text  # how the demo gets the link
        assert "2027-01-31" in text
        assert AccessLog.objects.filter(what="notification outbox", actor=admin_user).exists()

    def test_the_outbox_names_the_message_and_the_role_in_words(self, world, admin_user):
        Notification.objects.create(
            event="package_awaiting_approval",
            key="package:1:approval",
            recipient=f"user:{world.u.tm_east.pk}",
            user=world.u.tm_east,
            to_role="team_manager",
            channel="email",
            address="tm.east@example.org",
            template="package_approval",
            status="outbox",
        )
        text = signed_in(admin_user).get(reverse("notifications:outbox")).content.decode()
        assert "A support package waiting for approval — In the outbox (not sent)" in text
        assert "Team manager)" in text and "team_manager" not in text

    def test_the_outbox_filters_by_status(self, link_in_outbox, admin_user):
        page = signed_in(admin_user).get(reverse("notifications:outbox"), {"status": "failed"})
        assert "nan@example.org" not in page.content.decode()

    @pytest.mark.parametrize("role", ["prac_east", "tm_east", "auditor", "fin1"])
    def test_only_administrators_see_the_outbox(self, world, link_in_outbox, role):
        assert signed_in(getattr(world.u, role)).get(reverse("notifications:outbox")).status_code == 404

    def test_nothing_goes_to_a_member_who_has_not_agreed_or_is_excluded(self, world):
        case = scenario.referral(world)
        silent = NetworkMemberFactory(case=case, email="a@example.org", messages="none")
        excluded = NetworkMemberFactory(
            case=case,
            email="b@example.org",
            messages="email",
            messages_agreed_at=timezone.now(),
            excluded_from_meetings=True,
            exclusion_reason="risk",
        )
        with transaction.atomic():
            for member in (silent, excluded):
                notify.announce(
                    "family_link_issued",
                    key=f"l:{member.pk}",
                    link_id=member.pk,
                    member_id=member.pk,
                    url="u",
                    expires_on="x",
                )
        assert Notification.objects.count() == 0


class TestPreferences:
    def test_a_member_of_staff_chooses_text_messages(self, world):
        client = signed_in(world.u.tm_east)
        assert client.get(reverse("notifications:preferences")).status_code == 200
        data = {
            "task_assigned": "none",
            "package_approval": "sms",
            "review_due": "email",
            "batch_approval": "email",
            "export_ready": "email",
        }
        response = client.post(reverse("notifications:preferences"), {**data, "mobile": "07700 900982"})
        assert response.status_code == 302
        assert Preference.objects.get(user=world.u.tm_east, kind="package_approval").choice == "sms"
        assert StaffContact.objects.get(user=world.u.tm_east).mobile == "07700 900982"
        assert DomainEvent.objects.filter(action="notification_preferences_set").count() == 1

    def test_text_messages_need_a_mobile_number(self, world):
        data = {
            "task_assigned": "sms",
            "package_approval": "email",
            "review_due": "email",
            "batch_approval": "email",
            "export_ready": "email",
        }
        response = signed_in(world.u.tm_east).post(reverse("notifications:preferences"), {**data, "mobile": ""})
        assert response.status_code == 400
        assert "Enter a mobile number" in response.content.decode()
        assert not Preference.objects.exists()

    def test_a_number_that_is_not_a_mobile_is_refused(self, world):
        data = {
            "task_assigned": "sms",
            "package_approval": "email",
            "review_due": "email",
            "batch_approval": "email",
            "export_ready": "email",
        }
        response = signed_in(world.u.tm_east).post(
            reverse("notifications:preferences"), {**data, "mobile": "01305 221000"}
        )
        assert response.status_code == 400
        assert not Preference.objects.exists()


class TestApi:
    def test_administrators_and_auditors_see_every_message_without_secrets(
        self, world, api, link_in_outbox, admin_user
    ):
        for user in (admin_user, world.u.auditor):
            answer = api.as_user(user).get("/api/v1/notifications/")
            assert answer.status_code == 200
            rows = answer.json()["results"]
            assert len(rows) == 2
            assert {r["channel"] for r in rows} == {"email", "sms"}
            assert rows[0]["to_member"] == link_in_outbox.pk and rows[0]["to_role"] is None
            assert rows[0]["template"] == "family_link" and rows[0]["event"] == "family_link_issued"
            assert rows[0]["status"] == Status.OUTBOX
            assert "the-secret" not in answer.content.decode()
            assert "nan@example.org" not in answer.content.decode()

    def test_staff_see_messages_about_cases_they_see(self, world, api, link_in_outbox):
        assert api.as_user(world.u.prac_east).get("/api/v1/notifications/").json()["count"] == 2
        assert api.as_user(world.u.prac_west).get("/api/v1/notifications/").json()["count"] == 0

    def test_finance_sees_nothing_about_members(self, world, api, link_in_outbox):
        assert api.as_user(world.u.fin1).get("/api/v1/notifications/").json()["count"] == 0

    def test_filters(self, world, api, link_in_outbox, admin_user):
        client = api.as_user(admin_user)
        assert client.get("/api/v1/notifications/", {"channel": "sms"}).json()["count"] == 1
        assert client.get("/api/v1/notifications/", {"status": "sent"}).json()["count"] == 0
        assert client.get("/api/v1/notifications/", {"status": "nonsense"}).status_code == 400
        assert client.get("/api/v1/notifications/", {"case": "x"}).status_code == 400


class TestRecords:
    def test_a_members_messages_are_in_their_subject_access_bundle(self, link_in_outbox):
        from audit import sar

        bundle = sar.build(kind="member", subject_id=link_in_outbox.pk)
        text = sar.to_json(bundle)
        assert "Messages we sent you" in text and "nan@example.org" in text

    def test_retention_removes_the_address_and_what_was_said(self, link_in_outbox):
        from notifications.records import MessageRecords

        policy = MessageRecords()
        message = Notification.objects.first()
        from audit.retention import Due

        policy.destroy(
            Due(
                "children_in_need", "notifications.notification", message.pk, message.case_id, timezone.localdate(), "x"
            )
        )
        message.refresh_from_db()
        assert message.address == "" and message.personalisation == {}


class TestSiteAddressCheck:
    """`check --deploy`: with a Notify key, links in messages must point at the public https site."""

    @pytest.mark.parametrize(
        "key, site, refused",
        [
            ("", "http://localhost:8000", False),  # the outbox: nothing leaves the building
            ("a-key", "http://localhost:8000", True),
            ("a-key", "http://fgdm.example.gov.uk", True),
            ("a-key", "https://127.0.0.1", True),
            ("a-key", "https://fgdm.example.gov.uk", False),
        ],
    )
    def test_the_site_address(self, settings, key, site, refused):
        from notifications.checks import check_site_url

        settings.NOTIFY_API_KEY, settings.FGDM_SITE_URL = key, site
        assert [e.id for e in check_site_url()] == (["notifications.E001"] if refused else [])
