"""Bad input on every write endpoint: 400 with field messages, and nothing written."""
import pytest
from django.apps import apps

from audit.models import DomainEvent
from tests.test_api_path import Path, ok


def counts():
    return {m._meta.label: m.objects.count() for label in ("fgdm", "network_packages", "payments")
            for m in apps.get_app_config(label).get_models()} | {"events": DomainEvent.objects.count()}


CHILD = {"first_name": "Lily", "last_name": "Hardy", "date_of_birth": "2017-03-09"}
CASE = {"family_name": "Hardy", "locality": "east", "stage": "family_help", "referral_reason": "x", "children": [CHILD]}
MEMBER = {"full_name": "Margaret", "relationship": "grandparent", "is_parent": False, "has_parental_responsibility": False}
ITEM = {"description": "Sofa bed", "category": "furniture_and_bedding", "amount": "300.00", "frequency": "one_off",
        "instalments": 1}


def without(body, key):
    return {k: v for k, v in body.items() if k != key}


CASE_CASES = [
    ("missing family_name", without(CASE, "family_name"), "family_name"),
    ("missing children", without(CASE, "children"), "children"),
    ("no children", CASE | {"children": []}, "children"),
    ("unknown locality", CASE | {"locality": "atlantis"}, "locality"),
    ("unknown stage", CASE | {"stage": "court"}, "stage"),
    ("bad date of birth", CASE | {"children": [CHILD | {"date_of_birth": "yesterday"}]}, "children"),
    ("children not a list", CASE | {"children": "Lily"}, "children"),
    ("hub not an id", CASE | {"hub": "the big one"}, "hub"),
]

MEMBER_CASES = [
    ("missing name", without(MEMBER, "full_name"), "full_name"),
    ("unknown relationship", MEMBER | {"relationship": "cousin-in-law"}, "relationship"),
    ("parent flag not a boolean", MEMBER | {"is_parent": "perhaps"}, "is_parent"),
    ("parent relationship not marked parent", MEMBER | {"relationship": "parent"}, "is_parent"),
    ("bad email", MEMBER | {"email": "not-an-email"}, "email"),
]


@pytest.fixture
def path(api, world):
    return Path(api, world)


