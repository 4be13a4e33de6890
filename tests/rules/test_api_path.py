"""The whole path through the HTTP API with the demo roles, and the refusals along it."""

import csv
import datetime
import hashlib
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import LogEntry
from tests import scenario
from tests.helpers import ApiPath, counts, ok

TODAY = datetime.date.today


@pytest.fixture
def path(api, world):
    return ApiPath(api, world)


@pytest.mark.django_db
class TestWholePath:
    def test_referral_to_confirmed_batch(self, path):
        """Every step through the API, each by the role that takes it in the demo."""
        u = path.u
        prac = path.as_(u.prac_east)
        case = ok(
            prac.post(
                "/api/v1/cases/",
                {
                    "family_name": "Hardy",
                    "locality": "east",
                    "stage": "family_help",
                    "referral_reason": "Mum is going into hospital.",
                    "child_lives_with": "Mother",
                    "children": [{"first_name": "Lily", "last_name": "Hardy", "date_of_birth": "2017-03-09"}],
                },
                format="json",
            ),
            201,
        )
        assert case["reference"].startswith("FGDM-") and case["status"] == "referred"
        assert [t["name"] for t in case["current_tasks"]] == ["allocate"]

        case = ok(
            path.as_(u.tm_east).post(
                f"/api/v1/cases/{case['id']}/allocate/", {"lead_practitioner": "prac.east"}, format="json"
            )
        )
        assert case["lead_practitioner"] == "prac.east" and case["status"] == "allocated"
        prac = path.as_(u.prac_east)
        assert ok(
            prac.post(f"/api/v1/cases/{case['id']}/consent/", {"given_by": "Sarah Hardy (mother)"}, format="json")
        )["consent_to_share"]
        assert (
            ok(
                prac.post(
                    f"/api/v1/children/{case['children'][0]['id']}/wishes/",
                    {
                        "wishes_and_feelings": "Lily wants to sleep at Nan's and keep going to school.",
                        "participation": "attends",
                    },
                    format="json",
                )
            )["participation"]
            == "attends"
        )
        nan = ok(
            prac.post(
                f"/api/v1/cases/{case['id']}/network-members/",
                {
                    "full_name": "Margaret Hardy",
                    "relationship": "grandparent",
                    "is_parent": False,
                    "has_parental_responsibility": False,
                    "lives_with_child": False,
                    "phone": "01305 000000",
                },
                format="json",
            ),
            201,
        )
        assert nan["payment_eligible"] is True
        meeting = ok(
            prac.post(
                f"/api/v1/cases/{case['id']}/meetings/",
                {
                    "model": "fnm",
                    "scheduled_for": (timezone.now() - datetime.timedelta(hours=3)).isoformat(),
                    "venue": "Leigh Park Family Hub",
                    "bottom_lines": "Lily is never left alone with dad.",
                },
                format="json",
            ),
            201,
        )
        plan = path.record(meeting, nan, u.prac_east)
        assert plan["version"] == 1 and plan["status"] == "agreed" and all(a["id"] for a in plan["actions"])
        assert (
            ok(prac.post(f"/api/v1/plans/{plan['id']}/accept/", {"support_needed": True}, format="json"))["status"]
            == "accepted"
        )

        package = ok(
            prac.post(f"/api/v1/cases/{case['id']}/packages/", path.package_body(plan, nan, "300.00"), format="json"),
            201,
        )
        assert (package["version"], package["status"], package["total"]) == (1, "draft", "300.00")
        assert package["items"][0]["amount"] == "300.00" and package["items"][0]["payee"] == nan["id"]
        package = ok(prac.post(f"/api/v1/packages/{package['id']}/submit/"))
        assert package["status"] == "submitted" and package["required_tier"] == "team_manager"
        package = ok(
            path.as_(u.tm_east).post(f"/api/v1/packages/{package['id']}/approve/", {"note": "Agreed"}, format="json")
        )
        assert package["status"] == "approved" and package["total"] == "300.00"

        account = ok(
            path.as_(u.fin1).put(
                f"/api/v1/network-members/{nan['id']}/bank-account/",
                {"account_name": "M HARDY", "sort_code": "40-00-00", "account_number": "12165678"},
                format="json",
            )
        )
        assert (account["sort_code"], account["account_number"], account["verified"]) == ("**-**-00", "****5678", False)
        assert "12165678" not in str(account) and "400000" not in str(account)
        assert (
            ok(path.as_(u.fin2).post(f"/api/v1/network-members/{nan['id']}/bank-account/verify/"))["verified"] is True
        )
        assert (
            ok(path.as_(u.fin1).get(f"/api/v1/network-members/{nan['id']}/bank-account/"))["account_number"]
            == "****5678"
        )

        fin1 = path.as_(u.fin1)
        payments = ok(fin1.get(f"/api/v1/payments/?case={case['id']}&status=scheduled"))["results"]
        assert [(p["amount"], p["case_reference"], p["payee_name"], p["batch"]) for p in payments] == [
            ("300.00", case["reference"], "Margaret Hardy", None)
        ]
        for p in payments:
            assert ok(fin1.post(f"/api/v1/payments/{p['id']}/authorise/"))["status"] == "authorised"
        batch = ok(fin1.post("/api/v1/payment-batches/", {}, format="json"), 201)  # default: all authorised and due
        assert (batch["status"], batch["total"], batch["payment_count"]) == ("open", "300.00", 1)
        assert [p["id"] for p in batch["payments"]] == [p["id"] for p in payments]
        assert ok(path.as_(u.fin2).post(f"/api/v1/payment-batches/{batch['id']}/approve/"))["status"] == "approved"

        fin1 = path.as_(u.fin1)
        first = fin1.post(f"/api/v1/payment-batches/{batch['id']}/export/", {"format": "csv"}, format="json")
        assert first.status_code == 200 and first["Content-Type"].startswith("text/csv")
        assert first["Content-Disposition"] == f'attachment; filename="{batch["reference"]}.csv"'
        first_body = first.getvalue()  # a streamed response
        assert first["X-Checksum-SHA256"] == hashlib.sha256(first_body).hexdigest()
        rows = list(csv.DictReader(io.StringIO(first_body.decode())))
        details, trailer = [r for r in rows if r["record_type"] == "D"], rows[-1]
        assert trailer["record_type"] == "T" and int(trailer["payee"]) == len(details) == 1
        total = Decimal(package["total"])
        assert sum(Decimal(r["amount"]) for r in details) == Decimal(trailer["amount"]) == total == Decimal("300.00")
        assert details[0]["case_reference"] == case["reference"] and details[0]["sort_code"] == "400000"
        assert ok(fin1.get(f"/api/v1/payment-batches/{batch['id']}/"))["status"] == "exported"
        for again in (
            fin1.get(f"/api/v1/payment-batches/{batch['id']}/download/?format=csv"),
            fin1.post(f"/api/v1/payment-batches/{batch['id']}/export/?format=csv"),
            path.as_(u.fin2).get(f"/api/v1/payment-batches/{batch['id']}/download/"),
        ):
            assert again.status_code == 200
            assert again.getvalue() == first_body and again["X-Checksum-SHA256"] == first["X-Checksum-SHA256"]

        confirmed = ok(path.as_(u.fin1).post(f"/api/v1/payment-batches/{batch['id']}/confirm/"))
        assert confirmed["status"] == "confirmed" and confirmed["export_sha256"] == first["X-Checksum-SHA256"]
        assert [p["status"] for p in ok(fin1.get(f"/api/v1/payments/?case={case['id']}"))["results"]] == ["paid"]

        trail = ok(path.as_(u.prac_east).get(f"/api/v1/cases/{case['id']}/audit/"))["results"]
        actions = [entry["action"] for entry in trail]
        assert actions[0] == "payment_paid" and actions[-1] == "case_referred"
        assert {entry["actor"] for entry in trail} >= {"prac.east", "tm.east", "fin1", "fin2"}

    def test_fgc_path_is_prepared_and_recorded_by_the_coordinator(self, path):
        case, nan, mum, meeting = path.to_meeting("fgc")
        assert meeting["coordinator"] == "coord" and meeting["status"] == "scheduled"
        prac = path.as_(path.u.prac_east)
        assert prac.post(f"/api/v1/meetings/{meeting['id']}/prepare/").status_code == 403
        assert (
            path.as_(path.u.coord)
            .post(
                f"/api/v1/meetings/{meeting['id']}/record/",
                {
                    "held_on": TODAY().isoformat(),
                    "attendees": "Family",
                    "private_family_time": True,
                    "plan": {"actions": [{"description": "x", "owner_text": "Jo"}], "review_by": "2099-01-01"},
                },
                format="json",
            )
            .status_code
            == 409
        )  # not prepared yet
        path.prepare_everyone(case)
        assert ok(path.as_(path.u.coord).post(f"/api/v1/meetings/{meeting['id']}/prepare/"))["status"] == "prepared"
        assert (
            path.as_(path.u.prac_east)
            .post(
                f"/api/v1/meetings/{meeting['id']}/record/",
                {
                    "held_on": TODAY().isoformat(),
                    "attendees": "Family",
                    "private_family_time": True,
                    "plan": {"actions": [{"description": "x", "owner_text": "Jo"}], "review_by": "2099-01-01"},
                },
                format="json",
            )
            .status_code
            == 403
        )  # only the coordinator records a conference
        plan = path.record(meeting, nan, path.u.coord)
        ok(path.as_(path.u.prac_east).post(f"/api/v1/plans/{plan['id']}/accept/", {}, format="json"))
        assert plan["version"] == 1
        detail = ok(path.as_(path.u.prac_east).get(f"/api/v1/cases/{case['id']}/"))
        assert detail["status"] == "plan_accepted"
        assert [t["name"] for t in detail["current_tasks"]] == ["draft_package"]

    def test_fgc_coordinator_must_not_be_the_lead(self, path):
        from django.contrib.auth.models import Group

        path.u.prac_east.groups.add(Group.objects.get(name="coordinator"))
        case = path.referral(consent_given_by="Sarah Hardy")
        ok(
            path.as_(path.u.tm_east).post(
                f"/api/v1/cases/{case['id']}/allocate/", {"lead_practitioner": "prac.east"}, format="json"
            )
        )
        before = counts()
        response = path.as_(path.u.prac_east).post(
            f"/api/v1/cases/{case['id']}/meetings/",
            {"model": "fgc", "scheduled_for": timezone.now().isoformat(), "venue": "Hub", "coordinator": "prac.east"},
            format="json",
        )
        assert response.status_code == 400 and "coordinator" in response.json()
        assert counts() == before

    def test_tokens_carry_the_actor_into_field_history(self, path):
        case = path.referral()
        entry = LogEntry.objects.filter(content_type__model="case", object_id=case["id"]).order_by("pk").first()
        assert entry.actor == path.u.prac_east


