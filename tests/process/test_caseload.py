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
    # (page, budget): the statements measured when set (10: the people with their count, their
    # figures in one UNION ALL, their teams; 15), plus 3.
    @pytest.mark.parametrize("path, budget", [("/caseload/", 13), ("/caseload/?person=prac.east", 18)])
    def test_a_constant_number_of_queries_at_two_sizes(
        self, world, client, django_assert_max_num_queries, path, budget
    ):
        client.force_login(world.u.tm_east)
        scenario.plan_accepted(world)
        fgc_to_hold(world)
        with django_assert_max_num_queries(budget) as small:
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

    def test_a_username_is_encoded_in_its_links_as_the_urlencode_filter_writes_it(self, world, client):
        from django.template.defaultfilters import urlencode

        from fgdm.models import Case

        case = scenario.allocated(world)
        odd = "o'neil+east@team/1"
        world.u.prac_east.username = odd
        world.u.prac_east.save()
        assert Case.objects.get(pk=case.pk).lead_practitioner.username == odd
        client.force_login(world.u.tm_east)
        page = client.get("/caseload/").content.decode()
        encoded = urlencode(odd)
        assert encoded == "o%27neil%2Beast%40team/1"
        assert f'href="/caseload/?person={encoded}"' in page
        assert f'href="/cases/?lead={encoded}&amp;status=open"' in page
        assert f'href="/caseload/?person={encoded}#tasks"' in page
        assert client.get(f"/caseload/?person={encoded}").status_code == 200

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

    def test_a_page_of_people_comes_with_their_count_and_pages_as_paginator_does(
        self, world, client, monkeypatch, django_assert_max_num_queries
    ):
        """The page's people and how many there are in one statement (core.paging.RowsWithCountPaginator:
        the people are tested to be ordered, and a COUNT then a LIMIT tested them all twice); a page
        past the end (or before the first) draws the last, a page that is no number the first."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from process import views

        fgc_to_hold(world)
        scenario.allocated(world)
        client.force_login(world.u.tm_east)
        everyone = [row["person"].username for row in caseload(user=world.u.tm_east)]
        assert len(everyone) == 3
        monkeypatch.setattr(views, "CASELOAD_PAGE_SIZE", 2)
        client.get("/caseload/")  # the per-process caches (roles, content types)
        with CaptureQueriesContext(connection) as queries:
            first = client.get("/caseload/").content.decode()
        assert "Showing 1 to 2 of 3 people" in first
        people = [q["sql"] for q in queries if 'FROM "auth_user"' in q["sql"] and "COUNT(" in q["sql"]]
        assert len(people) == 1 and "OVER ()" in people[0], people
        for past in ("9", "0", "-1"):
            last = client.get(f"/caseload/?page={past}").content.decode()
            assert "Showing 3 to 3 of 3 people" in last and f'?person={everyone[2]}"' in last, past
        assert "Showing 1 to 2 of 3 people" in client.get("/caseload/?page=two").content.decode()

    def test_no_one_to_show(self, world, client):
        """A manager of a team with nobody in it and no case: the empty page, counted in the same
        statement (no second COUNT)."""
        from django.contrib.auth.models import Group

        from core.roles import Role
        from fgdm.models import Team

        manager = type(world.u.tm_east).objects.create(username="tm.empty")
        manager.groups.add(Group.objects.get(name=Role.TEAM_MANAGER))
        Team.objects.create(name="Empty team", code="empty").managers.add(manager)
        client.force_login(manager)
        page = client.get("/caseload/").content.decode()
        assert "No team of yours has anyone in it yet" in page


# -- the caseload a page at a time (issue 18): the same people and figures as counting everything --


def by_hand(manager, *, today) -> list[dict]:
    """The caseload's rule, counted in Python over every row (as the page did before it was cut to
    a page of people): the members of the manager's teams, and the practitioners and coordinators
    with anything to count, by name; each figure over the cases the manager's caseload counts."""
    from django.contrib.auth import get_user_model

    from core.roles import Role
    from fgdm.constants import ENDED_STATUSES, MEETING_ARRANGED, PlanStatus
    from fgdm.models import Case, Meeting, PlanAction, ReviewEscalation, Team
    from fgdm.visibility import case_scope, sees_every_case

    every = sees_every_case(manager)
    teams = list(Team.objects.all() if every else Team.objects.filter(managers=manager))
    served = {locality.pk for team in teams for locality in team.localities.all()}
    counted = [
        case
        for case in Case.objects.filter(case_scope(manager))
        if every or case.team_id in {t.pk for t in teams} or case.locality_id in served
    ]
    open_cases = [case for case in counted if case.status not in ENDED_STATUSES]
    figures: dict[int, dict] = {}

    def add(person_id, column):
        if person_id is not None:
            row = figures.setdefault(person_id, {c: 0 for c in ("open_cases", "meetings", "tasks")})
            row.setdefault("reviews_overdue", 0)
            row.setdefault("actions_overdue", 0)
            row[column] += 1

    escalated = set(ReviewEscalation.objects.filter(resolved_at=None).values_list("case_id", flat=True))
    for case in open_cases:
        add(case.lead_practitioner_id, "open_cases")
        accepted = case.plans.filter(status=PlanStatus.ACCEPTED).order_by("-version").first()
        if case.pk in escalated or (accepted and accepted.review_by and accepted.review_by < today):
            add(case.lead_practitioner_id, "reviews_overdue")
        newest = case.plans.order_by("-version").first()
        for action in PlanAction.objects.filter(plan__case=case, status="open", due_by__lt=today):
            if action.plan_id == newest.pk:
                add(case.lead_practitioner_id, "actions_overdue")
    for meeting in Meeting.objects.filter(case__in=open_cases, status__in=MEETING_ARRANGED):
        add(meeting.coordinator_id, "meetings")
    processes = [case.process_id for case in counted]
    for task in Task.objects.filter(status__in=OPEN_STATUSES, process_id__in=processes):
        add(task.owner_id, "tasks")
    members: dict[int, list[str]] = {}
    for team in sorted(teams, key=lambda t: t.name):
        for member in team.members.all():
            members.setdefault(member.pk, []).append(team.name)
    casework = {Role.PRACTITIONER, Role.COORDINATOR}
    people = [
        person
        for person in get_user_model().objects.all()
        if person.pk in members or (person.pk in figures and casework & {g.name for g in person.groups.all()})
    ]
    people.sort(key=lambda p: ((p.get_full_name() or p.get_username()).lower(), p.get_username()))
    zero = dict.fromkeys(("open_cases", "meetings", "tasks", "reviews_overdue", "actions_overdue"), 0)
    return [{"person": p, "teams": members.get(p.pk, []), **zero, **figures.get(p.pk, {})} for p in people]


