"""The family's and the child's needs, and the children's outcomes (issue 13, parts): each network
member's and each child's language, interpreter and communication needs, shown on the meeting page;
the offer of an advocate, with the answer; the family's request for a coordinator of a given
language, culture or gender, with whether it was met; excluding someone for safety, which takes
effect only when a manager (not the proposer) signs it off; and each child's outcome at closure, 6
and 12 months, due on its day in the lead practitioner's queue (or the team's managers'). Each rule
is tried through the service and the API; a refusal names the rule and changes nothing."""

import datetime

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from audit.models import DomainEvent
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken, SeparationOfDuties
from fgdm import selectors
from fgdm import services as case_services
from fgdm.models import AdvocacyOffer, ChildOutcome, NetworkMember
from tests import scenario
from tests.helpers import ok, page_ok, post
from tests.scenario import fire_timers_on

pytestmark = pytest.mark.django_db

NEXT_WEEK = datetime.timedelta(days=7)


def events(case, action) -> int:
    return DomainEvent.objects.filter(case_id=case.pk, action=action).count()


def on_day(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10, 0)).astimezone(), tick=False)


def propose(member, by, **overrides):
    data = {
        "reason": "Bail conditions: no contact with Sarah",
        "how_to_contribute": "A letter read out in the information stage",
        "how_to_challenge": "Write to the team manager",
        **overrides,
    }
    return case_services.member_exclusion_propose(member_id=member.pk, by=by, **data)


def closed(world, **kwargs):
    case = scenario.allocated(world)
    return case_services.case_close(case_id=case.pk, by=world.u.prac_east, reason="needs_met", **kwargs)


def record(outcome, by, **overrides):
    data = {
        "living_with": "at_home",
        "on_child_protection_plan": False,
        "proceedings_issued": False,
        "entered_care": False,
        **overrides,
    }
    return case_services.outcome_record(outcome_id=outcome.pk, by=by, **data)


# -- communication needs ------------------------------------------------------------------------------


class TestCommunicationNeeds:
    def test_a_childs_language_interpreter_and_needs_are_recorded_without_their_values_on_the_trail(self, world):
        case = scenario.allocated(world)
        lily = case.children.get()
        case_services.child_update(
            child_id=lily.pk,
            by=world.u.prac_east,
            language="Polish",
            interpreter_needed=True,
            communication_needs="Makaton",
        )
        lily.refresh_from_db()
        assert (lily.language, lily.interpreter_needed, lily.communication_needs) == ("Polish", True, "Makaton")
        event = DomainEvent.objects.get(case_id=case.pk, action="child_updated")
        assert "Polish" not in str(event.changes) and "Makaton" not in str(event.changes)
        assert event.changes["interpreter_needed"] == [False, True]

    def test_the_interpreter_answer_is_yes_or_no(self, world):
        lily = scenario.allocated(world).children.get()
        with pytest.raises(RuleBroken) as refused:
            case_services.child_update(child_id=lily.pk, by=world.u.prac_east, interpreter_needed="maybe")
        assert refused.value.field == "interpreter_needed"

    def test_through_the_api_a_childs_needs_are_patched(self, world, api):
        lily = scenario.allocated(world).children.get()
        body = ok(
            api.as_user(world.u.prac_east).patch(
                f"/api/v1/children/{lily.pk}/",
                {"language": "Welsh", "interpreter_needed": True, "communication_needs": "Hearing loop"},
                format="json",
            )
        )
        assert (body["language"], body["interpreter_needed"], body["communication_needs"]) == (
            "Welsh",
            True,
            "Hearing loop",
        )

    def test_the_meeting_page_lists_who_needs_an_interpreter_in_which_language(self, world, client):
        case, nan = scenario.with_network(world)
        case_services.member_update(member_id=nan.pk, by=world.u.prac_east, language="Polish", interpreter_needed=True)
        lily = case.children.get()
        case_services.child_update(child_id=lily.pk, by=world.u.prac_east, communication_needs="Short sessions")
        meeting = case_services.meeting_schedule(
            case_id=case.pk, by=world.u.prac_east, model="fnm", scheduled_for=timezone.now() + NEXT_WEEK, venue="Hub"
        )
        rows = selectors.communication_needs_of(meeting=meeting)
        assert [(r["who"], r["language"], r["interpreter"]) for r in rows] == [
            ("Lily Hardy", "", False),
            ("Margaret Hardy", "Polish", True),
        ]
        client.force_login(world.u.prac_east)
        body = page_ok(client, reverse("fgdm:meeting_detail", args=[meeting.pk])).content.decode()
        assert "Needs an interpreter (Polish)" in body and "Short sessions" in body

    def test_someone_excluded_for_safety_is_not_listed_as_attending(self, world):
        case, nan = scenario.with_network(world)
        case_services.member_update(member_id=nan.pk, by=world.u.prac_east, language="Polish", interpreter_needed=True)
        propose(nan, world.u.prac_east)
        case_services.member_exclusion_sign_off(member_id=nan.pk, by=world.u.tm_east)
        meeting = case_services.meeting_schedule(
            case_id=case.pk, by=world.u.prac_east, model="fnm", scheduled_for=timezone.now() + NEXT_WEEK, venue="Hub"
        )
        assert selectors.communication_needs_of(meeting=meeting) == []