@pytest.mark.django_db
class TestApprovalTiers:
    def test_300_by_team_manager(self, path):
        _, _, package = path.to_submitted("300.00")
        assert ok(path.as_(path.u.tm_east).post(f"/api/v1/packages/{package['id']}/approve/"))["status"] == "approved"

    def test_1200_team_manager_endorses_and_it_escalates_to_a_service_manager(self, path):
        _, _, package = path.to_submitted("1200.00")
        assert package["required_tier"] == "service_manager" and package["current_tier"] == "team_manager"
        escalated = ok(
            path.as_(path.u.tm_east).post(
                f"/api/v1/packages/{package['id']}/approve/", {"note": "Endorsed"}, format="json"
            )
        )
        assert escalated["status"] == "submitted" and escalated["current_tier"] == "service_manager"
        assert path.as_(path.u.tm_east).post(f"/api/v1/packages/{package['id']}/approve/").status_code == 403
        approved = ok(path.as_(path.u.sm).post(f"/api/v1/packages/{package['id']}/approve/"))
        assert approved["status"] == "approved"
        assert [(a["approver"], a["decision"]) for a in sorted(approved["approvals"], key=lambda a: a["at"])] == [
            ("tm.east", "escalated"),
            ("sm", "approved"),
        ]

    def test_7000_climbs_to_the_head_of_service(self, path):
        scenario.no_payee_cap_or_checks()  # £7,000 to Nan: over the default cap a person a year
        _, _, package = path.to_submitted("7000.00")
        ok(path.as_(path.u.tm_east).post(f"/api/v1/packages/{package['id']}/approve/"))
        assert (
            ok(path.as_(path.u.sm).post(f"/api/v1/packages/{package['id']}/approve/"))["current_tier"]
            == "head_of_service"
        )
        assert ok(path.as_(path.u.hos).post(f"/api/v1/packages/{package['id']}/approve/"))["status"] == "approved"

    def test_a_service_manager_may_decide_at_the_first_step(self, path):
        _, _, package = path.to_submitted("1200.00")
        assert ok(path.as_(path.u.sm).post(f"/api/v1/packages/{package['id']}/approve/"))["status"] == "approved"


