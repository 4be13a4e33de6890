"""Bad input on every write endpoint: 400 with field messages, and nothing written."""

import datetime
from decimal import Decimal

import pytest
from knox.models import AuthToken

from fgdm import services as case_services
from network_packages import services as package_services
from network_packages.services import ItemInput
from payments import services as payment_services
from tests import scenario
from tests.helpers import ApiPath, counts, ok

CHILD = {"first_name": "Lily", "last_name": "Hardy", "date_of_birth": "2017-03-09"}
CASE = {"family_name": "Hardy", "locality": "east", "stage": "family_help", "referral_reason": "x", "children": [CHILD]}
MEMBER = {
    "full_name": "Margaret",
    "relationship": "grandparent",
    "is_parent": False,
    "has_parental_responsibility": False,
}
BANK = {"account_name": "M HARDY", "sort_code": "40-00-00", "account_number": "12165678"}
# A review within the two years core.bounds allows.
REVIEW_BY = (datetime.date.today() + datetime.timedelta(days=300)).isoformat()
PLAN = {"actions": [{"description": "x", "owner_text": "Jo"}], "contingency": "", "review_by": REVIEW_BY}
RECORD = {
    "held_on": datetime.date.today().isoformat(),
    "attendees": "Family",
    "private_family_time": True,
    "plan": PLAN,
}
TOO_LONG = "x" * 301


def without(body, *keys):
    return {k: v for k, v in body.items() if k not in keys}


def case_(label, body, field):
    return pytest.param(body, field, id=label)


@pytest.fixture
def path(api, world):
    return ApiPath(api, world)


def refused(client_call, field, *, code=400):
    """The call answers `code` naming `field` (or a detail), and writes nothing anywhere."""
    before = counts()
    response = client_call()
    assert response.status_code == code, (response.status_code, response.content)
    body = response.json()
    if field == "detail":
        assert body["detail"]
    else:
        assert field in body and body[field], body
    assert counts() == before
    return body


@pytest.mark.django_db
class TestToken:
    @pytest.mark.parametrize(
        "body, field",
        [
            case_("no password", {"username": "prac.east"}, "password"),
            case_("no username", {"password": "pw"}, "username"),
            case_("wrong password", {"username": "prac.east", "password": "nope"}, "non_field_errors"),
            case_("unknown user", {"username": "ghost", "password": "pw"}, "non_field_errors"),
        ],
    )
    def test_token(self, world, client, body, field):
        refused(lambda: client.post("/api/v1/auth/token/", body, content_type="application/json"), field)
        assert not AuthToken.objects.exists()

    def test_good_credentials(self, world, client):
        token = ok(client.post("/api/v1/auth/token/", {"username": "prac.east", "password": "pw"}))["token"]
        me = ok(client.get("/api/v1/users/me/", HTTP_AUTHORIZATION=f"Token {token}"))
        assert me | {"full_name": ""} == {
            "username": "prac.east",
            "full_name": "",
            "roles": ["practitioner"],
            "teams": ["east"],
        }


CASE_CASES = [
    case_("missing family_name", without(CASE, "family_name"), "family_name"),
    case_("missing locality", without(CASE, "locality"), "locality"),
    case_("missing stage", without(CASE, "stage"), "stage"),
    case_("missing referral_reason", without(CASE, "referral_reason"), "referral_reason"),
    case_("missing children", without(CASE, "children"), "children"),
    case_("no children", CASE | {"children": []}, "children"),
    case_("family_name a list", CASE | {"family_name": ["Hardy"]}, "family_name"),
    case_("unknown locality", CASE | {"locality": "atlantis"}, "locality"),
    case_("unknown stage", CASE | {"stage": "court"}, "stage"),
    case_("bad date of birth", CASE | {"children": [CHILD | {"date_of_birth": "yesterday"}]}, "children"),
    case_("child without first name", CASE | {"children": [without(CHILD, "first_name")]}, "children"),
    case_("children not a list", CASE | {"children": "Lily"}, "children"),
    case_("hub not an id", CASE | {"hub": "the big one"}, "hub"),
    case_("unknown hub", CASE | {"hub": 999999}, "hub"),
    case_("consent_given_by too long", CASE | {"consent_given_by": TOO_LONG}, "consent_given_by"),
    case_("body a list", [CASE], "non_field_errors"),
]

