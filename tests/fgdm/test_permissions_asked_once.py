"""fgdm.permissions.asked_once: inside it (the case page's read) each question the permission checks
put to the database is asked once per person and case; a write through a service forgets every
answer, so a right taken away is refused at once; outside it nothing is remembered."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.pages import allowed
from fgdm import services as case_services
from fgdm.permissions import (
    asked_once,
    ensure_can_lead_or_manage_case,
    ensure_can_manage_case,
    ensure_can_work_case,
    ensure_can_work_or_manage_case,
)
from tests import scenario
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHECKS = (ensure_can_work_case, ensure_can_manage_case, ensure_can_work_or_manage_case, ensure_can_lead_or_manage_case)


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


def test_each_question_asked_once_inside_the_block_and_every_time_outside(world):
    case = scenario.allocated(world)
    manager = world.u.tm_east
    allowed(ensure_can_manage_case, manager, case)  # the person's roles, read once per user object

    def three_checks():
        assert [allowed(check, manager, case) for check in CHECKS[1:]] == [True, True, True]

    assert _queries(three_checks) == 6, "outside: a conflict and a managers' query for each check"
    with asked_once():
        assert _queries(three_checks) == 2, "inside: one of each"
        assert _queries(three_checks) == 0
    assert _queries(three_checks) == 6, "nothing remembered after the block"


@pytest.mark.parametrize("who", ["prac_east", "prac_east2", "prac_west", "tm_east", "tm_west", "sm", "coord"])
def test_answers_inside_the_block_are_the_checks_own(world, who):
    case = scenario.allocated(world)
    user = getattr(world.u, who)
    expected = [allowed(check, user, case) for check in CHECKS]
    with asked_once():
        assert [allowed(check, user, case) for check in CHECKS] == expected
        assert [allowed(check, user, case) for check in reversed(CHECKS)] == expected[::-1]


def test_a_declared_conflict_is_refused_at_once_inside_the_block(world):
    case = scenario.allocated(world)
    manager = world.u.tm_east
    with asked_once():
        assert allowed(ensure_can_manage_case, manager, case)
        case_services.conflict_declare(by=manager, case_reference=case.reference, reason="My cousin's family")
        assert [allowed(check, manager, case) for check in CHECKS] == [False, False, False, False]


def test_a_manager_taken_off_the_team_is_refused_at_once_inside_the_block(world):
    case = scenario.allocated(world)
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    with asked_once():
        assert allowed(ensure_can_manage_case, world.u.tm_east, case)
        assert allowed(ensure_can_work_case, world.u.prac_east2, case)
        case_services.team_update(team_id=case.team_id, by=admin, managers=[], members=[case.lead_practitioner])
        assert not allowed(ensure_can_manage_case, world.u.tm_east, case)
        if case.lead_practitioner != world.u.prac_east2:
            assert not allowed(ensure_can_work_case, world.u.prac_east2, case)


def test_the_case_page_offers_nothing_to_a_manager_after_a_conflict(world, as_page):
    """The case page reads inside the block: after the manager declares a conflict, the next read of
    the page is refused (the answers of the first read are not remembered from one request to the
    next)."""
    case = scenario.allocated(world)
    page = as_page(world.u.tm_east)
    assert page.get(f"/cases/{case.pk}/").status_code == 200
    case_services.conflict_declare(by=world.u.tm_east, case_reference=case.reference, reason="My cousin's family")
    assert page.get(f"/cases/{case.pk}/").status_code == 404