@pytest.mark.django_db
class TestRefusals:
    def test_self_approval(self, path):
        from django.contrib.auth.models import Group

        _, _, package = path.to_submitted()
        path.u.prac_east.groups.add(Group.objects.get(name="team_manager"))
        path.w.team_east.managers.add(path.u.prac_east)
        before = counts()
        response = path.as_(path.u.prac_east).post(f"/api/v1/packages/{package['id']}/approve/")
        assert response.status_code == 403 and "someone else" in response.json()["detail"]
        assert counts() == before
        assert ok(path.as_(path.u.prac_east).get(f"/api/v1/packages/{package['id']}/"))["status"] == "submitted"

    def test_parent_as_payee(self, path):
        case, nan, mum, plan = path.to_plan_accepted()
        before = counts()
        response = path.as_(path.u.prac_east).post(
            f"/api/v1/cases/{case['id']}/packages/", path.package_body(plan, mum), format="json"
        )
        assert response.status_code == 400 and "Birth parents are never paid" in response.json()["items"][0]
        assert counts() == before

    def test_package_before_a_meeting_is_held(self, path):
        case, nan, mum, meeting = path.to_meeting()
        body = {
            "plan": 1,
            "justification": "x",
            "other_funding_checked": True,
            "items": [{"description": "x", "category": "other", "payee": nan["id"], "amount": "10.00"}],
        }
        before = counts()
        response = path.as_(path.u.prac_east).post(f"/api/v1/cases/{case['id']}/packages/", body, format="json")
        assert response.status_code == 400 and "plan" in response.json()  # no plan until the meeting is held
        assert counts() == before

    def test_package_on_a_plan_whose_meeting_was_not_held(self, path):
        """Rule 3 holds even if a plan somehow exists before its meeting was held (e.g. data migrated in)."""
        from fgdm.models import FamilyPlan, Meeting, PlanAction

        case, nan, mum, meeting = path.to_meeting()
        plan = FamilyPlan.objects.create(
            case_id=case["id"],
            meeting=Meeting.objects.get(pk=meeting["id"]),
            status="accepted",
            review_by=TODAY() + datetime.timedelta(days=42),
            agreed_on=TODAY(),
        )
        PlanAction.objects.create(plan=plan, description="Nan stays over", owner_member_id=nan["id"])
        before = counts()
        response = path.as_(path.u.prac_east).post(
            f"/api/v1/cases/{case['id']}/packages/",
            path.package_body({"id": plan.pk, "actions": [{"id": plan.actions.get().pk}]}, nan),
            format="json",
        )
        assert response.status_code == 400 and "held" in response.json()["plan"][0]
        assert counts() == before

    @pytest.mark.parametrize("second", ["tm_east", "sm"])
    def test_approving_twice(self, path, second):
        _, _, package = path.to_submitted()
        ok(path.as_(path.u.tm_east).post(f"/api/v1/packages/{package['id']}/approve/"))
        before = counts()
        assert path.as_(getattr(path.u, second)).post(f"/api/v1/packages/{package['id']}/approve/").status_code == 409
        assert counts() == before

    def test_exporting_an_unapproved_batch(self, world, api):
        scenario.payments_authorised(world)
        batch = ok(api.as_user(world.u.fin1).post("/api/v1/payment-batches/", {}, format="json"), 201)
        before = counts()
        for client in (api.as_user(world.u.fin1), api.as_user(world.u.fin2)):
            assert client.post(f"/api/v1/payment-batches/{batch['id']}/export/?format=csv").status_code == 409
            assert client.get(f"/api/v1/payment-batches/{batch['id']}/download/?format=csv").status_code == 404
            assert client.post(f"/api/v1/payment-batches/{batch['id']}/export/").status_code == 409
            assert client.post(f"/api/v1/payment-batches/{batch['id']}/confirm/").status_code == 409
        assert counts() == before
        batch = ok(api.as_user(world.u.fin1).get(f"/api/v1/payment-batches/{batch['id']}/"))
        assert (batch["status"], batch["export_sha256"]) == ("open", "")

    def test_batch_creator_cannot_approve_it(self, world, api):
        scenario.payments_authorised(world)
        fin1 = api.as_user(world.u.fin1)
        batch = ok(fin1.post("/api/v1/payment-batches/", {}, format="json"), 201)
        before = counts()
        assert fin1.post(f"/api/v1/payment-batches/{batch['id']}/approve/").status_code == 403
        assert counts() == before
        assert ok(fin1.get(f"/api/v1/payment-batches/{batch['id']}/"))["status"] == "open"

    @pytest.mark.parametrize("username", ["prac_west", "tm_west", "fin1", "fin2"])
    def test_out_of_scope_people_get_404_on_the_case(self, path, username):
        case, nan, package = path.to_submitted()
        plan_id = package["plan"]
        meeting_id = ok(path.as_(path.u.prac_east).get(f"/api/v1/cases/{case['id']}/meetings/"))["results"][0]["id"]
        reads = [
            f"/api/v1/cases/{case['id']}/",
            f"/api/v1/cases/{case['id']}/network-members/",
            f"/api/v1/cases/{case['id']}/meetings/",
            f"/api/v1/cases/{case['id']}/packages/",
            f"/api/v1/cases/{case['id']}/audit/",
            f"/api/v1/plans/{plan_id}/",
            f"/api/v1/packages/{package['id']}/",
        ]
        client = path.as_(getattr(path.u, username))
        for url in reads:
            response = client.get(url)
            assert response.status_code == 404, (username, url)
            assert case["reference"] not in response.content.decode()
        before = counts()
        writes = [
            f"/api/v1/cases/{case['id']}/consent/",
            f"/api/v1/cases/{case['id']}/network-members/",
            f"/api/v1/cases/{case['id']}/meetings/",
            f"/api/v1/cases/{case['id']}/packages/",
            f"/api/v1/meetings/{meeting_id}/record/",
            f"/api/v1/plans/{plan_id}/return/",
            f"/api/v1/packages/{package['id']}/approve/",
            f"/api/v1/packages/{package['id']}/withdraw/",
        ]
        for url in writes:
            assert client.post(url, {}, format="json").status_code == 404, (username, url)
        assert counts() == before
        listed = ok(client.get("/api/v1/cases/"))["results"]
        assert case["id"] not in [c["id"] for c in listed]

    def test_finance_reach_payees_bank_details_but_not_the_case(self, path):
        case, nan, package = path.to_submitted()
        fin = path.as_(path.u.fin1)
        assert fin.get(f"/api/v1/cases/{case['id']}/").status_code == 404
        assert fin.get(f"/api/v1/network-members/{nan['id']}/bank-account/").status_code == 404  # none entered yet
        assert (
            fin.put(
                f"/api/v1/network-members/{nan['id']}/bank-account/",
                {"account_name": "M HARDY", "sort_code": "400000", "account_number": "12165678"},
                format="json",
            ).status_code
            == 200
        )
        assert path.as_(path.u.prac_west).get(f"/api/v1/network-members/{nan['id']}/bank-account/").status_code == 404

    def test_anonymous_gets_401(self, client, db):
        assert client.get("/api/v1/cases/").status_code == 401
        assert client.post("/api/v1/cases/", {}, content_type="application/json").status_code == 401