@pytest.mark.django_db
class TestCaseEndpoints:
    @pytest.mark.parametrize("label, body, field", CASE_CASES, ids=[c[0] for c in CASE_CASES])
    def test_create_case(self, path, label, body, field):
        before = counts()
        response = path.as_(path.u.prac_east).post("/api/v1/cases/", body, format="json")
        assert response.status_code == 400 and field in response.json(), response.json()
        assert counts() == before

    @pytest.mark.parametrize("label, body, field", MEMBER_CASES, ids=[c[0] for c in MEMBER_CASES])
    def test_add_member(self, path, label, body, field):
        case = path.referral()
        before = counts()
        response = path.as_(path.u.prac_east).post(f"/api/v1/cases/{case['id']}/network-members/", body, format="json")
        assert response.status_code in (400, 403) and (response.status_code == 403 or field in response.json())
        assert counts() == before

    @pytest.mark.parametrize("body, field", [({}, "lead_practitioner"), ({"lead_practitioner": "nobody"}, "lead_practitioner"),
                                             ({"lead_practitioner": "prac.west"}, "lead_practitioner")])
    def test_allocate(self, path, body, field):
        case = path.referral()
        before = counts()
        response = path.as_(path.u.tm_east).post(f"/api/v1/cases/{case['id']}/allocate/", body, format="json")
        assert response.status_code == 400 and field in response.json()
        assert counts() == before

    def test_consent(self, path):
        case = path.referral()
        before = counts()
        assert path.as_(path.u.prac_east).post(f"/api/v1/cases/{case['id']}/consent/", {}, format="json").status_code == 400
        assert counts() == before

    @pytest.mark.parametrize("body, field", [
        ({"scheduled_for": "2026-12-01T10:00", "venue": "Hub"}, "model"),
        ({"model": "party", "scheduled_for": "2026-12-01T10:00", "venue": "Hub"}, "model"),
        ({"model": "fnm", "scheduled_for": "next week", "venue": "Hub"}, "scheduled_for"),
        ({"model": "fnm", "scheduled_for": "2026-12-01T10:00"}, "venue"),
        ({"model": "fgc", "scheduled_for": "2026-12-01T10:00", "venue": "Hub"}, "coordinator"),
        ({"model": "fgc", "scheduled_for": "2026-12-01T10:00", "venue": "Hub", "coordinator": "ghost"}, "coordinator"),
    ])
    def test_schedule_meeting(self, path, body, field):
        case = path.referral(consent_given_by="Sarah")
        ok(path.as_(path.u.tm_east).post(f"/api/v1/cases/{case['id']}/allocate/", {"lead_practitioner": "prac.east"}, format="json"))
        before = counts()
        response = path.as_(path.u.prac_east).post(f"/api/v1/cases/{case['id']}/meetings/", body, format="json")
        assert response.status_code == 400 and field in response.json(), response.json()
        assert counts() == before

    @pytest.mark.parametrize("change, field", [
        ({"held_on": "soon"}, "held_on"),
        ({"held_on": "2099-01-01"}, "held_on"),
        ({"private_family_time": "maybe"}, "private_family_time"),
        ({"plan": {"actions": [], "review_by": "2099-01-01"}}, "plan"),
        ({"plan": {"actions": [{"description": "x"}], "review_by": "2099-01-01"}}, "plan"),
        ({"plan": {"actions": [{"description": "x", "owner_text": "Jo"}], "review_by": "never"}}, "plan"),
        ({"plan": {"actions": [{"description": "x", "owner_member": 99999}], "review_by": "2099-01-01"}}, "actions"),
        ({"plan": {"actions": [{"description": "x", "owner_text": "Jo"}], "review_by": "2000-01-01"}}, "review_by"),
    ])
    def test_record_meeting(self, path, change, field):
        case, nan, mum, meeting = path.to_meeting()
        body = {"held_on": "2026-01-01", "attendees": "Family", "private_family_time": True,
                "plan": {"actions": [{"description": "x", "owner_text": "Jo"}], "review_by": "2099-01-01"}} | change
        before = counts()
        response = path.as_(path.u.prac_east).post(f"/api/v1/meetings/{meeting['id']}/record/", body, format="json")
        assert response.status_code == 400 and field in response.json(), response.json()
        assert counts() == before

    def test_return_plan_needs_a_reason(self, path):
        case, nan, mum, meeting = path.to_meeting()
        plan = path.record(meeting, nan, path.u.prac_east)
        before = counts()
        response = path.as_(path.u.prac_east).post(f"/api/v1/plans/{plan['id']}/return/", {"reason": ""}, format="json")
        assert response.status_code == 400 and "reason" in response.json()
        assert path.as_(path.u.prac_east).post(f"/api/v1/plans/{plan['id']}/accept/", {"support_needed": "lots"},
                                              format="json").status_code == 400
        assert counts() == before


