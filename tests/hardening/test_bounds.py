"""Bounds everywhere (issue 14, "Bounds everywhere"; findings 1 and 6): amounts, counts, text
lengths, dates and names are refused with a 400 naming the field (the API) or a form error (the
pages), and nothing is written; a value stored before the bounds (or behind them) still renders."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.bounds import LONG_TEXT
from fgdm.models import Case, Child, FamilyPlan, Meeting, NetworkMember
from network_packages.models import PackageItem, SupportPackage
from tests import scenario
from tests.helpers import ApiPath, counts, formset, ok, package_data, referral_data

pytestmark = pytest.mark.django_db


# -- stored values out of bounds still render ---------------------------------------------------------


class TestStoredOutOfBoundsStillRenders:
    def test_case_page_package_page_home_and_api(self, api, client, world):
        path = ApiPath(api, world)
        case, nan, mum, plan = path.to_plan_accepted()
        package = ok(
            path.as_(world.u.prac_east).post(
                f"/api/v1/cases/{case['id']}/packages/", path.package_body(plan, nan), format="json"
            ),
            201,
        )
        # What the finding stored before the bounds: £99,999,999.99 a week × 100 (the most the
        # columns take), a 2,000-character name, a child born in year 1, a meeting in 1900, 1 MB notes.
        PackageItem.objects.filter(package_id=package["id"]).update(
            amount=Decimal("99999999.99"), frequency="weekly", instalments=100
        )
        SupportPackage.objects.filter(pk=package["id"]).update(
            total=Decimal("9999999999.00"),
            justification="x" * 1_000_000,
            agreement_signed_on=datetime.date(2999, 1, 1),
            review_by=datetime.date(1, 1, 1),
        )
        Child.objects.filter(case_id=case["id"]).update(date_of_birth=datetime.date(1, 1, 1))
        Meeting.objects.filter(case_id=case["id"]).update(venue="v" * 200)
        NetworkMember.objects.filter(pk=nan["id"]).update(full_name="Nan\r\nHardy")
        FamilyPlan.objects.filter(pk=plan["id"]).update(review_by=datetime.date(9999, 12, 31))
        Case.objects.filter(pk=case["id"]).update(referral_reason="r" * 1_000_000)

        prac = path.as_(world.u.prac_east)
        detail = ok(prac.get(f"/api/v1/packages/{package['id']}/"))
        assert detail["total"] == "9999999999.00"
        assert detail["items"][0]["total"] == "9999999999.00"
        ok(prac.get(f"/api/v1/cases/{case['id']}/"))
        ok(prac.get(f"/api/v1/cases/{case['id']}/packages/"))
        ok(prac.get(f"/api/v1/plans/{plan['id']}/"))
        client.force_login(world.u.prac_east)
        for url in (
            reverse("process:home"),
            reverse("fgdm:case_detail", args=[case["id"]]),
            reverse("network_packages:package_detail", args=[package["id"]]),
        ):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        # The package can still be withdrawn.
        ok(prac.post(f"/api/v1/packages/{package['id']}/withdraw/", {}, format="json"))


# -- helpers ----------------------------------------------------------------------------------------


def refused(response, field):
    """A 400 naming `field`."""
    assert response.status_code == 400, (response.status_code, response.content[:500])
    body = response.json()
    assert field in body, body
    return body[field]


def package_item(payee, **extra):
    return {
        "description": "Sofa bed",
        "category": "furniture_and_bedding",
        "payee": payee["id"],
        "amount": "300.00",
        "frequency": "one_off",
        "instalments": 1,
    } | extra


@pytest.fixture
def accepted(api, world):
    """A case through the API to an accepted plan: (path, case, nan, plan)."""
    path = ApiPath(api, world)
    case, nan, mum, plan = path.to_plan_accepted()
    return path, case, nan, plan


def post_package(path, world, case, body):
    return path.as_(world.u.prac_east).post(f"/api/v1/cases/{case['id']}/packages/", body, format="json")


# -- finding 1 and amounts ---------------------------------------------------------------------------


class TestAmounts:
    def test_finding_1_a_huge_weekly_item_is_refused_through_the_api_and_nothing_is_written(self, accepted, world):
        path, case, nan, plan = accepted
        before = counts()
        body = path.package_body(plan, nan, amount="99999999.99", frequency="weekly", instalments=104)
        assert refused(post_package(path, world, case, body), "items")
        assert counts() == before

    def test_finding_1_through_the_page(self, client, world):
        case, nan, plan = scenario.plan_accepted(world)
        client.force_login(world.u.prac_east)
        data = package_data(case, nan, plan, amount="99999999.99", frequency="weekly", instalments="104")
        before = counts()
        response = client.post(reverse("network_packages:package_new", args=[case.pk]), data)
        assert response.status_code in (200, 400) and counts() == before
        assert "at most £10,000.00" in response.content.decode()

    def test_an_instalment_above_the_ceiling_is_refused(self, accepted, world):
        path, case, nan, plan = accepted
        message = refused(post_package(path, world, case, path.package_body(plan, nan, amount="10000.01")), "items")
        assert "£10,000.00" in str(message)
        ok(post_package(path, world, case, path.package_body(plan, nan, amount="10000.00")), 201)

    def test_a_package_total_above_the_ceiling_is_refused(self, accepted, world):
        path, case, nan, plan = accepted
        body = path.package_body(plan, nan, amount="500.01", frequency="weekly", instalments=100)
        assert "£50,000.00" in str(refused(post_package(path, world, case, body), "items"))
        assert not SupportPackage.objects.exists()

    def test_the_service_refuses_whatever_the_door(self, world, settings):
        from core.exceptions import RuleBroken
        from network_packages import services
        from network_packages.services import ItemInput

        settings.FGDM_MAX_PACKAGE_TOTAL = "1000.00"  # a council's own ceiling
        case, nan, plan = scenario.plan_accepted(world)
        item = ItemInput(description="Taxis", category="transport", payee_id=nan.pk, amount=Decimal("100.00"))
        with pytest.raises(RuleBroken) as refusal:
            services.package_create(
                case_id=case.pk,
                by=world.u.prac_east,
                plan_id=plan.pk,
                justification="Taxis",
                other_funding_checked=True,
                agreement_signed_on=timezone.localdate(),
                review_by=timezone.localdate() + datetime.timedelta(days=28),
                items=[item] * 11,
            )
        assert refusal.value.field == "items" and "£1,000.00" in refusal.value.message

    def test_a_ceiling_the_column_cannot_hold_fails_the_system_check(self, settings):
        from network_packages.checks import check_amount_ceilings

        assert check_amount_ceilings() == []
        settings.FGDM_MAX_PACKAGE_TOTAL = "10000000000.00"
        settings.FGDM_MAX_ITEM_AMOUNT = "nonsense"
        assert {e.id for e in check_amount_ceilings()} == {"network_packages.E001", "network_packages.E002"}


# -- finding 6: counts ----------------------------------------------------------------------------------


class TestCounts:
    def test_a_2000_item_package_is_refused(self, accepted, world):
        path, case, nan, plan = accepted
        body = path.package_body(plan, nan) | {"items": [package_item(nan, amount="1.00")] * 2000}
        before = counts()
        assert refused(post_package(path, world, case, body), "items")
        assert counts() == before

    def test_51_items_refused_50_taken(self, accepted, world):
        path, case, nan, plan = accepted
        body = path.package_body(plan, nan) | {"items": [package_item(nan, amount="1.00")] * 51}
        assert refused(post_package(path, world, case, body), "items")
        body["items"] = body["items"][:50]
        assert ok(post_package(path, world, case, body), 201)["total"] == "50.00"

    def test_51_items_through_the_page(self, client, world):
        case, nan, plan = scenario.plan_accepted(world)
        client.force_login(world.u.prac_east)
        data = package_data(case, nan, plan)
        row = {"description": "Taxi", "category": "transport", "payee": str(nan.pk), "amount": "1.00"}
        data.update(formset("items", [row | {"frequency": "one_off", "instalments": "1"}] * 51))
        before = counts()
        response = client.post(reverse("network_packages:package_new", args=[case.pk]), data)
        assert response.status_code in (200, 400) and counts() == before
        assert "At most 50 items" in response.content.decode()

    def test_21_children_on_a_referral(self, api, world):
        path = ApiPath(api, world)
        child = {"first_name": "Amy", "last_name": "Hardy", "date_of_birth": "2017-03-09"}
        before = counts()
        response = path.as_(world.u.prac_east).post(
            "/api/v1/cases/",
            {
                "family_name": "Hardy",
                "locality": "east",
                "stage": "family_help",
                "referral_reason": "Mum in hospital",
                "children": [child] * 21,
            },
            format="json",
        )
        assert refused(response, "children") and counts() == before

    def test_51_actions_in_a_plan(self, api, world):
        path = ApiPath(api, world)
        case, nan, mum, meeting = path.to_meeting()
        before = counts()
        response = path.as_(world.u.prac_east).post(
            f"/api/v1/meetings/{meeting['id']}/record/",
            {
                "held_on": timezone.localdate().isoformat(),
                "attendees": "Margaret, Sarah",
                "private_family_time": True,
                "plan": {
                    "actions": [{"description": "School run", "owner_text": "Friend"}] * 51,
                    "review_by": (timezone.localdate() + datetime.timedelta(days=42)).isoformat(),
                },
            },
            format="json",
        )
        assert response.status_code == 400 and "actions" in str(response.json()), response.json()
        assert counts() == before


# -- finding 6: text ------------------------------------------------------------------------------------


class TestText:
    def test_a_1_mb_justification_is_a_400_naming_the_field(self, accepted, world):
        path, case, nan, plan = accepted
        body = path.package_body(plan, nan) | {"justification": "x" * 1_000_000}
        before = counts()
        assert refused(post_package(path, world, case, body), "justification")
        assert counts() == before

    def test_a_long_text_anywhere_in_a_body_names_where(self, accepted, world):
        path, case, nan, plan = accepted
        body = path.package_body(plan, nan)
        body["items"][0]["description"] = "x" * (LONG_TEXT + 1)
        assert refused(post_package(path, world, case, body), "items[0].description")

    def test_a_1_mb_referral_reason_through_the_page(self, client, world):
        client.force_login(world.u.prac_east)
        data = referral_data(locality=str(world.east.pk), referral_reason="x" * 1_000_000)
        response = client.post(reverse("fgdm:case_new"), data)
        assert response.status_code in (200, 400) and not Case.objects.exists()
        assert "at most 5,000 characters" in response.content.decode().lower()

    def test_any_page_refuses_a_text_longer_than_records_keep(self, client, world):
        """The pages' catch-all: an optional reason on a page whose form and service set no bound."""
        from network_packages.models import SupportPackage

        package = scenario.package_submitted(world)
        client.force_login(world.u.prac_east)
        response = client.post(
            reverse("network_packages:package_withdraw", args=[package.pk]), {"reason": "x" * (LONG_TEXT + 1)}
        )
        assert "At most 5,000 characters (this has 5,001)" in response.content.decode()
        assert SupportPackage.objects.get(pk=package.pk).status == "submitted"

    def test_the_service_bounds_free_text(self, world):
        from core.exceptions import RuleBroken
        from fgdm import services

        case = scenario.allocated(world)
        with pytest.raises(RuleBroken) as refusal:
            services.case_update(case_id=case.pk, by=world.u.prac_east, referral_reason="r" * (LONG_TEXT + 1))
        assert refusal.value.field == "referral_reason"