# -- advocacy ---------------------------------------------------------------------------------------------


class TestAdvocacy:
    def test_an_advocate_is_offered_to_a_child_and_the_answer_recorded_later(self, world, today):
        case = scenario.allocated(world)
        lily = case.children.get()
        offer = case_services.advocacy_offer_record(child_id=lily.pk, by=world.u.prac_east, offered_on=today)
        assert (offer.answer, offer.answered_on) == ("awaiting", None)
        offer = case_services.advocacy_offer_answer(
            offer_id=offer.pk, by=world.u.prac_east, answer="accepted", answered_on=today, advocate="Coram Voice"
        )
        assert (offer.answer, offer.advocate) == ("accepted", "Coram Voice")
        assert events(case, "advocacy_offered") == events(case, "advocacy_answered") == 1

    def test_an_adult_who_needs_one_is_offered_an_advocate(self, world, today):
        _, nan = scenario.with_network(world)
        offer = case_services.advocacy_offer_record(
            member_id=nan.pk, by=world.u.prac_east, offered_on=today, answer="declined", answered_on=today
        )
        assert (offer.member, offer.child, offer.answer) == (nan, None, "declined")

    @pytest.mark.parametrize(
        ("answer", "answered", "advocate", "field"),
        [
            ("accepted", True, "", "advocate"),  # accepted: name the advocate
            ("declined", False, "", "answered_on"),  # answered: when
            ("awaiting", True, "", "answered_on"),  # no answer yet: no date of answer
            ("declined", True, "Coram Voice", "advocate"),  # declined: no advocate
        ],
    )
    def test_an_answer_says_when_and_an_acceptance_names_the_advocate(
        self, world, today, answer, answered, advocate, field
    ):
        lily = scenario.allocated(world).children.get()
        with pytest.raises(RuleBroken) as refused:
            case_services.advocacy_offer_record(
                child_id=lily.pk,
                by=world.u.prac_east,
                offered_on=today,
                answer=answer,
                answered_on=today if answered else None,
                advocate=advocate,
            )
        assert refused.value.field == field
        assert not AdvocacyOffer.objects.exists()

    def test_an_answered_offer_is_not_answered_again(self, world, today):
        lily = scenario.allocated(world).children.get()
        offer = case_services.advocacy_offer_record(
            child_id=lily.pk, by=world.u.prac_east, offered_on=today, answer="declined", answered_on=today
        )
        with pytest.raises(InvalidTransition, match="already declined"):
            case_services.advocacy_offer_answer(
                offer_id=offer.pk, by=world.u.prac_east, answer="accepted", answered_on=today, advocate="X"
            )

    def test_through_the_api(self, world, api, today):
        case = scenario.allocated(world)
        lily = case.children.get()
        client = api.as_user(world.u.prac_east)
        refused = client.post(
            f"/api/v1/children/{lily.pk}/advocacy/",
            {"offered_on": today.isoformat(), "answer": "accepted", "answered_on": today.isoformat()},
            format="json",
        )
        assert refused.status_code == 400 and "Name the advocate" in str(refused.data)
        offer = ok(
            client.post(f"/api/v1/children/{lily.pk}/advocacy/", {"offered_on": today.isoformat()}, format="json"),
            201,
        )
        ok(
            client.post(
                f"/api/v1/advocacy-offers/{offer['id']}/answer/",
                {"answer": "accepted", "answered_on": today.isoformat(), "advocate": "Coram Voice"},
                format="json",
            )
        )
        [listed] = ok(client.get(f"/api/v1/cases/{case.pk}/advocacy/"))["results"]
        assert (listed["child"], listed["answer"], listed["advocate"]) == (lily.pk, "accepted", "Coram Voice")
        # Another team's practitioner does not see the offer.
        assert api.as_user(world.u.prac_west).get(f"/api/v1/cases/{case.pk}/advocacy/").status_code == 404