MEMBER_CASES = [
    case_("missing name", without(MEMBER, "full_name"), "full_name"),
    case_("blank name", MEMBER | {"full_name": " "}, "full_name"),
    case_("missing relationship", without(MEMBER, "relationship"), "relationship"),
    case_("missing is_parent", without(MEMBER, "is_parent"), "is_parent"),
    case_(
        "missing parental responsibility", without(MEMBER, "has_parental_responsibility"), "has_parental_responsibility"
    ),
    case_("unknown relationship", MEMBER | {"relationship": "cousin-in-law"}, "relationship"),
    case_("parent flag not a boolean", MEMBER | {"is_parent": "perhaps"}, "is_parent"),
    case_("parent relationship not marked parent", MEMBER | {"relationship": "parent"}, "is_parent"),
    case_("bad email", MEMBER | {"email": "not-an-email"}, "email"),
    case_("phone too long", MEMBER | {"phone": "0" * 41}, "phone"),
]


@pytest.mark.django_db
class TestCaseEndpoints:
    @pytest.mark.parametrize("body, field", CASE_CASES)
    def test_create_case(self, path, body, field):
        refused(lambda: path.as_(path.u.prac_east).post("/api/v1/cases/", body, format="json"), field)

    def test_hub_in_another_locality(self, path):
        from tests.factories import HubFactory

        hub = HubFactory(locality=path.w.west)
        refused(lambda: path.as_(path.u.prac_east).post("/api/v1/cases/", CASE | {"hub": hub.pk}, format="json"), "hub")

    def test_malformed_json(self, path):
        refused(
            lambda: path.as_(path.u.prac_east).post("/api/v1/cases/", "{not json", content_type="application/json"),
            "detail",
        )

    @pytest.mark.parametrize("body, field", MEMBER_CASES)
    def test_add_member(self, world, path, body, field):
        case = scenario.allocated(world)
        refused(
            lambda: path.as_(path.u.prac_east).post(f"/api/v1/cases/{case.pk}/network-members/", body, format="json"),
            field,
        )

    @pytest.mark.parametrize(
        "body, field",
        [
            case_("missing", {}, "lead_practitioner"),
            case_("unknown username", {"lead_practitioner": "nobody"}, "lead_practitioner"),
            case_("a number", {"lead_practitioner": 5}, "lead_practitioner"),
            case_("another team's practitioner", {"lead_practitioner": "prac.west"}, "lead_practitioner"),
            case_("not a practitioner", {"lead_practitioner": "coord"}, "lead_practitioner"),
        ],
    )
    def test_allocate(self, world, path, body, field):
        case = scenario.referral(world)
        refused(lambda: path.as_(path.u.tm_east).post(f"/api/v1/cases/{case.pk}/allocate/", body, format="json"), field)

    @pytest.mark.parametrize(
        "body", [{}, {"given_by": ""}, {"given_by": "   "}, {"given_by": ["Sarah"]}, {"given_by": TOO_LONG}]
    )
    def test_consent(self, world, path, body):
        case = scenario.allocated(world)
        refused(
            lambda: path.as_(path.u.prac_east).post(f"/api/v1/cases/{case.pk}/consent/", body, format="json"),
            "given_by",
        )

    @pytest.mark.parametrize(
        "body, field",
        [
            case_("missing model", {"scheduled_for": "2026-12-01T10:00", "venue": "Hub"}, "model"),
            case_("unknown model", {"model": "party", "scheduled_for": "2026-12-01T10:00", "venue": "Hub"}, "model"),
            case_("bad datetime", {"model": "fnm", "scheduled_for": "next week", "venue": "Hub"}, "scheduled_for"),
            case_("datetime a number", {"model": "fnm", "scheduled_for": 12, "venue": "Hub"}, "scheduled_for"),
            case_("missing venue", {"model": "fnm", "scheduled_for": "2026-12-01T10:00"}, "venue"),
            case_("venue too long", {"model": "fnm", "scheduled_for": "2026-12-01T10:00", "venue": TOO_LONG}, "venue"),
            case_(
                "fgc without coordinator",
                {"model": "fgc", "scheduled_for": "2026-12-01T10:00", "venue": "Hub"},
                "coordinator",
            ),
            case_(
                "unknown coordinator",
                {"model": "fgc", "scheduled_for": "2026-12-01T10:00", "venue": "Hub", "coordinator": "ghost"},
                "coordinator",
            ),
            case_(
                "coordinator not a coordinator",
                {"model": "fgc", "scheduled_for": "2026-12-01T10:00", "venue": "Hub", "coordinator": "tm.east"},
                "coordinator",
            ),
        ],
    )
    def test_schedule_meeting(self, world, path, body, field):
        case = scenario.allocated(world)
        refused(
            lambda: path.as_(path.u.prac_east).post(f"/api/v1/cases/{case.pk}/meetings/", body, format="json"), field
        )

    def test_pre_proceedings_needs_an_independent_coordinator(self, world, path):
        case = scenario.allocated(world, stage="pre_proceedings")
        body = {"model": "fnm", "scheduled_for": "2026-12-01T10:00", "venue": "Hub"}
        refused(
            lambda: path.as_(path.u.prac_east).post(f"/api/v1/cases/{case.pk}/meetings/", body, format="json"),
            "coordinator",
        )

    def test_meeting_needs_consent_first(self, world, path):
        case = case_services.case_create(
            by=world.u.prac_east,
            family_name="Hardy",
            locality=world.east,
            stage="family_help",
            referral_reason="x",
            children=[
                case_services.ChildInput(first_name="Lily", last_name="Hardy", date_of_birth=datetime.date(2017, 3, 9))
            ],
        )
        case_services.case_allocate(case_id=case.pk, by=world.u.tm_east, lead_practitioner=world.u.prac_east)
        body = {"model": "fnm", "scheduled_for": "2026-12-01T10:00", "venue": "Hub"}
        assert (
            "consent"
            in refused(
                lambda: path.as_(path.u.prac_east).post(f"/api/v1/cases/{case.pk}/meetings/", body, format="json"),
                "detail",
            )["detail"]
        )

    @pytest.mark.parametrize(
        "change, field",
        [
            case_("missing held_on", {"held_on": None}, "held_on"),
            case_("bad held_on", {"held_on": "soon"}, "held_on"),
            case_("held in the future", {"held_on": "2099-01-01"}, "held_on"),
            case_("missing attendees", {"attendees": None}, "attendees"),
            case_("family time not a boolean", {"private_family_time": "maybe"}, "private_family_time"),
            case_("child participation too long", {"child_participation": TOO_LONG}, "child_participation"),
            case_("missing plan", {"plan": None}, "plan"),
            case_("plan not an object", {"plan": "see attached"}, "plan"),
            case_("no actions", {"plan": PLAN | {"actions": []}}, "plan"),
            case_("action without owner", {"plan": PLAN | {"actions": [{"description": "x"}]}}, "plan"),
            case_("action without description", {"plan": PLAN | {"actions": [{"owner_text": "Jo"}]}}, "plan"),
            case_(
                "owner_member not an id",
                {"plan": PLAN | {"actions": [{"description": "x", "owner_member": "Nan"}]}},
                "plan",
            ),
            case_(
                "owner_member huge",
                {"plan": PLAN | {"actions": [{"description": "x", "owner_member": 10**20}]}},
                "plan",
            ),
            case_(
                "bad due_by",
                {"plan": PLAN | {"actions": [{"description": "x", "owner_text": "Jo", "due_by": "tomorrow"}]}},
                "plan",
            ),
            case_("bad review_by", {"plan": PLAN | {"review_by": "never"}}, "plan"),
            case_("missing review_by", {"plan": without(PLAN, "review_by")}, "plan"),
            case_(
                "owner not in the network",
                {"plan": PLAN | {"actions": [{"description": "x", "owner_member": 99999}]}},
                "actions",
            ),
            case_("review before the meeting", {"plan": PLAN | {"review_by": "2000-01-01"}}, "review_by"),
        ],
    )
    def test_record_meeting(self, path, change, field):
        case, nan, mum, meeting = path.to_meeting()
        body = {k: v for k, v in (RECORD | change).items() if v is not None}
        refused(
            lambda: path.as_(path.u.prac_east).post(f"/api/v1/meetings/{meeting['id']}/record/", body, format="json"),
            field,
        )

    def test_prepare_an_fnm(self, path):
        case, nan, mum, meeting = path.to_meeting("fnm")
        refused(
            lambda: path.as_(path.u.prac_east).post(f"/api/v1/meetings/{meeting['id']}/prepare/"), "detail", code=409
        )

    @pytest.mark.parametrize("body", [{"support_needed": "lots"}, {"support_needed": [True]}])
    def test_accept_plan(self, world, path, body):
        case, nan, plan = scenario.meeting_held(world)
        refused(
            lambda: path.as_(path.u.prac_east).post(f"/api/v1/plans/{plan.pk}/accept/", body, format="json"),
            "support_needed",
        )

    @pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "  "}, {"reason": ["too costly"]}])
    def test_return_plan(self, world, path, body):
        case, nan, plan = scenario.meeting_held(world)
        refused(
            lambda: path.as_(path.u.prac_east).post(f"/api/v1/plans/{plan.pk}/return/", body, format="json"), "reason"
        )

    @pytest.mark.parametrize(
        "body, field",
        [
            case_("empty", {}, "actions"),
            case_("no actions", PLAN | {"actions": []}, "actions"),
            case_("actions not a list", PLAN | {"actions": "do better"}, "actions"),
            case_("action without owner", PLAN | {"actions": [{"description": "x"}]}, "actions"),
            case_("bad review_by", PLAN | {"review_by": "never"}, "review_by"),
            case_("review_by in the past", PLAN | {"review_by": "2000-01-01"}, "review_by"),
            case_(
                "owner not in the network", PLAN | {"actions": [{"description": "x", "owner_member": 99999}]}, "actions"
            ),
        ],
    )
    def test_revise_plan(self, world, path, body, field):
        case, nan, plan = scenario.meeting_held(world)
        case_services.plan_return(plan_id=plan.pk, by=world.u.prac_east, reason="Say who does the school run.")
        refused(lambda: path.as_(path.u.prac_east).post(f"/api/v1/plans/{plan.pk}/revise/", body, format="json"), field)

    @pytest.mark.parametrize(
        "body, field",
        [
            case_("missing team", {"lead_practitioner": "prac.west"}, "team"),
            case_("unknown team", {"team": "atlantis", "lead_practitioner": "prac.west"}, "team"),
            case_("missing lead", {"team": "west"}, "lead_practitioner"),
            case_("team not serving the locality", {"team": "west", "lead_practitioner": "prac.west"}, "team"),
            case_(
                "unknown locality",
                {"team": "west", "locality": "atlantis", "lead_practitioner": "prac.west"},
                "locality",
            ),
        ],
    )
    def test_transfer(self, world, path, body, field):
        case = scenario.allocated(world)
        refused(lambda: path.as_(path.u.tm_east).post(f"/api/v1/cases/{case.pk}/transfer/", body, format="json"), field)

    @pytest.mark.parametrize(
        "body, field",
        [
            case_("missing close", {}, "close"),
            case_("close not a boolean", {"close": "maybe"}, "close"),
            case_("unknown outcome", {"close": True, "outcome": "vanished"}, "outcome"),
            case_("closing without an outcome", {"close": True}, "outcome"),
        ],
    )
    def test_review(self, world, path, body, field):
        case, nan, plan = scenario.plan_accepted(world)
        refused(lambda: path.as_(path.u.prac_east).post(f"/api/v1/cases/{case.pk}/review/", body, format="json"), field)


