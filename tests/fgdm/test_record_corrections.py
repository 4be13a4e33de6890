"""Correcting the record (issue 12, part 1): a case's details, through the service, the API and the
page, with the refusals: out of scope 404, wrong role 403 before the input is read, wrong state 409
saying what would make it possible, bad input 400 on its field."""

import pytest
from django.urls import reverse

from audit.models import DomainEvent
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken, SeparationOfDuties
from fgdm import services
from fgdm.models import FamilyHub
from tests import scenario
from tests.helpers import counts, ok, post

pytestmark = pytest.mark.django_db


def events(case, action):
    return list(DomainEvent.objects.filter(case_id=case.pk, action=action).order_by("id"))


def hub(locality, name):
    return FamilyHub.objects.create(name=name, kind="main", locality=locality)


def closed(world):
    """A closed case with its child and one network member."""
    return scenario.closed_case(world)


def patch(client, url, body):
    return client.patch(url, body, format="json")


# -- 1. the case's details -------------------------------------------------------------------------


class TestCaseUpdateService:
    def test_records_before_and_after_of_what_changed_only(self, world):
        case = scenario.allocated(world)
        leigh = hub(world.east, "Leigh Park Family Hub")
        services.case_update(
            case_id=case.pk,
            by=world.u.prac_east,
            family_name="  Hardie ",
            referral_reason=case.referral_reason,  # unchanged: not in the event
            hub=leigh,
            child_lives_with="Mum and Nan",
        )
        case.refresh_from_db()
        assert (case.family_name, case.hub, case.child_lives_with) == ("Hardie", leigh, "Mum and Nan")
        [event] = events(case, "case_updated")
        assert event.changes == {
            "family_name": ["Hardy", "Hardie"],
            "hub": [None, "Leigh Park Family Hub"],
            "child_lives_with": ["", "Mum and Nan"],
        }
        assert event.actor_username == "prac.east"

    def test_nothing_changed_records_nothing(self, world):
        case = scenario.allocated(world)
        before = counts()
        services.case_update(case_id=case.pk, by=world.u.prac_east, family_name="Hardy", child_lives_with="")
        assert counts() == before

    def test_hub_by_id_and_cleared(self, world):
        case = scenario.allocated(world)
        leigh = hub(world.east, "Leigh Park Family Hub")
        services.case_update(case_id=case.pk, by=world.u.prac_east, hub=leigh.pk)
        services.case_update(case_id=case.pk, by=world.u.prac_east, hub=None)
        assert [e.changes["hub"] for e in events(case, "case_updated")] == [
            [None, "Leigh Park Family Hub"],
            ["Leigh Park Family Hub", None],
        ]

    @pytest.mark.parametrize(
        "changes, field, words",
        [
            ({"stage": "child_protection"}, "stage", "keeps the stage's history"),
            ({"locality": "west"}, "locality", "transfer"),
            ({"team": "west"}, "team", "transfer"),
            ({"lead_practitioner": "prac.east2"}, "lead_practitioner", "transfer"),
            ({"status": "closed"}, "status", "steps of the case"),
            ({"reference": "FGDM-1"}, "reference", "not a detail"),
            ({"family_name": "   "}, "family_name", "family name"),
            ({"referral_reason": ""}, "referral_reason", "reason"),
            ({"family_name": "x" * 101}, "family_name", "At most 100"),
            ({"hub": 999_999}, "hub", "exists"),
        ],
    )
    def test_bad_input_is_refused_on_its_field_and_changes_nothing(self, world, changes, field, words):
        case = scenario.allocated(world)
        before = counts()
        with pytest.raises(RuleBroken, match=words) as refused:
            services.case_update(case_id=case.pk, by=world.u.prac_east, **changes)
        assert refused.value.field == field
        assert counts() == before

    def test_a_hub_in_another_locality_is_refused(self, world):
        case = scenario.allocated(world)
        elsewhere = hub(world.west, "Bridport Hub")
        with pytest.raises(RuleBroken, match="another locality") as refused:
            services.case_update(case_id=case.pk, by=world.u.prac_east, hub=elsewhere)
        assert refused.value.field == "hub"

    def test_closed_case_says_it_must_be_reopened(self, world):
        case = closed(world)
        with pytest.raises(InvalidTransition, match="reopen"):
            services.case_update(case_id=case.pk, by=world.u.prac_east, family_name="Hardie")

    @pytest.mark.parametrize("who", ["prac_west", "tm_east", "coord", "sm"])
    def test_only_practitioners_of_the_case(self, world, who):
        case = scenario.allocated(world)
        with pytest.raises(NotPermitted):
            services.case_update(case_id=case.pk, by=getattr(world.u, who), family_name="Hardie")

    def test_a_team_colleague_may_correct_it(self, world):
        case = scenario.allocated(world)
        services.case_update(case_id=case.pk, by=world.u.prac_east2, family_name="Hardie")
        assert events(case, "case_updated")[0].actor_username == "prac.east2"

    def test_a_declared_conflict_stops_them(self, world):
        case = scenario.allocated(world)
        services.conflict_declare(by=world.u.prac_east2, case_reference=case.reference, reason="Neighbour")
        with pytest.raises(SeparationOfDuties):
            services.case_update(case_id=case.pk, by=world.u.prac_east2, family_name="Hardie")