@pytest.mark.django_db
class TestPackageEndpoints:
    @pytest.mark.parametrize("item_change, field", [
        ({"amount": "lots"}, "items"),
        ({"amount": "-5.00"}, "items"),
        ({"amount": "0"}, "items"),
        ({"amount": "10.005"}, "items"),
        ({"amount": "123456789012.00"}, "items"),
        ({"instalments": "x"}, "items"),
        ({"instalments": 0}, "items"),
        ({"frequency": "daily"}, "items"),
        ({"category": "holiday"}, "items"),
        ({"frequency": "one_off", "instalments": 3}, "items"),
        ({"payee": "Margaret"}, "items"),
        ({"payee": 999999}, "items"),
        ({"plan_action": 999999}, "items"),
    ])
    def test_create_package_items(self, path, item_change, field):
        case, nan, mum, plan = path.to_plan_accepted()
        body = path.package_body(plan, nan)
        body["items"][0] = body["items"][0] | item_change
        before = counts()
        response = path.as_(path.u.prac_east).post(f"/api/v1/cases/{case['id']}/packages/", body, format="json")
        assert response.status_code == 400 and field in response.json(), response.json()
        assert counts() == before

    @pytest.mark.parametrize("change, field", [
        ({"plan": "latest"}, "plan"), ({"items": []}, "items"), ({"other_funding_checked": "yes please"}, "other_funding_checked"),
        ({"agreement_signed_on": "last tuesday"}, "agreement_signed_on"), ({"justification": ""}, "justification"),
    ])
    def test_create_package(self, path, change, field):
        case, nan, mum, plan = path.to_plan_accepted()
        before = counts()
        response = path.as_(path.u.prac_east).post(f"/api/v1/cases/{case['id']}/packages/",
                                                    path.package_body(plan, nan) | change, format="json")
        assert response.status_code == 400 and field in response.json(), response.json()
        assert counts() == before

    @pytest.mark.parametrize("missing", ["agreement_signed_on", "review_by"])
    def test_submit_needs_agreement_and_review_dates(self, path, missing):
        case, nan, mum, plan = path.to_plan_accepted()
        body = path.package_body(plan, nan)
        body[missing] = None
        package = ok(path.as_(path.u.prac_east).post(f"/api/v1/cases/{case['id']}/packages/", body, format="json"), 201)
        before = counts()
        response = path.as_(path.u.prac_east).post(f"/api/v1/packages/{package['id']}/submit/")
        assert response.status_code == 400 and missing in response.json()
        assert counts() == before

    def test_return_needs_a_reason(self, path):
        _, _, package = path.to_submitted()
        before = counts()
        assert path.as_(path.u.tm_east).post(f"/api/v1/packages/{package['id']}/return/", {}, format="json").status_code == 400
        assert counts() == before


@pytest.mark.django_db
class TestPaymentEndpoints:
    @pytest.mark.parametrize("change, field", [
        ({"sort_code": "12-34"}, "sort_code"), ({"sort_code": "ab-cd-ef"}, "sort_code"),
        ({"account_number": "1234"}, "account_number"), ({"account_number": "12345678901"}, "account_number"),
        ({"account_name": ""}, "account_name"),
    ])
    def test_bank_details(self, path, change, field):
        case, nan, package = path.to_submitted()
        body = {"account_name": "M HARDY", "sort_code": "40-00-00", "account_number": "12345678"} | change
        before = counts()
        response = path.as_(path.u.fin1).put(f"/api/v1/network-members/{nan['id']}/bank-account/", body, format="json")
        assert response.status_code == 400 and field in response.json(), response.json()
        assert counts() == before

    @pytest.mark.parametrize("body, field", [({"payment_ids": "all"}, "payment_ids"), ({"payment_ids": []}, "payment_ids"),
                                             ({"payment_ids": [-1]}, "payment_ids"), ({"due_by": "tomorrow"}, "due_by"),
                                             ({"payment_ids": [99999]}, "payment_ids")])
    def test_create_batch(self, path, body, field):
        before = counts()
        response = path.as_(path.u.fin1).post("/api/v1/payment-batches/", body, format="json")
        assert response.status_code == 400 and field in response.json(), response.json()
        assert counts() == before

    def test_payment_filters(self, path):
        fin = path.as_(path.u.fin1)
        assert fin.get("/api/v1/payments/?due_before=someday").status_code == 400
        assert fin.get("/api/v1/payments/?status=lost").status_code == 400
        assert fin.get("/api/v1/payments/?case=abc").status_code == 400

    def test_unknown_export_format(self, world, api):
        from tests import scenario
        from payments import services

        scenario.payments_authorised(world)
        batch = services.batch_create(by=world.u.fin1)
        services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
        response = api.as_user(world.u.fin1).post(f"/api/v1/payment-batches/{batch.pk}/export/?format=xls")
        assert response.status_code == 400 and "format" in response.json()