# -- finding 6: names -----------------------------------------------------------------------------------


class TestNames:
    def test_a_member_named_over_two_lines_is_refused(self, api, world):
        path = ApiPath(api, world)
        case = path.referral()
        before = counts()
        response = path.as_(world.u.prac_east).post(
            f"/api/v1/cases/{case['id']}/network-members/",
            {
                "full_name": "Margaret\r\nHardy",
                "relationship": "grandparent",
                "is_parent": False,
                "has_parental_responsibility": False,
                "lives_with_child": False,
            },
            format="json",
        )
        assert "one line" in str(refused(response, "full_name"))
        assert counts() == before

    def test_a_family_name_with_a_control_character_through_the_page(self, client, world):
        client.force_login(world.u.prac_east)
        response = client.post(
            reverse("fgdm:case_new"), referral_data(locality=str(world.east.pk), family_name="Har\x07dy")
        )
        assert response.status_code in (200, 400) and not Case.objects.exists()
        assert "one line of printable text" in response.content.decode()


# -- finding 6: dates -----------------------------------------------------------------------------------


class TestDates:
    @pytest.mark.parametrize("born", ["9999-01-01", "0001-01-01", "1899-12-31", "1990-01-01"])
    def test_implausible_births_through_the_api(self, api, world, born):
        path = ApiPath(api, world)
        before = counts()
        response = path.as_(world.u.prac_east).post(
            "/api/v1/cases/",
            {
                "family_name": "Hardy",
                "locality": "east",
                "stage": "family_help",
                "referral_reason": "Mum in hospital",
                "children": [{"first_name": "Lily", "last_name": "Hardy", "date_of_birth": born}],
            },
            format="json",
        )
        assert refused(response, "children") and counts() == before

    def test_a_birth_in_year_1_through_the_page(self, client, world):
        client.force_login(world.u.prac_east)
        data = referral_data(locality=str(world.east.pk))
        data.update(formset("children", [{"first_name": "Lily", "last_name": "Hardy", "date_of_birth": "1850-03-09"}]))
        response = client.post(reverse("fgdm:case_new"), data)
        assert response.status_code in (200, 400) and not Case.objects.exists()
        assert "check the year" in response.content.decode()

    def test_an_expected_date_beyond_ten_months(self, api, world):
        path = ApiPath(api, world)
        case = path.referral()
        far = (timezone.localdate() + datetime.timedelta(weeks=45)).isoformat()
        response = path.as_(world.u.prac_east).post(
            f"/api/v1/cases/{case['id']}/children/",
            {"last_name": "Hardy", "expected_on": far, "reason": "A baby is on the way"},
            format="json",
        )
        assert refused(response, "expected_on")

    @pytest.mark.parametrize("day", ["2999-01-01", "1999-12-31"])
    def test_an_agreement_dated_in_2999_or_before_the_case(self, accepted, world, day):
        path, case, nan, plan = accepted
        body = path.package_body(plan, nan) | {"agreement_signed_on": day}
        assert refused(post_package(path, world, case, body), "agreement_signed_on")
        assert not SupportPackage.objects.exists()

    @pytest.mark.parametrize("days", [0, 800])
    def test_a_package_review_today_or_beyond_two_years(self, accepted, world, days):
        path, case, nan, plan = accepted
        body = path.package_body(plan, nan) | {
            "review_by": (timezone.localdate() + datetime.timedelta(days=days)).isoformat()
        }
        assert refused(post_package(path, world, case, body), "review_by")

    def test_an_agreement_in_2999_through_the_page(self, client, world):
        case, nan, plan = scenario.plan_accepted(world)
        client.force_login(world.u.prac_east)
        data = package_data(case, nan, plan) | {"agreement_signed_on": "2999-01-01"}
        before = counts()
        response = client.post(reverse("network_packages:package_new", args=[case.pk]), data)
        assert response.status_code in (200, 400) and counts() == before
        assert "cannot be in the future" in response.content.decode()

    def test_a_meeting_in_1900(self, api, world, client):
        path = ApiPath(api, world)
        case = path.referral()
        ok(
            path.as_(world.u.tm_east).post(
                f"/api/v1/cases/{case['id']}/allocate/", {"lead_practitioner": "prac.east"}, format="json"
            )
        )
        prac = path.as_(world.u.prac_east)
        ok(prac.post(f"/api/v1/cases/{case['id']}/consent/", {"given_by": "Sarah Hardy (mother)"}, format="json"))
        before = counts()
        for when in ("1900-01-01T10:00:00Z", "2999-01-01T10:00:00Z"):
            response = prac.post(
                f"/api/v1/cases/{case['id']}/meetings/",
                {"model": "fnm", "scheduled_for": when, "venue": "Hub"},
                format="json",
            )
            assert refused(response, "scheduled_for")
        assert counts() == before
        client.force_login(world.u.prac_east)
        response = client.post(
            reverse("fgdm:meeting_new", args=[case["id"]]),
            {"model": "fnm", "scheduled_for": "1900-01-01T10:00", "venue": "Hub"},
        )
        assert response.status_code in (200, 400) and counts() == before
        assert "check the year" in response.content.decode()

    def test_a_plan_review_in_2999(self, api, world):
        path = ApiPath(api, world)
        case, nan, mum, meeting = path.to_meeting()
        before = counts()
        response = path.as_(world.u.prac_east).post(
            f"/api/v1/meetings/{meeting['id']}/record/",
            {
                "held_on": timezone.localdate().isoformat(),
                "attendees": "Margaret, Sarah",
                "private_family_time": True,
                "plan": {
                    "actions": [{"description": "School run", "owner_text": "Friend"}],
                    "review_by": "2999-01-01",
                },
            },
            format="json",
        )
        assert response.status_code == 400 and "review_by" in str(response.json()), response.json()
        assert counts() == before