class TestCaseUpdateApi:
    def test_patch_corrects_and_answers_the_case(self, world, api):
        case = scenario.allocated(world)
        leigh = hub(world.east, "Leigh Park Family Hub")
        body = ok(
            patch(
                api.as_user(world.u.prac_east),
                f"/api/v1/cases/{case.pk}/",
                {"family_name": "Hardie", "hub": leigh.pk, "child_lives_with": "Nan"},
            )
        )
        assert (body["family_name"], body["hub"], body["child_lives_with"]) == ("Hardie", leigh.pk, "Nan")
        assert body["stage"] == "family_help" and body["reference"] == case.reference
        trail = ok(api.as_user(world.u.prac_east).get(f"/api/v1/cases/{case.pk}/audit/"))["results"]
        assert trail[0]["action"] == "case_updated" and trail[0]["changes"]["family_name"] == ["Hardy", "Hardie"]

    def test_stage_is_refused_with_where_to_change_it(self, world, api):
        case = scenario.allocated(world)
        response = patch(api.as_user(world.u.prac_east), f"/api/v1/cases/{case.pk}/", {"stage": "kinship"})
        assert response.status_code == 400 and "stage" in response.json()
        case.refresh_from_db()
        assert case.stage == "family_help" and not events(case, "case_updated")

    def test_bad_input_is_a_field_error(self, world, api):
        case = scenario.allocated(world)
        response = patch(api.as_user(world.u.prac_east), f"/api/v1/cases/{case.pk}/", {"family_name": ""})
        assert response.status_code == 400 and "family_name" in response.json()
        response = patch(api.as_user(world.u.prac_east), f"/api/v1/cases/{case.pk}/", {"hub": "x"})
        assert response.status_code == 400 and "hub" in response.json()

    def test_out_of_scope_is_404_and_wrong_role_403_before_the_input(self, world, api):
        case = scenario.allocated(world)
        url = f"/api/v1/cases/{case.pk}/"
        assert patch(api.as_user(world.u.prac_west), url, {"family_name": "X"}).status_code == 404
        # A bad body still answers 403: the role is refused before the input is read.
        assert patch(api.as_user(world.u.tm_east), url, {"family_name": ""}).status_code == 403
        assert patch(api.as_user(world.u.fin1), url, {"family_name": "X"}).status_code == 404
        case.refresh_from_db()
        assert case.family_name == "Hardy"

    def test_closed_case_is_409_saying_what_would_make_it_possible(self, world, api):
        case = closed(world)
        response = patch(api.as_user(world.u.prac_east), f"/api/v1/cases/{case.pk}/", {"family_name": "Hardie"})
        assert response.status_code == 409 and "reopen" in response.json()["detail"]


class TestCaseUpdatePage:
    def test_linked_from_the_case_page_for_its_practitioners_only(self, client, world):
        case = scenario.allocated(world)
        url = reverse("fgdm:case_edit", args=[case.pk])
        client.force_login(world.u.prac_east)
        assert url in client.get(reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        client.force_login(world.u.tm_east)
        assert url not in client.get(reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        assert client.get(url).status_code == 403

    def test_not_offered_on_a_closed_case(self, client, world):
        case = closed(world)
        client.force_login(world.u.prac_east)
        page = client.get(reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        assert reverse("fgdm:case_edit", args=[case.pk]) not in page

    def test_form_shows_the_details_and_saves_the_corrections(self, client, world):
        case = scenario.allocated(world)
        leigh = hub(world.east, "Leigh Park Family Hub")
        hub(world.west, "Bridport Hub")
        client.force_login(world.u.prac_east)
        url = reverse("fgdm:case_edit", args=[case.pk])
        page = client.get(url).content.decode()
        assert 'value="Hardy"' in page and "Leigh Park Family Hub" in page and "Bridport Hub" not in page
        post(
            client,
            url,
            {
                "family_name": "Hardie",
                "referral_reason": case.referral_reason,
                "hub": str(leigh.pk),
                "child_lives_with": "",
            },
        )
        case.refresh_from_db()
        assert (case.family_name, case.hub) == ("Hardie", leigh)
        [event] = events(case, "case_updated")
        assert set(event.changes) == {"family_name", "hub"}

    def test_refusals_show_on_the_form_and_change_nothing(self, client, world):
        case = closed(world)
        client.force_login(world.u.prac_east)
        url = reverse("fgdm:case_edit", args=[case.pk])
        response = post(
            client,
            url,
            {"family_name": "Hardie", "referral_reason": "x", "hub": "", "child_lives_with": ""},
            expect=409,
        )
        assert "reopen" in response.content.decode()
        response = post(client, reverse("fgdm:case_edit", args=[scenario.allocated(world).pk]), {}, expect=400)
        assert "Family name" in response.content.decode()
        client.force_login(world.u.prac_west)
        assert client.get(url).status_code == 404
