"""Caseloads (issue 16, part 2): per practitioner and coordinator of a manager's teams, open cases as
lead, meetings to hold as coordinator, open tasks, reviews and plan actions overdue — aggregated in
SQL in a constant number of queries, respecting what the manager may see, each figure a link."""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone
from viewflow.workflow.models import Task

from core.workflow import OPEN_STATUSES
from fgdm import services as case_services
from process.selectors import caseload, caseload_person
from tests import scenario

pytestmark = pytest.mark.django_db

LATER = 60  # days on: the plan's review (42 days) and its action (7 days) are then overdue


def rows_of(user, *, days_on=0) -> dict:
    today = timezone.localdate() + datetime.timedelta(days=days_on)
    return {row["person"].username: row for row in caseload(user=user, today=today)}


def fgc_to_hold(world):
    """A case of prac.east's with a Family Group Conference coordinated by coord, not yet held."""
    case, _ = scenario.with_network(world)
    case_services.meeting_schedule(
        case_id=case.pk,
        by=case.lead_practitioner,
        model="fgc",
        scheduled_for=timezone.now() + datetime.timedelta(days=10),
        venue="Leigh Park Family Hub",
        coordinator=world.u.coord,
    )
    return case


def open_tasks_of(user) -> int:
    return Task.objects.filter(owner=user, status__in=OPEN_STATUSES).count()


class TestFigures:
    def test_a_hand_built_caseload(self, world):
        accepted, _, plan = scenario.plan_accepted(world)  # prac.east leads; review in 42 days, action in 7
        fgc_to_hold(world)  # prac.east leads; coord coordinates
        scenario.allocated(world, locality=world.west)  # prac.west's: not tm.east's team

        now = rows_of(world.u.tm_east)
        assert set(now) == {"prac.east", "prac.east2", "coord"}
        east = now["prac.east"]
        assert (east["open_cases"], east["reviews_overdue"], east["actions_overdue"]) == (2, 0, 0)
        assert east["tasks"] == open_tasks_of(world.u.prac_east) > 0
        assert east["teams"] == ["East team"]
        assert (now["coord"]["meetings"], now["coord"]["open_cases"], now["coord"]["teams"]) == (1, 0, [])
        assert now["prac.east2"] | {"person": None, "teams": None} == {
            "person": None,
            "teams": None,
            "open_cases": 0,
            "meetings": 0,
            "tasks": 0,
            "reviews_overdue": 0,
            "actions_overdue": 0,
        }

        later = rows_of(world.u.tm_east, days_on=LATER)["prac.east"]
        assert (later["reviews_overdue"], later["actions_overdue"]) == (1, 1)
        # An action done is no longer overdue.
        action = plan.actions.get()
        case_services.action_mark_done(action_id=action.pk, by=world.u.prac_east)
        assert rows_of(world.u.tm_east, days_on=LATER)["prac.east"]["actions_overdue"] == 0
        assert accepted.lead_practitioner == world.u.prac_east

    def test_a_closed_case_counts_nowhere(self, world):
        case = scenario.allocated(world)
        case_services.case_close(case_id=case.pk, by=world.u.tm_east, reason="family_declined", note="")
        assert rows_of(world.u.tm_east)["prac.east"]["open_cases"] == 0

    def test_service_manager_and_head_of_service_see_every_team(self, world):
        scenario.allocated(world)
        scenario.allocated(world, locality=world.west)
        for manager in (world.u.sm, world.u.hos):
            rows = rows_of(manager)
            assert rows["prac.east"]["open_cases"] == 1 and rows["prac.west"]["open_cases"] == 1
            assert rows["prac.west"]["teams"] == ["West team"]

    def test_a_case_the_manager_is_conflicted_out_of_is_not_counted(self, world):
        case, _, _ = scenario.plan_accepted(world)
        scenario.allocated(world)
        before = rows_of(world.u.tm_east, days_on=LATER)["prac.east"]
        assert (before["open_cases"], before["reviews_overdue"], before["actions_overdue"]) == (2, 1, 1)
        case_services.conflict_declare(by=world.u.tm_east, case_reference=case.reference, reason="My cousin")
        after = rows_of(world.u.tm_east, days_on=LATER)["prac.east"]
        assert (after["open_cases"], after["reviews_overdue"], after["actions_overdue"]) == (1, 0, 0)
        assert after["tasks"] < before["tasks"]
        # Another manager without the conflict still counts it.
        assert rows_of(world.u.sm, days_on=LATER)["prac.east"]["open_cases"] == 2

    def test_an_unresolved_escalation_is_a_review_overdue(self, world):
        from fgdm.models import ReviewEscalation

        case = scenario.allocated(world)
        ReviewEscalation.objects.create(
            case=case, task_id=987654, review_due_on=timezone.localdate(), working_days_overdue=5
        )
        assert rows_of(world.u.tm_east)["prac.east"]["reviews_overdue"] == 1


