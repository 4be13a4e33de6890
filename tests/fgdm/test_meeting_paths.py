"""Meetings as the family needs them (issue 12, part 3): a meeting is moved (its history kept),
cancelled with a reason, or reconvened while its plan waits; a case has several meetings (review
meetings, a new one after a cancellation), at most one arranged at a time — through the services,
the API and the pages, each with its refusals, and the case flow following each path."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import DomainEvent
from core import workflow
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken, SeparationOfDuties
from fgdm import services
from fgdm.constants import CaseStatus, MeetingPurpose, MeetingStatus, PlanStatus
from fgdm.models import Case, Meeting, MeetingReschedule
from fgdm.services import ActionInput
from tests import scenario
from tests.helpers import counts, ok, page_ok, post

pytestmark = pytest.mark.django_db

NOW = timezone.now
TODAY = timezone.localdate


def in_days(days, hour=10):
    moment = timezone.localtime() + datetime.timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def open_steps(case) -> set[str]:
    """The names of the case flow's open tasks."""
    return {t.flow_task.name for t in workflow.open_tasks(process_id=Case.objects.get(pk=case.pk).process_id)}


def arranged(world, *, model="fnm", days=5, **kwargs):
    """A case whose first meeting is arranged for a few days ahead."""
    case, nan = scenario.with_network(world, **kwargs)
    meeting = services.meeting_schedule(
        case_id=case.pk,
        by=case.lead_practitioner,
        model=model,
        scheduled_for=in_days(days),
        venue="Leigh Park Family Hub",
        coordinator=world.u.coord if model == "fgc" else None,
    )
    return case, nan, meeting


def record(meeting, *, by, nan, review_in=42):
    return services.meeting_record(
        meeting_id=meeting.pk,
        by=by,
        held_on=TODAY(),
        attendees="Margaret, Sarah, Lily",
        private_family_time=True,
        private_family_time_minutes=40,
        actions=[ActionInput(description="Nan has Lily after school", owner_member_id=nan.pk)],
        contingency="Aunt Jo",
        review_by=TODAY() + datetime.timedelta(days=review_in),
    )


