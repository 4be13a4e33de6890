"""Subject access requests: the log (received, identity check, deadline, status), the items of the
bundle with the social-work exemption flagged per item, the subject's own exclusion reason marked for
review, and the page for the people who handle requests."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog, DomainEvent, SubjectAccessRequest
from core import sar_services as services
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken
from fgdm import services as case_services
from tests import scenario

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def excluded_member(world):
    """A case whose grandmother was excluded from the meeting for safety, with the reason (proposed
    by the practitioner, signed off by the team manager)."""
    case, nan = scenario.with_network(world)
    case_services.meeting_schedule(
        case_id=case.pk,
        by=world.u.prac_east,
        model="fnm",
        venue="Leigh Park Family Hub",
        scheduled_for=timezone.now() + datetime.timedelta(days=3),
    )
    case_services.member_exclusion_propose(
        member_id=nan.pk,
        by=world.u.prac_east,
        reason="Threatened Sarah at the last contact visit",
        how_to_contribute="A letter read out in the information stage",
        how_to_challenge="Ask the team manager to review it, or use the council's complaints procedure",
    )
    case_services.member_exclusion_sign_off(member_id=nan.pk, by=world.u.tm_east)
    return case, nan


def logged(world, member, **kwargs):
    return services.sar_log(
        by=world.u.auditor,
        received_on=kwargs.pop("received_on", TODAY()),
        requester=member.full_name,
        subject_name=member.full_name,
        subject_kind="member",
        subject_id=member.pk,
        **kwargs,
    )


def checked(world, member, **kwargs):
    request = logged(world, member, **kwargs)
    return services.sar_record_id_check(request_id=request.pk, by=world.u.auditor, method="photo_id")


def gathered(world, member):
    request = checked(world, member)
    return services.sar_gather(request_id=request.pk, by=world.u.auditor)


class TestLog:
    def test_logged_with_its_deadline_one_calendar_month_on(self, world):
        case, nan = scenario.with_network(world)
        request = logged(world, nan, received_on=datetime.date(2026, 11, 25))
        assert request.status == "received"
        assert request.deadline == datetime.date(2026, 12, 29)  # 25 December, then the Boxing Day substitute
        assert request.case_id == case.pk
        event = DomainEvent.objects.get(action="sar_received")
        assert event.actor_username == "auditor" and event.changes["deadline"] == "2026-12-29"
        assert event.case_id is None  # not on the case team's trail

    def test_only_the_people_who_handle_requests(self, world):
        case, nan = scenario.with_network(world)
        for user in (world.u.prac_east, world.u.tm_east, world.u.fin1):
            with pytest.raises(NotPermitted, match="only a auditor can"):
                logged_by = user
                services.sar_log(by=logged_by, received_on=TODAY(), requester="x", subject_name="x")
        assert not SubjectAccessRequest.objects.exists()

    def test_received_on_cannot_be_in_the_future(self, world):
        with pytest.raises(RuleBroken, match="cannot be in the future") as refused:
            services.sar_log(
                by=world.u.auditor, received_on=TODAY() + datetime.timedelta(days=1), requester="A", subject_name="A"
            )
        assert refused.value.field == "received_on"

    def test_an_unknown_subject_is_refused(self, world):
        with pytest.raises(RuleBroken, match="No network member #999999"):
            services.sar_log(
                by=world.u.auditor,
                received_on=TODAY(),
                requester="A",
                subject_name="A",
                subject_kind="member",
                subject_id=999999,
            )


class TestIdentityCheck:
    def test_recorded_with_who_when_and_how_then_in_progress(self, world):
        _, nan = scenario.with_network(world)
        request = checked(world, nan)
        assert request.status == "in_progress"
        assert (request.id_checked_by, request.id_checked_on, request.id_check_method) == (
            world.u.auditor,
            TODAY(),
            "photo_id",
        )

    def test_nothing_is_gathered_before_it(self, world):
        _, nan = scenario.with_network(world)
        request = logged(world, nan)
        with pytest.raises(InvalidTransition, match="Check the requester's identity before gathering"):
            services.sar_gather(request_id=request.pk, by=world.u.auditor)
        with pytest.raises(
            InvalidTransition, match="Check the requester's identity before the request can be completed"
        ):
            services.sar_complete(request_id=request.pk, by=world.u.auditor)

    def test_how_must_be_said(self, world):
        _, nan = scenario.with_network(world)
        request = logged(world, nan)
        with pytest.raises(RuleBroken, match="Say how the requester's identity was checked"):
            services.sar_record_id_check(request_id=request.pk, by=world.u.auditor, method="")


class TestExtension:
    def test_up_to_two_months_in_all_with_a_reason(self, world):
        _, nan = scenario.with_network(world)
        request = logged(world, nan, received_on=datetime.date(2026, 10, 12))
        with time_machine.travel(datetime.datetime(2026, 11, 2, 10, 0).astimezone(), tick=False):
            with pytest.raises(RuleBroken, match="Say why the request is complex"):
                services.sar_extend(request_id=request.pk, by=world.u.auditor, months=1, reason=" ")
            request = services.sar_extend(request_id=request.pk, by=world.u.auditor, months=1, reason="Many records")
            assert request.deadline == datetime.date(2026, 12, 14)  # 12 December 2026 is a Saturday
            with pytest.raises(RuleBroken, match="two months at most in all"):
                services.sar_extend(request_id=request.pk, by=world.u.auditor, months=2, reason="Still more")
            request = services.sar_extend(request_id=request.pk, by=world.u.auditor, months=1, reason="Still more")
        assert request.extended_months == 2 and request.deadline == datetime.date(2027, 1, 12)
        assert DomainEvent.objects.filter(action="sar_extended").count() == 2

    def test_not_once_the_deadline_has_passed(self, world):
        _, nan = scenario.with_network(world)
        request = logged(world, nan, received_on=TODAY() - datetime.timedelta(days=40))
        with pytest.raises(RuleBroken, match="has passed: a request is extended before it is due"):
            services.sar_extend(request_id=request.pk, by=world.u.auditor, months=1, reason="Complex")


class TestItems:
    def test_the_subjects_own_exclusion_reason_is_marked_for_review(self, world):
        _, nan = excluded_member(world)
        request = gathered(world, nan)
        own = request.items.get(section="About you", label="Reason for exclusion")
        assert own.value == "Threatened Sarah at the last contact visit"
        assert own.review_reason.startswith("your own exclusion reason")
        assert request.items.get(section="About you", label="Name").review_reason == ""
        assert request.items.filter(review_reason__startswith="third party").exists()
        assert AccessLog.objects.filter(what="subject_access_export", door="page").count() == 1

    def test_the_social_work_exemption_is_flagged_per_item_and_withholds_it(self, world):
        _, nan = excluded_member(world)
        request = gathered(world, nan)
        own = request.items.get(section="About you", label="Reason for exclusion")
        with pytest.raises(RuleBroken, match="the social-work exemption applies .* is withheld"):
            services.sar_item_decide(
                item_id=own.pk, by=world.u.auditor, decision="disclose", social_work_exemption=True
            )
        with pytest.raises(RuleBroken, match="likely to cause serious harm"):
            services.sar_item_decide(
                item_id=own.pk, by=world.u.auditor, decision="withhold", social_work_exemption=True
            )
        item = services.sar_item_decide(
            item_id=own.pk,
            by=world.u.auditor,
            decision="withhold",
            social_work_exemption=True,
            note="Would put Sarah at risk of serious harm",
        )
        assert item.social_work_exemption and item.decided_by == world.u.auditor
        other = request.items.exclude(pk=own.pk).exclude(review_reason="").first()
        other = services.sar_item_decide(item_id=other.pk, by=world.u.auditor, decision="disclose")
        assert not other.social_work_exemption

    def test_completed_only_when_every_item_for_review_is_decided(self, world):
        _, nan = excluded_member(world)
        request = gathered(world, nan)
        to_review = list(request.items.exclude(review_reason=""))
        for item in to_review[1:]:
            services.sar_item_decide(item_id=item.pk, by=world.u.auditor, decision="disclose")
        with pytest.raises(InvalidTransition, match="1 item\\(s\\) marked for review have no decision"):
            services.sar_complete(request_id=request.pk, by=world.u.auditor)
        services.sar_item_decide(item_id=to_review[0].pk, by=world.u.auditor, decision="withhold", note="Third party")
        request = services.sar_complete(request_id=request.pk, by=world.u.auditor)
        assert (request.status, request.completed_on) == ("completed", TODAY())
        with pytest.raises(InvalidTransition, match="is completed: it can no longer change"):
            services.sar_extend(request_id=request.pk, by=world.u.auditor, months=1, reason="x")

    def test_refused_with_a_reason(self, world):
        _, nan = scenario.with_network(world)
        request = logged(world, nan)
        with pytest.raises(RuleBroken, match="Say why the request is refused"):
            services.sar_refuse(request_id=request.pk, by=world.u.auditor, reason="")
        request = services.sar_refuse(request_id=request.pk, by=world.u.auditor, reason="Manifestly excessive")
        assert request.status == "refused"


class TestPage:
    def test_lists_requests_overdue_first(self, world, client):
        _, nan = scenario.with_network(world)
        later = logged(world, nan, received_on=TODAY())
        overdue = logged(world, nan, received_on=TODAY() - datetime.timedelta(days=45))
        done = services.sar_refuse(
            request_id=logged(world, nan, received_on=TODAY() - datetime.timedelta(days=60)).pk,
            by=world.u.auditor,
            reason="Withdrawn by the requester",
        )
        client.force_login(world.u.auditor)
        page = client.get(reverse("records:sar_list")).content.decode()
        assert page.index(overdue.reference) < page.index(later.reference) < page.index(done.reference)
        assert "Overdue by" in page

    def test_only_for_the_people_who_handle_requests(self, world, client):
        _, nan = scenario.with_network(world)
        request = logged(world, nan)
        client.force_login(world.u.prac_east)
        assert client.get(reverse("records:sar_list")).status_code == 403
        assert client.get(reverse("records:sar_detail", args=[request.pk])).status_code == 404

    def test_the_handler_logs_checks_gathers_decides_and_completes(self, world, client):
        _, nan = excluded_member(world)
        client.force_login(world.u.auditor)
        response = client.post(
            reverse("records:sar_new"),
            {
                "received_on": TODAY().isoformat(),
                "requester": "Margaret Hardy",
                "subject_name": "Margaret Hardy",
                "subject_kind": "member",
                "subject_id": nan.pk,
            },
        )
        assert response.status_code == 302
        request = SubjectAccessRequest.objects.get()
        url = reverse("records:sar_detail", args=[request.pk])
        # Gathering before the identity check is refused on the page too.
        response = client.post(url, {"action": "gather"})
        assert response.status_code == 409
        assert "Check the requester&#x27;s identity before gathering" in response.content.decode()
        assert client.post(url, {"action": "id_check", "id_check-method": "photo_id"}).status_code == 302
        assert client.post(url, {"action": "gather"}).status_code == 302
        page = client.get(url).content.decode()
        assert "your own exclusion reason" in page and "Threatened Sarah" in page
        own = request.items.get(label="Reason for exclusion", section="About you")
        response = client.post(
            url,
            {
                "action": "decide",
                "decide-item": own.pk,
                "decide-decision": "disclose",
                "decide-social_work_exemption": "on",
            },
        )
        assert response.status_code == 400
        assert "is withheld" in response.content.decode()
        assert (
            client.post(
                url,
                {
                    "action": "decide",
                    "decide-item": own.pk,
                    "decide-decision": "withhold",
                    "decide-social_work_exemption": "on",
                    "decide-note": "Serious harm to Sarah",
                },
            ).status_code
            == 302
        )
        own.refresh_from_db()
        assert own.social_work_exemption
        assert "Social-work exemption" in client.get(url).content.decode()
        response = client.post(url, {"action": "complete"})
        assert response.status_code == 409 and "marked for review have no decision" in response.content.decode()
        for item in request.items.exclude(review_reason="").filter(decision=""):
            services.sar_item_decide(item_id=item.pk, by=world.u.auditor, decision="disclose")
        assert client.post(url, {"action": "complete"}).status_code == 302
        request.refresh_from_db()
        assert request.status == "completed"