@pytest.fixture
def accepted(world):
    """A case whose plan is accepted, and a valid package body for it (the grandmother's sofa bed)."""
    case, nan, plan = scenario.plan_accepted(world)
    body = {
        "plan": plan.pk,
        "justification": "A sofa bed so Nan can stay over.",
        "other_funding_checked": True,
        "agreement_signed_on": datetime.date.today().isoformat(),
        "review_by": REVIEW_BY,
        "items": [
            {
                "description": "Sofa bed",
                "category": "furniture_and_bedding",
                "payee": nan.pk,
                "amount": "300.00",
                "frequency": "one_off",
                "instalments": 1,
                "plan_action": plan.actions.first().pk,
            }
        ],
    }
    return case, body


def _draft(world, **changes):
    case, nan, plan = scenario.plan_accepted(world)
    fields = (
        dict(
            case_id=case.pk,
            by=world.u.prac_east,
            plan_id=plan.pk,
            justification="Sofa bed",
            other_funding_checked=True,
            agreement_signed_on=datetime.date.today(),
            review_by=datetime.date.today() + datetime.timedelta(days=42),
            items=[
                ItemInput(
                    description="Sofa bed", category="furniture_and_bedding", payee_id=nan.pk, amount=Decimal("300.00")
                )
            ],
        )
        | changes
    )
    return package_services.package_create(**fields)