# -- matching the coordinator -----------------------------------------------------------------------------


def conference(world, **request):
    case, _ = scenario.with_network(world)
    return case, lambda: case_services.meeting_schedule(
        case_id=case.pk,
        by=world.u.prac_east,
        model="fgc",
        scheduled_for=timezone.now() + NEXT_WEEK,
        venue="Hub",
        coordinator=world.u.coord,
        **request,
    )


class TestCoordinatorRequest:
    def test_the_familys_request_is_a_structured_choice_with_whether_it_was_met(self, world):
        _, schedule = conference(
            world,
            coordinator_request_kind="gender",
            coordinator_request="A woman",
            coordinator_request_met=False,
            coordinator_request_note="No woman coordinator free that week",
        )
        meeting = schedule()
        assert (meeting.coordinator_request_kind, meeting.coordinator_request, meeting.coordinator_request_met) == (
            "gender",
            "A woman",
            False,
        )

    @pytest.mark.parametrize(
        ("request_", "field", "words"),
        [
            ({"coordinator_request": "Polish speaker"}, "coordinator_request_kind", "Choose what the family asked for"),
            ({"coordinator_request_kind": "language", "coordinator_request_met": True}, "coordinator_request", "which"),
            (
                {"coordinator_request_kind": "culture", "coordinator_request": "Muslim"},
                "coordinator_request_met",
                "whether the coordinator allocated meets",
            ),
            (
                {"coordinator_request_kind": "religion", "coordinator_request": "x"},
                "coordinator_request_kind",
                "Unknown",
            ),
        ],
    )
    def test_a_request_names_its_kind_its_detail_and_whether_it_is_met(self, world, request_, field, words):
        case, schedule = conference(world, **request_)
        with pytest.raises(RuleBroken, match=words) as refused:
            schedule()
        assert refused.value.field == field
        assert not case.meetings.exists()

    def test_a_family_network_meeting_has_no_coordinator_to_ask_for(self, world):
        case, _ = scenario.with_network(world)
        with pytest.raises(RuleBroken, match="only for a Family Group Conference"):
            case_services.meeting_schedule(
                case_id=case.pk,
                by=world.u.prac_east,
                model="fnm",
                scheduled_for=timezone.now() + NEXT_WEEK,
                venue="Hub",
                coordinator_request_kind="language",
                coordinator_request="Polish",
                coordinator_request_met=True,
            )

    def test_through_the_api_free_text_alone_is_a_clear_400(self, world, api):
        case, _ = scenario.with_network(world)
        body = {
            "model": "fgc",
            "scheduled_for": (timezone.now() + NEXT_WEEK).isoformat(),
            "venue": "Hub",
            "coordinator": "coord",
            "coordinator_request": "Polish speaker",
        }
        client = api.as_user(world.u.prac_east)
        refused = client.post(f"/api/v1/cases/{case.pk}/meetings/", body, format="json")
        assert refused.status_code == 400 and "coordinator_request_kind" in refused.data
        meeting = ok(
            client.post(
                f"/api/v1/cases/{case.pk}/meetings/",
                {**body, "coordinator_request_kind": "language", "coordinator_request_met": True},
                format="json",
            ),
            201,
        )
        assert (meeting["coordinator_request_kind"], meeting["coordinator_request_met"]) == ("language", True)


