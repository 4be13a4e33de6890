"""Access follows the case and the team at once: moving a case to another team, or a practitioner
leaving a team, changes what the very next request may see."""

import pytest

from tests import scenario

pytestmark = pytest.mark.django_db


def test_transfer_through_the_api_moves_access_in_the_same_request_cycle(world, api):
    case, grandmother, plan = scenario.plan_accepted(world)
    assert api.as_user(world.u.prac_east2).get(f"/api/v1/cases/{case.pk}/").status_code == 200
    response = api.as_user(world.u.sm).post(
        f"/api/v1/cases/{case.pk}/transfer/",
        {"team": "west", "locality": "west", "lead_practitioner": "prac.west"},
        format="json",
    )
    assert response.status_code == 200, response.content
    for user, want in (
        (world.u.prac_east, 404),
        (world.u.prac_east2, 404),
        (world.u.tm_east, 404),
        (world.u.prac_west, 200),
        (world.u.tm_west, 200),
    ):
        client = api.as_user(user)
        assert client.get(f"/api/v1/cases/{case.pk}/").status_code == want, user
        assert client.get(f"/api/v1/plans/{plan.pk}/").status_code == want, user
        assert client.get(f"/api/v1/cases/{case.pk}/network-members/").status_code == want, user


def test_a_practitioner_leaving_the_team_loses_its_cases_at_once(world, api, client):
    case = scenario.allocated(world)
    client.force_login(world.u.prac_east2)
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    world.team_east.members.remove(world.u.prac_east2)
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert api.as_user(world.u.prac_east2).get("/api/v1/cases/").json()["count"] == 0


def test_every_read_of_an_auditor_is_logged(world, api, client):
    from audit.models import AccessLog

    case = scenario.allocated(world)
    client.force_login(world.u.auditor)
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    assert client.get("/cases/?q=Hardy").status_code == 200
    assert api.as_user(world.u.auditor).get(f"/api/v1/cases/{case.pk}/audit/").status_code == 200
    reads = list(AccessLog.objects.filter(actor=world.u.auditor, what="auditor_read").values_list("door", "path"))
    assert ("page", f"/cases/{case.pk}/") in reads
    assert ("page", "/cases/?q=Hardy") in reads
    assert ("api", f"/api/v1/cases/{case.pk}/audit/") in reads
    # Practitioners' ordinary reads are not logged this way (their sensitive reads are, elsewhere).
    client.force_login(world.u.prac_east)
    client.get("/cases/")
    assert not AccessLog.objects.filter(actor=world.u.prac_east, what="auditor_read").exists()


def test_a_coordinator_sees_only_their_conference_not_other_meetings_notes(world, api, client):
    """An FNM was held first; a conference follows on the revised plan. The coordinator sees the
    conference's meeting and plan, never the FNM's notes or plan."""
    import datetime

    from django.utils import timezone

    from fgdm.models import Meeting

    case, grandmother, fnm_plan = scenario.meeting_held(world)  # an FNM, run by the practitioner
    fnm = fnm_plan.meeting
    fgc = Meeting.objects.create(
        case=case,
        model="fgc",
        scheduled_for=timezone.now() + datetime.timedelta(days=7),
        venue="Leigh Park Family Hub",
        coordinator=world.u.coord,
    )
    from fgdm.visibility import COORDINATE, grant_case_access

    grant_case_access(world.u.coord, case, COORDINATE)
    token = api.as_user(world.u.coord)
    assert token.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    listed = [m["id"] for m in token.get(f"/api/v1/cases/{case.pk}/meetings/").json()["results"]]
    assert listed == [fgc.pk]
    assert token.get(f"/api/v1/plans/{fnm_plan.pk}/").status_code == 404
    client.force_login(world.u.coord)
    assert client.get(f"/plans/{fnm_plan.pk}/").status_code == 404
    assert client.get(f"/meetings/{fnm.pk}/record/").status_code == 404
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f"/plans/{fnm_plan.pk}/" not in page
    # The practitioner sees both.
    assert api.as_user(world.u.prac_east).get(f"/api/v1/plans/{fnm_plan.pk}/").status_code == 200
