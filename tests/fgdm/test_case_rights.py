"""The case page asks each permission check once (fgdm.views.rights.CaseRights): its answers are the
checks' own, whoever asks and in whatever order, including for someone with a declared conflict."""

import itertools

import pytest

from core.pages import allowed
from fgdm.models import DeclaredConflict
from fgdm.permissions import ensure_can_manage_case, ensure_can_work_case, ensure_can_work_or_manage_case
from fgdm.views.rights import CaseRights
from tests import scenario

CHECKS = (ensure_can_work_case, ensure_can_manage_case, ensure_can_work_or_manage_case)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who", ["prac_east", "prac_east2", "prac_west", "tm_east", "tm_west", "sm", "coord", "auditor"]
)
def test_case_rights_answer_as_the_checks_do_in_any_order(world, who):
    case = scenario.allocated(world)
    user = getattr(world.u, who)
    expected = {check: allowed(check, user, case) for check in CHECKS}
    for order in itertools.permutations(CHECKS):
        rights = CaseRights(user, case)
        assert {check: rights.allows(check) for check in order} == expected, (who, [c.__name__ for c in order])


@pytest.mark.django_db
def test_a_declared_conflict_refuses_every_right(world):
    case = scenario.allocated(world)
    DeclaredConflict.objects.create(case=case, user=world.u.tm_east, reason="my cousin's family")
    rights = CaseRights(world.u.tm_east, case)
    assert [rights.allows(check) for check in CHECKS] == [False, False, False]