# -- exclusion for safety ---------------------------------------------------------------------------------


class TestExclusion:
    def test_a_proposal_does_not_exclude_until_a_manager_signs_it_off(self, world):
        case, nan = scenario.with_network(world)
        nan = propose(nan, world.u.prac_east)
        assert (nan.exclusion_status, nan.excluded_from_meetings) == ("proposed", False)
        nan = case_services.member_exclusion_sign_off(member_id=nan.pk, by=world.u.tm_east)
        nan.refresh_from_db()
        assert (nan.exclusion_status, nan.excluded_from_meetings, nan.preparation_status) == (
            "signed_off",
            True,
            "excluded",
        )
        assert (nan.exclusion_signed_off_by, nan.exclusion_challenge) == (world.u.tm_east, "Write to the team manager")
        assert events(case, "member_exclusion_proposed") == events(case, "member_exclusion_signed_off") == 1

    @pytest.mark.parametrize("missing", ["reason", "how_to_contribute", "how_to_challenge"])
    def test_a_proposal_says_why_how_they_may_contribute_and_how_to_challenge(self, world, missing):
        _, nan = scenario.with_network(world)
        with pytest.raises(RuleBroken):
            propose(nan, world.u.prac_east, **{missing: " "})
        nan.refresh_from_db()
        assert nan.exclusion_status == ""

    def test_a_practitioner_cannot_sign_off(self, world):
        _, nan = scenario.with_network(world)
        propose(nan, world.u.prac_east)
        with pytest.raises(NotPermitted, match="manager"):
            case_services.member_exclusion_sign_off(member_id=nan.pk, by=world.u.prac_east2)
        nan.refresh_from_db()
        assert not nan.excluded_from_meetings

    def test_the_manager_who_proposed_it_cannot_sign_it_off(self, world):
        case, nan = scenario.with_network(world)
        world.u.tm_east.groups.add(*world.u.prac_east.groups.all())  # a manager who also practises
        case.team.members.add(world.u.tm_east)
        manager = type(world.u.tm_east).objects.get(pk=world.u.tm_east.pk)
        propose(nan, manager)
        with pytest.raises(SeparationOfDuties, match="other than the person who proposed it"):
            case_services.member_exclusion_sign_off(member_id=nan.pk, by=manager)
        nan.refresh_from_db()
        assert not nan.excluded_from_meetings
        assert case_services.member_exclusion_sign_off(member_id=nan.pk, by=world.u.sm).excluded_from_meetings

    def test_another_teams_manager_cannot_sign_off(self, world):
        _, nan = scenario.with_network(world)
        propose(nan, world.u.prac_east)
        with pytest.raises(NotPermitted):
            case_services.member_exclusion_sign_off(member_id=nan.pk, by=world.u.tm_west)

    def test_nothing_to_sign_off_without_a_proposal(self, world):
        _, nan = scenario.with_network(world)
        with pytest.raises(InvalidTransition, match="No exclusion"):
            case_services.member_exclusion_sign_off(member_id=nan.pk, by=world.u.tm_east)

    def test_preparation_cannot_exclude_and_a_pending_proposal_holds_the_conference(self, world):
        case, nan = scenario.with_network(world)
        meeting = case_services.meeting_schedule(
            case_id=case.pk,
            by=world.u.prac_east,
            model="fgc",
            scheduled_for=timezone.now() + NEXT_WEEK,
            venue="Hub",
            coordinator=world.u.coord,
        )
        with pytest.raises(RuleBroken, match="needs a manager's sign-off"):
            case_services.member_record_preparation(
                member_id=nan.pk, by=world.u.coord, status="excluded", exclusion_reason="Risk"
            )
        scenario.prepare_everyone(case, by=world.u.coord)
        propose(nan, world.u.coord)  # the conference's coordinator may propose it
        with pytest.raises(RuleBroken, match="waits for a manager's sign-off: Margaret Hardy"):
            case_services.meeting_prepare(meeting_id=meeting.pk, by=world.u.coord)
        case_services.member_exclusion_sign_off(member_id=nan.pk, by=world.u.tm_east)
        assert case_services.meeting_prepare(meeting_id=meeting.pk, by=world.u.coord).status == "prepared"

    def test_through_the_api(self, world, api):
        _, nan = scenario.with_network(world)
        url = f"/api/v1/network-members/{nan.pk}/exclusion/"
        client = api.as_user(world.u.prac_east)
        assert client.post(url, {"reason": "Risk", "how_to_contribute": "A letter"}, format="json").status_code == 400
        body = ok(
            client.post(
                url,
                {"reason": "Risk", "how_to_contribute": "A letter", "how_to_challenge": "Complaints"},
                format="json",
            )
        )
        assert (body["exclusion_status"], body["excluded_from_meetings"]) == ("proposed", False)
        refused = client.post(f"{url}sign-off/")
        assert refused.status_code == 403
        assert not NetworkMember.objects.get(pk=nan.pk).excluded_from_meetings
        body = ok(api.as_user(world.u.tm_east).post(f"{url}sign-off/"))
        assert (body["excluded_from_meetings"], body["exclusion_signed_off_by"]) == (True, "tm.east")

    def test_the_manager_signs_off_from_the_home_page(self, world, client):
        _, nan = scenario.with_network(world)
        propose(nan, world.u.prac_east)
        client.force_login(world.u.tm_east)
        assert reverse("fgdm:member_exclusion_sign_off", args=[nan.pk]) in page_ok(client, "/").content.decode()
        post(client, reverse("fgdm:member_exclusion_sign_off", args=[nan.pk]))
        nan.refresh_from_db()
        assert nan.excluded_from_meetings


