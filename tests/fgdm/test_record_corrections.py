"""Correcting the record (issue 12, part 1): a case's details, its children (added, corrected, born,
removed) and its network (corrected, given contact details and needs, removed), each through the
service, the API and the page, with the refusals: out of scope 404, wrong role 403 before the input
is read, wrong state 409 saying what would make it possible, bad input 400 on its field. Nothing is
ever deleted: removals are marked and kept."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit import sar
from audit.masking import MASK
from audit.models import DomainEvent
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken, SeparationOfDuties
from fgdm import services
from fgdm.models import Case, Child, FamilyHub, NetworkMember
from fgdm.retention import CaseRecords
from network_packages import services as package_services
from network_packages.services import ItemInput
from tests import scenario
from tests.helpers import counts, formset, ok, post, referral_data

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def in_weeks(weeks):
    return TODAY() + datetime.timedelta(weeks=weeks)


def events(case, action):
    return list(DomainEvent.objects.filter(case_id=case.pk, action=action).order_by("id"))


def hub(locality, name):
    return FamilyHub.objects.create(name=name, kind="main", locality=locality)


def closed(world):
    """A closed case with its child and one network member."""
    return scenario.closed_case(world)


def expecting(case, by, *, weeks=12, first_name=""):
    return services.child_add(
        case_id=case.pk,
        by=by,
        first_name=first_name,
        last_name="Hardy",
        expected_on=in_weeks(weeks),
        reason="Expecting",
    )


def second_child(case, by):
    return services.child_add(
        case_id=case.pk,
        by=by,
        first_name="Tom",
        last_name="Hardy",
        date_of_birth=datetime.date(2019, 5, 1),
        reason="Named by the school",
    )


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
            ({"family_name": "x" * 101}, "family_name", "at most 100 characters"),
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


# -- 2. children ------------------------------------------------------------------------------------


class TestChildAdd:
    def test_a_born_child_with_the_reason(self, world):
        case = scenario.allocated(world)
        tom = second_child(case, world.u.prac_east)
        assert (tom.first_name, tom.date_of_birth, tom.expected_on, tom.is_removed) == (
            "Tom",
            datetime.date(2019, 5, 1),
            None,
            False,
        )
        [event] = events(case, "child_added")
        assert (event.reason, event.to_state, event.object_repr) == ("Named by the school", "born", f"child #{tom.pk}")
        assert "Tom" not in str(event.changes)

    def test_an_unborn_child_by_expected_date_without_a_first_name(self, world):
        case = scenario.allocated(world)
        baby = expecting(case, world.u.prac_east)
        assert baby.is_unborn and baby.date_of_birth is None and baby.expected_on == in_weeks(12)
        assert str(baby) == "Baby Hardy (expected)"
        assert events(case, "child_added")[0].to_state == "expected"

    @pytest.mark.parametrize(
        "dates, field",
        [
            ({}, "date_of_birth"),
            ({"date_of_birth": datetime.date(2019, 5, 1), "expected_on": in_weeks(4)}, "date_of_birth"),
            ({"date_of_birth": TODAY() + datetime.timedelta(days=1)}, "date_of_birth"),
            ({"expected_on": TODAY() - datetime.timedelta(days=1)}, "expected_on"),
            ({"expected_on": in_weeks(45)}, "expected_on"),
        ],
    )
    def test_a_child_is_born_or_expected(self, world, dates, field):
        case = scenario.allocated(world)
        before = counts()
        with pytest.raises(RuleBroken) as refused:
            services.child_add(
                case_id=case.pk, by=world.u.prac_east, first_name="Tom", last_name="Hardy", reason="x", **dates
            )
        assert refused.value.field == field
        assert counts() == before

    @pytest.mark.parametrize(
        "names, field",
        [
            ({"first_name": "", "last_name": "Hardy"}, "first_name"),
            ({"first_name": "Tom", "last_name": " "}, "last_name"),
        ],
    )
    def test_a_born_child_has_both_names(self, world, names, field):
        case = scenario.allocated(world)
        with pytest.raises(RuleBroken) as refused:
            services.child_add(
                case_id=case.pk, by=world.u.prac_east, date_of_birth=datetime.date(2019, 5, 1), reason="x", **names
            )
        assert refused.value.field == field

    def test_refusals(self, world):
        case = scenario.allocated(world)
        with pytest.raises(RuleBroken, match="why") as refused:
            services.child_add(
                case_id=case.pk, by=world.u.prac_east, last_name="Hardy", expected_on=in_weeks(4), reason="  "
            )
        assert refused.value.field == "reason"
        with pytest.raises(NotPermitted):
            expecting(case, world.u.tm_east)
        with pytest.raises(InvalidTransition, match="reopen"):
            expecting(closed(world), world.u.prac_east)


class TestChildUpdate:
    def test_corrects_a_name_and_date_of_birth_masked_in_the_trail(self, world):
        case = scenario.allocated(world)
        lily = case.children.get()
        services.child_update(
            child_id=lily.pk, by=world.u.prac_east, first_name="Lilly", date_of_birth=datetime.date(2017, 3, 8)
        )
        lily.refresh_from_db()
        assert (lily.first_name, lily.date_of_birth) == ("Lilly", datetime.date(2017, 3, 8))
        [event] = events(case, "child_updated")
        assert event.changes == {"first_name": [MASK, MASK], "date_of_birth": [MASK, MASK]}
        assert event.object_repr == f"child #{lily.pk}"
        assert "Lil" not in str(event.changes) + event.object_repr + event.reason

    def test_nothing_changed_records_nothing(self, world):
        case = scenario.allocated(world)
        lily = case.children.get()
        before = counts()
        services.child_update(child_id=lily.pk, by=world.u.prac_east, first_name="Lily", last_name="Hardy")
        assert counts() == before

    def test_the_birth_of_an_expected_child(self, world):
        case = scenario.allocated(world)
        baby = expecting(case, world.u.prac_east, weeks=1)
        with pytest.raises(RuleBroken) as refused:
            services.child_update(child_id=baby.pk, by=world.u.prac_east, date_of_birth=TODAY())
        assert refused.value.field == "first_name"  # a born child has a first name
        with pytest.raises(RuleBroken) as refused:
            services.child_update(
                child_id=baby.pk,
                by=world.u.prac_east,
                date_of_birth=TODAY() + datetime.timedelta(days=1),
                first_name="Rose",
            )
        assert refused.value.field == "date_of_birth"  # ensure_born still holds
        services.child_update(child_id=baby.pk, by=world.u.prac_east, date_of_birth=TODAY(), first_name="Rose")
        baby.refresh_from_db()
        assert (baby.first_name, baby.date_of_birth, baby.expected_on, baby.is_unborn) == ("Rose", TODAY(), None, False)
        [event] = events(case, "child_born")
        assert (event.from_state, event.to_state) == ("expected", "born")
        assert event.changes == {
            "first_name": ["", MASK],  # nothing was known before: nothing to hide
            "date_of_birth": [None, MASK],
            "expected_on": [MASK, None],
        }
        assert not events(case, "child_updated")

    def test_the_expected_date_of_an_unborn_child_can_move(self, world):
        case = scenario.allocated(world)
        baby = expecting(case, world.u.prac_east, weeks=12)
        services.child_update(child_id=baby.pk, by=world.u.prac_east, expected_on=in_weeks(14))
        baby.refresh_from_db()
        assert baby.expected_on == in_weeks(14)
        with pytest.raises(RuleBroken) as refused:
            services.child_update(child_id=baby.pk, by=world.u.prac_east, expected_on=in_weeks(50))
        assert refused.value.field == "expected_on"

    @pytest.mark.parametrize(
        "changes, field",
        [
            ({"date_of_birth": None}, "date_of_birth"),
            ({"expected_on": datetime.date(2030, 1, 1)}, "expected_on"),
            ({"date_of_birth": datetime.date(2099, 1, 1)}, "date_of_birth"),
            ({"first_name": ""}, "first_name"),
            ({"wishes_and_feelings": "x"}, "wishes_and_feelings"),
        ],
    )
    def test_bad_corrections_of_a_born_child(self, world, changes, field):
        case = scenario.allocated(world)
        lily = case.children.get()
        before = counts()
        with pytest.raises(RuleBroken) as refused:
            services.child_update(child_id=lily.pk, by=world.u.prac_east, **changes)
        assert refused.value.field == field
        assert counts() == before

    def test_refusals(self, world):
        case = scenario.allocated(world)
        tom = second_child(case, world.u.prac_east)
        with pytest.raises(NotPermitted):
            services.child_update(child_id=tom.pk, by=world.u.prac_west, first_name="Thomas")
        services.child_remove(child_id=tom.pk, by=world.u.prac_east, reason="A cousin, added in error")
        with pytest.raises(InvalidTransition, match="add them to the case again"):
            services.child_update(child_id=tom.pk, by=world.u.prac_east, first_name="Thomas")
        old = closed(world)
        with pytest.raises(InvalidTransition, match="reopen"):
            services.child_update(child_id=old.children.get().pk, by=world.u.prac_east, first_name="Lilly")


class TestChildRemove:
    def test_marked_kept_and_left_out_of_lists(self, world):
        case = scenario.allocated(world)
        tom = second_child(case, world.u.prac_east)
        children = Child.objects.count()
        services.child_remove(child_id=tom.pk, by=world.u.prac_east, reason="A cousin, added in error")
        tom.refresh_from_db()
        assert Child.objects.count() == children  # nothing deleted
        assert (tom.removed_by, tom.removal_reason) == (world.u.prac_east, "A cousin, added in error")
        assert tom.removed_at is not None
        assert list(case.children.current()) == [case.children.get(first_name="Lily")]
        [event] = events(case, "child_removed")
        assert (event.reason, event.from_state, event.to_state) == ("A cousin, added in error", "on_case", "removed")

    def test_a_case_keeps_at_least_one_child(self, world):
        case = scenario.allocated(world)
        lily = case.children.get()
        with pytest.raises(InvalidTransition, match="at least one child.*add the right child first"):
            services.child_remove(child_id=lily.pk, by=world.u.prac_east, reason="Wrong child")
        tom = second_child(case, world.u.prac_east)
        services.child_remove(child_id=lily.pk, by=world.u.prac_east, reason="Wrong child")
        with pytest.raises(InvalidTransition, match="at least one child"):
            services.child_remove(child_id=tom.pk, by=world.u.prac_east, reason="Wrong child too")

    def test_refusals(self, world):
        case = scenario.allocated(world)
        tom = second_child(case, world.u.prac_east)
        with pytest.raises(RuleBroken) as refused:
            services.child_remove(child_id=tom.pk, by=world.u.prac_east, reason=" ")
        assert refused.value.field == "reason"
        with pytest.raises(NotPermitted):
            services.child_remove(child_id=tom.pk, by=world.u.tm_east, reason="x")
        services.child_remove(child_id=tom.pk, by=world.u.prac_east, reason="Added in error")
        with pytest.raises(InvalidTransition, match="already removed"):
            services.child_remove(child_id=tom.pk, by=world.u.prac_east, reason="Again")
        assert len(events(case, "child_removed")) == 1


class TestChildrenInTheCasework:
    def test_an_unborn_child_has_no_wishes_yet_and_does_not_hold_up_the_plan(self, world):
        case, _, plan = scenario.meeting_held(world)
        baby = expecting(case, world.u.prac_east)
        with pytest.raises(InvalidTransition, match="record the birth first"):
            services.child_record_wishes(
                child_id=baby.pk, by=world.u.prac_east, wishes_and_feelings="x", participation="writes"
            )
        services.plan_accept(plan_id=plan.pk, by=world.u.prac_east, support_needed=False)

    def test_a_removed_child_does_not_hold_up_the_plan_but_a_new_one_must_be_heard(self, world):
        case, _, plan = scenario.meeting_held(world)
        tom = second_child(case, world.u.prac_east)
        with pytest.raises(RuleBroken, match="Tom Hardy"):
            services.plan_accept(plan_id=plan.pk, by=world.u.prac_east, support_needed=False)
        services.child_remove(child_id=tom.pk, by=world.u.prac_east, reason="Added in error")
        services.plan_accept(plan_id=plan.pk, by=world.u.prac_east, support_needed=False)


class TestChildrenApi:
    def test_add_list_correct_record_birth_and_remove(self, world, api):
        case = scenario.allocated(world)
        client = api.as_user(world.u.prac_east)
        baby = ok(
            client.post(
                f"/api/v1/cases/{case.pk}/children/",
                {"last_name": "Hardy", "expected_on": in_weeks(6).isoformat(), "reason": "Mum is expecting"},
                format="json",
            ),
            201,
        )
        assert (baby["unborn"], baby["date_of_birth"], baby["expected_on"]) == (True, None, in_weeks(6).isoformat())
        baby = ok(patch(client, f"/api/v1/children/{baby['id']}/", {"expected_on": in_weeks(7).isoformat()}))
        assert baby["expected_on"] == in_weeks(7).isoformat()
        born = ok(
            patch(
                client, f"/api/v1/children/{baby['id']}/", {"date_of_birth": TODAY().isoformat(), "first_name": "Rose"}
            )
        )
        assert (born["unborn"], born["first_name"], born["expected_on"]) == (False, "Rose", None)
        lily = case.children.get(first_name="Lily")
        removed = ok(
            client.post(f"/api/v1/children/{lily.pk}/remove/", {"reason": "Lives with her dad now"}, format="json")
        )
        assert removed["removed_by"] == "prac.east" and removed["removal_reason"] == "Lives with her dad now"
        listed = ok(client.get(f"/api/v1/cases/{case.pk}/children/"))
        assert [c["first_name"] for c in listed["results"]] == ["Rose"]
        everyone = ok(client.get(f"/api/v1/cases/{case.pk}/children/?include_removed=true"))
        assert sorted(c["first_name"] for c in everyone["results"]) == ["Lily", "Rose"]
        assert [c["first_name"] for c in ok(client.get(f"/api/v1/cases/{case.pk}/"))["children"]] == ["Rose"]
        actions = [e["action"] for e in ok(client.get(f"/api/v1/cases/{case.pk}/audit/"))["results"]]
        assert actions[:4] == ["child_removed", "child_born", "child_updated", "child_added"]

    def test_bad_input_is_400_on_its_field(self, world, api):
        case = scenario.allocated(world)
        client = api.as_user(world.u.prac_east)
        url = f"/api/v1/cases/{case.pk}/children/"
        response = client.post(url, {"last_name": "Hardy", "expected_on": in_weeks(4).isoformat()}, format="json")
        assert response.status_code == 400 and "reason" in response.json()
        response = client.post(
            url,
            {"first_name": "Tom", "last_name": "Hardy", "date_of_birth": "2099-01-01", "reason": "x"},
            format="json",
        )
        assert response.status_code == 400 and "date_of_birth" in response.json()
        response = client.post(url, {"last_name": "Hardy", "date_of_birth": "soon", "reason": "x"}, format="json")
        assert response.status_code == 400 and "date_of_birth" in response.json()
        lily = case.children.get()
        response = patch(client, f"/api/v1/children/{lily.pk}/", {"date_of_birth": "2099-01-01"})
        assert response.status_code == 400 and "date_of_birth" in response.json()
        assert case.children.count() == 1 and not events(case, "child_updated")

    def test_refusals(self, world, api):
        case = scenario.allocated(world)
        lily = case.children.get()
        url_add, url_child, url_remove = (
            f"/api/v1/cases/{case.pk}/children/",
            f"/api/v1/children/{lily.pk}/",
            f"/api/v1/children/{lily.pk}/remove/",
        )
        west = api.as_user(world.u.prac_west)
        assert west.post(url_add, {}, format="json").status_code == 404
        assert patch(west, url_child, {}).status_code == 404
        assert west.post(url_remove, {}, format="json").status_code == 404
        assert api.as_user(world.u.coord).get(url_add).status_code == 404  # a coordinator sees no child's record
        manager = api.as_user(world.u.tm_east)
        assert manager.post(url_add, {}, format="json").status_code == 403
        assert patch(manager, url_child, {"first_name": ""}).status_code == 403
        assert manager.post(url_remove, {}, format="json").status_code == 403
        response = api.as_user(world.u.prac_east).post(url_remove, {"reason": "Wrong child"}, format="json")
        assert response.status_code == 409 and "add the right child first" in response.json()["detail"]
        old = closed(world)
        response = patch(
            api.as_user(world.u.prac_east), f"/api/v1/children/{old.children.get().pk}/", {"first_name": "L"}
        )
        assert response.status_code == 409 and "reopen" in response.json()["detail"]


class TestChildrenPages:
    def test_links_on_the_case_page(self, client, world):
        case = scenario.allocated(world)
        lily = case.children.get()
        client.force_login(world.u.prac_east)
        page = client.get(reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        assert reverse("fgdm:child_new", args=[case.pk]) in page
        assert reverse("fgdm:child_edit", args=[lily.pk]) in page
        assert reverse("fgdm:child_remove", args=[lily.pk]) not in page  # the only child: never offered
        baby = expecting(case, world.u.prac_east)
        page = client.get(reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        assert reverse("fgdm:child_birth", args=[baby.pk]) in page and "Not born yet" in page
        assert reverse("fgdm:child_wishes", args=[baby.pk]) not in page
        assert reverse("fgdm:child_remove", args=[lily.pk]) in page
        client.force_login(world.u.tm_east)
        page = client.get(reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        assert reverse("fgdm:child_new", args=[case.pk]) not in page
        assert reverse("fgdm:child_edit", args=[lily.pk]) not in page

    def test_add_correct_birth_and_remove_through_the_pages(self, client, world):
        case = scenario.allocated(world)
        client.force_login(world.u.prac_east)
        post(
            client,
            reverse("fgdm:child_new", args=[case.pk]),
            {"first_name": "", "last_name": "Hardy", "expected_on": in_weeks(3).isoformat(), "reason": "Expecting"},
        )
        baby = case.children.get(expected_on__isnull=False)
        page = client.get(reverse("fgdm:child_edit", args=[baby.pk])).content.decode()
        assert "Expected on" in page and "Date of birth" not in page
        post(
            client,
            reverse("fgdm:child_edit", args=[baby.pk]),
            {"first_name": "Rose", "last_name": "Hardy", "expected_on": in_weeks(4).isoformat()},
        )
        post(
            client,
            reverse("fgdm:child_birth", args=[baby.pk]),
            {"date_of_birth": TODAY().isoformat(), "first_name": "Rose", "last_name": "Hardy"},
        )
        baby.refresh_from_db()
        assert (baby.first_name, baby.date_of_birth, baby.expected_on) == ("Rose", TODAY(), None)
        lily = case.children.get(first_name="Lily")
        post(
            client,
            reverse("fgdm:child_edit", args=[lily.pk]),
            {"first_name": "Lilly", "last_name": "Hardy", "date_of_birth": "2017-03-09"},
        )
        post(client, reverse("fgdm:child_remove", args=[lily.pk]), {"reason": "Lives with her dad now"})
        lily.refresh_from_db()
        assert lily.first_name == "Lilly" and lily.is_removed
        assert [e.action for e in DomainEvent.objects.filter(case_id=case.pk, object_type="child").order_by("id")] == [
            "child_added",
            "child_updated",
            "child_born",
            "child_updated",
            "child_removed",
        ]
        page = client.get(reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        assert "Removed from the case (1)" in page and "Lives with her dad now" in page

    def test_refusals_show_on_the_form_and_change_nothing(self, client, world):
        case = scenario.allocated(world)
        lily = case.children.get()
        client.force_login(world.u.prac_east)
        before = counts()
        response = post(client, reverse("fgdm:child_remove", args=[lily.pk]), {"reason": "Wrong"}, expect=409)
        assert "add the right child first" in response.content.decode()
        response = post(
            client,
            reverse("fgdm:child_new", args=[case.pk]),
            {
                "first_name": "Tom",
                "last_name": "Hardy",
                "date_of_birth": "2019-05-01",
                "expected_on": in_weeks(2).isoformat(),
                "reason": "x",
            },
            expect=400,
        )
        assert "one of the two" in response.content.decode()
        post(
            client,
            reverse("fgdm:child_edit", args=[lily.pk]),
            {"first_name": "", "last_name": "Hardy", "date_of_birth": ""},
            expect=400,
        )
        assert counts() == before
        client.force_login(world.u.tm_east)
        for name, pk in (
            ("child_new", case.pk),
            ("child_edit", lily.pk),
            ("child_birth", lily.pk),
            ("child_remove", lily.pk),
        ):
            assert client.get(reverse(f"fgdm:{name}", args=[pk])).status_code == 403, name
        client.force_login(world.u.prac_west)
        for name, pk in (
            ("child_new", case.pk),
            ("child_edit", lily.pk),
            ("child_birth", lily.pk),
            ("child_remove", lily.pk),
        ):
            assert client.get(reverse(f"fgdm:{name}", args=[pk])).status_code == 404, name


# -- 3. the referral takes any number of children -----------------------------------------------------


class TestReferralChildren:
    def test_add_another_child_shows_one_more_row_and_saves_nothing(self, client, world):
        client.force_login(world.u.prac_east)
        url = reverse("fgdm:case_new")
        first = client.get(url).content.decode()
        assert first.count('name="children-0-first_name"') == 1 and 'name="children-1-first_name"' not in first
        assert 'name="add_child"' in first
        data = referral_data(locality=str(world.east.pk), family_name="")  # not valid yet: no family name
        data.update(formset("children", [{"first_name": "Lily", "last_name": "Hardy", "date_of_birth": "2017-03-09"}]))
        data["add_child"] = "1"
        before = counts()
        response = client.post(url, data)
        assert response.status_code == 200 and counts() == before
        page = response.content.decode()
        assert 'name="children-1-first_name"' in page and 'name="children-2-first_name"' not in page
        assert 'value="Lily"' in page  # what was typed stays, the date in its three boxes
        assert 'name="children-0-date_of_birth-year" type="text" inputmode="numeric" value="2017"' in page
        assert 'name="children-0-date_of_birth-day" type="text" inputmode="numeric" value="9"' in page
        assert 'name="children-TOTAL_FORMS" value="2"' in page and 'name="children-INITIAL_FORMS" value="0"' in page
        assert "There is a problem" not in page  # nothing is checked until the referral is sent

    def test_five_children_and_one_expected(self, client, world):
        client.force_login(world.u.prac_east)
        rows = [
            {"first_name": name, "last_name": "Hardy", "date_of_birth": f"201{n}-01-0{n + 1}"}
            for n, name in enumerate(["Amy", "Ben", "Cara", "Dan", "Eve"])
        ]
        rows.append({"first_name": "", "last_name": "Hardy", "expected_on": in_weeks(8).isoformat()})
        data = referral_data(locality=str(world.east.pk))
        data.update(formset("children", rows, total=7))  # a last row left empty
        post(client, reverse("fgdm:case_new"), data)
        case = Case.objects.get()
        assert case.children.count() == 6
        assert case.children.filter(date_of_birth__isnull=True).get().expected_on == in_weeks(8)

    def test_a_row_breaking_the_child_rules_shows_on_that_row(self, client, world):
        client.force_login(world.u.prac_east)
        data = referral_data(locality=str(world.east.pk))
        data.update(formset("children", [{"first_name": "", "last_name": "Hardy", "date_of_birth": "2017-03-09"}]))
        response = post(client, reverse("fgdm:case_new"), data, expect=400)
        assert "Child 1: Give the child&#x27;s first name." in response.content.decode()
        assert not Case.objects.exists()

    def test_the_api_takes_an_unborn_child(self, world, api):
        body = {
            "family_name": "Hardy",
            "locality": "east",
            "stage": "family_help",
            "referral_reason": "Pre-birth assessment",
            "children": [{"last_name": "Hardy", "expected_on": in_weeks(10).isoformat()}],
        }
        case = ok(api.as_user(world.u.prac_east).post("/api/v1/cases/", body, format="json"), 201)
        assert case["children"][0]["unborn"] is True
        body["children"] = [
            {
                "first_name": "X",
                "last_name": "Hardy",
                "expected_on": in_weeks(10).isoformat(),
                "wishes_and_feelings": "x",
            }
        ]
        assert api.as_user(world.u.prac_east).post("/api/v1/cases/", body, format="json").status_code == 400


# -- 4. the network -----------------------------------------------------------------------------------


class TestMemberUpdate:
    def test_contact_details_language_and_needs_recorded_without_their_values(self, world):
        case, nan = scenario.with_network(world)
        services.member_update(
            member_id=nan.pk,
            by=world.u.prac_east,
            phone="07700 900456",
            email="nan@example.org",
            address="1 High St\nWimborne",
            language="Polish",
            interpreter_needed=True,
            communication_needs="Hearing loop",
            lives_with_child=True,
        )
        nan.refresh_from_db()
        assert (nan.phone, nan.email, nan.address, nan.language, nan.interpreter_needed, nan.communication_needs) == (
            "07700 900456",
            "nan@example.org",
            "1 High St\nWimborne",
            "Polish",
            True,
            "Hearing loop",
        )
        [event] = events(case, "member_updated")
        assert event.changes == {
            "phone": [MASK, MASK],
            "email": [MASK, MASK],
            "address": [MASK, MASK],
            "language": [MASK, MASK],
            "communication_needs": [MASK, MASK],
            "interpreter_needed": [False, True],
            "lives_with_child": [False, True],
        }
        assert "Polish" not in str(event.changes) and "0770" not in str(event.changes)

    def test_nothing_changed_records_nothing(self, world):
        _, nan = scenario.with_network(world)
        before = counts()
        services.member_update(member_id=nan.pk, by=world.u.prac_east, full_name="Margaret Hardy", phone="")
        assert counts() == before

    def test_parental_responsibility_changes_eligibility_through_the_one_rule(self, world):
        case, nan, plan = scenario.plan_accepted(world)
        services.member_update(member_id=nan.pk, by=world.u.prac_east, has_parental_responsibility=True)
        [event] = events(case, "member_updated")
        assert event.changes == {"has_parental_responsibility": [False, True], "payment_eligible": [True, False]}
        nan.refresh_from_db()
        assert nan.payment_eligible is False
        item = ItemInput(
            description="Sofa bed",
            category="furniture_and_bedding",
            payee_id=nan.pk,
            amount=Decimal("300.00"),
            frequency="one_off",
            instalments=1,
            plan_action_id=plan.actions.first().pk,
        )
        draft = dict(
            case_id=case.pk,
            by=world.u.prac_east,
            plan_id=plan.pk,
            justification="Sofa bed",
            other_funding_checked=True,
            agreement_signed_on=TODAY(),
            review_by=plan.review_by,
        )
        with pytest.raises(RuleBroken, match="parental responsibility"):
            package_services.package_create(items=[item], **draft)
        services.member_update(member_id=nan.pk, by=world.u.prac_east, has_parental_responsibility=False)
        assert events(case, "member_updated")[1].changes["payment_eligible"] == [False, True]
        assert package_services.package_create(items=[item], **draft).status == "draft"

    @pytest.mark.parametrize(
        "changes, field",
        [
            ({"relationship": "parent"}, "is_parent"),  # a parent is marked as a parent
            ({"relationship": "cousin"}, "relationship"),
            ({"full_name": "  "}, "full_name"),
            ({"email": "not an email"}, "email"),
            ({"phone": "0" * 41}, "phone"),
            ({"is_parent": "yes"}, "is_parent"),
            ({"removed_at": None}, "removed_at"),
        ],
    )
    def test_bad_input_refused_on_its_field(self, world, changes, field):
        _, nan = scenario.with_network(world)
        before = counts()
        with pytest.raises(RuleBroken) as refused:
            services.member_update(member_id=nan.pk, by=world.u.prac_east, **changes)
        assert refused.value.field == field
        assert counts() == before

    def test_refusals(self, world):
        case, nan = scenario.with_network(world)
        with pytest.raises(NotPermitted):
            services.member_update(member_id=nan.pk, by=world.u.coord, phone="1")
        services.member_remove(member_id=nan.pk, by=world.u.prac_east, reason="Family asked")
        with pytest.raises(InvalidTransition, match="add them to the network again"):
            services.member_update(member_id=nan.pk, by=world.u.prac_east, phone="1")
        old = closed(world)
        with pytest.raises(InvalidTransition, match="reopen"):
            services.member_update(member_id=old.network_members.get().pk, by=world.u.prac_east, phone="1")


class TestMemberRemove:
    def test_marked_kept_and_no_longer_a_payee_on_a_new_item(self, world):
        case, nan, plan = scenario.plan_accepted(world)
        members = NetworkMember.objects.count()
        services.member_remove(member_id=nan.pk, by=world.u.prac_east, reason="The family asked for her to be left out")
        nan.refresh_from_db()
        assert NetworkMember.objects.count() == members  # nothing deleted
        assert (nan.removed_by, nan.removal_reason, nan.is_removed) == (
            world.u.prac_east,
            "The family asked for her to be left out",
            True,
        )
        assert nan.plan_actions.exists()  # still the owner of the plan's action
        assert nan not in case.network_members.current()
        [event] = events(case, "member_removed")
        assert (event.reason, event.from_state, event.to_state) == (
            "The family asked for her to be left out",
            "in_network",
            "removed",
        )
        with pytest.raises(RuleBroken, match="was removed from the family's network"):
            package_services.package_create(
                case_id=case.pk,
                by=world.u.prac_east,
                plan_id=plan.pk,
                justification="Sofa bed",
                other_funding_checked=True,
                agreement_signed_on=TODAY(),
                review_by=plan.review_by,
                items=[
                    ItemInput(
                        description="Sofa bed",
                        category="furniture_and_bedding",
                        payee_id=nan.pk,
                        amount=Decimal("300.00"),
                        frequency="one_off",
                        instalments=1,
                    )
                ],
            )

    def test_a_draft_naming_them_can_no_longer_be_submitted(self, world):
        package = scenario.package_submitted(world)
        package_services.package_withdraw(package_id=package.pk, by=world.u.prac_east)
        case, plan = package.case, package.plan
        nan = package.items.get().payee
        draft = package_services.package_create(
            case_id=case.pk,
            by=world.u.prac_east,
            plan_id=plan.pk,
            justification="Sofa bed",
            other_funding_checked=True,
            agreement_signed_on=TODAY(),
            review_by=plan.review_by,
            items=[ItemInput.of(package.items.get())],
        )
        services.member_remove(member_id=nan.pk, by=world.u.prac_east, reason="Moved abroad")
        with pytest.raises(RuleBroken, match="was removed"):
            package_services.package_submit(package_id=draft.pk, by=world.u.prac_east)

    def test_payments_already_scheduled_to_them_stand(self, world):
        package = scenario.package_approved(world)
        nan = package.items.get().payee
        statuses = list(package.payments.values_list("status", flat=True))
        services.member_remove(member_id=nan.pk, by=world.u.prac_east, reason="Moved abroad")
        assert list(package.payments.values_list("status", flat=True)) == statuses

    def test_a_removed_member_does_not_hold_up_the_conference(self, world):
        case, nan = scenario.with_network(world)
        meeting = services.meeting_schedule(
            case_id=case.pk,
            by=world.u.prac_east,
            model="fgc",
            venue="Hub",
            coordinator=world.u.coord,
            scheduled_for=timezone.now() + datetime.timedelta(days=3),
        )
        mum = case.network_members.get(relationship="parent")
        services.member_record_preparation(member_id=mum.pk, by=world.u.coord, status="invited")
        with pytest.raises(RuleBroken, match="Margaret Hardy"):
            services.meeting_prepare(meeting_id=meeting.pk, by=world.u.coord)
        services.member_remove(member_id=nan.pk, by=world.u.prac_east, reason="Declined to be involved")
        assert services.meeting_prepare(meeting_id=meeting.pk, by=world.u.coord).status == "prepared"

    def test_refusals(self, world):
        _, nan = scenario.with_network(world)
        with pytest.raises(RuleBroken) as refused:
            services.member_remove(member_id=nan.pk, by=world.u.prac_east, reason="")
        assert refused.value.field == "reason"
        with pytest.raises(NotPermitted):
            services.member_remove(member_id=nan.pk, by=world.u.tm_east, reason="x")
        services.member_remove(member_id=nan.pk, by=world.u.prac_east, reason="Asked")
        with pytest.raises(InvalidTransition, match="already"):
            services.member_remove(member_id=nan.pk, by=world.u.prac_east, reason="Again")


class TestMembersApi:
    def test_patch_remove_and_lists(self, world, api):
        case, nan = scenario.with_network(world)
        client = api.as_user(world.u.prac_east)
        body = ok(
            patch(
                client,
                f"/api/v1/network-members/{nan.pk}/",
                {
                    "phone": "07700 900456",
                    "language": "Welsh",
                    "interpreter_needed": True,
                    "communication_needs": "Large print",
                },
            )
        )
        assert (body["phone"], body["language"], body["interpreter_needed"], body["communication_needs"]) == (
            "07700 900456",
            "Welsh",
            True,
            "Large print",
        )
        body = ok(patch(client, f"/api/v1/network-members/{nan.pk}/", {"is_parent": True}))
        assert body["payment_eligible"] is False
        body = ok(patch(client, f"/api/v1/network-members/{nan.pk}/", {"is_parent": False}))
        assert body["payment_eligible"] is True
        body = ok(client.post(f"/api/v1/network-members/{nan.pk}/remove/", {"reason": "Family asked"}, format="json"))
        assert (body["removed_by"], body["removal_reason"]) == ("prac.east", "Family asked") and body["removed_at"]
        listed = ok(client.get(f"/api/v1/cases/{case.pk}/network-members/"))["results"]
        assert [m["full_name"] for m in listed] == ["Sarah Hardy"]
        everyone = ok(client.get(f"/api/v1/cases/{case.pk}/network-members/?include_removed=true"))["results"]
        assert [m["full_name"] for m in everyone] == ["Margaret Hardy", "Sarah Hardy"]

    def test_the_new_details_can_be_given_when_adding_a_member(self, world, api):
        case = scenario.allocated(world)
        body = ok(
            api.as_user(world.u.prac_east).post(
                f"/api/v1/cases/{case.pk}/network-members/",
                {
                    "full_name": "Ewa Nowak",
                    "relationship": "aunt_uncle",
                    "is_parent": False,
                    "has_parental_responsibility": False,
                    "language": "Polish",
                    "interpreter_needed": True,
                },
                format="json",
            ),
            201,
        )
        assert (body["language"], body["interpreter_needed"], body["removed_at"]) == ("Polish", True, None)

    def test_refusals(self, world, api):
        package = scenario.package_approved(world)
        nan = package.items.get().payee
        url, url_remove = f"/api/v1/network-members/{nan.pk}/", f"/api/v1/network-members/{nan.pk}/remove/"
        assert patch(api.as_user(world.u.prac_west), url, {"phone": "1"}).status_code == 404
        assert api.as_user(world.u.prac_west).post(url_remove, {"reason": "x"}, format="json").status_code == 404
        # Finance reaches a payee and a manager the case, but neither corrects the network.
        for who in (world.u.fin1, world.u.tm_east):
            assert patch(api.as_user(who), url, {"email": "bad"}).status_code == 403
            assert api.as_user(who).post(url_remove, {}, format="json").status_code == 403
        client = api.as_user(world.u.prac_east)
        response = patch(client, url, {"email": "bad", "relationship": "cousin"})
        assert response.status_code == 400 and {"email", "relationship"} <= set(response.json())
        response = patch(client, url, {"relationship": "parent"})
        assert response.status_code == 400 and "is_parent" in response.json()
        assert client.post(url_remove, {}, format="json").status_code == 400
        ok(client.post(url_remove, {"reason": "Moved abroad"}, format="json"))
        response = client.post(url_remove, {"reason": "Again"}, format="json")
        assert response.status_code == 409 and "already" in response.json()["detail"]
        response = patch(client, url, {"phone": "1"})
        assert response.status_code == 409 and "add them to the network again" in response.json()["detail"]


class TestMembersPages:
    def test_correct_and_remove_through_the_pages(self, client, world):
        case, nan = scenario.with_network(world)
        client.force_login(world.u.prac_east)
        page = client.get(reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        assert (
            reverse("fgdm:member_edit", args=[nan.pk]) in page and reverse("fgdm:member_remove", args=[nan.pk]) in page
        )
        form = client.get(reverse("fgdm:member_edit", args=[nan.pk])).content.decode()
        assert 'value="Margaret Hardy"' in form and "interpreter" in form
        response = post(
            client,
            reverse("fgdm:member_edit", args=[nan.pk]),
            {
                "full_name": "Margaret Hardy",
                "relationship": "grandparent",
                "has_parental_responsibility": "on",
                "language": "Welsh",
                "interpreter_needed": "on",
            },
        )
        nan.refresh_from_db()
        assert (nan.language, nan.interpreter_needed, nan.payment_eligible) == ("Welsh", True, False)
        assert "can no longer be paid" in client.get(response["Location"]).content.decode()
        post(client, reverse("fgdm:member_remove", args=[nan.pk]), {"reason": "She asked to be left out"})
        nan.refresh_from_db()
        assert nan.is_removed
        page = client.get(reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        assert "Removed from the network (1)" in page and "She asked to be left out" in page
        assert reverse("fgdm:member_edit", args=[nan.pk]) not in page

    def test_refusals_show_on_the_form_and_change_nothing(self, client, world):
        case, nan = scenario.with_network(world)
        client.force_login(world.u.prac_east)
        before = counts()
        response = post(
            client,
            reverse("fgdm:member_edit", args=[nan.pk]),
            {"full_name": "Margaret Hardy", "relationship": "parent"},
            expect=400,
        )
        assert "must be marked as a parent" in response.content.decode()
        post(client, reverse("fgdm:member_remove", args=[nan.pk]), {"reason": ""}, expect=400)
        assert counts() == before
        # (A coordinator sees the network of their conference's case only: this one has none.)
        for who, status in ((world.u.tm_east, 403), (world.u.coord, 404), (world.u.prac_west, 404)):
            client.force_login(who)
            assert client.get(reverse("fgdm:member_edit", args=[nan.pk])).status_code == status
            assert client.get(reverse("fgdm:member_remove", args=[nan.pk])).status_code == status


# -- nothing is ever deleted ---------------------------------------------------------------------------


def test_every_removal_is_kept_in_the_records_and_the_trail(world, api):
    case, nan = scenario.with_network(world)
    tom = second_child(case, world.u.prac_east)
    services.child_remove(child_id=tom.pk, by=world.u.prac_east, reason="A cousin")
    services.member_remove(member_id=nan.pk, by=world.u.prac_east, reason="Asked to be left out")
    assert Child.objects.filter(pk=tom.pk).exists() and NetworkMember.objects.filter(pk=nan.pk).exists()
    trail = ok(api.as_user(world.u.prac_east).get(f"/api/v1/cases/{case.pk}/audit/"))["results"]
    assert [(e["action"], e["object"]) for e in trail[:2]] == [
        ("member_removed", f"networkmember {nan.pk}: Margaret Hardy"),
        ("child_removed", f"child {tom.pk}: child #{tom.pk}"),
    ]
    assert Child.objects.count() == 2 and NetworkMember.objects.count() == 2


# -- retention and subject access cover the new personal details -------------------------------------


def test_retention_clears_the_new_personal_details(world, no_messages):
    old = closed(world)
    nan = old.network_members.get()
    NetworkMember.objects.filter(pk=nan.pk).update(  # test data: the case is closed, so no service writes now
        language="Polish",
        interpreter_needed=True,
        communication_needs="Hearing loop",
        removed_at=timezone.now(),
        removal_reason="Moved to Poland",
    )
    Child.objects.create(
        case=old,
        first_name="Tom",
        last_name="Hardy",
        date_of_birth=datetime.date(1994, 5, 17),
        removed_at=timezone.now(),
        removal_reason="A cousin, named in error",
    )
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert "1 record(s) destroyed" in out.getvalue(), out.getvalue()
    nan.refresh_from_db()
    assert (nan.language, nan.interpreter_needed, nan.communication_needs, nan.removal_reason) == (
        "",
        False,
        "",
        "Removed",  # a removal keeps a reason: its words go, the fact stays
    )
    tom = old.children.get(date_of_birth__year=1994)
    assert (tom.first_name, tom.removal_reason, tom.date_of_birth) == ("Removed", "Removed", datetime.date(1994, 1, 1))


def test_an_expected_child_keeps_the_case_until_their_own_date(world):
    old = closed(world)
    assert [d.object_id for d in CaseRecords().due(today=TODAY())] == [old.pk]
    Child.objects.create(case=old, last_name="Hardy", expected_on=in_weeks(10))  # test data on a closed case
    assert list(CaseRecords().due(today=TODAY())) == []
    due = list(CaseRecords().due(today=in_weeks(10).replace(year=in_weeks(10).year + 26)))
    assert [d.object_id for d in due] == [old.pk]
    CaseRecords().destroy(due[0])
    baby = old.children.get(expected_on__isnull=False)
    assert (baby.last_name, baby.expected_on) == ("Removed", in_weeks(10).replace(month=1, day=1))


def _about(bundle) -> dict:
    return {
        v["label"]: v["value"]
        for s in bundle["sections"]
        if s["title"] == "About you"
        for r in s["records"]
        for v in r["values"]
    }


def test_subject_access_export_includes_the_new_details(world):
    case, nan = scenario.with_network(world)
    services.member_update(
        member_id=nan.pk,
        by=world.u.prac_east,
        language="Polish",
        interpreter_needed=True,
        communication_needs="Large print",
    )
    services.member_remove(member_id=nan.pk, by=world.u.prac_east, reason="Asked to be left out")
    mine = _about(sar.build(kind="member", subject_id=nan.pk, by=world.u.auditor))
    assert (mine["Language"], mine["Needs an interpreter"], mine["Communication needs"]) == (
        "Polish",
        True,
        "Large print",
    )
    assert mine["Why they were removed"] == "Asked to be left out" and mine["Removed from the network"]
    baby = expecting(case, world.u.prac_east)
    bundle = sar.build(kind="child", subject_id=baby.pk, by=world.u.auditor)
    assert bundle["subject"]["name"] == "Baby Hardy (expected)"
    assert _about(bundle)["Expected on (before the birth was recorded)"] == in_weeks(12)
    tom = second_child(case, world.u.prac_east)
    services.child_remove(child_id=tom.pk, by=world.u.prac_east, reason="A cousin, added in error")
    about = _about(sar.build(kind="child", subject_id=tom.pk, by=world.u.auditor))
    assert about["Why you were removed from the case"] == "A cousin, added in error" and about["Removed from the case"]
