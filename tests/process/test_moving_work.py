"""Moving work (issue 12, part 6): managers see their team's caseload, reassign a case's lead and
hand any open task to someone else within the team. Each move is one audited service, used by the
page and the API alike; the new owner has the task at once."""

import pytest
from viewflow.workflow.models import Task

from audit.models import DomainEvent
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken
from fgdm import services as case_services
from fgdm.visibility import sees_whole_case
from process import services as process_services
from process.selectors import caseload
from tests import scenario

pytestmark = pytest.mark.django_db


def open_task(case, name):
    return Task.objects.get(process_id=case.process_id, flow_task__endswith=f".{name}", status__in=["NEW", "ASSIGNED"])


def events(action):
    return list(DomainEvent.objects.filter(action=action).values_list("actor__username", "changes"))


class TestCaseReassign:
    def test_the_new_lead_gets_the_case_and_its_open_tasks_at_once(self, world):
        case = scenario.allocated(world)
        task = open_task(case, "map_network")
        assert task.owner == world.u.prac_east
        case_services.case_reassign(
            case_id=case.pk, by=world.u.tm_east, lead_practitioner=world.u.prac_east2, reason="Long-term sick"
        )
        case.refresh_from_db()
        task.refresh_from_db()
        assert case.lead_practitioner == world.u.prac_east2
        assert task.owner == world.u.prac_east2
        assert sees_whole_case(world.u.prac_east2, case)
        [(actor, changes)] = events("case_reassigned")
        assert actor == "tm.east" and changes == {"lead_practitioner": ["prac.east", "prac.east2"]}
        assert DomainEvent.objects.get(action="case_reassigned").reason == "Long-term sick"

    @pytest.mark.parametrize(
        "who, lead, error",
        [
            ("prac_east", "prac_east2", NotPermitted),  # not a manager
            ("tm_west", "prac_east2", NotPermitted),  # another team's manager
            ("tm_east", "prac_west", RuleBroken),  # not a practitioner of the case's team
            ("tm_east", "prac_east", RuleBroken),  # already the lead
            ("tm_east", "tm_east", RuleBroken),  # not a practitioner
        ],
    )
    def test_refusals_change_nothing(self, world, who, lead, error):
        case = scenario.allocated(world)
        before = DomainEvent.objects.count()
        with pytest.raises(error):
            case_services.case_reassign(
                case_id=case.pk, by=getattr(world.u, who), lead_practitioner=getattr(world.u, lead)
            )
        case.refresh_from_db()
        assert case.lead_practitioner == world.u.prac_east
        assert open_task(case, "map_network").owner == world.u.prac_east
        assert DomainEvent.objects.count() == before

    def test_api(self, world, api):
        case = scenario.allocated(world)
        url = f"/api/v1/cases/{case.pk}/reassign/"
        assert (
            api.as_user(world.u.prac_east).post(url, {"lead_practitioner": "prac.east2"}, format="json").status_code
            == 403
        )
        assert (
            api.as_user(world.u.tm_west).post(url, {"lead_practitioner": "prac.east2"}, format="json").status_code
            == 404
        )
        bad = api.as_user(world.u.tm_east).post(url, {"lead_practitioner": "nobody"}, format="json")
        assert bad.status_code == 400 and "lead_practitioner" in bad.json()
        wrong = api.as_user(world.u.tm_east).post(url, {"lead_practitioner": "prac.west"}, format="json")
        assert wrong.status_code == 400 and "lead_practitioner" in wrong.json()
        moved = api.as_user(world.u.tm_east).post(
            url, {"lead_practitioner": "prac.east2", "reason": "Leave"}, format="json"
        )
        assert moved.status_code == 200, moved.json()
        assert [t["owner"] for t in moved.json()["current_tasks"]] == ["prac.east2"]

    def test_page_offers_it_to_managers_only_and_moves_the_case(self, world, client):
        case = scenario.allocated(world)
        client.force_login(world.u.prac_east)
        assert "Reassign the lead practitioner" not in client.get(f"/cases/{case.pk}/").content.decode()
        assert client.get(f"/cases/{case.pk}/reassign/").status_code == 403
        client.force_login(world.u.tm_east)
        page = client.get(f"/cases/{case.pk}/").content.decode()
        assert "Reassign the lead practitioner" in page and "Hand to someone else" in page
        form = client.get(f"/cases/{case.pk}/reassign/").content.decode()
        assert "prac.east2" in form and 'value="%d"' % world.u.prac_east.pk not in form  # not the present lead
        response = client.post(f"/cases/{case.pk}/reassign/", {"lead_practitioner": world.u.prac_east2.pk})
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.lead_practitioner == world.u.prac_east2