@pytest.mark.django_db
class TestPackageEndpoints:
    @pytest.mark.parametrize(
        "item_change, field",
        [
            case_("amount words", {"amount": "lots"}, "items"),
            case_("amount negative", {"amount": "-5"}, "items"),
            case_("amount negative pence", {"amount": "-5.00"}, "items"),
            case_("amount zero", {"amount": "0"}, "items"),
            case_("amount fractional penny", {"amount": "10.005"}, "items"),
            case_("amount fractional penny as a number", {"amount": 10.005}, "items"),
            case_("amount with a comma", {"amount": "1,000.00"}, "items"),
            case_("amount too large", {"amount": "123456789012.00"}, "items"),
            case_("amount missing", {"amount": None}, "items"),
            case_("instalments words", {"instalments": "x"}, "items"),
            case_("instalments zero", {"instalments": 0}, "items"),
            case_("instalments fractional", {"instalments": 1.5}, "items"),
            case_("instalments above two years weekly", {"frequency": "weekly", "instalments": 105}, "items"),
            case_("unknown frequency", {"frequency": "daily"}, "items"),
            case_("unknown category", {"category": "holiday"}, "items"),
            case_("missing category", {"category": None}, "items"),
            case_("missing description", {"description": None}, "items"),
            case_("description too long", {"description": TOO_LONG}, "items"),
            case_("one-off in instalments", {"frequency": "one_off", "instalments": 3}, "items"),
            case_("payee a name", {"payee": "Margaret"}, "items"),
            case_("payee missing", {"payee": None}, "items"),
            case_("payee not in the network", {"payee": 999999}, "items"),
            case_("payee huge", {"payee": 10**20}, "items"),
            case_("plan action not in the plan", {"plan_action": 999999}, "items"),
            case_(
                "total beyond what a package can hold",
                {"amount": "99999999.99", "frequency": "weekly", "instalments": 104},
                "items",
            ),
        ],
    )
    def test_create_package_items(self, path, accepted, item_change, field):
        case, body = accepted
        item = {k: v for k, v in (body["items"][0] | item_change).items() if v is not None}
        body = body | {"items": [item]}
        refused(
            lambda: path.as_(path.u.prac_east).post(f"/api/v1/cases/{case.pk}/packages/", body, format="json"), field
        )

    @pytest.mark.parametrize(
        "change, field",
        [
            case_("plan words", {"plan": "latest"}, "plan"),
            case_("plan missing", {"plan": None}, "plan"),
            case_("plan huge", {"plan": 10**20}, "plan"),
            case_("plan of another case", {"plan": 999999}, "plan"),
            case_("no items", {"items": []}, "items"),
            case_("items missing", {"items": None}, "items"),
            case_("items not a list", {"items": {"description": "Sofa bed"}}, "items"),
            case_("attestation words", {"other_funding_checked": "yes please"}, "other_funding_checked"),
            case_("attestation missing", {"other_funding_checked": None}, "other_funding_checked"),
            case_("bad agreement date", {"agreement_signed_on": "last tuesday"}, "agreement_signed_on"),
            case_("bad review date", {"review_by": "2099-02-30"}, "review_by"),
            case_("blank justification", {"justification": ""}, "justification"),
            case_("justification missing", {"justification": None}, "justification"),
        ],
    )
    def test_create_package(self, path, accepted, change, field):
        case, body = accepted
        body = {k: v for k, v in (body | change).items() if v is not None or k in ("agreement_signed_on", "review_by")}
        refused(
            lambda: path.as_(path.u.prac_east).post(f"/api/v1/cases/{case.pk}/packages/", body, format="json"), field
        )

    @pytest.mark.parametrize(
        "changes, field",
        [
            case_("no agreement date", {"agreement_signed_on": None}, "agreement_signed_on"),
            case_("no review date", {"review_by": None}, "review_by"),
            case_("other funding not checked", {"other_funding_checked": False}, "other_funding_checked"),
        ],
    )
    def test_submit(self, world, path, changes, field):
        package = _draft(world, **changes)
        refused(lambda: path.as_(path.u.prac_east).post(f"/api/v1/packages/{package.pk}/submit/"), field)

    @pytest.mark.parametrize("body", [{"note": {"text": "ok"}}, {"note": ["ok"]}])
    def test_approve(self, world, path, body):
        package = scenario.package_submitted(world)
        refused(
            lambda: path.as_(path.u.tm_east).post(f"/api/v1/packages/{package.pk}/approve/", body, format="json"),
            "note",
        )

    @pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": ["too much"]}])
    def test_return(self, world, path, body):
        package = scenario.package_submitted(world)
        refused(
            lambda: path.as_(path.u.tm_east).post(f"/api/v1/packages/{package.pk}/return/", body, format="json"),
            "reason",
        )

    def test_withdraw(self, world, path):
        package = scenario.package_submitted(world)
        refused(
            lambda: path.as_(path.u.prac_east).post(
                f"/api/v1/packages/{package.pk}/withdraw/", {"reason": {"a": 1}}, format="json"
            ),
            "reason",
        )