@pytest.fixture
def busy(world):
    """Cases of both teams in every state the figures count: open and closed, a plan's review and
    action overdue later on, a conference to hold, a task finance holds, a case tm.east is
    conflicted out of, and practitioners in no team (one leading an open East case, one only a
    closed one)."""
    from django.contrib.auth.models import Group

    from core.roles import Role
    from fgdm.models import Case
    from process import services as process_services
    from process.flows import CaseFlow

    def practitioner(username: str, first: str):
        from django.contrib.auth import get_user_model

        person = get_user_model().objects.create(username=username, first_name=first, last_name="Loose")
        person.groups.add(Group.objects.get(name=Role.PRACTITIONER))
        return person

    scenario.plan_accepted(world)
    scenario.plan_accepted(world, locality=world.west)
    fgc_to_hold(world)
    package = scenario.package_approved(world)
    task = Task.objects.get(
        process=package.case.process, status__in=OPEN_STATUSES, flow_task=CaseFlow.authorise_payments
    )
    process_services.task_assign(task_id=task.pk, by=world.u.fin1)
    conflicted, _, _ = scenario.plan_accepted(world)
    case_services.conflict_declare(by=world.u.tm_east, case_reference=conflicted.reference, reason="My cousin")
    scenario.allocated(world, locality=world.west)
    closed = scenario.allocated(world)
    case_services.case_close(case_id=closed.pk, by=world.u.tm_east, reason="family_declined", note="")
    Case.objects.filter(pk=closed.pk).update(lead_practitioner=practitioner("prac.gone", "Gone"))
    loose = scenario.allocated(world)
    Case.objects.filter(pk=loose.pk).update(lead_practitioner=practitioner("prac.loose", "Aaron"))
    return world


