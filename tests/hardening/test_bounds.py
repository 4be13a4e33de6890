"""Bounds everywhere (issue 14, "Bounds everywhere"; findings 1 and 6): amounts, counts, text
lengths, dates and names are refused with a 400 naming the field (the API) or a form error (the
pages), and nothing is written; a value stored before the bounds (or behind them) still renders."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from fgdm.models import Case, Child, FamilyPlan, Meeting, NetworkMember
from network_packages.models import PackageItem, SupportPackage
from tests.helpers import ApiPath, ok

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