@pytest.mark.django_db
class TestPaymentEndpoints:
    @pytest.mark.parametrize(
        "body, field",
        [
            case_("short sort code", BANK | {"sort_code": "12-34"}, "sort_code"),
            case_("letters in sort code", BANK | {"sort_code": "ab-cd-ef"}, "sort_code"),
            case_("sort code a list", BANK | {"sort_code": ["40", "00", "00"]}, "sort_code"),
            case_("short account number", BANK | {"account_number": "1234"}, "account_number"),
            case_("long account number", BANK | {"account_number": "12345678901"}, "account_number"),
            case_("letters in account number", BANK | {"account_number": "1234567X"}, "account_number"),
            case_("blank account name", BANK | {"account_name": ""}, "account_name"),
            case_("account name too long", BANK | {"account_name": "x" * 101}, "account_name"),
            case_("missing sort code", without(BANK, "sort_code"), "sort_code"),
            case_("missing account number", without(BANK, "account_number"), "account_number"),
            case_("missing account name", without(BANK, "account_name"), "account_name"),
        ],
    )
    def test_bank_details(self, world, path, body, field):
        package = scenario.package_submitted(world)
        nan = package.items.get().payee
        refused(
            lambda: path.as_(path.u.fin1).put(f"/api/v1/network-members/{nan.pk}/bank-account/", body, format="json"),
            field,
        )

    def test_bank_details_for_a_parent(self, world, path):
        case, nan = scenario.with_network(world)
        mum = case.network_members.get(is_parent=True)
        refused(
            lambda: path.as_(path.u.prac_east).put(
                f"/api/v1/network-members/{mum.pk}/bank-account/", BANK, format="json"
            ),
            "detail",
        )

    def test_verify_own_entry_and_nothing_to_verify(self, world, path):
        package = scenario.package_approved(world)
        nan = package.items.get().payee
        refused(
            lambda: path.as_(path.u.fin1).post(f"/api/v1/network-members/{nan.pk}/bank-account/verify/"),
            "detail",
            code=409,
        )  # nothing entered yet
        ok(path.as_(path.u.fin1).put(f"/api/v1/network-members/{nan.pk}/bank-account/", BANK, format="json"))
        refused(
            lambda: path.as_(path.u.fin1).post(f"/api/v1/network-members/{nan.pk}/bank-account/verify/"),
            "detail",
            code=403,
        )

    def test_authorise_before_bank_details_are_verified(self, world, path):
        package = scenario.package_approved(world)
        payment = package.payments.get()
        payment_services.bank_account_set(member_id=payment.payee_id, by=world.u.fin1, **BANK)
        refused(lambda: path.as_(path.u.fin2).post(f"/api/v1/payments/{payment.pk}/authorise/"), "detail")

    @pytest.mark.parametrize(
        "body, field",
        [
            case_("ids a word", {"payment_ids": "all"}, "payment_ids"),
            case_("ids empty", {"payment_ids": []}, "payment_ids"),
            case_("id negative", {"payment_ids": [-1]}, "payment_ids"),
            case_("id fractional", {"payment_ids": [1.5]}, "payment_ids"),
            case_("id huge", {"payment_ids": [10**20]}, "payment_ids"),
            case_("unknown id", {"payment_ids": [99999]}, "payment_ids"),
            case_("bad due_by", {"due_by": "tomorrow"}, "due_by"),
        ],
    )
    def test_create_batch(self, world, path, body, field):
        scenario.payments_authorised(world)
        refused(lambda: path.as_(path.u.fin1).post("/api/v1/payment-batches/", body, format="json"), field)

    def test_batch_of_a_payment_not_authorised(self, world, path):
        package = scenario.package_approved(world)
        body = {"payment_ids": [package.payments.get().pk]}
        refused(lambda: path.as_(path.u.fin1).post("/api/v1/payment-batches/", body, format="json"), "payment_ids")

    def test_batch_with_nothing_due(self, world, path):
        refused(lambda: path.as_(path.u.fin1).post("/api/v1/payment-batches/", {}, format="json"), "detail")

    @pytest.mark.parametrize("query", ["due_before=someday", "status=lost", "case=abc", "case=0", f"case={10**20}"])
    def test_payment_filters(self, world, path, query):
        response = path.as_(path.u.fin1).get(f"/api/v1/payments/?{query}")
        assert response.status_code == 400 and query.split("=")[0] in response.json()

    @pytest.mark.parametrize("export_format", ["xls", "BACS18", "pain.001", ""])
    def test_export_format_not_available(self, world, api, export_format):
        scenario.payments_authorised(world)
        batch = payment_services.batch_create(by=world.u.fin1)
        payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
        body = refused(
            lambda: api.as_user(world.u.fin1).post(
                f"/api/v1/payment-batches/{batch.pk}/export/?format={export_format}"
            ),
            "format",
        )
        assert "csv" in body["format"][0]
        batch.refresh_from_db()
        assert (batch.status, batch.export_sha256) == ("approved", "")
