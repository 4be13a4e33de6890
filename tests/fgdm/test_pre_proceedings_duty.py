"""The pre-proceedings duty (Children Act 1989 s.31ZA, inserted by s.1 of the Children's Wellbeing and
Schools Act 2026): the intention to apply from any stage, an offer to each parent and holder of
parental responsibility with their answer, the meeting held after the offer, a manager's own
best-interests exemption, and the application — refused from the day the duty comes into force unless
it is met. Each rule through the service and the API."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit.models import DomainEvent
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken
from fgdm import services
from fgdm.models import PreProceedings, PreProceedingsOffer
from fgdm.services import ActionInput
from tests import scenario
from tests.helpers import ok

TODAY = timezone.localdate


def days_ago(n: int) -> datetime.date:
    return TODAY() - datetime.timedelta(days=n)


def base(case) -> str:
    return f"/api/v1/cases/{case.pk}/pre-proceedings/"


def a_case(world, stage="pre_proceedings"):
    """A case with a grandmother (no parental responsibility) and Sarah, the mother."""
    case, nan = scenario.with_network(world, stage=stage)
    return case, nan, case.network_members.get(full_name="Sarah Hardy")


def intend(world, case, on=None, order_kind="care"):
    return services.pre_proceedings_record_intention(
        case_id=case.pk, by=world.u.prac_east, order_kind=order_kind, intended_on=on or TODAY()
    )


def offer(world, case, member=None, on=None, **kw):
    if member is not None:
        kw["member_id"] = member.pk
    return services.pre_proceedings_record_offer(
        case_id=case.pk, by=world.u.prac_east, method=kw.pop("method", "letter"), offered_on=on or TODAY(), **kw
    )


def answer(world, case, the_offer, value, on=None):
    return services.pre_proceedings_record_answer(
        case_id=case.pk, by=world.u.prac_east, offer_id=the_offer.pk, answer=value, answered_on=on or TODAY()
    )


def apply_(world, case, on=None):
    return services.pre_proceedings_record_application(case_id=case.pk, by=world.u.tm_east, made_on=on or TODAY())


def hold_meeting(world, case, nan, *, held_on, model="fgc"):
    """A family meeting run by the independent coordinator, held on `held_on`."""
    meeting = services.meeting_schedule(
        case_id=case.pk,
        by=world.u.prac_east,
        model=model,
        scheduled_for=timezone.make_aware(datetime.datetime.combine(held_on, datetime.time(9, 0))),
        venue="Leigh Park Family Hub",
        coordinator=world.u.coord,
    )
    if model == "fgc":
        scenario.prepare_everyone(case, by=world.u.coord)
        services.meeting_prepare(meeting_id=meeting.pk, by=world.u.coord)
    services.meeting_record(
        meeting_id=meeting.pk,
        by=world.u.coord,
        held_on=held_on,
        attendees="Sarah, Margaret",
        private_family_time=True,
        actions=[ActionInput(description="Nan has Lily after school", owner_member_id=nan.pk)],
        contingency="",
        review_by=TODAY() + datetime.timedelta(days=42),
    )
    return meeting


@pytest.fixture
def in_force(settings):
    """s.31ZA is in force (it came into force a year ago)."""
    settings.FGDM_S31ZA_COMMENCEMENT = (TODAY() - datetime.timedelta(days=365)).isoformat()


@pytest.mark.django_db
class TestIntention:
    @pytest.mark.parametrize("stage", ["family_help", "child_protection", "pre_proceedings", "kinship"])
    def test_recorded_from_any_stage_and_starts_the_duty(self, world, api, stage, in_force):
        case, _, sarah = a_case(world, stage=stage)
        prac = api.as_user(world.u.prac_east)
        # Before the intention there is no duty to record an offer against
        refused = prac.post(
            base(case) + "offer/",
            {"member": sarah.pk, "method": "letter", "offered_on": TODAY().isoformat()},
            format="json",
        )
        assert refused.status_code == 409 and "intention to apply" in refused.json()["detail"]
        with pytest.raises(InvalidTransition, match="intention to apply"):
            offer(world, case, sarah)
        body = ok(
            prac.post(
                base(case) + "intention/",
                {"order_kind": "interim_supervision", "intended_on": TODAY().isoformat()},
                format="json",
            )
        )
        assert (body["status"], body["order_kind"], body["stage_at_intention"]) == (
            "intended",
            "interim_supervision",
            stage,
        )
        assert body["duty_met_by"] is None and "No parent" in body["duty_missing"]
        assert DomainEvent.objects.filter(case_id=case.pk, action="pre_proceedings_intended").count() == 1
        ok(
            prac.post(
                base(case) + "offer/",
                {"member": sarah.pk, "method": "letter", "offered_on": TODAY().isoformat()},
                format="json",
            )
        )

    @pytest.mark.parametrize("order_kind", ["care", "supervision", "interim_care", "interim_supervision"])
    def test_every_care_or_supervision_order(self, world, order_kind):
        case, _, _ = a_case(world, stage="child_protection")
        assert intend(world, case, order_kind=order_kind).get_order_kind_display().lower().endswith("order")

    def test_recorded_once_and_refused_bad_input(self, world, api):
        case, _, _ = a_case(world)
        prac = api.as_user(world.u.prac_east)
        assert (
            prac.post(
                base(case) + "intention/", {"order_kind": "adoption", "intended_on": TODAY().isoformat()}, format="json"
            ).status_code
            == 400
        )
        with pytest.raises(RuleBroken):
            intend(world, case, on=TODAY() + datetime.timedelta(days=1))
        intend(world, case)
        with pytest.raises(InvalidTransition, match="already recorded"):
            intend(world, case)
        assert (
            prac.post(
                base(case) + "intention/", {"order_kind": "care", "intended_on": TODAY().isoformat()}, format="json"
            ).status_code
            == 409
        )

    def test_a_manager_may_record_it_a_coordinator_may_not(self, world, api):
        case, _, _ = a_case(world)
        assert api.as_user(world.u.coord).post(
            base(case) + "intention/", {"order_kind": "care", "intended_on": TODAY().isoformat()}, format="json"
        ).status_code in (403, 404)
        ok(
            api.as_user(world.u.tm_east).post(
                base(case) + "intention/", {"order_kind": "care", "intended_on": TODAY().isoformat()}, format="json"
            )
        )


@pytest.mark.django_db
class TestOffers:
    def test_each_parent_and_holder_of_parental_responsibility(self, world, api):
        case, nan, sarah = a_case(world)
        intend(world, case, on=days_ago(3))
        prac = api.as_user(world.u.prac_east)
        # the grandmother is neither a parent nor holds parental responsibility
        refused = prac.post(
            base(case) + "offer/",
            {"member": nan.pk, "method": "letter", "offered_on": TODAY().isoformat()},
            format="json",
        )
        assert refused.status_code == 400 and "member" in refused.json()
        with pytest.raises(RuleBroken, match="is neither"):
            offer(world, case, nan)
        body = ok(
            prac.post(
                base(case) + "offer/",
                {"member": sarah.pk, "method": "letter", "offered_on": days_ago(2).isoformat()},
                format="json",
            )
        )
        assert body["status"] == "offered"
        assert [(o["person"], o["capacity"], o["method"], o["answer"]) for o in body["offers"]] == [
            ("Sarah Hardy", "parent", "letter", "pending")
        ]
        # each person once
        with pytest.raises(RuleBroken, match="already offered"):
            offer(world, case, sarah)
        # someone not in the network: named, with why they are offered it
        with pytest.raises(RuleBroken, match="parent or hold parental responsibility"):
            offer(world, case, name="Ray Hardy")
        assert (
            prac.post(
                base(case) + "offer/", {"name": "", "method": "phone", "offered_on": TODAY().isoformat()}, format="json"
            ).status_code
            == 400
        )
        body = ok(
            prac.post(
                base(case) + "offer/",
                {
                    "name": "Ray Hardy",
                    "capacity": "parental_responsibility",
                    "method": "in_person",
                    "offered_on": TODAY().isoformat(),
                },
                format="json",
            )
        )
        assert [(o["person"], o["capacity"], o["method"]) for o in body["offers"]][1] == (
            "Ray Hardy",
            "parental_responsibility",
            "in_person",
        )
        assert DomainEvent.objects.filter(case_id=case.pk, action="pre_proceedings_offered").count() == 2

    def test_dates_after_the_intention_and_not_in_the_future(self, world, api):
        case, _, sarah = a_case(world)
        intend(world, case, on=days_ago(1))
        with pytest.raises(RuleBroken, match="once the council intends to apply"):
            offer(world, case, sarah, on=days_ago(2))
        future = (TODAY() + datetime.timedelta(days=1)).isoformat()
        response = api.as_user(world.u.prac_east).post(
            base(case) + "offer/", {"member": sarah.pk, "method": "letter", "offered_on": future}, format="json"
        )
        assert response.status_code == 400 and "offered_on" in response.json()
        assert not PreProceedingsOffer.objects.exists()

    def test_a_member_of_another_case_is_refused(self, world):
        case, _, _ = a_case(world)
        other, _, other_sarah = a_case(world)
        intend(world, case)
        with pytest.raises(RuleBroken, match="this case's family network"):
            offer(world, case, other_sarah)


@pytest.mark.django_db
class TestAnswers:
    def test_accepted_declined_or_no_reply_by_a_date(self, world, api):
        case, _, sarah = a_case(world)
        intend(world, case, on=days_ago(10))
        to_sarah = offer(world, case, sarah, on=days_ago(10))
        to_ray = offer(world, case, name="Ray Hardy", capacity="parent", on=days_ago(10))
        prac = api.as_user(world.u.prac_east)
        assert (
            prac.post(
                base(case) + "answer/",
                {"offer": to_sarah.pk, "answer": "pending", "answered_on": TODAY().isoformat()},
                format="json",
            ).status_code
            == 400
        )
        with pytest.raises(RuleBroken, match="after the offer"):
            answer(world, case, to_sarah, "accepted", on=days_ago(11))
        body = ok(
            prac.post(
                base(case) + "answer/",
                {"offer": to_ray.pk, "answer": "no_reply", "answered_on": days_ago(3).isoformat()},
                format="json",
            )
        )
        assert [(o["person"], o["answer"], o["answered_on"]) for o in body["offers"]][1] == (
            "Ray Hardy",
            "no_reply",
            days_ago(3).isoformat(),
        )
        # someone who did not reply by the date may still answer; an acceptance or refusal stands
        assert answer(world, case, to_ray, "declined").answer == "declined"
        answer(world, case, to_sarah, "accepted", on=days_ago(8))
        response = prac.post(
            base(case) + "answer/",
            {"offer": to_sarah.pk, "answer": "declined", "answered_on": TODAY().isoformat()},
            format="json",
        )
        assert response.status_code == 409 and "that answer stands" in response.json()["detail"]
        assert DomainEvent.objects.filter(case_id=case.pk, action="pre_proceedings_answered").count() == 3

    def test_an_offer_of_another_case_is_refused(self, world, api):
        case, _, sarah = a_case(world)
        other, _, other_sarah = a_case(world)
        intend(world, case)
        intend(world, other)
        theirs = offer(world, other, other_sarah)
        response = api.as_user(world.u.prac_east).post(
            base(case) + "answer/",
            {"offer": theirs.pk, "answer": "accepted", "answered_on": TODAY().isoformat()},
            format="json",
        )
        assert response.status_code == 400 and "offer" in response.json()


@pytest.mark.django_db
class TestLawfulEndings:
    """With the duty in force, each way the application may go ahead."""

    def test_everyone_declined_or_did_not_reply(self, world, api, in_force):
        case, _, sarah = a_case(world)
        intend(world, case, on=days_ago(20))
        answer(world, case, offer(world, case, sarah, on=days_ago(20)), "declined", on=days_ago(15))
        answer(
            world,
            case,
            offer(world, case, name="Ray Hardy", capacity="parent", on=days_ago(20)),
            "no_reply",
            on=days_ago(6),
        )
        body = ok(
            api.as_user(world.u.tm_east).post(
                base(case) + "application/", {"made_on": TODAY().isoformat()}, format="json"
            )
        )
        assert (body["status"], body["application_basis"], body["duty_in_force"]) == (
            "application_made",
            "declined",
            True,
        )

    @pytest.mark.parametrize("model", ["fgc", "fnm"])
    def test_a_meeting_held_after_the_offer_someone_accepted(self, world, api, in_force, model):
        case, nan, sarah = a_case(world)
        intend(world, case, on=days_ago(20))
        answer(world, case, offer(world, case, sarah, on=days_ago(20)), "accepted", on=days_ago(18))
        answer(
            world,
            case,
            offer(world, case, name="Ray Hardy", capacity="parent", on=days_ago(20)),
            "declined",
            on=days_ago(18),
        )
        hold_meeting(world, case, nan, held_on=days_ago(5), model=model)
        body = ok(
            api.as_user(world.u.sm).post(base(case) + "application/", {"made_on": TODAY().isoformat()}, format="json")
        )
        assert (body["application_basis"], body["duty_in_force"]) == ("meeting_held", True)

    def test_a_best_interests_exemption_the_manager_confirms_as_themselves(self, world, api, in_force):
        case, _, sarah = a_case(world)
        intend(world, case)
        offer(world, case, sarah)  # offered, then a manager decides it must not go ahead
        tm = api.as_user(world.u.tm_east)
        # a decision maker named in the body is not who decided: the signed-in manager is
        body = ok(
            tm.post(
                base(case) + "exemption/",
                {"reason": "Telling the family puts Lily at risk", "decision_maker": "sm"},
                format="json",
            )
        )
        assert (body["status"], body["exemption_decided_by"]) == ("exempt", "tm.east")
        body = ok(tm.post(base(case) + "application/", {"made_on": TODAY().isoformat()}, format="json"))
        assert body["application_basis"] == "exemption"

    def test_before_commencement_recorded_as_good_practice_with_a_note(self, world, api, settings):
        settings.FGDM_S31ZA_COMMENCEMENT = ""
        case, _, sarah = a_case(world)
        intend(world, case)
        offer(world, case, sarah)  # no answer yet, no meeting: the duty is not met
        body = ok(
            api.as_user(world.u.tm_east).post(
                base(case) + "application/", {"made_on": TODAY().isoformat()}, format="json"
            )
        )
        assert (body["application_basis"], body["duty_in_force"]) == ("not_in_force", False)
        event = DomainEvent.objects.get(case_id=case.pk, action="pre_proceedings_application_made")
        assert "not yet in force" in event.reason and "Record the answer" in event.reason
        # an application that did meet the duty before it was in force says on which basis
        other, _, other_sarah = a_case(world)
        intend(world, other)
        answer(world, other, offer(world, other, other_sarah), "declined")
        record = apply_(world, other)
        assert (record.application_basis, record.duty_in_force) == ("declined", False)


@pytest.mark.django_db
class TestRefusedEndings:
    """With the duty in force, an application without it met is refused and nothing is written."""

    def refused(self, world, api, case, match):
        with pytest.raises(InvalidTransition, match=match):
            apply_(world, case)
        response = api.as_user(world.u.tm_east).post(
            base(case) + "application/", {"made_on": TODAY().isoformat()}, format="json"
        )
        assert response.status_code == 409
        assert "s.31ZA" in response.json()["detail"] and "is not met" in response.json()["detail"]
        assert not PreProceedings.objects.filter(case=case, status="application_made").exists()
        assert not DomainEvent.objects.filter(case_id=case.pk, action="pre_proceedings_application_made").exists()

    def test_nobody_offered(self, world, api, in_force):
        case, _, _ = a_case(world)
        intend(world, case)
        self.refused(world, api, case, "No parent or holder of parental responsibility has been offered")

    def test_an_answer_still_awaited(self, world, api, in_force):
        case, _, sarah = a_case(world)
        intend(world, case)
        answer(world, case, offer(world, case, sarah), "declined")
        offer(world, case, name="Ray Hardy", capacity="parent")
        self.refused(world, api, case, "Record the answer to the offer of Ray Hardy")

    def test_accepted_and_no_meeting_held(self, world, api, in_force):
        case, _, sarah = a_case(world)
        intend(world, case)
        answer(world, case, offer(world, case, sarah), "accepted")
        self.refused(world, api, case, "Sarah Hardy accepted the offer")

    def test_accepted_but_the_meeting_was_held_before_the_letter(self, world, api, in_force):
        case, nan, sarah = a_case(world, stage="child_protection")
        hold_meeting(world, case, nan, held_on=days_ago(3))  # run by the coordinator, before any offer
        intend(world, case, on=days_ago(1))
        answer(world, case, offer(world, case, sarah, on=days_ago(1)), "accepted")
        self.refused(world, api, case, "A meeting held before the offer does not count")

    def test_without_an_intention_recorded(self, world, api, in_force):
        case, _, _ = a_case(world)
        with pytest.raises(InvalidTransition, match="intention to apply"):
            apply_(world, case)

    def test_the_application_is_not_dated_before_the_intention(self, world, in_force):
        case, _, _ = a_case(world)
        intend(world, case)
        with pytest.raises(RuleBroken, match="after the council's intention"):
            apply_(world, case, on=days_ago(1))

    def test_only_a_manager_records_the_application_and_only_once(self, world, api):
        case, _, sarah = a_case(world)
        intend(world, case)
        answer(world, case, offer(world, case, sarah), "declined")
        prac = api.as_user(world.u.prac_east)
        assert (
            prac.post(base(case) + "application/", {"made_on": TODAY().isoformat()}, format="json").status_code == 403
        )
        apply_(world, case)
        with pytest.raises(InvalidTransition, match="already|was recorded"):
            apply_(world, case)
        with pytest.raises(InvalidTransition):
            offer(world, case, name="Ray Hardy", capacity="parent")


@pytest.mark.django_db
class TestCommencement:
    def test_the_day_the_duty_comes_into_force_decides(self, world, settings):
        settings.FGDM_S31ZA_COMMENCEMENT = TODAY().isoformat()
        before, _, _ = a_case(world)
        intend(world, before, on=days_ago(2))
        record = apply_(world, before, on=days_ago(1))  # the day before: not yet in force
        assert (record.application_basis, record.duty_in_force) == ("not_in_force", False)
        on_the_day, _, _ = a_case(world)
        intend(world, on_the_day, on=days_ago(2))
        with pytest.raises(InvalidTransition, match="in force since"):
            apply_(world, on_the_day, on=TODAY())

    def test_not_set_means_not_in_force(self, settings):
        settings.FGDM_S31ZA_COMMENCEMENT = ""
        assert services.duty_commencement() is None and not services.duty_in_force(TODAY())
        settings.FGDM_S31ZA_COMMENCEMENT = "2027-04-01"
        assert services.duty_commencement() == datetime.date(2027, 4, 1)
        assert services.duty_in_force(datetime.date(2027, 4, 1)) and not services.duty_in_force(
            datetime.date(2027, 3, 31)
        )

    def test_a_setting_that_is_not_a_date_fails_the_checks(self, settings):
        from fgdm.checks import check_s31za_commencement

        settings.FGDM_S31ZA_COMMENCEMENT = "1 April 2027"
        [error] = check_s31za_commencement()
        assert error.id == "fgdm.E001" and "ISO date" in error.msg
        settings.FGDM_S31ZA_COMMENCEMENT = "2027-04-01"
        assert check_s31za_commencement() == []


@pytest.mark.django_db
class TestExemption:
    def test_a_practitioner_cannot_record_a_managers_decision(self, world, api):
        case, _, _ = a_case(world)
        intend(world, case)
        response = api.as_user(world.u.prac_east).post(
            base(case) + "exemption/", {"reason": "Risk", "decision_maker": "tm.east"}, format="json"
        )
        assert response.status_code == 403
        with pytest.raises(NotPermitted, match="Only a manager over this case decides a best-interests exemption"):
            services.pre_proceedings_record_exemption(case_id=case.pk, by=world.u.prac_east, reason="Risk")
        with pytest.raises(TypeError):  # there is no way to name someone else as the decision maker
            services.pre_proceedings_record_exemption(
                case_id=case.pk, by=world.u.prac_east, reason="Risk", decision_maker=world.u.tm_east
            )
        assert PreProceedings.objects.get(case=case).status == "intended"

    def test_only_a_manager_over_the_case(self, world, api):
        case, _, _ = a_case(world)
        intend(world, case)
        with pytest.raises(NotPermitted):
            services.pre_proceedings_record_exemption(case_id=case.pk, by=world.u.tm_west, reason="Risk")
        assert (
            api.as_user(world.u.tm_west).post(base(case) + "exemption/", {"reason": "Risk"}, format="json").status_code
            == 404
        )
        assert (
            api.as_user(world.u.tm_east).post(base(case) + "exemption/", {"reason": ""}, format="json").status_code
            == 400
        )
        record = services.pre_proceedings_record_exemption(case_id=case.pk, by=world.u.hos, reason="Risk of harm")
        assert (record.status, record.exemption_decided_by, record.exemption_decided_on) == (
            "exempt",
            world.u.hos,
            TODAY(),
        )
        event = DomainEvent.objects.get(case_id=case.pk, action="pre_proceedings_exempt")
        assert event.actor == world.u.hos and event.reason == "Risk of harm"

    def test_after_an_exemption_the_meeting_is_not_offered(self, world):
        case, _, sarah = a_case(world)
        intend(world, case)
        services.pre_proceedings_record_exemption(case_id=case.pk, by=world.u.tm_east, reason="Risk")
        with pytest.raises(InvalidTransition, match="not in the child's best interests"):
            offer(world, case, sarah)


@pytest.mark.django_db
class TestMeetingAtPreProceedings:
    """At pre-proceedings the meeting is run by an independent coordinator, whatever it is called."""

    def arrange(self, world, case, **kw):
        return services.meeting_schedule(
            case_id=case.pk,
            by=world.u.prac_east,
            scheduled_for=timezone.now() + datetime.timedelta(days=3),
            venue="Hub",
            **kw,
        )

    def test_a_family_network_meeting_with_an_independent_coordinator(self, world, api):
        case, _, _ = a_case(world)
        with pytest.raises(RuleBroken, match="run by an independent coordinator"):
            self.arrange(world, case, model="fnm")
        response = api.as_user(world.u.prac_east).post(
            f"/api/v1/cases/{case.pk}/meetings/",
            {"model": "fnm", "scheduled_for": "2026-12-01T10:00", "venue": "Hub"},
            format="json",
        )
        assert response.status_code == 400 and "coordinator" in response.json()
        meeting = self.arrange(world, case, model="fnm", coordinator=world.u.coord)
        assert (meeting.model, meeting.coordinator) == ("fnm", world.u.coord)
        # the coordinator runs it: the practitioner does not record it
        with pytest.raises(NotPermitted, match="independent coordinator"):
            services.meeting_record(
                meeting_id=meeting.pk,
                by=world.u.prac_east,
                held_on=TODAY(),
                attendees="x",
                private_family_time=True,
                actions=[ActionInput(description="x", owner_text="x")],
                contingency="",
                review_by=TODAY() + datetime.timedelta(days=30),
            )

    def test_never_the_cases_practitioner(self, world):
        from django.contrib.auth.models import Group

        from core.roles import Role

        case, _, _ = a_case(world)
        world.u.prac_east2.groups.add(Group.objects.get(name=Role.COORDINATOR))
        with pytest.raises(RuleBroken, match="independent of the case's practitioner"):
            self.arrange(world, case, model="fnm", coordinator=world.u.prac_east2)

    def test_elsewhere_a_family_network_meeting_is_run_by_the_practitioner(self, world):
        case, _, _ = a_case(world, stage="child_protection")
        meeting = self.arrange(world, case, model="fnm", coordinator=world.u.coord)
        assert meeting.coordinator is None


@pytest.mark.django_db
class TestPage:
    def test_a_practitioner_records_the_intention_each_offer_and_answer(self, world, client, in_force):
        case, nan, sarah = a_case(world, stage="child_protection")
        client.force_login(world.u.prac_east)
        url = reverse("fgdm:pre_proceedings", args=[case.pk])
        page = client.get(url).content.decode()
        assert "inserted by s.1 of the Children's Wellbeing and Schools Act 2026" in page and "amended" not in page
        assert "No intention to apply recorded" in page and "Best-interests exemption" not in page

        def step(name, data):
            return client.post(
                reverse(f"fgdm:pre_proceedings_{name}", args=[case.pk]), {f"{name}-{k}": v for k, v in data.items()}
            )

        assert step("intention", {"order_kind": "interim_care", "intended_on": ""}).status_code == 400
        assert step("intention", {"order_kind": "interim_care", "intended_on": TODAY().isoformat()}).status_code == 302
        page = client.get(url).content.decode()
        assert f'value="{sarah.pk}"' in page and f'value="{nan.pk}"' not in page  # parents and PR holders only
        response = step("offer", {"member": nan.pk, "method": "letter", "offered_on": TODAY().isoformat()})
        assert response.status_code == 400
        assert (
            step("offer", {"member": sarah.pk, "method": "letter", "offered_on": TODAY().isoformat()}).status_code
            == 302
        )
        assert (
            step(
                "offer",
                {"name": "Ray Hardy", "capacity": "parent", "method": "phone", "offered_on": TODAY().isoformat()},
            ).status_code
            == 302
        )
        ray = PreProceedingsOffer.objects.get(name="Ray Hardy")
        assert (
            step("answer", {"offer": ray.pk, "answer": "declined", "answered_on": TODAY().isoformat()}).status_code
            == 302
        )
        to_sarah = PreProceedingsOffer.objects.get(member=sarah)
        assert (
            step("answer", {"offer": to_sarah.pk, "answer": "accepted", "answered_on": TODAY().isoformat()}).status_code
            == 302
        )
        page = client.get(url).content.decode()
        assert "Ray Hardy" in page and "Declined" in page and "Accepted" in page
        assert "Sarah Hardy accepted the offer" in page  # what the duty still needs
        # the practitioner neither decides an exemption nor records the application
        assert step("exemption", {"reason": "Risk"}).status_code == 403
        assert step("application", {"made_on": TODAY().isoformat()}).status_code == 403

        client.force_login(world.u.tm_east)
        response = step("application", {"made_on": TODAY().isoformat()})
        assert response.status_code == 409 and "s.31ZA" in response.content.decode()
        assert PreProceedings.objects.get(case=case).status == "offered"

    def test_a_manager_sees_and_confirms_the_exemption(self, world, client):
        case, _, _ = a_case(world)
        intend(world, case)
        client.force_login(world.u.tm_east)
        url = reverse("fgdm:pre_proceedings", args=[case.pk])
        page = client.get(url).content.decode()
        assert "Best-interests exemption (your decision)" in page and "Confirm as" in page
        response = client.post(
            reverse("fgdm:pre_proceedings_exemption", args=[case.pk]), {"exemption-reason": "Risk of harm"}
        )
        assert response.status_code == 302
        assert PreProceedings.objects.get(case=case).exemption_decided_by == world.u.tm_east
        assert "Decided and confirmed by" in client.get(url).content.decode()

    def test_the_case_page_links_the_duty_at_any_stage(self, world, client):
        case, _, _ = a_case(world, stage="family_help")
        client.force_login(world.u.prac_east)
        page = client.get(reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        assert reverse("fgdm:pre_proceedings", args=[case.pk]) in page and "Not started" in page
        intend(world, case, order_kind="supervision")
        page = client.get(reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        assert "Supervision order" in page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # needs the migrations' data back
def test_the_migration_turns_each_letter_into_offers(world):
    """0009 carries the old record over: the letter becomes an offer to each parent and holder of
    parental responsibility; "declined by everyone" their answers; a conference held, a meeting held."""
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("fgdm", "0008_case_closing")], [("fgdm", "0010_pre_proceedings_duty_old_columns")]
    declined, _, _ = a_case(world)
    applied = scenario.allocated(world, stage="pre_proceedings")  # no parent in its network
    try:
        MigrationExecutor(connection).migrate(before)
        old = MigrationExecutor(connection).loader.project_state(before).apps.get_model("fgdm", "PreProceedings")
        old.objects.create(
            case_id=declined.pk,
            status="declined",
            letter_sent_on=days_ago(9),
            offer_recorded_by_id=world.u.prac_east.pk,
            declined_by="Sarah",
            declined_on=days_ago(4),
        )
        old.objects.create(
            case_id=applied.pk,
            status="application_made",
            letter_sent_on=days_ago(30),
            application_made_on=days_ago(2),
            application_basis="conference_held",
        )
        MigrationExecutor(connection).migrate(after)
        new = MigrationExecutor(connection).loader.project_state(after).apps
        records = {r.case_id: r for r in new.get_model("fgdm", "PreProceedings").objects.all()}
        first = records[declined.pk]
        assert (first.status, first.order_kind, first.intended_on, first.stage_at_intention) == (
            "offered",
            "care",
            days_ago(9),
            "pre_proceedings",
        )
        offers = new.get_model("fgdm", "PreProceedingsOffer").objects.order_by("pk")
        assert [
            (o.record.case_id, o.member_id is not None, o.name, o.method, o.offered_on, o.answer, o.answered_on)
            for o in offers
        ] == [
            (declined.pk, True, "", "letter", days_ago(9), "declined", days_ago(4)),
            (
                applied.pk,
                False,
                "The people named in the letter before proceedings",
                "letter",
                days_ago(30),
                "pending",
                None,
            ),
        ]
        second = records[applied.pk]
        assert (second.status, second.application_basis, second.duty_in_force) == (
            "application_made",
            "meeting_held",
            False,
        )
    finally:  # the next tests need the latest schema, whatever happened here
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db
def test_the_duty_is_described_as_inserted_not_amended():
    """s.31ZA was inserted into the Children Act 1989 by the 2026 Act: code and pages say so."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for path in [
        root / "fgdm/models.py",
        root / "fgdm/services/pre_proceedings.py",
        root / "templates/fgdm/pre_proceedings.html",
        root / "docs/rules.md",
    ]:
        text = path.read_text()
        assert "31ZA" in text, path
        for line in text.splitlines():
            assert not ("31ZA" in line and "amended" in line), (path, line)