MANAGERS = ("tm_east", "tm_west", "sm", "hos")


class TestAPageAtATime:
    @pytest.mark.parametrize("days_on", [0, LATER])
    @pytest.mark.parametrize("who", MANAGERS)
    def test_the_same_people_in_the_same_order_with_the_same_figures(self, busy, who, days_on):
        manager = getattr(busy.u, who)
        today = timezone.localdate() + datetime.timedelta(days=days_on)
        assert caseload(user=manager, today=today) == by_hand(manager, today=today)

    def test_the_people_listed(self, busy):
        east = [row["person"].username for row in caseload(user=busy.u.tm_east)]
        # Members; a coordinator and a practitioner in no team with work on the team's cases. Not a
        # finance officer holding a task on them, nor a practitioner whose only case is closed.
        assert set(east) == {"prac.east", "prac.east2", "coord", "prac.loose"}
        assert {row["person"].username for row in caseload(user=busy.u.sm)} == {
            "prac.east",
            "prac.east2",
            "prac.west",
            "coord",
            "prac.loose",
        }
        assert Task.objects.filter(owner=busy.u.fin1, status__in=OPEN_STATUSES).exists()

    @pytest.mark.parametrize("who", ["tm_east", "sm", "hos"])  # tm.west's team: one person, one page
    def test_each_page_shows_its_people_with_their_figures(self, busy, who, client, monkeypatch):
        from process import views

        manager = getattr(busy.u, who)
        # The practitioners last by name, so that a person with figures is on a page after the first.
        for person, first in ((busy.u.prac_east, "Zachary"), (busy.u.prac_west, "Zara")):
            person.first_name, person.last_name = first, "Zed"
            person.save()
        everyone = by_hand(manager, today=timezone.localdate())
        monkeypatch.setattr(views, "CASELOAD_PAGE_SIZE", 2)
        client.force_login(manager)
        shown = []
        for number in range(1, (len(everyone) + 1) // 2 + 1):
            response = client.get(f"/caseload/?page={number}")
            assert response.status_code == 200
            assert len(response.context["rows"]) == min(2, len(everyone) - 2 * (number - 1))
            shown += response.context["rows"]
        # Each row also carries its links (the person's figures page, their open cases).
        for row in shown:
            name = row["person"].username
            assert (row.pop("url"), row.pop("open_cases_url")) == (
                f"/caseload/?person={name}",
                f"/cases/?lead={name}&status=open",
            )
        assert shown == everyone
        last = shown[-1]
        assert len(everyone) > 2 and last["person"].username in ("prac.east", "prac.west")
        assert last["open_cases"] > 0 and last["tasks"] > 0

    def test_one_persons_figures_and_lists(self, busy):
        today = timezone.localdate() + datetime.timedelta(days=LATER)
        expected = {row["person"].username: row for row in by_hand(busy.u.tm_east, today=today)}
        for username in ("prac.east", "coord", "prac.loose", "prac.east2"):
            found = caseload_person(user=busy.u.tm_east, username=username, today=today)
            assert {k: found[k] for k in expected[username]} == expected[username]
            assert len(found["open_case_list"]) == found["open_cases"]
            assert len(found["review_list"]) == found["reviews_overdue"]
            assert len(found["action_list"]) == found["actions_overdue"]
            assert len(found["meeting_list"]) == found["meetings"]
            assert len(found["task_list"]) == found["tasks"]
        for outside in ("prac.gone", "fin1", "prac.west"):
            with pytest.raises(Http404):
                caseload_person(user=busy.u.tm_east, username=outside)


def test_the_caseload_indexes_follow_the_statuses():
    """fgdm 0020's partial indexes spell out the statuses (open cases, meetings arranged): they must
    stay those of fgdm.constants for the planner to use them."""
    from fgdm.constants import ENDED_STATUSES, MEETING_ARRANGED

    assert sorted(ENDED_STATUSES) == ["closed", "declined"]
    assert sorted(MEETING_ARRANGED) == ["prepared", "scheduled"]
