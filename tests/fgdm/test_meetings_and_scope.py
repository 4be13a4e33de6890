"""Meetings (FNM / FGC rules) and who sees which case."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from core.exceptions import InvalidTransition, NotPermitted, RuleBroken
from core.roles import Role
from fgdm import selectors
from fgdm import services as case_services
from fgdm.models import Meeting
from fgdm.services import ActionInput
from tests import scenario
from tests.factories import UserFactory


def schedule(case, by, **kwargs):
    values = {"model": "fnm", "scheduled_for": timezone.now() + datetime.timedelta(days=3), "venue": "Hub"} | kwargs
    return case_services.meeting_schedule(case_id=case.pk, by=by, **values)


@pytest.mark.django_db
class TestMeetingSchedule:
    def test_fgc_needs_a_coordinator(self, world):
        case, _ = scenario.with_network(world)
        with pytest.raises(RuleBroken) as error:
            schedule(case, world.u.prac_east, model="fgc")
        assert error.value.field == "coordinator"
        assert Meeting.objects.count() == 0

    def test_coordinator_must_not_be_the_lead_practitioner(self, world):
        case, _ = scenario.with_network(world)
        world.u.prac_east.groups.add(Group.objects.get(name=Role.COORDINATOR))
        with pytest.raises(RuleBroken):
            schedule(case, world.u.prac_east, model="fgc", coordinator=world.u.prac_east)

    def test_coordinator_must_have_the_role(self, world):
        case, _ = scenario.with_network(world)
        with pytest.raises(RuleBroken):
            schedule(case, world.u.prac_east, model="fgc", coordinator=world.u.prac_east2)

    def test_pre_proceedings_meeting_has_an_independent_coordinator(self, world):
        # s.31ZA prefers no model: at pre-proceedings any meeting is run by an independent coordinator
        case, _ = scenario.with_network(world, stage="pre_proceedings")
        with pytest.raises(RuleBroken, match="run by an independent coordinator"):
            schedule(case, world.u.prac_east, model="fnm")
        assert schedule(case, world.u.prac_east, model="fnm", coordinator=world.u.coord).coordinator == world.u.coord

    def test_consent_first(self, world):
        case, _ = scenario.with_network(world)
        case.consent_to_share = False
        case.save()
        with pytest.raises(RuleBroken):
            schedule(case, world.u.prac_east)

    def test_only_after_allocation(self, world):
        case = scenario.referral(world)
        with pytest.raises(InvalidTransition):
            schedule(case, world.u.prac_east)

    def test_fgc_is_recorded_by_its_coordinator_after_preparation(self, world):
        case, nan = scenario.with_network(world)
        meeting = schedule(case, world.u.prac_east, model="fgc", coordinator=world.u.coord)
        record = dict(
            held_on=timezone.localdate(),
            attendees="x",
            private_family_time=True,
            actions=[ActionInput(description="Help", owner_member_id=nan.pk)],
            contingency="",
            review_by=timezone.localdate() + datetime.timedelta(days=30),
        )
        with pytest.raises(NotPermitted):
            case_services.meeting_record(meeting_id=meeting.pk, by=world.u.prac_east, **record)
        with pytest.raises(InvalidTransition):
            case_services.meeting_record(meeting_id=meeting.pk, by=world.u.coord, **record)
        scenario.prepare_everyone(case, by=world.u.coord)
        case_services.meeting_prepare(meeting_id=meeting.pk, by=world.u.coord)
        with pytest.raises(RuleBroken):
            case_services.meeting_record(
                meeting_id=meeting.pk, by=world.u.coord, **(record | {"private_family_time": False})
            )
        plan = case_services.meeting_record(meeting_id=meeting.pk, by=world.u.coord, **record)
        assert plan.actions.get().owner_member == nan


@pytest.mark.django_db
class TestCaseScope:
    def test_who_sees_an_east_case(self, world):
        case = scenario.allocated(world)
        u = world.u
        for user in (u.prac_east, u.prac_east2, u.tm_east, u.sm, u.hos, u.auditor):
            assert selectors.case_list(user=user).filter(pk=case.pk).exists(), user.username
        for user in (u.prac_west, u.tm_west, u.fin1, u.coord):
            assert not selectors.case_list(user=user).filter(pk=case.pk).exists(), user.username

    def test_fgc_coordinator_sees_the_case_they_coordinate(self, world):
        case, _ = scenario.with_network(world)
        schedule(case, world.u.prac_east, model="fgc", coordinator=world.u.coord)
        assert selectors.case_list(user=world.u.coord).filter(pk=case.pk).exists()

    def test_moving_to_another_team_locality_moves_access(self, world):
        case = scenario.allocated(world)
        newcomer = UserFactory(username="prac.new", roles=[Role.PRACTITIONER])
        assert not selectors.case_list(user=newcomer).exists()
        world.team_east.members.add(newcomer)
        assert selectors.case_list(user=newcomer).filter(pk=case.pk).exists()
        world.team_east.members.remove(newcomer)
        assert not selectors.case_list(user=newcomer).exists()

    def test_list_has_no_duplicates_when_several_rules_match(self, world):
        case = scenario.allocated(world)
        world.team_west.localities.add(world.east)
        world.team_west.members.add(world.u.prac_east)
        assert (
            selectors.case_list(user=world.u.prac_east).count()
            == 1
            == selectors.case_list(user=world.u.prac_east).filter(pk=case.pk).count()
        )

    def test_case_get_is_404_out_of_scope(self, world):
        from django.http import Http404

        case = scenario.referral(world)
        with pytest.raises(Http404):
            selectors.case_get(user=world.u.prac_west, case_id=case.pk)


@pytest.mark.django_db
class TestTransferAndConflicts:
    def test_transfer_moves_access_and_tasks_at_once(self, world):
        from viewflow.workflow.models import Task

        from fgdm.models import DeclaredConflict  # noqa: F401

        case = scenario.allocated(world)
        case_services.case_transfer(
            case_id=case.pk,
            by=world.u.sm,
            team=world.team_west,
            locality=world.west,
            lead_practitioner=world.u.prac_west,
        )
        assert not selectors.case_list(user=world.u.prac_east).filter(pk=case.pk).exists()
        assert not selectors.case_list(user=world.u.tm_east).filter(pk=case.pk).exists()
        assert selectors.case_list(user=world.u.prac_west).filter(pk=case.pk).exists()
        task = Task.objects.get(process_id=case.process_id, status="ASSIGNED")
        assert task.owner == world.u.prac_west
        with pytest.raises(NotPermitted):
            case_services.member_add(case_id=case.pk, by=world.u.prac_east, full_name="X", relationship="friend")

    def test_transfer_needs_a_team_serving_the_locality(self, world):
        case = scenario.allocated(world)
        with pytest.raises(RuleBroken):
            case_services.case_transfer(
                case_id=case.pk, by=world.u.sm, team=world.team_west, lead_practitioner=world.u.prac_west
            )

    def test_a_declared_conflict_stops_the_person_acting(self, world):
        from decimal import Decimal

        from core.exceptions import SeparationOfDuties
        from fgdm.models import DeclaredConflict
        from network_packages import services as package_services

        package = scenario.package_submitted(world, amount=Decimal("300.00"))
        DeclaredConflict.objects.create(user=world.u.tm_east, case=package.case, reason="Margaret is my aunt")
        with pytest.raises(NotPermitted):  # the case is out of their sight now, let alone their approval
            package_services.package_approve(package_id=package.pk, by=world.u.tm_east)
        DeclaredConflict.objects.create(user=world.u.prac_east2, case=package.case, reason="Neighbour")
        with pytest.raises(SeparationOfDuties):
            case_services.member_add(
                case_id=package.case_id, by=world.u.prac_east2, full_name="X", relationship="friend"
            )