# -- outcomes after closure -------------------------------------------------------------------------------


class TestOutcomes:
    def test_closing_makes_each_childs_checks_at_closure_6_and_12_months(self, world, today):
        case = closed(world)
        outcomes = list(case.child_outcomes.order_by("due_on"))
        assert [(o.checkpoint, o.due_on) for o in outcomes] == [
            ("closure", today),
            ("six_months", today + relativedelta(months=6)),
            ("twelve_months", today + relativedelta(months=12)),
        ]
        assert DomainEvent.objects.get(case_id=case.pk, action="case_closed").changes["outcome_checks"] == 3

    def test_the_review_closing_a_case_makes_them_too(self, world):
        case, _, plan = scenario.meeting_held(world)
        case_services.plan_accept(plan_id=plan.pk, by=world.u.prac_east, support_needed=False)
        fire_timers_on(plan.review_by)
        case_services.case_review(case_id=case.pk, by=world.u.prac_east, close=True, outcome="remained_at_home")
        assert case.child_outcomes.count() == 3

    def test_due_on_the_day_in_the_lead_practitioners_queue(self, world, today):
        case = closed(world)
        assert [o.checkpoint for o in selectors.outcomes_due(user=world.u.prac_east)] == ["closure"]
        assert not selectors.outcomes_due(user=world.u.tm_east).exists()  # the lead is still in the team
        assert not selectors.outcomes_due(user=world.u.prac_west).exists()
        six_months = today + relativedelta(months=6)
        assert not selectors.outcomes_due(user=world.u.prac_east, today=six_months - datetime.timedelta(days=1)).filter(
            checkpoint="six_months"
        )
        assert selectors.outcomes_due(user=world.u.prac_east, today=six_months).filter(checkpoint="six_months")
        assert case.child_outcomes.count() == 3

    def test_when_the_lead_has_left_the_team_its_managers_have_them(self, world):
        case = closed(world)
        case.team.members.remove(world.u.prac_east)
        assert not selectors.outcomes_due(user=world.u.prac_east).exists()
        assert [o.case_id for o in selectors.outcomes_due(user=world.u.tm_east)] == [case.pk]

    def test_when_the_lead_is_no_longer_active_its_managers_have_them(self, world):
        case = closed(world)
        type(world.u.prac_east).objects.filter(pk=world.u.prac_east.pk).update(is_active=False)
        assert [o.case_id for o in selectors.outcomes_due(user=world.u.tm_east)] == [case.pk]
        assert not selectors.outcomes_due(user=world.u.tm_west).exists()  # not their team

    def test_when_the_case_has_no_lead_its_managers_have_them(self, world):
        case = closed(world)
        type(case).objects.filter(pk=case.pk).update(lead_practitioner=None)
        assert [o.checkpoint for o in selectors.outcomes_due(user=world.u.tm_east)] == ["closure"]
        assert not selectors.outcomes_due(user=world.u.tm_west).exists()

    def test_recording_an_outcome(self, world):
        case = closed(world)
        outcome = case.child_outcomes.get(checkpoint="closure")
        outcome = record(outcome, world.u.prac_east, living_with="kin", living_with_detail="With Nan")
        assert (outcome.living_with, outcome.recorded_by, outcome.is_recorded) == ("kin", world.u.prac_east, True)
        assert events(case, "outcome_recorded") == 1
        assert not selectors.outcomes_due(user=world.u.prac_east).exists()

    def test_not_before_its_day(self, world):
        case = closed(world)
        six = case.child_outcomes.get(checkpoint="six_months")
        with pytest.raises(InvalidTransition, match="falls due on .*: it is recorded on that day or after"):
            record(six, world.u.prac_east)
        with on_day(six.due_on):
            assert record(six, world.u.prac_east).is_recorded

    def test_once(self, world):
        outcome = closed(world).child_outcomes.get(checkpoint="closure")
        record(outcome, world.u.prac_east)
        with pytest.raises(InvalidTransition, match="already recorded"):
            record(outcome, world.u.prac_east)

    @pytest.mark.parametrize(
        ("answers", "field"),
        [
            ({"living_with": "somewhere"}, "living_with"),
            ({"living_with": "other"}, "living_with_detail"),  # other: say who
            ({"entered_care": None}, "entered_care"),
            ({"living_with": "in_care", "entered_care": False}, "entered_care"),  # living in care: entered care
        ],
    )
    def test_every_question_is_answered(self, world, answers, field):
        outcome = closed(world).child_outcomes.get(checkpoint="closure")
        with pytest.raises(RuleBroken) as refused:
            record(outcome, world.u.prac_east, **answers)
        assert refused.value.field == field
        outcome.refresh_from_db()
        assert not outcome.is_recorded

    def test_another_teams_practitioner_cannot_record(self, world):
        outcome = closed(world).child_outcomes.get(checkpoint="closure")
        with pytest.raises(NotPermitted):
            record(outcome, world.u.prac_west)

    def test_a_reopened_case_keeps_them_and_closing_again_later_makes_a_new_set(self, world, today):
        case = closed(world)
        case_services.case_reopen(case_id=case.pk, by=world.u.tm_east, reason="Nan is in hospital")
        assert case.child_outcomes.count() == 3
        with on_day(today + datetime.timedelta(days=3)):
            case_services.case_close(case_id=case.pk, by=world.u.prac_east, reason="needs_met")
        assert case.child_outcomes.count() == 6

    def test_through_the_api(self, world, api):
        case = closed(world)
        client = api.as_user(world.u.prac_east)
        [due] = ok(client.get("/api/v1/outcomes/?due=1"))["results"]
        assert (due["case"], due["checkpoint"], due["recorded_at"]) == (case.pk, "closure", None)
        assert len(ok(client.get(f"/api/v1/outcomes/?case={case.pk}"))["results"]) == 3
        refused = client.post(f"/api/v1/outcomes/{due['id']}/record/", {"living_with": "at_home"}, format="json")
        assert refused.status_code == 400 and "on_child_protection_plan" in refused.data
        six = case.child_outcomes.get(checkpoint="six_months")
        answers = {
            "living_with": "at_home",
            "on_child_protection_plan": False,
            "proceedings_issued": False,
            "entered_care": False,
        }
        early = client.post(f"/api/v1/outcomes/{six.pk}/record/", answers, format="json")
        assert early.status_code == 409 and "falls due on" in early.data["detail"]
        body = ok(client.post(f"/api/v1/outcomes/{due['id']}/record/", answers, format="json"))
        assert (body["living_with"], body["recorded_by"]) == ("at_home", "prac.east")
        assert ok(client.get("/api/v1/outcomes/?due=1"))["results"] == []
        assert api.as_user(world.u.prac_west).get(f"/api/v1/outcomes/{six.pk}/").status_code == 404
        assert api.as_user(world.u.coord).get(f"/api/v1/outcomes/{six.pk}/").status_code == 404

    def test_on_the_home_page_on_the_day_and_recorded_on_its_page(self, world, client):
        case = closed(world)
        outcome = case.child_outcomes.get(checkpoint="closure")
        client.force_login(world.u.prac_east)
        url = reverse("fgdm:outcome_record", args=[outcome.pk])
        assert url in page_ok(client, "/").content.decode()
        post(
            client,
            url,
            {
                "living_with": "at_home",
                "on_child_protection_plan": "no",
                "proceedings_issued": "no",
                "entered_care": "no",
            },
        )
        assert ChildOutcome.objects.get(pk=outcome.pk).is_recorded
        assert url not in page_ok(client, "/").content.decode()