class TestQueries:
    @pytest.mark.parametrize("path", ["/caseload/", "/caseload/?person=prac.east"])
    def test_a_constant_number_of_queries_at_two_sizes(self, world, client, django_assert_max_num_queries, path):
        client.force_login(world.u.tm_east)
        scenario.plan_accepted(world)
        fgc_to_hold(world)
        with django_assert_max_num_queries(40) as small:
            assert client.get(path).status_code == 200
        for _ in range(3):
            scenario.plan_accepted(world)
            fgc_to_hold(world)
            scenario.allocated(world, locality=world.west)
        with django_assert_max_num_queries(len(small.captured_queries)):
            assert client.get(path).status_code == 200


class TestPages:
    def test_figures_right_aligned_and_linked(self, world, client):
        fgc_to_hold(world)
        scenario.allocated(world)  # prac.east now holds the task of mapping its network
        client.force_login(world.u.tm_east)
        page = client.get("/caseload/").content.decode()
        assert "govuk-table__caption" in page and "govuk-table__cell--numeric" in page
        assert 'href="/cases/?lead=prac.east&amp;status=open"' in page
        assert 'href="/caseload/?person=coord#meetings"' in page
        assert 'href="/caseload/?person=prac.east#tasks"' in page

    def test_each_link_shows_what_lies_behind_the_figure(self, world, client):
        case = fgc_to_hold(world)
        west = scenario.allocated(world, locality=world.west)
        client.force_login(world.u.tm_east)
        cases = client.get("/cases/?lead=prac.east&status=open").content.decode()
        assert case.reference in cases and west.reference not in cases
        coord = client.get("/caseload/?person=coord").content.decode()
        assert case.reference in coord and 'id="meetings"' in coord
        mine = client.get("/caseload/?person=prac.east").content.decode()
        assert case.reference in mine

    def test_a_person_outside_the_managers_teams_is_not_found(self, world, client):
        scenario.allocated(world, locality=world.west)
        client.force_login(world.u.tm_east)
        assert client.get("/caseload/?person=prac.west").status_code == 404
        assert client.get("/caseload/?person=nobody").status_code == 404
        with pytest.raises(Http404):
            caseload_person(user=world.u.tm_east, username="fin1")

    def test_for_managers_only(self, world, client):
        for name in ("prac_east", "coord", "fin1", "auditor"):
            client.force_login(getattr(world.u, name))
            assert client.get("/caseload/").status_code == 403, name
            assert client.get("/caseload/?person=prac.east").status_code == 403, name


class TestCaseListLeadFilter:
    def test_lead_and_open_filters(self, world, client):
        mine = scenario.allocated(world)
        closed = scenario.allocated(world)
        case_services.case_close(case_id=closed.pk, by=world.u.tm_east, reason="family_declined", note="")
        client.force_login(world.u.sm)
        scenario.allocated(world, locality=world.west)
        page = client.get("/cases/?lead=prac.east&status=open").content.decode()
        assert mine.reference in page and closed.reference not in page
        assert "1 case match" in page
        every = client.get("/cases/?lead=prac.east").content.decode()
        assert mine.reference in every and closed.reference in every
        assert "0 cases match" in client.get("/cases/?lead=nobody").content.decode()

    def test_the_people_come_a_page_at_a_time(self, world, client, monkeypatch):
        from process import views

        fgc_to_hold(world)
        scenario.allocated(world)
        client.force_login(world.u.tm_east)
        everyone = [row["person"].username for row in caseload(user=world.u.tm_east)]
        assert len(everyone) >= 3
        monkeypatch.setattr(views, "CASELOAD_PAGE_SIZE", 2)
        first = client.get("/caseload/").content.decode()
        second = client.get("/caseload/?page=2").content.decode()
        assert f"Showing 1 to 2 of {len(everyone)} people" in first
        assert all(f'?person={name}"' in first for name in everyone[:2])
        assert not any(f'?person={name}"' in first for name in everyone[2:])
        assert f'?person={everyone[2]}"' in second
        assert client.get("/caseload/?page=nonsense").status_code == 200
