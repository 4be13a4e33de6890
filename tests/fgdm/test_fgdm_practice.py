"""FGDM as practitioners run it: consent, bottom lines, the child's voice, preparing the network,
the three stages of a conference, plans with progress, overdue reviews and the pre-proceedings duty."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.dates import next_working_day
from audit.models import DomainEvent
from core.exceptions import ConsentWithdrawn, InvalidTransition, RuleBroken
from fgdm import services
from fgdm.constants import ActionStatus, PreparationStatus
from fgdm.models import Meeting, PreProceedings, PreProceedingsOffer, ReviewEscalation
from fgdm.services import ActionInput, ChildInput
from tests import scenario
from tests.scenario import closed_case, run_on

TODAY = datetime.date.today


def ok(response, code=200):
    assert response.status_code == code, (response.status_code, getattr(response, "data", response.content))
    return response.json()


def events(case, action):
    return DomainEvent.objects.filter(case_id=case.pk, action=action).count()


def schedule(case, *, model="fgc", coordinator=None, by=None, **extra):
    return services.meeting_schedule(
        case_id=case.pk,
        by=by or case.lead_practitioner,
        model=model,
        scheduled_for=timezone.now() + datetime.timedelta(days=7),
        venue="Hub",
        coordinator=coordinator,
        **extra,
    )


@pytest.mark.django_db
class TestConsent:
    def test_withdrawal_stops_every_sharing_step_with_a_clear_refusal(self, world):
        case, _ = scenario.with_network(world)
        services.case_withdraw_consent(
            case_id=case.pk,
            by=world.u.prac_east,
            withdrawn_by="Sarah Hardy (mother)",
            reason="Does not want her sister told",
        )
        case.refresh_from_db()
        assert case.consent_to_share is False and case.consent_withdrawn_at is not None
        assert events(case, "consent_withdrawn") == 1
        with pytest.raises(ConsentWithdrawn, match="Sarah Hardy \\(mother\\) withdrew consent"):
            schedule(case, model="fnm")
        assert not Meeting.objects.filter(case=case).exists()

    def test_withdrawal_after_the_meeting_is_arranged_stops_preparation_and_recording(self, world, api):
        case, nan = scenario.with_network(world)
        meeting = schedule(case, coordinator=world.u.coord)
        services.case_withdraw_consent(case_id=case.pk, by=world.u.prac_east, withdrawn_by="Sarah Hardy")
        response = api.as_user(world.u.coord).post(
            f"/api/v1/network-members/{nan.pk}/preparation/", {"status": "invited"}, format="json"
        )
        assert response.status_code == 409 and "withdrew consent" in response.json()["detail"]
        nan.refresh_from_db()
        assert nan.preparation_status == PreparationStatus.NOT_CONTACTED
        with pytest.raises(ConsentWithdrawn):
            services.meeting_prepare(meeting_id=meeting.pk, by=world.u.coord)

    def test_consent_given_again_lets_the_case_go_on(self, world, api):
        case, _ = scenario.with_network(world)
        client = api.as_user(world.u.prac_east)
        body = ok(client.post(f"/api/v1/cases/{case.pk}/consent/withdraw/", {"withdrawn_by": "Sarah"}, format="json"))
        assert body["consent_to_share"] is False and body["consent_withdrawn_by"] == "Sarah"
        body = ok(
            client.post(
                f"/api/v1/cases/{case.pk}/consent/",
                {"given_by": "Sarah", "to_refer": True, "to_share": True},
                format="json",
            )
        )
        assert body["consent_to_share"] and body["consent_to_refer"] and body["consent_withdrawn_at"] is None
        assert schedule(case, model="fnm").pk

    def test_nothing_to_withdraw_and_bad_input(self, world, api):
        case, _ = scenario.with_network(world)
        client = api.as_user(world.u.prac_east)
        assert client.post(f"/api/v1/cases/{case.pk}/consent/withdraw/", {}, format="json").status_code == 400
        assert (
            client.post(
                f"/api/v1/cases/{case.pk}/consent/",
                {"given_by": "Sarah", "to_refer": False, "to_share": False},
                format="json",
            ).status_code
            == 400
        )
        ok(client.post(f"/api/v1/cases/{case.pk}/consent/withdraw/", {"withdrawn_by": "Sarah"}, format="json"))
        assert (
            client.post(
                f"/api/v1/cases/{case.pk}/consent/withdraw/", {"withdrawn_by": "Sarah"}, format="json"
            ).status_code
            == 409
        )
        assert events(case, "consent_withdrawn") == 1

    def test_other_teams_cannot_see_or_withdraw(self, world, api):
        case, _ = scenario.with_network(world)
        response = api.as_user(world.u.prac_west).post(
            f"/api/v1/cases/{case.pk}/consent/withdraw/", {"withdrawn_by": "x"}, format="json"
        )
        assert response.status_code == 404

    def test_withdraw_page(self, world, client):
        case, _ = scenario.with_network(world)
        client.force_login(world.u.prac_east)
        url = reverse("fgdm:case_consent_withdraw", args=[case.pk])
        assert client.get(url).status_code == 200
        assert client.post(url, {"withdrawn_by": ""}).status_code == 400
        assert client.post(url, {"withdrawn_by": "Sarah"}).status_code == 302
        assert "Consent to share withdrawn" in client.get(reverse("fgdm:case_detail", args=[case.pk])).content.decode()


@pytest.mark.django_db
class TestReferralAndTheChild:
    def test_bottom_lines_go_to_the_meeting(self, world, api):
        case, _ = scenario.with_network(world)
        body = ok(
            api.as_user(world.u.prac_east).post(
                f"/api/v1/cases/{case.pk}/bottom-lines/",
                {"bottom_lines": "Lily is never left alone with dad."},
                format="json",
            )
        )
        assert body["bottom_lines"] == "Lily is never left alone with dad."
        assert schedule(case, model="fnm").bottom_lines == "Lily is never left alone with dad."
        assert (
            api.as_user(world.u.prac_east)
            .post(f"/api/v1/cases/{case.pk}/bottom-lines/", {"bottom_lines": " "}, format="json")
            .status_code
            == 400
        )

    def test_wishes_and_participation(self, world, api):
        case, _ = scenario.with_network(world)
        child = case.children.get()
        client = api.as_user(world.u.prac_east)
        url = f"/api/v1/children/{child.pk}/wishes/"
        assert (
            client.post(
                url, {"wishes_and_feelings": "Wants Nan", "participation": "advocate"}, format="json"
            ).status_code
            == 400
        )  # the advocate must be named
        assert (
            client.post(url, {"wishes_and_feelings": "Wants Nan", "participation": "sings"}, format="json").status_code
            == 400
        )
        body = ok(
            client.post(
                url,
                {
                    "wishes_and_feelings": "Wants Nan",
                    "participation": "advocate",
                    "participation_detail": "Jo from Coram Voice",
                },
                format="json",
            )
        )
        assert body["participation"] == "advocate" and body["wishes_recorded_at"]
        assert events(case, "child_wishes_recorded") == 1
        # a coordinator sees the conference, not the children's records
        assert (
            api.as_user(world.u.coord)
            .post(url, {"wishes_and_feelings": "x", "participation": "writes"}, format="json")
            .status_code
            == 404
        )

    def test_no_decision_about_services_before_the_child_is_heard(self, world):
        case = services.case_create(
            by=world.u.prac_east,
            family_name="Okafor",
            locality=world.east,
            stage="family_help",
            referral_reason="Dad unwell",
            consent_given_by="Dad",
            children=[ChildInput(first_name="Tobi", last_name="Okafor", date_of_birth=datetime.date(2015, 1, 1))],
        )
        services.case_allocate(case_id=case.pk, by=world.u.tm_east, lead_practitioner=world.u.prac_east)
        aunt = services.member_add(case_id=case.pk, by=world.u.prac_east, full_name="Ada", relationship="aunt_uncle")
        meeting = schedule(case, model="fnm", by=world.u.prac_east)
        plan = services.meeting_record(
            meeting_id=meeting.pk,
            by=world.u.prac_east,
            held_on=TODAY(),
            attendees="Ada",
            private_family_time=True,
            actions=[ActionInput(description="School run", owner_member_id=aunt.pk)],
            contingency="",
            review_by=TODAY() + datetime.timedelta(days=30),
        )
        with pytest.raises(RuleBroken, match="Tobi Okafor"):
            services.plan_accept(plan_id=plan.pk, by=world.u.prac_east)
        services.child_record_wishes(
            child_id=case.children.get().pk,
            by=world.u.prac_east,
            wishes_and_feelings="Wants to stay with dad",
            participation="writes",
        )
        assert services.plan_accept(plan_id=plan.pk, by=world.u.prac_east).status == "accepted"

    def test_wishes_page(self, world, client):
        case, _ = scenario.with_network(world)
        child = case.children.get()
        client.force_login(world.u.prac_east)
        url = reverse("fgdm:child_wishes", args=[child.pk])
        assert client.get(url).status_code == 200
        assert client.post(url, {"wishes_and_feelings": "", "participation": "attends"}).status_code == 400
        assert client.post(url, {"wishes_and_feelings": "Stay at school", "participation": "writes"}).status_code == 302
        child.refresh_from_db()
        assert child.participation == "writes"


@pytest.mark.django_db
class TestConferencePath:
    def test_coordinator_is_independent_and_the_familys_request_is_recorded(self, world, api):
        case, _ = scenario.with_network(world)
        client = api.as_user(world.u.prac_east)
        body = {
            "model": "fgc",
            "scheduled_for": (timezone.now() + datetime.timedelta(days=5)).isoformat(),
            "venue": "Hub",
            "coordinator": "prac.east2",
            "coordinator_request_kind": "language",
            "coordinator_request": "Polish-speaking woman",
            "coordinator_request_met": True,
        }
        assert client.post(f"/api/v1/cases/{case.pk}/meetings/", body, format="json").status_code == 400
        meeting = ok(
            client.post(f"/api/v1/cases/{case.pk}/meetings/", {**body, "coordinator": "coord"}, format="json"), 201
        )
        assert (
            meeting["coordinator_request_kind"],
            meeting["coordinator_request"],
            meeting["coordinator_request_met"],
        ) == (
            "language",
            "Polish-speaking woman",
            True,
        )

    def test_a_coordinator_request_is_only_for_a_conference(self, world):
        case, _ = scenario.with_network(world)
        with pytest.raises(RuleBroken):
            schedule(case, model="fnm", coordinator_request="female")

    def test_each_member_is_prepared_before_the_conference(self, world, api):
        case, nan = scenario.with_network(world)
        mum = case.network_members.exclude(pk=nan.pk).get()
        meeting = schedule(case, coordinator=world.u.coord)
        coord = api.as_user(world.u.coord)
        assert coord.post(f"/api/v1/meetings/{meeting.pk}/prepare/").status_code == 400  # nobody prepared yet
        url = f"/api/v1/network-members/{mum.pk}/preparation/"
        assert coord.post(url, {"status": "excluded", "exclusion_reason": "Violence"}, format="json").status_code == 400
        assert coord.post(url, {"status": "not_contacted"}, format="json").status_code == 400
        # Excluding someone is proposed, then signed off by a manager (not recorded as preparation).
        proposed = ok(
            coord.post(
                f"/api/v1/network-members/{mum.pk}/exclusion/",
                {
                    "reason": "Risk to Lily",
                    "how_to_contribute": "A letter read out in the information stage",
                    "how_to_challenge": "Write to the team manager",
                },
                format="json",
            )
        )
        assert not proposed["excluded_from_meetings"] and proposed["exclusion_status"] == "proposed"
        excluded = ok(api.as_user(world.u.tm_east).post(f"/api/v1/network-members/{mum.pk}/exclusion/sign-off/"))
        assert excluded["excluded_from_meetings"] and excluded["preparation_status"] == "excluded"
        coord = api.as_user(world.u.coord)  # one client: authenticate as the coordinator again
        ok(coord.post(f"/api/v1/network-members/{nan.pk}/preparation/", {"status": "contacted"}, format="json"))
        assert coord.post(f"/api/v1/meetings/{meeting.pk}/prepare/").status_code == 400  # Nan only contacted
        # the practitioner does not prepare a conference's network
        assert (
            api.as_user(world.u.prac_east)
            .post(f"/api/v1/network-members/{nan.pk}/preparation/", {"status": "invited"}, format="json")
            .status_code
            == 403
        )
        coord = api.as_user(world.u.coord)  # one client: authenticate as the coordinator again
        ok(coord.post(f"/api/v1/network-members/{nan.pk}/preparation/", {"status": "invited"}, format="json"))
        assert ok(coord.post(f"/api/v1/meetings/{meeting.pk}/prepare/"))["status"] == "prepared"
        assert events(case, "member_preparation") == 2
        assert events(case, "member_exclusion_signed_off") == 1

    def test_three_stages_recorded_with_private_family_time(self, world, api):
        case, nan = scenario.with_network(world)
        meeting = schedule(case, coordinator=world.u.coord)
        scenario.prepare_everyone(case, by=world.u.coord)
        services.meeting_prepare(meeting_id=meeting.pk, by=world.u.coord)
        coord = api.as_user(world.u.coord)
        body = {
            "held_on": TODAY().isoformat(),
            "attendees": "Nan, Lily",
            "private_family_time": True,
            "information_shared": "Social worker explained the worries and bottom lines",
            "private_family_time_minutes": 0,
            "plan": {
                "actions": [
                    {
                        "description": "Nan has Lily after school",
                        "owner_member": nan.pk,
                        "due_by": (TODAY() + datetime.timedelta(days=3)).isoformat(),
                        "checked_by": "Health visitor",
                    }
                ],
                "contingency": "Aunt Jo",
                "monitoring": "Weekly call with the practitioner",
                "review_by": (TODAY() + datetime.timedelta(days=40)).isoformat(),
            },
        }
        assert coord.post(f"/api/v1/meetings/{meeting.pk}/record/", body, format="json").status_code == 400
        plan = ok(
            coord.post(
                f"/api/v1/meetings/{meeting.pk}/record/", {**body, "private_family_time_minutes": 75}, format="json"
            ),
            201,
        )
        meeting.refresh_from_db()
        assert meeting.private_family_time_minutes == 75 and meeting.information_shared.startswith("Social worker")
        assert plan["monitoring"] == "Weekly call with the practitioner"
        assert plan["actions"][0]["checked_by"] == "Health visitor"
        assert plan["progress"] == {"actions": 1, "done": 0, "overdue": 0}

    def test_preparation_page_for_the_coordinator(self, world, client):
        case, nan = scenario.with_network(world)
        meeting = schedule(case, coordinator=world.u.coord)
        client.force_login(world.u.coord)
        assert "Record preparation" in client.get(reverse("fgdm:meeting_prepare", args=[meeting.pk])).content.decode()
        url = reverse("fgdm:member_preparation", args=[nan.pk])
        assert client.post(url, {"status": "excluded"}).status_code == 400
        assert client.post(url, {"status": "invited"}).status_code == 302
        nan.refresh_from_db()
        assert nan.preparation_status == "invited"

    def test_fnm_is_prepared_by_the_practitioner_and_needs_no_preparation_step(self, world):
        case, nan = scenario.with_network(world)
        meeting = schedule(case, model="fnm")
        services.member_record_preparation(member_id=nan.pk, by=world.u.prac_east, status="invited")
        with pytest.raises(InvalidTransition):
            services.meeting_prepare(meeting_id=meeting.pk, by=world.u.prac_east)


@pytest.mark.django_db
class TestPlanProgress:
    def test_actions_done_and_overdue(self, world, api):
        case, nan, plan = scenario.plan_accepted(world)
        action = plan.actions.get()
        with time_machine.travel(timezone.now() + datetime.timedelta(days=10), tick=False):
            body = ok(api.as_user(world.u.prac_east).get(f"/api/v1/cases/{case.pk}/"))
            assert body["plan_progress"] == {"plan": plan.pk, "version": 1, "actions": 1, "done": 0, "overdue": 1}
        done = ok(api.as_user(world.u.prac_east).post(f"/api/v1/plan-actions/{action.pk}/done/", {}, format="json"))
        assert done["status"] == ActionStatus.DONE and done["done_on"] == TODAY().isoformat()
        assert (
            api.as_user(world.u.prac_east)
            .post(f"/api/v1/plan-actions/{action.pk}/done/", {}, format="json")
            .status_code
            == 409
        )
        assert ok(api.as_user(world.u.prac_east).get(f"/api/v1/plans/{plan.pk}/"))["progress"]["done"] == 1
        assert (
            api.as_user(world.u.prac_west)
            .post(f"/api/v1/plan-actions/{action.pk}/done/", {}, format="json")
            .status_code
            == 404
        )

    def test_future_done_date_refused(self, world, api):
        case, nan, plan = scenario.plan_accepted(world)
        action = plan.actions.get()
        response = api.as_user(world.u.prac_east).post(
            f"/api/v1/plan-actions/{action.pk}/done/", {"done_on": "2999-01-01"}, format="json"
        )
        assert response.status_code == 400
        action.refresh_from_db()
        assert action.status == ActionStatus.OPEN

    def test_plan_page_marks_done(self, world, client):
        case, nan, plan = scenario.plan_accepted(world)
        client.force_login(world.u.prac_east)
        page = client.get(reverse("fgdm:plan_detail", args=[plan.pk])).content.decode()
        assert "0 of 1 actions done" in page
        assert client.post(reverse("fgdm:action_done", args=[plan.actions.get().pk])).status_code == 302
        assert "1 of 1 actions done" in client.get(reverse("fgdm:plan_detail", args=[plan.pk])).content.decode()


@pytest.mark.django_db
class TestOverdueReviews:
    def test_escalates_after_the_working_days_and_only_once(self, world, settings):
        settings.FGDM_REVIEW_ESCALATION_WORKING_DAYS = 3
        package = scenario.payments_authorised(world)
        case, plan = package.case, package.plan
        run_on(plan.review_by, "workflow_timers")
        due = plan.review_by
        day = due
        while services.working_days_between(due, day) < 3:
            day += datetime.timedelta(days=1)
        run_on(day, "escalate_reviews")
        assert not ReviewEscalation.objects.exists()  # 3 working days overdue is still within the limit
        day = next_working_day(day)
        run_on(day, "escalate_reviews")
        escalation = ReviewEscalation.objects.get()
        assert escalation.case == case and escalation.working_days_overdue == 4
        assert events(case, "review_escalated") == 1
        run_on(day + datetime.timedelta(days=7), "escalate_reviews")
        assert ReviewEscalation.objects.count() == 1

    def test_manager_sees_it_and_the_review_resolves_it(self, world, client):
        package = scenario.payments_authorised(world)
        case, plan = package.case, package.plan
        run_on(plan.review_by, "workflow_timers")
        run_on(plan.review_by + datetime.timedelta(days=30), "escalate_reviews")
        client.force_login(world.u.tm_east)
        assert "Overdue reviews escalated to you" in client.get(reverse("process:home")).content.decode()
        client.force_login(world.u.tm_west)
        assert "Overdue reviews escalated to you" not in client.get(reverse("process:home")).content.decode()
        services.case_review(case_id=case.pk, by=world.u.prac_east, close=True, outcome="remained_at_home")
        assert ReviewEscalation.objects.get().resolved_at is not None

    def test_a_manager_conflicted_out_of_the_case_is_not_shown_its_escalation(self, world, client):
        """The escalations are tested for visibility on each one's case row (case_row_scope): a
        declared conflict still hides the case, as case_scope did."""
        from fgdm.models import Case

        escalated = ReviewEscalation.objects.create(
            case=scenario.allocated(world), task_id=987654, review_due_on=datetime.date.today(), working_days_overdue=5
        )
        other = scenario.allocated(world)
        ReviewEscalation.objects.create(
            case=other, task_id=987655, review_due_on=datetime.date.today(), working_days_overdue=5
        )
        services.conflict_declare(by=world.u.tm_east, case_reference=other.reference, reason="My cousin")
        client.force_login(world.u.tm_east)
        home = client.get(reverse("process:home")).content.decode()
        assert "Overdue reviews escalated to you" in home
        assert escalated.case.reference in home and Case.objects.get(pk=other.pk).reference not in home

    def test_working_days_skip_weekends(self):
        friday = datetime.date(2026, 11, 20)
        assert services.working_days_between(friday, friday + datetime.timedelta(days=3)) == 1  # to Monday


@pytest.mark.django_db
def test_retention_removes_what_this_work_records_about_the_family(world):
    """Bottom lines, withdrawal, the child's advocate, preparation notes, stages and pre-proceedings
    reasons identify the family too: the retention run removes them with the rest."""
    import io

    from fgdm.models import Case, Child, FamilyPlan, Meeting, NetworkMember, PlanAction

    case = closed_case(world, family="Oldfield")
    Case.objects.filter(pk=case.pk).update(bottom_lines="Kept away from Uncle Ray", consent_withdrawn_by="Sarah")
    Child.objects.filter(case=case).update(participation_detail="Advocate Jo Bloggs")
    NetworkMember.objects.filter(case=case).update(preparation_notes="Lives at 3 High St", how_to_contribute="Letter")
    Meeting.objects.filter(case=case).update(coordinator_request="Polish speaker", information_shared="Police report")
    FamilyPlan.objects.filter(case=case).update(monitoring="Calls to Sarah")
    PlanAction.objects.filter(plan__case=case).update(checked_by="Dr Patel")
    record = PreProceedings.objects.create(
        case=case,
        order_kind="care",
        intended_on=case.opened_on,
        stage_at_intention=case.stage,
        exemption_reason="Ray is violent",
        exemption_decided_by=world.u.tm_east,
    )
    PreProceedingsOffer.objects.create(
        record=record, name="Ray Oldfield", capacity="parent", method="letter", offered_on=case.opened_on
    )
    call_command("apply_retention", "--as", "auditor", stdout=io.StringIO())
    case.refresh_from_db()
    assert (case.bottom_lines, case.consent_withdrawn_by) == ("", "")
    assert case.children.get().participation_detail == ""
    assert (case.network_members.get().preparation_notes, case.network_members.get().how_to_contribute) == ("", "")
    assert Meeting.objects.filter(case=case, coordinator_request="", information_shared="").count() == 1
    assert FamilyPlan.objects.get(case=case).monitoring == ""
    assert PlanAction.objects.get(plan__case=case).checked_by == ""
    assert PreProceedings.objects.get(case=case).exemption_reason == ""
    assert PreProceedingsOffer.objects.get(record__case=case).name == "Removed"


@pytest.mark.django_db
def test_subject_access_export_includes_how_the_child_takes_part_and_the_pre_proceedings_offer(world, tmp_path):
    import io
    import json

    case, _ = scenario.with_network(world, stage="pre_proceedings")
    services.pre_proceedings_record_intention(
        case_id=case.pk, by=world.u.prac_east, order_kind="care", intended_on=TODAY()
    )
    services.pre_proceedings_record_offer(
        case_id=case.pk,
        by=world.u.prac_east,
        member_id=case.network_members.get(is_parent=True).pk,
        method="letter",
        offered_on=TODAY(),
    )
    child = case.children.get()
    call_command(
        "sar_export", "--child", str(child.pk), "--as", "auditor", "--out", str(tmp_path), stdout=io.StringIO()
    )
    [json_file] = tmp_path.glob("*.json")
    bundle = json.loads(json_file.read_text())
    about = [
        (v["label"], v["value"])
        for s in bundle["sections"]
        if s["title"] == "About you"
        for r in s["records"]
        for v in r["values"]
    ]
    assert ("How you take part", "Attends the meeting") in about
    titles = [s["title"] for s in bundle["sections"]]
    assert "Before court proceedings" in titles
    [section] = [s for s in bundle["sections"] if s["title"] == "Before court proceedings"]
    assert [r["title"] for r in section["records"]] == [
        "The duty to offer a family meeting (Children Act 1989 s.31ZA)",
        "The offer of a family meeting",
    ]