def api_as(user):
    """An API client of its own for each person (the shared `api` fixture has one set of credentials)."""
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    _, token = AuthToken.objects.create(user=user, expiry=datetime.timedelta(hours=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def events_since(mark):
    return list(DomainEvent.objects.filter(id__gt=mark).order_by("id").values_list("action", "reason"))


def last_event_id():
    return DomainEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def snapshot(meeting):
    fresh = Meeting.objects.get(pk=meeting.pk)
    return counts(), (fresh.status, fresh.scheduled_for, fresh.venue, fresh.case.status)


def at_review(world):
    """A case whose accepted plan (no package needed) has reached its review date."""
    case, nan, plan = scenario.meeting_held(world)
    services.plan_accept(plan_id=plan.pk, by=world.u.prac_east, support_needed=False)
    scenario.fire_timers_on(plan.review_by)
    return case, nan, plan


# -- the service: reschedule -------------------------------------------------------------------------


class TestReschedule:
    def test_moves_the_meeting_and_keeps_its_history(self, world):
        case, _, meeting = arranged(world)
        first = meeting.scheduled_for
        mark = last_event_id()
        services.meeting_reschedule(
            meeting_id=meeting.pk, by=world.u.prac_east, scheduled_for=in_days(9), venue="", reason="Nan is in hospital"
        )
        services.meeting_reschedule(
            meeting_id=meeting.pk,
            by=world.u.prac_east2,
            scheduled_for=in_days(12, hour=14),
            venue="Nan's house",
            reason="Nan cannot travel yet",
        )
        meeting.refresh_from_db()
        assert (meeting.scheduled_for, meeting.venue, meeting.status) == (
            in_days(12, hour=14),
            "Nan's house",
            MeetingStatus.SCHEDULED,
        )
        moves = list(
            MeetingReschedule.objects.filter(meeting=meeting).values_list(
                "from_scheduled_for", "to_scheduled_for", "from_venue", "to_venue", "reason", "by"
            )
        )
        assert moves == [
            (
                first,
                in_days(9),
                "Leigh Park Family Hub",
                "Leigh Park Family Hub",
                "Nan is in hospital",
                world.u.prac_east.pk,
            ),
            (
                in_days(9),
                in_days(12, hour=14),
                "Leigh Park Family Hub",
                "Nan's house",
                "Nan cannot travel yet",
                world.u.prac_east2.pk,
            ),
        ]
        # One event each, with its reason; the case does not move.
        assert events_since(mark) == [
            ("meeting_rescheduled", "Nan is in hospital"),
            ("meeting_rescheduled", "Nan cannot travel yet"),
        ]
        assert Case.objects.get(pk=case.pk).status == CaseStatus.MEETING_PLANNED

    def test_a_prepared_conference_is_moved_by_its_coordinator_and_stays_prepared(self, world):
        case, _, meeting = arranged(world, model="fgc")
        scenario.prepare_everyone(case, by=world.u.coord)
        services.meeting_prepare(meeting_id=meeting.pk, by=world.u.coord)
        services.meeting_reschedule(
            meeting_id=meeting.pk, by=world.u.coord, scheduled_for=in_days(8), reason="The family asked for a Saturday"
        )
        meeting.refresh_from_db()
        assert meeting.status == MeetingStatus.PREPARED and meeting.scheduled_for == in_days(8)

    @pytest.mark.parametrize(
        "when, field",
        [
            (lambda: NOW() - datetime.timedelta(hours=1), "scheduled_for"),
            (lambda: NOW() + datetime.timedelta(days=2 * 365 + 2), "scheduled_for"),
        ],
        ids=["in the past", "more than two years ahead"],
    )
    def test_refuses_an_implausible_date_and_changes_nothing(self, world, when, field):
        _, _, meeting = arranged(world)
        before = snapshot(meeting)
        with pytest.raises(RuleBroken) as refused:
            services.meeting_reschedule(meeting_id=meeting.pk, by=world.u.prac_east, scheduled_for=when(), reason="x")
        assert refused.value.field == field
        assert snapshot(meeting) == before

    def test_refuses_without_a_reason_or_a_change(self, world):
        _, _, meeting = arranged(world)
        before = snapshot(meeting)
        with pytest.raises(RuleBroken) as refused:
            services.meeting_reschedule(
                meeting_id=meeting.pk, by=world.u.prac_east, scheduled_for=in_days(7), reason=" "
            )
        assert refused.value.field == "reason"
        with pytest.raises(RuleBroken) as refused:
            services.meeting_reschedule(
                meeting_id=meeting.pk, by=world.u.prac_east, scheduled_for=meeting.scheduled_for, reason="Same"
            )
        assert refused.value.field == "scheduled_for"
        assert snapshot(meeting) == before

    @pytest.mark.parametrize("who", ["prac_west", "tm_east", "coord"])
    def test_refuses_someone_who_does_not_work_the_case(self, world, who):
        _, _, meeting = arranged(world)  # an FNM: the coordinator has nothing to do with it
        before = snapshot(meeting)
        with pytest.raises(NotPermitted):
            services.meeting_reschedule(
                meeting_id=meeting.pk, by=getattr(world.u, who), scheduled_for=in_days(7), reason="x"
            )
        assert snapshot(meeting) == before

    def test_refuses_someone_with_a_conflict(self, world):
        case, _, meeting = arranged(world)
        services.conflict_declare(by=world.u.prac_east2, case_reference=case.reference, reason="Margaret is my aunt")
        with pytest.raises(SeparationOfDuties):
            services.meeting_reschedule(
                meeting_id=meeting.pk, by=world.u.prac_east2, scheduled_for=in_days(7), reason="x"
            )

    def test_refuses_a_held_meeting_saying_what_is_possible(self, world):
        case, _, plan = scenario.meeting_held(world)
        with pytest.raises(InvalidTransition) as refused:
            services.meeting_reschedule(
                meeting_id=plan.meeting_id, by=world.u.prac_east, scheduled_for=in_days(7), reason="x"
            )
        assert "reconvened" in refused.value.message


# -- the service: cancel -----------------------------------------------------------------------------


class TestCancel:
    def test_cancels_with_its_reason_and_the_case_goes_back_to_mapping(self, world):
        case, _, meeting = arranged(world)
        assert "hold_meeting" in open_steps(case)
        mark = last_event_id()
        services.meeting_cancel(meeting_id=meeting.pk, by=world.u.prac_east, reason="The family withdrew for now")
        meeting.refresh_from_db()
        assert meeting.status == MeetingStatus.CANCELLED
        assert (meeting.cancel_reason, meeting.cancelled_by) == ("The family withdrew for now", world.u.prac_east)
        assert meeting.cancelled_at is not None
        assert Case.objects.get(pk=case.pk).status == CaseStatus.ALLOCATED
        assert events_since(mark) == [
            ("meeting_cancelled", "The family withdrew for now"),
            ("case_meeting_cancelled", "The family withdrew for now"),
        ]
        assert "map_network" in open_steps(case) and "hold_meeting" not in open_steps(case)

    def test_a_conference_is_cancelled_by_its_coordinator_while_preparing(self, world):
        case, _, meeting = arranged(world, model="fgc")
        assert "prepare_network" in open_steps(case)
        services.meeting_cancel(meeting_id=meeting.pk, by=world.u.coord, reason="Dad threatened the family")
        assert "prepare_network" not in open_steps(case) and "map_network" in open_steps(case)

    def test_after_a_cancellation_a_new_meeting_is_arranged_as_before(self, world):
        case, nan, meeting = arranged(world)
        services.meeting_cancel(meeting_id=meeting.pk, by=world.u.prac_east, reason="Venue closed")
        again = services.meeting_schedule(
            case_id=case.pk, by=world.u.prac_east, model="fnm", scheduled_for=in_days(3), venue="Library"
        )
        assert again.purpose == MeetingPurpose.FIRST and again.reconvenes is None
        assert "hold_meeting" in open_steps(case)
        plan = record(again, by=world.u.prac_east, nan=nan)
        assert plan.meeting == again and "accept_plan" in open_steps(case)
        assert case.meetings.count() == 2

    def test_refuses_without_a_reason(self, world):
        _, _, meeting = arranged(world)
        before = snapshot(meeting)
        with pytest.raises(RuleBroken) as refused:
            services.meeting_cancel(meeting_id=meeting.pk, by=world.u.prac_east, reason="")
        assert refused.value.field == "reason"
        assert snapshot(meeting) == before

    def test_refuses_a_held_or_cancelled_meeting(self, world):
        case, _, plan = scenario.meeting_held(world)
        with pytest.raises(InvalidTransition):
            services.meeting_cancel(meeting_id=plan.meeting_id, by=world.u.prac_east, reason="x")
        _, _, meeting = arranged(world)
        services.meeting_cancel(meeting_id=meeting.pk, by=world.u.prac_east, reason="x")
        with pytest.raises(InvalidTransition) as refused:
            services.meeting_cancel(meeting_id=meeting.pk, by=world.u.prac_east, reason="x")
        assert "Arrange a new meeting" in refused.value.message

    def test_refuses_another_teams_practitioner(self, world):
        _, _, meeting = arranged(world)
        before = snapshot(meeting)
        with pytest.raises(NotPermitted):
            services.meeting_cancel(meeting_id=meeting.pk, by=world.u.prac_west, reason="x")
        assert snapshot(meeting) == before


# -- the service: reconvene --------------------------------------------------------------------------


class TestReconvene:
    def test_reconvenes_while_the_plan_waits(self, world):
        case, nan, plan = scenario.meeting_held(world)
        held = plan.meeting
        assert "accept_plan" in open_steps(case)
        mark = last_event_id()
        new = services.meeting_reconvene(
            meeting_id=held.pk,
            by=world.u.prac_east,
            scheduled_for=in_days(6),
            venue="Leigh Park Family Hub",
            reason="Weekends were not agreed",
        )
        assert (new.purpose, new.reconvenes, new.model, new.status) == (
            MeetingPurpose.RECONVENED,
            held,
            "fnm",
            MeetingStatus.SCHEDULED,
        )
        plan.refresh_from_db()
        assert plan.status == PlanStatus.SUPERSEDED
        assert Case.objects.get(pk=case.pk).status == CaseStatus.MEETING_PLANNED
        assert [a for a, _ in events_since(mark)] == ["meeting_reconvened", "plan_superseded", "case_meeting_planned"]
        assert events_since(mark)[0][1] == "Weekends were not agreed"
        assert "accept_plan" not in open_steps(case) and "hold_meeting" in open_steps(case)
        # The reconvened meeting agrees the next version of the plan.
        second = record(new, by=world.u.prac_east, nan=nan)
        assert (second.version, second.meeting, second.status) == (2, new, PlanStatus.AGREED)
        assert "accept_plan" in open_steps(case)
        services.plan_accept(plan_id=second.pk, by=world.u.prac_east, support_needed=False)

    def test_a_conference_keeps_its_coordinator(self, world):
        case, nan, plan = scenario.meeting_held(world, model="fgc")
        new = services.meeting_reconvene(
            meeting_id=plan.meeting_id,
            by=world.u.prac_east,
            scheduled_for=in_days(6),
            venue="Hub",
            reason="More to agree",
        )
        assert (new.model, new.coordinator) == ("fgc", world.u.coord)
        assert "prepare_network" in open_steps(case)

    def test_refuses_when_no_plan_waits(self, world):
        case, _, plan = scenario.plan_accepted(world)
        with pytest.raises(InvalidTransition) as refused:
            services.meeting_reconvene(
                meeting_id=plan.meeting_id, by=world.u.prac_east, scheduled_for=in_days(6), venue="Hub", reason="x"
            )
        assert "review meeting" in refused.value.message

    def test_refuses_a_meeting_not_held(self, world):
        _, _, meeting = arranged(world)
        with pytest.raises(InvalidTransition) as refused:
            services.meeting_reconvene(
                meeting_id=meeting.pk, by=world.u.prac_east, scheduled_for=in_days(6), venue="Hub", reason="x"
            )
        assert "reschedule" in refused.value.message

    def test_refuses_bad_input_and_changes_nothing(self, world):
        case, _, plan = scenario.meeting_held(world)
        before = counts()
        for kwargs, field in (
            ({"scheduled_for": NOW() - datetime.timedelta(days=1), "reason": "x"}, "scheduled_for"),
            ({"scheduled_for": in_days(6), "reason": ""}, "reason"),
            ({"scheduled_for": in_days(6), "reason": "x", "model": "fgc"}, "coordinator"),
        ):
            with pytest.raises(RuleBroken) as refused:
                services.meeting_reconvene(meeting_id=plan.meeting_id, by=world.u.prac_east, venue="Hub", **kwargs)
            assert refused.value.field == field
        assert counts() == before
        plan.refresh_from_db()
        assert plan.status == PlanStatus.AGREED

    @pytest.mark.parametrize("who", ["prac_west", "coord", "tm_east"])
    def test_refuses_someone_who_does_not_work_the_case(self, world, who):
        _, _, plan = scenario.meeting_held(world, model="fgc")
        with pytest.raises(NotPermitted):
            services.meeting_reconvene(
                meeting_id=plan.meeting_id, by=getattr(world.u, who), scheduled_for=in_days(6), venue="Hub", reason="x"
            )


# -- several meetings: review meetings, one arranged at a time ---------------------------------------


class TestSeveralMeetings:
    def test_one_meeting_arranged_at_a_time(self, world):
        case, _, meeting = arranged(world)
        with pytest.raises(InvalidTransition) as refused:
            services.meeting_schedule(
                case_id=case.pk, by=world.u.prac_east, model="fnm", scheduled_for=in_days(9), venue="Hub"
            )
        assert "reschedule it, or cancel it" in refused.value.message
        assert case.meetings.count() == 1

    def test_a_review_meeting_at_the_review(self, world):
        case, nan, plan = at_review(world)
        assert "review" in open_steps(case)
        mark = last_event_id()
        review = services.meeting_schedule(
            case_id=case.pk, by=world.u.prac_east, model="fnm", scheduled_for=in_days(3), venue="Hub"
        )
        assert review.purpose == MeetingPurpose.REVIEW
        assert [a for a, _ in events_since(mark)] == ["meeting_scheduled", "case_meeting_planned"]
        assert "review" not in open_steps(case) and "hold_meeting" in open_steps(case)
        # Held, it agrees the next plan; the one in place is superseded.
        second = record(review, by=world.u.prac_east, nan=nan)
        plan.refresh_from_db()
        assert (plan.status, second.version, second.status) == (PlanStatus.SUPERSEDED, 2, PlanStatus.AGREED)
        assert "accept_plan" in open_steps(case)

    def test_no_review_meeting_before_the_review_is_due(self, world):
        case, _, _ = scenario.plan_accepted(world)
        with pytest.raises(InvalidTransition) as refused:
            services.meeting_schedule(
                case_id=case.pk, by=world.u.prac_east, model="fnm", scheduled_for=in_days(3), venue="Hub"
            )
        assert "review" in refused.value.message

    def test_a_cancelled_review_meeting_is_replaced_by_another_review_meeting(self, world):
        case, _, _ = at_review(world)
        review = services.meeting_schedule(
            case_id=case.pk, by=world.u.prac_east, model="fnm", scheduled_for=in_days(3), venue="Hub"
        )
        services.meeting_cancel(meeting_id=review.pk, by=world.u.prac_east, reason="Nan is unwell")
        assert "map_network" in open_steps(case)
        again = services.meeting_schedule(
            case_id=case.pk, by=world.u.prac_east, model="fnm", scheduled_for=in_days(10), venue="Hub"
        )
        assert again.purpose == MeetingPurpose.REVIEW

    def test_while_the_plan_waits_a_new_meeting_is_reconvened_not_arranged(self, world):
        case, _, _ = scenario.meeting_held(world)
        with pytest.raises(InvalidTransition) as refused:
            services.meeting_schedule(
                case_id=case.pk, by=world.u.prac_east, model="fnm", scheduled_for=in_days(3), venue="Hub"
            )
        assert "reconvene" in refused.value.message

    def test_a_package_follows_any_held_meeting(self, world):
        """Rule 3 with several meetings: the plan of a reconvened meeting, once held and accepted, is funded."""
        from network_packages import services as package_services
        from network_packages.services import ItemInput

        case, nan, plan = scenario.meeting_held(world)
        new = services.meeting_reconvene(
            meeting_id=plan.meeting_id, by=world.u.prac_east, scheduled_for=in_days(2), venue="Hub", reason="More"
        )
        second = record(new, by=world.u.prac_east, nan=nan)
        services.plan_accept(plan_id=second.pk, by=world.u.prac_east, support_needed=True)
        package = package_services.package_create(
            case_id=case.pk,
            by=world.u.prac_east,
            plan_id=second.pk,
            justification="Bus pass for Nan",
            other_funding_checked=True,
            agreement_signed_on=TODAY(),
            review_by=TODAY() + datetime.timedelta(days=30),
            items=[
                ItemInput(
                    description="Bus pass",
                    category="transport",
                    payee_id=nan.pk,
                    amount=__import__("decimal").Decimal("40.00"),
                    frequency="one_off",
                    instalments=1,
                    plan_action_id=second.actions.first().pk,
                )
            ],
        )
        assert package.plan == second


# -- preparation and private family time for Family Network Meetings --------------------------------


class TestFamilyNetworkMeetingPreparation:
    def test_the_practitioner_prepares_the_network_for_an_fnm(self, world):
        case, nan, meeting = arranged(world)
        member = services.member_record_preparation(member_id=nan.pk, by=world.u.prac_east, status="invited")
        assert member.preparation_status == "invited"
        sarah = case.network_members.exclude(pk=nan.pk).get()
        body = ok(
            api_as(world.u.prac_east).post(
                f"/api/v1/network-members/{sarah.pk}/preparation/", {"status": "declined"}, format="json"
            )
        )
        assert body["preparation_status"] == "declined"
        # The coordinator has no part in a Family Network Meeting.
        with pytest.raises(NotPermitted):
            services.member_record_preparation(member_id=nan.pk, by=world.u.coord, status="declined")

    def test_the_fnm_record_takes_private_family_time(self, world):
        _, nan, meeting = arranged(world)
        record(meeting, by=world.u.prac_east, nan=nan)
        meeting.refresh_from_db()
        assert (meeting.private_family_time, meeting.private_family_time_minutes) == (True, 40)

    def test_the_meeting_page_offers_preparation_to_the_practitioner(self, world, client):
        case, nan, meeting = arranged(world)
        client.force_login(world.u.prac_east)
        body = page_ok(client, reverse("fgdm:meeting_detail", args=[meeting.pk])).content.decode()
        assert reverse("fgdm:member_preparation", args=[nan.pk]) in body
        post(
            client,
            reverse("fgdm:member_preparation", args=[nan.pk]),
            {"status": "prepared", "notes": "Visited at home"},
        )
        nan.refresh_from_db()
        assert nan.preparation_status == "prepared"
        client.force_login(world.u.tm_east)
        body = page_ok(client, reverse("fgdm:meeting_detail", args=[meeting.pk])).content.decode()
        assert reverse("fgdm:member_preparation", args=[nan.pk]) not in body


# -- the API ---------------------------------------------------------------------------------------


class TestApi:
    def test_reschedule(self, world):
        _, _, meeting = arranged(world)
        prac = api_as(world.u.prac_east)
        body = ok(
            prac.post(
                f"/api/v1/meetings/{meeting.pk}/reschedule/",
                {"scheduled_for": in_days(8).isoformat(), "venue": "Library", "reason": "Hub closed"},
                format="json",
            )
        )
        assert (body["status"], body["purpose"], body["venue"], body["reconvenes"]) == (
            "scheduled",
            "first",
            "Library",
            None,
        )
        assert [(m["from_venue"], m["to_venue"], m["reason"], m["by"]) for m in body["reschedules"]] == [
            ("Leigh Park Family Hub", "Library", "Hub closed", "prac.east")
        ]
        listed = ok(prac.get(f"/api/v1/cases/{meeting.case_id}/meetings/"))["results"]
        assert listed[0]["reschedules"][0]["reason"] == "Hub closed"
        assert ok(prac.get(f"/api/v1/meetings/{meeting.pk}/"))["reschedules"] == body["reschedules"]

    def test_reschedule_refusals(self, world):
        _, _, meeting = arranged(world)
        url = f"/api/v1/meetings/{meeting.pk}/reschedule/"
        good = {"scheduled_for": in_days(8).isoformat(), "reason": "Hub closed"}
        before = snapshot(meeting)
        prac = api_as(world.u.prac_east)
        body = ok(prac.post(url, {"scheduled_for": "soon"}, format="json"), 400)
        assert set(body) >= {"scheduled_for", "reason"}
        past = good | {"scheduled_for": (NOW() - datetime.timedelta(days=1)).isoformat()}
        assert "scheduled_for" in ok(prac.post(url, past, format="json"), 400)
        ok(api_as(world.u.prac_west).post(url, good, format="json"), 404)
        ok(api_as(world.u.tm_east).post(url, good, format="json"), 403)
        assert snapshot(meeting) == before
        _, _, plan = scenario.meeting_held(world)
        body = ok(prac.post(f"/api/v1/meetings/{plan.meeting_id}/reschedule/", good, format="json"), 409)
        assert "reconvened" in body["detail"]

    def test_cancel(self, world):
        case, _, meeting = arranged(world)
        url = f"/api/v1/meetings/{meeting.pk}/cancel/"
        prac = api_as(world.u.prac_east)
        assert "reason" in ok(prac.post(url, {}, format="json"), 400)
        ok(api_as(world.u.prac_west).post(url, {"reason": "x"}, format="json"), 404)
        ok(api_as(world.u.tm_east).post(url, {"reason": "x"}, format="json"), 403)
        body = ok(prac.post(url, {"reason": "Family withdrew"}, format="json"))
        assert (body["status"], body["cancel_reason"], body["cancelled_by"]) == (
            "cancelled",
            "Family withdrew",
            "prac.east",
        )
        assert "Arrange a new meeting" in ok(prac.post(url, {"reason": "again"}, format="json"), 409)["detail"]
        assert ok(prac.get(f"/api/v1/cases/{case.pk}/"))["status"] == "allocated"

    def test_reconvene(self, world):
        case, _, plan = scenario.meeting_held(world)
        url = f"/api/v1/meetings/{plan.meeting_id}/reconvene/"
        body_in = {"scheduled_for": in_days(4).isoformat(), "venue": "Hub", "reason": "More to agree"}
        prac = api_as(world.u.prac_east)
        assert set(ok(prac.post(url, {"venue": "Hub"}, format="json"), 400)) >= {"scheduled_for", "reason"}
        ok(api_as(world.u.prac_west).post(url, body_in, format="json"), 404)
        ok(api_as(world.u.tm_east).post(url, body_in, format="json"), 403)
        body = ok(prac.post(url, body_in, format="json"), 201)
        assert (body["purpose"], body["reconvenes"], body["status"], body["model"]) == (
            "reconvened",
            plan.meeting_id,
            "scheduled",
            "fnm",
        )
        detail = ok(prac.post(url, body_in, format="json"), 409)["detail"]
        assert "waits for acceptance" in detail


# -- the pages -------------------------------------------------------------------------------------


def buttons(client, url) -> str:
    return page_ok(client, url).content.decode()


class TestPages:
    def test_the_meeting_page_offers_what_the_person_can_do_now(self, world, client):
        case, _, meeting = arranged(world)
        page = reverse("fgdm:meeting_detail", args=[meeting.pk])
        urls = {
            name: reverse(f"fgdm:meeting_{name}", args=[meeting.pk]) for name in ("reschedule", "cancel", "reconvene")
        }
        client.force_login(world.u.prac_east)
        body = buttons(client, page)
        assert urls["reschedule"] in body and urls["cancel"] in body and urls["reconvene"] not in body
        case_page = buttons(client, reverse("fgdm:case_detail", args=[case.pk]))
        assert urls["reschedule"] in case_page and urls["cancel"] in case_page
        # A manager sees the meeting but does not run it: nothing offered.
        client.force_login(world.u.tm_east)
        body = buttons(client, page)
        assert not any(url in body for url in urls.values())
        client.force_login(world.u.prac_west)
        assert client.get(page).status_code == 404

    def test_a_held_meeting_offers_reconvening_while_its_plan_waits(self, world, client):
        case, _, plan = scenario.meeting_held(world)
        reconvene = reverse("fgdm:meeting_reconvene", args=[plan.meeting_id])
        client.force_login(world.u.prac_east)
        for url in (
            reverse("fgdm:meeting_detail", args=[plan.meeting_id]),
            reverse("fgdm:case_detail", args=[case.pk]),
            reverse("fgdm:plan_detail", args=[plan.pk]),
        ):
            body = buttons(client, url)
            assert reconvene in body, url
            assert reverse("fgdm:meeting_reschedule", args=[plan.meeting_id]) not in body
        services.plan_accept(plan_id=plan.pk, by=world.u.prac_east, support_needed=False)
        assert reconvene not in buttons(client, reverse("fgdm:meeting_detail", args=[plan.meeting_id]))

    def test_reschedule_page(self, world, client):
        _, _, meeting = arranged(world)
        url = reverse("fgdm:meeting_reschedule", args=[meeting.pk])
        client.force_login(world.u.prac_east)
        page_ok(client, url)
        past = (timezone.localtime() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        response = post(client, url, {"scheduled_for": past, "venue": "Hub", "reason": "x"}, expect=400)
        assert "must be in the future" in response.content.decode()
        new = in_days(8).strftime("%Y-%m-%dT%H:%M")
        response = post(client, url, {"scheduled_for": new, "venue": "Library", "reason": "Hub closed"})
        assert response["Location"] == reverse("fgdm:meeting_detail", args=[meeting.pk])
        body = buttons(client, response["Location"])
        assert "Hub closed" in body and 'id="meeting-moves"' in body
        meeting.refresh_from_db()
        assert meeting.venue == "Library"

    def test_reschedule_page_refuses_the_wrong_person_and_state(self, world, client):
        _, _, meeting = arranged(world)
        url = reverse("fgdm:meeting_reschedule", args=[meeting.pk])
        client.force_login(world.u.tm_east)
        assert client.get(url).status_code == 403
        client.force_login(world.u.prac_west)
        assert client.get(url).status_code == 404
        _, _, plan = scenario.meeting_held(world)
        client.force_login(world.u.prac_east)
        held = reverse("fgdm:meeting_reschedule", args=[plan.meeting_id])
        new = in_days(8).strftime("%Y-%m-%dT%H:%M")
        response = post(client, held, {"scheduled_for": new, "venue": "Hub", "reason": "x"}, expect=409)
        assert "cannot be rescheduled" in response.content.decode()

    def test_cancel_page(self, world, client):
        case, _, meeting = arranged(world)
        url = reverse("fgdm:meeting_cancel", args=[meeting.pk])
        client.force_login(world.u.prac_east)
        page_ok(client, url)
        post(client, url, {"reason": ""}, expect=400)
        response = post(client, url, {"reason": "The family withdrew"})
        assert response["Location"] == reverse("fgdm:case_detail", args=[case.pk])
        meeting.refresh_from_db()
        assert meeting.status == MeetingStatus.CANCELLED
        body = buttons(client, response["Location"])
        assert "The family withdrew" in body
        assert reverse("fgdm:meeting_new", args=[case.pk]) in body  # a new meeting can be arranged
        post(client, url, {"reason": "again"}, expect=409)

    def test_reconvene_page(self, world, client):
        case, _, plan = scenario.meeting_held(world)
        url = reverse("fgdm:meeting_reconvene", args=[plan.meeting_id])
        client.force_login(world.u.prac_east)
        page_ok(client, url)
        new = in_days(5).strftime("%Y-%m-%dT%H:%M")
        post(client, url, {"scheduled_for": new, "venue": "Hub", "model": "fnm", "reason": ""}, expect=400)
        response = post(client, url, {"scheduled_for": new, "venue": "Hub", "model": "fnm", "reason": "More to agree"})
        reconvened = case.meetings.get(purpose=MeetingPurpose.RECONVENED)
        assert response["Location"] == reverse("fgdm:meeting_detail", args=[reconvened.pk])
        body = buttons(client, response["Location"])
        assert "Reconvened meeting" in body
        client.force_login(world.u.coord)
        assert client.get(url).status_code in (403, 404)

    def test_arrange_a_review_meeting_is_offered_at_the_review(self, world, client):
        case, _, _ = at_review(world)
        client.force_login(world.u.prac_east)
        body = buttons(client, reverse("fgdm:case_detail", args=[case.pk]))
        assert "Arrange a review meeting" in body
        response = post(
            client,
            reverse("fgdm:meeting_new", args=[case.pk]),
            {"model": "fnm", "scheduled_for": in_days(4).strftime("%Y-%m-%dT%H:%M"), "venue": "Hub"},
        )
        assert case.meetings.filter(purpose=MeetingPurpose.REVIEW).count() == 1
        assert "Arrange a review meeting" not in buttons(client, response["Location"])