# -- retention and subject access -------------------------------------------------------------------------


class TestRecordsKept:
    def test_retention_clears_what_identifies_and_keeps_the_codes(self, world):
        from audit.retention import apply_retention

        case = scenario.closed_case(world)
        outcome = case.child_outcomes.get(checkpoint="closure")
        record(outcome, world.u.prac_east, living_with="kin", living_with_detail="With Nan at 3 High St")
        offer = AdvocacyOffer.objects.create(
            case=case,
            child=case.children.get(),
            offered_on=datetime.date(2020, 1, 1),
            offered_by=world.u.prac_east,
            answer="accepted",
            answered_on=datetime.date(2020, 1, 2),
            advocate="Coram Voice",
        )
        results = apply_retention(today=timezone.localdate(), dry_run=False)
        assert {r.due.object_type for r in results if r.result == "destroyed"} >= {
            "fgdm.case",
            "fgdm.childoutcome",
            "fgdm.advocacyoffer",
        }
        outcome.refresh_from_db()
        offer.refresh_from_db()
        assert (outcome.living_with, outcome.living_with_detail, offer.answer, offer.advocate) == (
            "kin",
            "",
            "accepted",
            "",
        )
        assert [r for r in apply_retention(today=timezone.localdate(), dry_run=True)] == []

    def test_a_childs_subject_access_export_holds_their_needs_advocacy_and_outcomes(self, world):
        from fgdm.needs_records import collect
        from fgdm.sar import child_subject

        case = closed(world)
        lily = case.children.get()
        record(case.child_outcomes.get(checkpoint="closure"), world.u.prac_east)
        [section] = collect(child_subject(lily.pk))
        titles = [r.title for r in section.records]
        assert titles[0] == "How you communicate" and "Outcome at closure (due" in titles[1]