class TestTaskReassign:
    def test_the_new_owner_has_the_task_at_once(self, world):
        case = scenario.allocated(world)
        task = open_task(case, "map_network")
        process_services.task_reassign(task_id=task.pk, by=world.u.tm_east, to=world.u.prac_east2, reason="Holiday")
        task.refresh_from_db()
        assert task.owner == world.u.prac_east2 and task.status == "ASSIGNED"
        [(actor, changes)] = events("task_reassigned")
        assert actor == "tm.east" and changes == {"task": "map_network", "owner": ["prac.east", "prac.east2"]}

    def test_a_task_in_the_queue_is_assigned(self, world):
        case = scenario.referral(world)
        task = open_task(case, "allocate")
        assert task.owner is None
        process_services.task_reassign(task_id=task.pk, by=world.u.sm, to=world.u.tm_east)
        task.refresh_from_db()
        assert task.owner == world.u.tm_east and task.status == "ASSIGNED"

    @pytest.mark.parametrize(
        "who, to, error",
        [
            ("prac_east", "prac_east2", NotPermitted),  # not a manager
            ("tm_east", "fin1", NotPermitted),  # finance cannot map a network
            ("tm_east", "prac_west", NotPermitted),  # does not work on this family's case
            ("tm_east", "prac_east", RuleBroken),  # already theirs
        ],
    )
    def test_refusals_change_nothing(self, world, who, to, error):
        case = scenario.allocated(world)
        task = open_task(case, "map_network")
        before = DomainEvent.objects.count()
        with pytest.raises(error):
            process_services.task_reassign(task_id=task.pk, by=getattr(world.u, who), to=getattr(world.u, to))
        task.refresh_from_db()
        assert task.owner == world.u.prac_east
        assert DomainEvent.objects.count() == before

    def test_a_done_task_cannot_be_handed_on(self, world):
        case = scenario.allocated(world)
        task = open_task(case, "map_network")
        task.status = "DONE"
        task.save(update_fields=["status"])
        from django.http import Http404

        with pytest.raises((InvalidTransition, Http404)):
            process_services.task_reassign(task_id=task.pk, by=world.u.tm_east, to=world.u.prac_east2)

    def test_api(self, world, api):
        case = scenario.allocated(world)
        task = open_task(case, "map_network")
        url = f"/api/v1/tasks/{task.pk}/reassign/"
        assert api.as_user(world.u.tm_west).post(url, {"to": "prac.east2"}, format="json").status_code == 404
        assert api.as_user(world.u.prac_east).post(url, {"to": "prac.east2"}, format="json").status_code == 403
        assert api.as_user(world.u.tm_east).post(url, {}, format="json").status_code == 400
        assert api.as_user(world.u.tm_east).post(url, {"to": "fin1"}, format="json").status_code == 403
        done = api.as_user(world.u.tm_east).post(url, {"to": "prac.east2", "reason": "Holiday"}, format="json")
        assert done.status_code == 200 and done.json()["owner"] == "prac.east2"

    def test_page_lists_only_people_who_may_do_it(self, world, client):
        case = scenario.allocated(world)
        task = open_task(case, "map_network")
        client.force_login(world.u.tm_east)
        page = client.get(f"/tasks/{task.pk}/reassign/").content.decode()
        assert "prac.east2" in page and "prac.west" not in page and "fin1" not in page
        response = client.post(f"/tasks/{task.pk}/reassign/", {"to": world.u.prac_east2.pk, "reason": ""})
        assert response.status_code == 302
        task.refresh_from_db()
        assert task.owner == world.u.prac_east2


class TestCaseload:
    def test_a_team_manager_sees_their_team(self, world):
        scenario.allocated(world)
        scenario.allocated(world, locality=world.west)
        rows = {row["person"].username: row for row in caseload(user=world.u.tm_east)}
        assert set(rows) == {"prac.east", "prac.east2"}
        assert rows["prac.east"]["open_cases"] == 1 and rows["prac.east"]["tasks"] == 1
        assert rows["prac.east2"]["open_cases"] == 0 and rows["prac.east2"]["tasks"] == 0

    def test_a_service_manager_sees_every_team(self, world):
        scenario.allocated(world)
        scenario.allocated(world, locality=world.west)
        assert {row["person"].username for row in caseload(user=world.u.sm)} >= {"prac.east", "prac.west"}

    def test_page_for_managers_only(self, world, client):
        case = scenario.allocated(world)
        client.force_login(world.u.tm_east)
        page = client.get("/caseload/").content.decode()
        assert "Caseload" in page and "prac.east" in page
        # The figures are counts; the cases behind them are one link away.
        assert case.reference in client.get("/caseload/?person=prac.east").content.decode()
        client.force_login(world.u.prac_east)
        assert client.get("/caseload/").status_code == 403

    def test_queries_do_not_grow_with_the_caseload(self, world, client, django_assert_max_num_queries):
        client.force_login(world.u.tm_east)
        scenario.allocated(world)
        with django_assert_max_num_queries(30) as few:
            client.get("/caseload/")
        for _ in range(3):
            scenario.allocated(world)
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get("/caseload/")
