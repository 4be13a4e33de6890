"""Server errors tools/fuzz-api (schemathesis against a live server on PostgreSQL) found, each now a
clear 400 naming the field, with nothing written."""

import pytest

from fgdm.models import Case
from tests import scenario

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field", ["team", "locality", "lead_practitioner"])
@pytest.mark.parametrize("format", ["json", "multipart"])
def test_nul_in_a_name_looked_up_is_a_field_error(world, api, field, format):
    """A NUL character in a code or username that is looked up (a case transfer's team, locality or
    lead practitioner) answered 500 on PostgreSQL, whose text cannot hold one."""
    case = scenario.allocated(world)
    body = {"team": "west", "locality": "west", "lead_practitioner": "prac.west"}
    body[field] = body[field][:2] + "\x00" + body[field][2:]
    response = api.as_user(world.u.sm).post(f"/api/v1/cases/{case.pk}/transfer/", body, format=format)
    assert response.status_code == 400, response.content
    assert response.json() == {field: ["Null characters are not allowed."]}
    case.refresh_from_db()
    assert case.team.code == "east"


def test_nul_in_a_referral_locality_is_a_field_error(world, api):
    response = api.as_user(world.u.prac_east).post(
        "/api/v1/cases/",
        {
            "family_name": "Nul",
            "locality": "ea\x00st",
            "stage": "family_help",
            "referral_reason": "A referral.",
            "child_lives_with": "Mother",
            "children": [{"first_name": "Lily", "last_name": "Nul", "date_of_birth": "2017-03-09"}],
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["locality"] == ["Null characters are not allowed."]
    assert not Case.objects.filter(family_name="Nul").exists()