def test_schema_and_docs(client, db):
    assert client.get("/api/v1/schema/").status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_sensitive_reads_are_in_the_access_log(path):
    from audit.models import AccessLog

    case, nan, package = path.to_submitted()
    path.as_(path.u.auditor).get(f"/api/v1/cases/{case['id']}/")
    path.as_(path.u.prac_east).get(f"/api/v1/plans/{package['plan']}/")
    path.as_(path.u.fin1).put(
        f"/api/v1/network-members/{nan['id']}/bank-account/",
        {"account_name": "M HARDY", "sort_code": "400000", "account_number": "12165678"},
        format="json",
    )
    path.as_(path.u.fin2).get(f"/api/v1/network-members/{nan['id']}/bank-account/")
    logged = set(AccessLog.objects.values_list("actor_username", "what", "door"))
    assert logged >= {("auditor", "case", "api"), ("prac.east", "plan", "api"), ("fin2", "bank_details", "api")}


@pytest.mark.django_db
def test_coordinator_sees_only_what_the_conference_needs(path):
    case, nan, mum, plan = path.to_plan_accepted("fgc")
    coord = path.as_(path.u.coord)
    assert coord.get(f"/api/v1/cases/{case['id']}/").status_code == 200
    assert ok(coord.get(f"/api/v1/cases/{case['id']}/meetings/"))["count"] == 1
    for url in (f"/api/v1/cases/{case['id']}/packages/", f"/api/v1/cases/{case['id']}/audit/"):
        assert coord.get(url).status_code == 404, url
    assert ok(coord.get(f"/api/v1/payments/?case={case['id']}"))["count"] == 0
