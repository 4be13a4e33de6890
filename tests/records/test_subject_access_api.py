"""Subject access requests through the API (issue 13): each rule of the log through
/api/v1/subject-access-requests/ and /api/v1/subject-access-items/, over the same services as the
page — the identity check first, the extension (two months at most, with a reason, before the
deadline), the social-work exemption withholding an item with its reason, the subject's own
exclusion reason marked for review and holding up completion, bad input refused with nothing
changed, and nobody but the people who handle requests."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from audit.models import AccessLog, DomainEvent, SubjectAccessItem, SubjectAccessRequest
from tests import scenario
from tests.records.test_subject_access import checked, excluded_member, logged

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
BASE = "/api/v1/subject-access-requests/"


def url(request, step=""):
    return f"{BASE}{request.pk}/{step + '/' if step else ''}"


def decide(item):
    return f"/api/v1/subject-access-items/{item.pk}/decide/"


@pytest.fixture
def handler(world, api):
    return api.as_user(world.u.auditor)


class TestLog:
    def test_logged_with_its_deadline_and_listed_overdue_first(self, world, handler):
        _, nan = scenario.with_network(world)
        response = handler.post(
            BASE,
            {
                "received_on": "2026-11-25",
                "requester": "Margaret Hardy",
                "subject_name": "Margaret Hardy",
                "subject_kind": "member",
                "subject_id": nan.pk,
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["status"], body["deadline"], body["items"]) == ("received", "2026-12-29", [])
        assert body["logged_by"] == "auditor" and body["reference"] == f"SAR-{body['id']}"
        assert DomainEvent.objects.filter(action="sar_received").count() == 1
        overdue = logged(world, nan, received_on=TODAY() - datetime.timedelta(days=45))
        refused = handler.post(
            url(logged(world, nan, received_on=TODAY() - datetime.timedelta(days=60)), "refuse"),
            {"reason": "Withdrawn by the requester"},
            format="json",
        )
        assert refused.status_code == 200 and refused.json()["status"] == "refused"
        listed = handler.get(BASE).json()["results"]
        assert [row["id"] for row in listed] == [overdue.pk, body["id"], refused.json()["id"]]
        assert [row["overdue"] for row in listed] == [True, False, False]

    def test_bad_input_is_refused_with_field_messages_and_nothing_logged(self, world, handler):
        response = handler.post(
            BASE,
            {
                "received_on": (TODAY() + datetime.timedelta(days=1)).isoformat(),
                "requester": "A",
                "subject_name": "A",
            },
            format="json",
        )
        assert response.status_code == 400 and "cannot be in the future" in response.json()["received_on"][0]
        response = handler.post(BASE, {"received_on": "yesterday", "subject_kind": "dog"}, format="json")
        assert response.status_code == 400
        assert set(response.json()) == {"received_on", "requester", "subject_name", "subject_kind"}
        response = handler.post(
            BASE,
            {"received_on": TODAY().isoformat(), "requester": "A", "subject_name": "A", "subject_kind": "member"},
            format="json",
        )
        assert response.status_code == 400 and "with their id" in response.json()["subject_id"][0]
        assert not SubjectAccessRequest.objects.exists()
        assert not DomainEvent.objects.filter(action__startswith="sar_").exists()


class TestIdentityCheck:
    def test_nothing_is_gathered_or_completed_before_it(self, world, handler):
        _, nan = scenario.with_network(world)
        request = logged(world, nan)
        for step in ("gather", "complete"):
            response = handler.post(url(request, step), {}, format="json")
            assert response.status_code == 409
            assert "Check the requester's identity before" in response.json()["detail"]
        assert not request.items.exists()
        response = handler.post(url(request, "id-check"), {"method": "photo_id"}, format="json")
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["id_checked_by"]) == ("in_progress", "auditor")

    def test_how_must_be_said(self, world, handler):
        _, nan = scenario.with_network(world)
        request = logged(world, nan)
        response = handler.post(url(request, "id-check"), {"method": "a hunch"}, format="json")
        assert response.status_code == 400 and "method" in response.json()
        response = handler.post(
            url(request, "id-check"),
            {"method": "photo_id", "checked_on": (request.received_on - datetime.timedelta(days=1)).isoformat()},
            format="json",
        )
        assert response.status_code == 400 and "before the request was received" in response.json()["checked_on"][0]
        request.refresh_from_db()
        assert request.status == "received" and request.id_checked_on is None


class TestExtension:
    def test_up_to_two_months_in_all_with_a_reason_before_the_deadline(self, world, handler):
        _, nan = scenario.with_network(world)
        request = logged(world, nan, received_on=datetime.date(2026, 10, 12))
        with time_machine.travel(datetime.datetime(2026, 11, 2, 10, 0).astimezone(), tick=False):
            response = handler.post(url(request, "extend"), {"months": 1, "reason": " "}, format="json")
            assert response.status_code == 400 and "reason" in response.json()
            response = handler.post(url(request, "extend"), {"months": 3, "reason": "Many"}, format="json")
            assert response.status_code == 400 and "one or two months" in response.json()["months"][0]
            response = handler.post(url(request, "extend"), {"months": 1, "reason": "Many records"}, format="json")
            assert response.status_code == 200 and response.json()["deadline"] == "2026-12-14"
            response = handler.post(url(request, "extend"), {"months": 2, "reason": "Still more"}, format="json")
            assert response.status_code == 400 and "two months at most in all" in response.json()["months"][0]
            response = handler.post(url(request, "extend"), {"months": 1, "reason": "Still more"}, format="json")
            assert response.status_code == 200
        assert (response.json()["extended_months"], response.json()["deadline"]) == (2, "2027-01-12")
        assert DomainEvent.objects.filter(action="sar_extended").count() == 2

    def test_not_once_the_deadline_has_passed(self, world, handler):
        _, nan = scenario.with_network(world)
        request = logged(world, nan, received_on=TODAY() - datetime.timedelta(days=40))
        response = handler.post(url(request, "extend"), {"months": 1, "reason": "Complex"}, format="json")
        assert response.status_code == 400 and "has passed" in response.json()["months"][0]
        request.refresh_from_db()
        assert request.extended_months == 0


class TestItems:
    def test_gathered_the_own_exclusion_reason_marked_for_review(self, world, handler):
        _, nan = excluded_member(world)
        request = checked(world, nan)
        response = handler.post(url(request, "gather"), format="json")
        assert response.status_code == 200
        items = {(item["section"], item["label"]): item for item in response.json()["items"]}
        own = items[("About you", "Reason for exclusion")]
        assert own["value"] == "Threatened Sarah at the last contact visit"
        assert own["for_review"] and own["review_reason"].startswith("your own exclusion reason")
        assert not items[("About you", "Name")]["for_review"]
        assert AccessLog.objects.filter(what="subject_access_export", door="api").count() == 1
        assert handler.post(url(request, "gather"), format="json").status_code == 409
        assert handler.get(url(request)).json()["items"] == response.json()["items"]

    def test_the_social_work_exemption_withholds_the_item_with_the_reason(self, world, handler):
        _, nan = excluded_member(world)
        request = checked(world, nan)
        handler.post(url(request, "gather"), format="json")
        own = request.items.get(section="About you", label="Reason for exclusion")
        response = handler.post(decide(own), {"decision": "disclose", "social_work_exemption": True}, format="json")
        assert response.status_code == 400 and "is withheld" in response.json()["decision"][0]
        response = handler.post(decide(own), {"decision": "withhold", "social_work_exemption": True}, format="json")
        assert response.status_code == 400 and "serious harm" in response.json()["note"][0]
        response = handler.post(decide(own), {"decision": "maybe"}, format="json")
        assert response.status_code == 400 and "decision" in response.json()
        own.refresh_from_db()
        assert (own.decision, own.social_work_exemption) == ("", False)
        response = handler.post(
            decide(own),
            {"decision": "withhold", "social_work_exemption": True, "note": "Would put Sarah at risk of serious harm"},
            format="json",
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["decision"], body["social_work_exemption"], body["decided_by"]) == ("withhold", True, "auditor")
        assert DomainEvent.objects.filter(action="sar_item_decided").count() == 1

    def test_completed_only_when_every_item_for_review_is_decided(self, world, handler):
        _, nan = excluded_member(world)
        request = checked(world, nan)
        handler.post(url(request, "gather"), format="json")
        to_review = list(request.items.exclude(review_reason=""))
        for item in to_review[1:]:
            assert handler.post(decide(item), {"decision": "disclose"}, format="json").status_code == 200
        response = handler.post(url(request, "complete"), {}, format="json")
        assert response.status_code == 409
        assert "1 item(s) marked for review have no decision" in response.json()["detail"]
        request.refresh_from_db()
        assert request.status == "in_progress"
        handler.post(decide(to_review[0]), {"decision": "withhold", "note": "Third party"}, format="json")
        response = handler.post(url(request, "complete"), {}, format="json")
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["completed_on"]) == ("completed", TODAY().isoformat())
        response = handler.post(url(request, "extend"), {"months": 1, "reason": "x"}, format="json")
        assert response.status_code == 409 and "can no longer change" in response.json()["detail"]


class TestWhoMay:
    @pytest.mark.parametrize("who", ["prac_east", "fin1", "tm_east"])
    def test_only_the_people_who_handle_requests(self, world, api, who):
        _, nan = excluded_member(world)
        request = checked(world, nan)
        from core import sar_services

        sar_services.sar_gather(request_id=request.pk, by=world.u.auditor)
        item = request.items.exclude(review_reason="").first()
        other = api.as_user(getattr(world.u, who))
        assert other.get(BASE).status_code == 403
        body = {"received_on": TODAY().isoformat(), "requester": "A", "subject_name": "A"}
        assert other.post(BASE, body, format="json").status_code == 403
        assert other.get(url(request)).status_code == 404
        for step in ("id-check", "extend", "gather", "complete", "refuse"):
            assert other.post(url(request, step), {}, format="json").status_code == 404
        assert other.post(decide(item), {"decision": "disclose"}, format="json").status_code == 404
        assert SubjectAccessRequest.objects.count() == 1
        assert not SubjectAccessItem.objects.exclude(decision="").exists()
