"""GET /api/v1/tasks/ shows each role its own inbox and claimable queue; assign takes a task once."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from core.exceptions import NotPermitted
from core.roles import Role
from fgdm import services as case_services
from process import services as process_services
from tests import scenario
from tests.helpers import counts, ok

# Where the case stands → the tasks each person sees (name, owner) on it; people not named see none.
STAGES = {
    "referred": (
        lambda w: scenario.referral(w),
        {
            "tm_east": [("allocate", None)],
            "sm": [("allocate", None)],
            "hos": [("allocate", None)],
        },
    ),
    "allocated": (
        lambda w: scenario.allocated(w),
        {
            "prac_east": [("map_network", "prac.east")],
        },
    ),
    "conference": (
        lambda w: _conference(w),
        {
            "coord": [("prepare_network", "coord")],
        },
    ),
    "plan agreed": (
        lambda w: scenario.meeting_held(w)[0],
        {
            "prac_east": [("accept_plan", "prac.east")],
        },
    ),
    "plan accepted": (
        lambda w: scenario.plan_accepted(w)[0],
        {
            "prac_east": [("draft_package", "prac.east")],
        },
    ),
    "submitted £300": (
        lambda w: scenario.package_submitted(w).case,
        {
            "tm_east": [("approve_team_manager", None)],
        },
    ),
    "escalated £1,200": (
        lambda w: _escalated(w),
        {
            "sm": [("approve_service_manager", None)],
        },
    ),
    "approved": (
        lambda w: scenario.package_approved(w).case,
        {
            "fin1": [("authorise_payments", None)],
            "fin2": [("authorise_payments", None)],
        },
    ),
}
EVERYONE = [
    "prac_east",
    "prac_east2",
    "prac_west",
    "coord",
    "tm_east",
    "tm_west",
    "sm",
    "hos",
    "fin1",
    "fin2",
    "auditor",
]


def _conference(world):
    case, _ = scenario.with_network(world)
    case_services.meeting_schedule(
        case_id=case.pk,
        by=world.u.prac_east,
        model="fgc",
        venue="Hub",
        scheduled_for=timezone.now(),
        coordinator=world.u.coord,
    )
    return case


def _escalated(world):
    from network_packages import services as package_services

    package = scenario.package_submitted(world, amount=Decimal("1200.00"))
    package_services.package_approve(package_id=package.pk, by=world.u.tm_east, note="Endorsed")
    return package.case


@pytest.mark.django_db
class TestTaskList:
    @pytest.mark.parametrize("stage", list(STAGES))
    def test_each_role_sees_its_own_queue(self, world, api, stage):
        build, expected = STAGES[stage]
        case = build(world)
        for username in EVERYONE:
            tasks = ok(api.as_user(getattr(world.u, username)).get("/api/v1/tasks/"))
            seen = [(t["name"], t["owner"]) for t in tasks["results"] if t["case"] == case.pk]
            assert seen == expected.get(username, []), (stage, username, tasks["results"])
            assert tasks["count"] == len(tasks["results"]) == len(seen)

    def test_a_task_carries_its_node_title_and_case(self, world, api):
        case = scenario.referral(world)
        [task] = ok(api.as_user(world.u.tm_east).get("/api/v1/tasks/"))["results"]
        assert task | {"id": 0, "created": ""} == {
            "id": 0,
            "name": "allocate",
            "title": "Screen the referral: allocate a lead practitioner or decline it",
            "status": "NEW",
            "case": case.pk,
            "case_reference": case.reference,
            "owner": None,
            "created": "",
        }

    def test_the_pages_hold_the_inbox_and_the_queue_in_creation_order(self, world, api):
        """A page is read by its ids first (core.paging.IdsFirstPaginator over the inbox UNION ALL the
        queue): page 1 and page 2 together are the task list, oldest first, each task once, the
        manager's own task among the queue's in its place, and the count is all of them."""
        from viewflow.workflow.models import Task

        from process import selectors

        cases = [scenario.referral(world) for _ in range(51)]
        scenario.referral(world, by=world.u.prac_west, locality=world.west)  # West's: not tm.east's
        taken = Task.objects.get(process__case=cases[20], flow_task_type="HUMAN", status="NEW")
        process_services.task_assign(task_id=taken.pk, by=world.u.tm_east)
        client = api.as_user(world.u.tm_east)
        first, second = ok(client.get("/api/v1/tasks/")), ok(client.get("/api/v1/tasks/?page=2"))
        assert first["count"] == second["count"] == 51
        assert (len(first["results"]), len(second["results"])) == (50, 1)
        listed = [t["id"] for t in first["results"] + second["results"]]
        assert listed == list(selectors.task_list(user=world.u.tm_east).values_list("pk", flat=True))
        assert listed == sorted(listed, key=lambda pk: (Task.objects.get(pk=pk).created, pk))
        assert [t["case"] for t in first["results"][:22]] == [c.pk for c in cases[:22]]
        assert first["results"][20] | {"id": 0, "created": ""} == {
            "id": 0,
            "name": "allocate",
            "title": "Screen the referral: allocate a lead practitioner or decline it",
            "status": "ASSIGNED",
            "case": cases[20].pk,
            "case_reference": cases[20].reference,
            "owner": "tm.east",
            "created": "",
        }

    def test_another_teams_referral_is_not_in_the_queue(self, world, api):
        scenario.referral(world, by=world.u.prac_west, locality=world.west)
        assert ok(api.as_user(world.u.tm_east).get("/api/v1/tasks/"))["count"] == 0
        assert [t["name"] for t in ok(api.as_user(world.u.tm_west).get("/api/v1/tasks/"))["results"]] == ["allocate"]


@pytest.mark.django_db
class TestTaskAssign:
    def test_assign_takes_it_from_the_queue_once(self, world, api):
        scenario.referral(world)
        [task] = ok(api.as_user(world.u.tm_east).get("/api/v1/tasks/"))["results"]
        taken = ok(api.as_user(world.u.tm_east).post(f"/api/v1/tasks/{task['id']}/assign/"))
        assert (taken["id"], taken["owner"], taken["status"]) == (task["id"], "tm.east", "ASSIGNED")
        before = counts()
        again = api.as_user(world.u.tm_east).post(f"/api/v1/tasks/{task['id']}/assign/")
        assert again.status_code == 409 and "already" in again.json()["detail"]
        assert counts() == before
        # It is now in tm.east's inbox and out of the other managers' queues.
        assert [(t["id"], t["owner"]) for t in ok(api.as_user(world.u.tm_east).get("/api/v1/tasks/"))["results"]] == [
            (task["id"], "tm.east")
        ]
        assert ok(api.as_user(world.u.sm).get("/api/v1/tasks/"))["count"] == 0

    def test_the_assignee_then_completes_it_through_the_service_endpoint(self, world, api):
        case = scenario.referral(world)
        [task] = ok(api.as_user(world.u.tm_east).get("/api/v1/tasks/"))["results"]
        ok(api.as_user(world.u.tm_east).post(f"/api/v1/tasks/{task['id']}/assign/"))
        ok(
            api.as_user(world.u.tm_east).post(
                f"/api/v1/cases/{case.pk}/allocate/", {"lead_practitioner": "prac.east"}, format="json"
            )
        )
        assert ok(api.as_user(world.u.tm_east).get("/api/v1/tasks/"))["count"] == 0
        assert [t["name"] for t in ok(api.as_user(world.u.prac_east).get("/api/v1/tasks/"))["results"]] == [
            "map_network"
        ]

    def test_a_task_someone_else_has_taken_answers_already_taken_not_404(self, world, api, client):
        """Two managers take the same task: whichever request comes second, after the first has
        committed (two app servers), hears that it is taken (409; the page says so), not "no such task"."""
        scenario.referral(world)
        [task] = ok(api.as_user(world.u.tm_east).get("/api/v1/tasks/"))["results"]
        ok(api.as_user(world.u.sm).post(f"/api/v1/tasks/{task['id']}/assign/"))
        before = counts()
        second = api.as_user(world.u.tm_east).post(f"/api/v1/tasks/{task['id']}/assign/")
        assert second.status_code == 409 and "already been taken" in second.json()["detail"]
        client.force_login(world.u.tm_east)
        page = client.post(f"/tasks/{task['id']}/take/")
        assert page.status_code == 400 and "already been taken" in page.content.decode()
        assert counts() == before

    def test_a_role_that_takes_no_tasks_is_refused_alike_by_the_service_the_api_and_the_page(self, world, api, client):
        """The role's check is the service's own (process.services.task_assign): a person who holds a
        task but whose role no longer takes tasks (moved to auditing) is refused at every door."""
        scenario.allocated(world)
        [task] = ok(api.as_user(world.u.prac_east).get("/api/v1/tasks/"))["results"]
        world.u.prac_east.groups.set([Group.objects.get(name=Role.AUDITOR)])
        person = get_user_model().objects.get(pk=world.u.prac_east.pk)  # roles read afresh
        before = counts()
        with pytest.raises(NotPermitted):
            process_services.task_assign(task_id=task["id"], by=person)
        assert api.as_user(person).post(f"/api/v1/tasks/{task['id']}/assign/").status_code == 403
        client.force_login(person)
        assert client.post(f"/tasks/{task['id']}/take/").status_code == 403
        assert counts() == before

    def test_a_take_that_deadlocks_is_a_409_try_again_and_saves_nothing(self, world, api, client, monkeypatch):
        """The flow's lock waits for the case's process row; a deadlock between two writes (PostgreSQL
        rolls one back whole) reaches the person as "try again" (409), on the API and the page, never a 500."""
        from django.db import OperationalError, connection, transaction

        from process import services as process_services

        taking = process_services.task_assign

        def deadlocks(**kwargs):
            with transaction.atomic():
                taking(**kwargs)  # the task is taken, then the transaction is chosen as the deadlock's victim
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute(
                            "DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END $$"
                        )
                import psycopg

                raise OperationalError("deadlock detected") from psycopg.errors.DeadlockDetected("deadlock detected")

        monkeypatch.setattr(process_services, "task_assign", deadlocks)
        scenario.referral(world)
        [task] = ok(api.as_user(world.u.tm_east).get("/api/v1/tasks/"))["results"]
        before = counts()
        answer = api.as_user(world.u.tm_east).post(f"/api/v1/tasks/{task['id']}/assign/")
        assert answer.status_code == 409 and "Try again" in answer.json()["detail"]
        client.raise_request_exception = False
        client.force_login(world.u.tm_east)
        page = client.post(f"/tasks/{task['id']}/take/")
        assert page.status_code == 409
        assert "Someone else is changing this case" in page.content.decode()
        assert "nothing was saved" in page.content.decode()
        assert counts() == before
        assert ok(api.as_user(world.u.tm_east).get("/api/v1/tasks/"))["results"][0]["owner"] in (None, "")

    @pytest.mark.parametrize("username", ["prac_east", "tm_west", "fin1", "coord"])
    def test_people_whose_queue_does_not_hold_it_get_404(self, world, api, username):
        scenario.referral(world)
        [task] = ok(api.as_user(world.u.tm_east).get("/api/v1/tasks/"))["results"]
        before = counts()
        assert api.as_user(getattr(world.u, username)).post(f"/api/v1/tasks/{task['id']}/assign/").status_code == 404
        assert counts() == before

    def test_unknown_task(self, world, api):
        assert api.as_user(world.u.tm_east).post("/api/v1/tasks/999999/assign/").status_code == 404

    def test_finance_queue_is_not_tied_to_case_visibility(self, world, api):
        package = scenario.package_approved(world)
        fin = api.as_user(world.u.fin1)
        [task] = ok(fin.get("/api/v1/tasks/"))["results"]
        assert (task["name"], task["case"]) == ("authorise_payments", package.case_id)
        assert fin.get(f"/api/v1/cases/{package.case_id}/").status_code == 404
        assert ok(fin.post(f"/api/v1/tasks/{task['id']}/assign/"))["owner"] == "fin1"
        assert ok(api.as_user(world.u.fin2).get("/api/v1/tasks/"))["count"] == 0

    def test_a_second_role_adds_its_queue(self, world, api):
        scenario.referral(world)
        world.u.prac_east.groups.add(Group.objects.get(name="team_manager"))
        world.team_east.managers.add(world.u.prac_east)
        assert [t["name"] for t in ok(api.as_user(world.u.prac_east).get("/api/v1/tasks/"))["results"]] == ["allocate"]
