"""List and detail answers: the fields each carries, their filters, and who sees which rows."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from payments import services as payment_services
from tests import scenario
from tests.factories import HubFactory
from tests.helpers import ok


@pytest.mark.django_db
class TestCases:
    def test_create_with_hub_and_consent_then_read_the_detail(self, world, api):
        hub = HubFactory(name="Leigh Park Family Hub", locality=world.east)
        created = ok(
            api.as_user(world.u.prac_east).post(
                "/api/v1/cases/",
                {
                    "family_name": " Hardy ",
                    "locality": "east",
                    "stage": "kinship",
                    "referral_reason": "Mum in hospital",
                    "hub": hub.pk,
                    "child_lives_with": "Grandmother",
                    "consent_given_by": "Sarah Hardy (mother)",
                    "children": [
                        {"first_name": "Lily", "last_name": "Hardy", "date_of_birth": "2017-03-09"},
                        {"first_name": "Tom", "last_name": "Hardy", "date_of_birth": "2019-11-30"},
                    ],
                },
                format="json",
            ),
            201,
        )
        detail = ok(api.as_user(world.u.prac_east).get(f"/api/v1/cases/{created['id']}/"))
        assert detail == created
        assert detail | {
            "opened_on": "",
            "consent_recorded_at": "",
            "children": [],
            "current_tasks": [],
            "stage_history": [],
        } == {
            "id": created["id"],
            "reference": f"FGDM-{timezone.localdate().year}-{created['id']:06d}",
            "family_name": "Hardy",
            "locality": "east",
            "hub": hub.pk,
            "team": "east",
            "stage": "kinship",
            "status": "referred",
            "referral_reason": "Mum in hospital",
            "lead_practitioner": None,
            "consent_to_refer": True,
            "consent_to_share": True,
            "consent_given_by": "Sarah Hardy (mother)",
            "consent_recorded_at": "",
            "consent_withdrawn_at": None,
            "consent_withdrawn_by": "",
            "bottom_lines": "",
            "child_lives_with": "Grandmother",
            "support_needed": None,
            "opened_on": "",
            "closed_on": None,
            "closed_by": None,
            "close_reason": "",
            "close_note": "",
            "outcome": "",
            "previous_case": None,
            "children": [],
            "current_tasks": [],
            "plan_progress": None,
            "stage_history": [],
        }
        assert [(r["from_stage"], r["to_stage"], r["reason"], r["changed_by"]) for r in detail["stage_history"]] == [
            ("", "kinship", "", "prac.east")
        ]
        assert [(c["first_name"], c["date_of_birth"]) for c in detail["children"]] == [
            ("Lily", "2017-03-09"),
            ("Tom", "2019-11-30"),
        ]
        assert [(t["name"], t["title"], t["owner"]) for t in detail["current_tasks"]] == [
            ("allocate", "Screen the referral: allocate a lead practitioner or decline it", None)
        ]

    def test_list_fields_and_filters(self, world, api):
        referred = scenario.referral(world)
        allocated = scenario.allocated(world, stage="kinship")
        west = scenario.referral(world, by=world.u.prac_west, locality=world.west)
        sm = api.as_user(world.u.sm)
        everything = ok(sm.get("/api/v1/cases/"))
        assert everything["count"] == 3 and everything["next"] is None
        assert set(everything["results"][0]) == {"id", "reference", "family_name", "locality", "stage", "status"}

        def ids(query):
            return {c["id"] for c in ok(api.as_user(world.u.sm).get(f"/api/v1/cases/?{query}"))["results"]}

        assert ids("status=referred") == {referred.pk, west.pk}
        assert ids("status=allocated") == {allocated.pk}
        assert ids("locality=west") == {west.pk}
        assert ids("stage=kinship") == {allocated.pk}
        assert ids("locality=east&status=referred") == {referred.pk}
        assert ids("status=closed") == set()
        assert {c["id"] for c in ok(api.as_user(world.u.prac_east).get("/api/v1/cases/"))["results"]} == {
            referred.pk,
            allocated.pk,
        }
        assert ok(api.as_user(world.u.fin1).get("/api/v1/cases/"))["count"] == 0

    def test_pages(self, world, api, monkeypatch):
        from rest_framework.pagination import PageNumberPagination

        monkeypatch.setattr(PageNumberPagination, "page_size", 2)
        for _ in range(3):
            scenario.referral(world)
        first = ok(api.as_user(world.u.prac_east).get("/api/v1/cases/"))
        assert first["count"] == 3 and len(first["results"]) == 2 and first["next"].endswith("?page=2")
        second = ok(api.as_user(world.u.prac_east).get("/api/v1/cases/?page=2"))
        assert len(second["results"]) == 1 and second["next"] is None


@pytest.mark.django_db
class TestNetworkMeetingsAndPlans:
    def test_members_and_meetings_lists(self, world, api):
        case, nan, plan = scenario.plan_accepted(world)
        client = api.as_user(world.u.prac_east2)  # the lead's teammate sees the case too
        members = ok(client.get(f"/api/v1/cases/{case.pk}/network-members/"))
        assert [(m["full_name"], m["payment_eligible"]) for m in members["results"]] == [
            ("Margaret Hardy", True),
            ("Sarah Hardy", False),
        ]
        meetings = ok(client.get(f"/api/v1/cases/{case.pk}/meetings/"))["results"]
        assert [(m["model"], m["status"], m["coordinator"]) for m in meetings] == [("fnm", "held", None)]
        detail = ok(client.get(f"/api/v1/plans/{plan.pk}/"))
        assert (detail["status"], detail["version"], detail["meeting"]) == ("accepted", 1, meetings[0]["id"])
        assert [(a["description"], a["owner_member"]) for a in detail["actions"]] == [
            ("Nan stays over while mum is in hospital", nan.pk)
        ]

    def test_return_and_revise_makes_a_new_version(self, world, api):
        case, nan, plan = scenario.meeting_held(world)
        prac = api.as_user(world.u.prac_east)
        returned = ok(
            prac.post(f"/api/v1/plans/{plan.pk}/return/", {"reason": "Who does the school run?"}, format="json")
        )
        assert (returned["status"], returned["return_reason"]) == ("returned", "Who does the school run?")
        revised = ok(
            prac.post(
                f"/api/v1/plans/{plan.pk}/revise/",
                {
                    "actions": [
                        {"description": "Nan stays over", "owner_member": nan.pk},
                        {
                            "description": "School run",
                            "owner_text": "Family friend",
                            "due_by": (timezone.localdate() + datetime.timedelta(days=300)).isoformat(),
                        },
                    ],
                    "contingency": "Aunt Jo",
                    "review_by": (timezone.localdate() + datetime.timedelta(days=300)).isoformat(),
                },
                format="json",
            ),
            201,
        )
        assert (revised["version"], revised["status"], len(revised["actions"])) == (2, "agreed", 2)
        assert ok(prac.get(f"/api/v1/plans/{plan.pk}/"))["status"] == "superseded"
        assert prac.post(f"/api/v1/plans/{plan.pk}/accept/", {}, format="json").status_code == 409
        assert (
            ok(prac.post(f"/api/v1/plans/{revised['id']}/accept/", {"support_needed": False}, format="json"))["status"]
            == "accepted"
        )
        assert ok(prac.get(f"/api/v1/cases/{case.pk}/"))["support_needed"] is False


@pytest.mark.django_db
class TestPayments:
    def test_filters_and_fields(self, world, api):
        weekly = scenario.payments_authorised(world, amount=Decimal("25.50"), frequency="weekly", instalments=4)
        other = scenario.package_approved(world)
        fin = api.as_user(world.u.fin1)

        def listed(query=""):
            return ok(api.as_user(world.u.fin1).get(f"/api/v1/payments/?{query}"))

        everything = listed()
        assert everything["count"] == 5
        assert set(everything["results"][0]) >= {
            "id",
            "reference",
            "case",
            "case_reference",
            "payee_name",
            "amount",
            "due_on",
            "status",
            "batch",
        }
        assert {p["amount"] for p in everything["results"]} == {"25.50", "300.00"}
        assert (
            sum(Decimal(p["amount"]) for p in listed(f"case={weekly.case_id}")["results"])
            == weekly.total
            == Decimal("102.00")
        )
        assert listed("status=scheduled")["count"] == 1 and listed("status=authorised")["count"] == 4
        assert {p["case"] for p in listed("status=scheduled")["results"]} == {other.case_id}
        today = timezone.localdate()
        assert listed(f"due_before={today.isoformat()}")["count"] == 2  # first weekly instalment and the one-off
        assert listed(f"due_before={(today + datetime.timedelta(days=7)).isoformat()}")["count"] == 3
        assert ok(fin.get("/api/v1/payments/?case=999999"))["count"] == 0

    @pytest.mark.parametrize("username, count", [("prac_east", 1), ("tm_east", 1), ("prac_west", 0), ("coord", 0)])
    def test_case_people_see_their_cases_payments(self, world, api, username, count):
        scenario.package_approved(world)
        assert ok(api.as_user(getattr(world.u, username)).get("/api/v1/payments/"))["count"] == count

    def test_authorise_is_finance_only(self, world, api):
        package = scenario.package_approved(world)
        payment = package.payments.get()
        payment_services.bank_account_set(
            member_id=payment.payee_id,
            by=world.u.fin1,
            account_name="M HARDY",
            sort_code="400000",
            account_number="12165678",
        )
        payment_services.bank_account_verify(member_id=payment.payee_id, by=world.u.fin2)
        assert api.as_user(world.u.prac_east).post(f"/api/v1/payments/{payment.pk}/authorise/").status_code == 403
        assert api.as_user(world.u.prac_west).post(f"/api/v1/payments/{payment.pk}/authorise/").status_code == 404
        assert ok(api.as_user(world.u.fin1).post(f"/api/v1/payments/{payment.pk}/authorise/"))["status"] == "authorised"
        assert api.as_user(world.u.fin2).post(f"/api/v1/payments/{payment.pk}/authorise/").status_code == 409


@pytest.mark.django_db
class TestBatches:
    @pytest.mark.parametrize(
        "username, visible",
        [("fin1", True), ("fin2", True), ("auditor", True), ("prac_east", False), ("tm_east", False), ("sm", False)],
    )
    def test_batches_are_finance_business(self, world, api, username, visible):
        scenario.payments_authorised(world)
        batch = payment_services.batch_create(by=world.u.fin1)
        client = api.as_user(getattr(world.u, username))
        assert ok(client.get("/api/v1/payment-batches/"))["count"] == (1 if visible else 0)
        assert client.get(f"/api/v1/payment-batches/{batch.pk}/").status_code == (200 if visible else 404)

    def test_named_payments_and_due_by(self, world, api):
        package = scenario.payments_authorised(world, amount=Decimal("40.00"), frequency="monthly", instalments=3)
        payments = list(package.payments.order_by("due_on"))
        fin = api.as_user(world.u.fin1)
        named = ok(fin.post("/api/v1/payment-batches/", {"payment_ids": [payments[2].pk]}, format="json"), 201)
        assert [p["id"] for p in named["payments"]] == [payments[2].pk] and named["total"] == "40.00"
        later = ok(fin.post("/api/v1/payment-batches/", {"due_by": payments[1].due_on.isoformat()}, format="json"), 201)
        assert [p["id"] for p in later["payments"]] == [payments[0].pk, payments[1].pk] and later["total"] == "80.00"
        assert fin.post("/api/v1/payment-batches/", {"payment_ids": [payments[0].pk]}, format="json").status_code == 400
