"""Who may be paid, and for what (issue 13): the council's payee policy, the decision on means,
safety prompts before approval, checks on paid carers, one person one account, a cap per person a
year. Each rule through the service and the API; messages name the rule in plain words."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import DomainEvent
from core.exceptions import NotPermitted, RuleBroken
from fgdm import services as case_services
from network_packages import services as package_services
from network_packages.models import PayeePolicy, SupportPackage
from network_packages.selectors import financial_year_of
from network_packages.services import ItemInput, SafetyAnswerInput
from payments import services as payment_services
from payments.models import BankAccount
from tests import scenario
from tests.factories import UserFactory
from tests.helpers import ok

TODAY = timezone.localdate


def years_ago(years: int, days: int = 0) -> datetime.date:
    today = TODAY()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days)


def administrator():
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


def set_policy(**changes):
    current = PayeePolicy.objects.get()
    settings = {
        "pay_kinship_carers_with_order": current.pay_kinship_carers_with_order,
        "means_policy": current.means_policy,
        "checks_required": current.checks_required,
        "annual_cap_per_payee": current.annual_cap_per_payee,
    } | changes
    return package_services.payee_policy_set(by=administrator(), **settings)


def exclude_for_safety(member):
    """Excluded from the meetings for safety (fgdm's step, with its own sign-off; only read here)."""
    from fgdm.models import NetworkMember

    NetworkMember.objects.filter(pk=member.pk).update(
        excluded_from_meetings=True, exclusion_reason="A risk to Lily's safety."
    )


def add_member(case, **kwargs):
    defaults = {"full_name": "Kim Friend", "relationship": "friend"}
    return case_services.member_add(case_id=case.pk, by=case.lead_practitioner, **(defaults | kwargs))


def item(payee, plan, *, category="furniture_and_bedding", amount="300.00", **kwargs) -> ItemInput:
    return ItemInput(
        description=kwargs.pop("description", "Help for Lily"),
        category=category,
        payee_id=payee.pk,
        amount=Decimal(amount),
        plan_action_id=plan.actions.first().pk,
        **kwargs,
    )


def draft(case, plan, items, **kwargs):
    return package_services.package_create(
        case_id=case.pk,
        by=case.lead_practitioner,
        plan_id=plan.pk,
        justification="So Lily can stay with her network.",
        other_funding_checked=True,
        agreement_signed_on=TODAY(),
        review_by=TODAY() + datetime.timedelta(days=42),
        items=items,
        **kwargs,
    )


def submit(package):
    return package_services.package_submit(package_id=package.pk, by=package.case.lead_practitioner)


def approve(world, package):
    return package_services.package_approve(package_id=package.pk, by=world.u.tm_east, note="Agreed")


def passed_check(member, by, kind="dbs"):
    return package_services.payee_check_record(
        member_id=member.pk, by=by, kind=kind, outcome="passed", checked_on=TODAY() - datetime.timedelta(days=30)
    )


def api_body(plan, items, **extra) -> dict:
    return {
        "plan": plan.pk,
        "justification": "So Lily can stay with her network.",
        "other_funding_checked": True,
        "agreement_signed_on": TODAY().isoformat(),
        "review_by": (TODAY() + datetime.timedelta(days=42)).isoformat(),
        "items": items,
    } | extra


def api_item(payee, plan, *, category="furniture_and_bedding", amount="300.00", **extra) -> dict:
    return {
        "description": "Help for Lily",
        "category": category,
        "payee": payee.pk,
        "amount": amount,
        "plan_action": plan.actions.first().pk,
    } | extra


def member_json(client, member) -> dict:
    """The network member as the API's list of the case's network gives it."""
    members = ok(client.get(f"/api/v1/cases/{member.case_id}/network-members/"))["results"]
    return next(m for m in members if m["id"] == member.pk)


def refused_with(response, text, field=None):
    assert response.status_code == 400, (response.status_code, response.content)
    body = response.json()
    where = body[field] if field else body
    assert text in str(where), body
    return body


# -- 1. Who may be paid --------------------------------------------------------------------------


class TestWhoMayBePaid:
    def test_the_defaults_follow_dorsets_pages(self, world):
        policy = PayeePolicy.objects.get()
        assert policy.pay_kinship_carers_with_order is True
        assert policy.means_policy == "not_assessed"
        assert policy.checks_required == "dbs_or_viability"
        assert policy.annual_cap_per_payee == Decimal("5000.00")

    def test_birth_parents_are_never_paid(self, world):
        case, _, plan = scenario.plan_accepted(world)
        mother = case.network_members.get(is_parent=True)
        with pytest.raises(RuleBroken, match="Birth parents are never paid"):
            draft(case, plan, [item(mother, plan)])
        assert not SupportPackage.objects.exists()

    def test_birth_parents_are_never_paid_even_under_a_court_order(self, world):
        case, _, plan = scenario.plan_accepted(world)
        mother = case.network_members.get(is_parent=True)
        package_services.payee_facts_set(
            member_id=mother.pk, by=case.lead_practitioner, kinship_order="child_arrangements"
        )
        mother.refresh_from_db()
        assert mother.payment_refusal == "Birth parents are never paid."

    def test_a_member_excluded_for_safety_cannot_be_paid(self, world, api):
        case, grandmother, plan = scenario.plan_accepted(world)
        exclude_for_safety(grandmother)
        with pytest.raises(RuleBroken, match="A member excluded for safety cannot be paid"):
            draft(case, plan, [item(grandmother, plan)])
        with pytest.raises(RuleBroken, match="A member excluded for safety cannot be paid"):
            payment_services.bank_account_set(
                member_id=grandmother.pk,
                by=world.u.fin1,
                account_name="M HARDY",
                sort_code="400000",
                account_number="12165678",
            )
        client = api.as_user(world.u.prac_east)
        response = client.post(
            f"/api/v1/cases/{case.pk}/packages/", api_body(plan, [api_item(grandmother, plan)]), format="json"
        )
        refused_with(response, "A member excluded for safety cannot be paid", "items")
        assert member_json(client, grandmother)["payment_eligible"] is False

    def test_a_member_excluded_after_submission_stops_the_approval(self, world, api):
        package = scenario.package_submitted(world)
        grandmother = package.items.get().payee
        exclude_for_safety(grandmother)
        with pytest.raises(RuleBroken, match="A member excluded for safety cannot be paid"):
            approve(world, package)
        response = api.as_user(world.u.tm_east).post(f"/api/v1/packages/{package.pk}/approve/", {}, format="json")
        refused_with(response, "A member excluded for safety cannot be paid")
        package.refresh_from_db()
        assert package.status == "submitted"

    def test_nobody_under_18_can_be_paid(self, world, api):
        case, _, plan = scenario.plan_accepted(world)
        cousin = add_member(case, full_name="Jay Hardy", relationship="other_relative")
        package_services.payee_facts_set(member_id=cousin.pk, by=case.lead_practitioner, date_of_birth=years_ago(17))
        with pytest.raises(RuleBroken, match="Nobody under 18 can be paid"):
            draft(case, plan, [item(cousin, plan)])
        client = api.as_user(world.u.prac_east)
        response = client.post(
            f"/api/v1/cases/{case.pk}/packages/", api_body(plan, [api_item(cousin, plan)]), format="json"
        )
        refused_with(response, "Nobody under 18 can be paid", "items")
        # Eighteen today: may be paid.
        body = ok(
            client.patch(
                f"/api/v1/network-members/{cousin.pk}/payee/",
                {"date_of_birth": years_ago(18).isoformat()},
                format="json",
            )
        )
        assert body["payment_eligible"] is True and body["payment_refusal"] == ""
        assert draft(case, plan, [item(cousin, plan)]).total == Decimal("300.00")

    def test_a_kinship_carer_under_a_court_order_may_be_paid_if_the_policy_allows(self, world, api):
        case, _, plan = scenario.plan_accepted(world)
        aunt = add_member(case, full_name="Jo Hardy", relationship="aunt_uncle", has_parental_responsibility=True)
        with pytest.raises(RuleBroken, match="paid only as a kinship carer under a court order"):
            draft(case, plan, [item(aunt, plan)])
        client = api.as_user(world.u.prac_east)
        assert member_json(client, aunt)["payment_eligible"] is False
        body = ok(
            client.patch(
                f"/api/v1/network-members/{aunt.pk}/payee/", {"kinship_order": "special_guardianship"}, format="json"
            )
        )
        assert body["payment_eligible"] is True
        assert member_json(client, aunt)["payment_eligible"] is True
        event = DomainEvent.objects.filter(action="payee_facts_changed").latest("id")
        assert event.changes["payment_eligible"] == [False, True]
        # The policy stops paying them: refused, naming the policy.
        set_policy(pay_kinship_carers_with_order=False)
        with pytest.raises(RuleBroken, match="payee policy does not pay holders of parental responsibility"):
            draft(case, plan, [item(aunt, plan)])
        assert member_json(client, aunt)["payment_eligible"] is False
        set_policy(pay_kinship_carers_with_order=True)
        assert draft(case, plan, [item(aunt, plan)]).items.get().payee == aunt

    def test_payee_facts_are_checked(self, world, api):
        case, grandmother, _ = scenario.plan_accepted(world)
        client = api.as_user(world.u.prac_east)
        tomorrow = (TODAY() + datetime.timedelta(days=1)).isoformat()
        refused_with(
            client.patch(
                f"/api/v1/network-members/{grandmother.pk}/payee/", {"date_of_birth": tomorrow}, format="json"
            ),
            "cannot be in the future",
            "date_of_birth",
        )
        refused_with(
            client.patch(
                f"/api/v1/network-members/{grandmother.pk}/payee/", {"kinship_order": "adoption"}, format="json"
            ),
            "",
            "kinship_order",
        )
        # Not the case's team: 404; finance: 404 (no sight of the case).
        assert api.as_user(world.u.prac_west).get(f"/api/v1/network-members/{grandmother.pk}/payee/").status_code == 404
        assert api.as_user(world.u.fin1).get(f"/api/v1/network-members/{grandmother.pk}/payee/").status_code == 404


# -- 2. Means (s.17(8)) and other funding ----------------------------------------------------------


class TestMeans:
    def test_not_means_tested_by_default(self, world):
        package = scenario.package_submitted(world)
        assert package.means_decision == "not_assessed"

    def test_when_the_policy_assesses_means_a_package_needs_a_decision(self, world, api):
        set_policy(means_policy="assessed")
        case, grandmother, plan = scenario.plan_accepted(world)
        package = draft(case, plan, [item(grandmother, plan)])
        with pytest.raises(RuleBroken, match="The council's policy assesses means"):
            submit(package)
        with pytest.raises(RuleBroken, match="Say why the assessment of means was waived"):
            package_services.package_update(package_id=package.pk, by=case.lead_practitioner, means_decision="waived")
        client = api.as_user(world.u.prac_east)
        refused_with(
            client.patch(f"/api/v1/packages/{package.pk}/", {"means_decision": "waived"}, format="json"),
            "Say why",
            "means_reason",
        )
        refused_with(
            client.patch(f"/api/v1/packages/{package.pk}/", {"means_decision": "means_tested"}, format="json"),
            "",
            "means_decision",
        )
        body = ok(
            client.patch(
                f"/api/v1/packages/{package.pk}/",
                {"means_decision": "waived", "means_reason": "Mum is in hospital; no time to assess."},
                format="json",
            )
        )
        assert body["means_decision"] == "waived"
        assert submit(package).status == "submitted"
        # The policy changed while it waited: approval asks for the decision too.
        set_policy(means_policy="not_assessed")
        approve(world, package)

    def test_other_funding_checked_is_a_list(self, world, api):
        case, grandmother, plan = scenario.plan_accepted(world)
        client = api.as_user(world.u.prac_east)
        refused_with(
            client.post(
                f"/api/v1/cases/{case.pk}/packages/",
                api_body(plan, [api_item(grandmother, plan)], other_funding_sources=["lottery"]),
                format="json",
            ),
            "",
            "other_funding_sources",
        )
        body = ok(
            client.post(
                f"/api/v1/cases/{case.pk}/packages/",
                api_body(
                    plan,
                    [api_item(grandmother, plan)],
                    other_funding_checked=False,
                    other_funding_sources=["universal_credit", "charity"],
                ),
                format="json",
            ),
            201,
        )
        assert body["other_funding_sources"] == ["universal_credit", "charity"]
        assert body["other_funding_checked"] is True  # giving sources records that funding was checked


# -- 3. Safety prompts before approval -------------------------------------------------------------


def with_a_toddler(world):
    case, grandmother, plan = scenario.plan_accepted(world)
    case_services.child_add(
        case_id=case.pk,
        by=case.lead_practitioner,
        first_name="Alfie",
        last_name="Hardy",
        date_of_birth=years_ago(3),
        reason="Lily's little brother was missed at referral.",
    )
    return case, grandmother, plan


class TestSafetyPrompts:
    def test_childcare_by_a_non_relative_for_a_child_under_8_asks_about_ofsted(self, world, api):
        case, _, plan = with_a_toddler(world)
        friend = add_member(case)
        passed_check(friend, case.lead_practitioner)
        package = draft(case, plan, [item(friend, plan, category="childcare", hours_per_day=Decimal("3"))])
        client = api.as_user(world.u.prac_east)
        prompts = ok(client.get(f"/api/v1/packages/{package.pk}/"))["safety_prompts"]
        assert [(p["prompt"], p["member"], p["answer"]) for p in prompts] == [("ofsted", friend.pk, None)]
        with pytest.raises(RuleBroken, match="Answer the safety question about Kim Friend"):
            submit(package)
        refused_with(
            client.patch(
                f"/api/v1/packages/{package.pk}/",
                {
                    "safety_answers": [
                        {"prompt": "ofsted", "member": friend.pk, "answer": "fostering_notified", "detail": "x"}
                    ]
                },
                format="json",
            ),
            "does not fit the question",
            "safety_answers",
        )
        refused_with(
            client.patch(
                f"/api/v1/packages/{package.pk}/",
                {
                    "safety_answers": [
                        {
                            "prompt": "private_fostering",
                            "member": friend.pk,
                            "answer": "fostering_notified",
                            "detail": "x",
                        }
                    ]
                },
                format="json",
            ),
            "no such safety question",
            "safety_answers",
        )
        body = ok(
            client.patch(
                f"/api/v1/packages/{package.pk}/",
                {
                    "safety_answers": [
                        {
                            "prompt": "ofsted",
                            "member": friend.pk,
                            "answer": "ofsted_registered",
                            "detail": "Ofsted EY123456",
                        }
                    ]
                },
                format="json",
            )
        )
        assert body["safety_prompts"][0]["answer"] == "ofsted_registered"
        assert body["safety_prompts"][0]["answered_by"] == "prac.east"
        submit(package)
        # The approver sees the answers on the page and in the API.
        response = api.as_user(world.u.tm_east).get(f"/api/v1/packages/{package.pk}/")
        assert ok(response)["safety_prompts"][0]["detail"] == "Ofsted EY123456"
        client.force_login(world.u.tm_east)
        page = client.get(reverse("network_packages:package_detail", args=[package.pk]))
        assert "Ofsted EY123456" in page.content.decode()
        assert approve(world, package).status == "approved"

    @pytest.mark.parametrize(
        "relationship, hours, prompted",
        [
            ("friend", Decimal("2"), False),
            ("grandparent", Decimal("6"), False),
            ("other_relative", Decimal("6"), True),
            ("friend", None, True),
        ],
    )
    def test_which_childcare_asks(self, world, relationship, hours, prompted):
        case, _, plan = with_a_toddler(world)
        carer = add_member(case, relationship=relationship)
        package = draft(case, plan, [item(carer, plan, category="childcare", hours_per_day=hours)])
        from network_packages.payees import safety_prompts

        assert bool(safety_prompts(package)) is prompted

    def test_no_ofsted_question_without_a_child_under_8(self, world):
        case, _, plan = scenario.plan_accepted(world)  # Lily is 9
        friend = add_member(case)
        package = draft(case, plan, [item(friend, plan, category="childcare", hours_per_day=Decimal("5"))])
        from network_packages.payees import safety_prompts

        assert safety_prompts(package) == []

    def test_hours_are_for_childcare_only(self, world, api):
        case, grandmother, plan = scenario.plan_accepted(world)
        with pytest.raises(RuleBroken, match="hours a day are given for childcare only"):
            draft(case, plan, [item(grandmother, plan, hours_per_day=Decimal("3"))])
        response = api.as_user(world.u.prac_east).post(
            f"/api/v1/cases/{case.pk}/packages/",
            api_body(plan, [api_item(grandmother, plan, category="childcare", hours_per_day="25")]),
            format="json",
        )
        assert response.status_code == 400 and "items" in response.json()

    def test_a_child_living_with_a_non_relative_for_28_days_asks_about_private_fostering(self, world, api):
        case, grandmother, plan = scenario.plan_accepted(world)
        neighbour = add_member(case, full_name="Pat Neighbour", relationship="neighbour", lives_with_child=True)
        package_services.payee_facts_set(
            member_id=neighbour.pk,
            by=case.lead_practitioner,
            lives_with_child_since=TODAY() - datetime.timedelta(days=10),
        )
        package = submit(draft(case, plan, [item(grandmother, plan)]))  # 10 days: no question yet
        # Eighteen days later it has been 28 days: approval waits for the answer.
        package_services.payee_facts_set(
            member_id=neighbour.pk,
            by=case.lead_practitioner,
            lives_with_child_since=TODAY() - datetime.timedelta(days=28),
        )
        with pytest.raises(RuleBroken, match="Answer the safety question about Pat Neighbour"):
            approve(world, package)
        body = ok(api.as_user(world.u.tm_east).get(f"/api/v1/packages/{package.pk}/"))
        assert [p["prompt"] for p in body["safety_prompts"]] == ["private_fostering"]
        assert any("Pat Neighbour" in message for message in body["still_needed"])
        package_services.package_return(package_id=package.pk, by=world.u.tm_east, reason="Answer the question.")
        package_services.package_update(
            package_id=package.pk,
            by=case.lead_practitioner,
            safety_answers=[
                SafetyAnswerInput(
                    prompt="private_fostering",
                    member_id=neighbour.pk,
                    answer="fostering_notified",
                    detail="Private fostering team told on 1 November.",
                )
            ],
        )
        submit(package)
        assert approve(world, package).status == "approved"


# -- 4. Checks on paid network members ---------------------------------------------------------------


class TestChecks:
    def test_childcare_paid_to_a_member_needs_a_passed_dated_check(self, world, api):
        case, grandmother, plan = scenario.plan_accepted(world)
        package = submit(draft(case, plan, [item(grandmother, plan, category="childcare", hours_per_day=Decimal("4"))]))
        with pytest.raises(RuleBroken, match="needs a DBS check or a viability assessment, passed and dated"):
            approve(world, package)
        client = api.as_user(world.u.prac_east)
        refused_with(
            client.post(
                f"/api/v1/network-members/{grandmother.pk}/payee-checks/",
                {"kind": "dbs", "outcome": "passed", "checked_on": (TODAY() + datetime.timedelta(days=2)).isoformat()},
                format="json",
            ),
            "cannot be in the future",
            "checked_on",
        )
        refused_with(
            client.post(
                f"/api/v1/network-members/{grandmother.pk}/payee-checks/",
                {"kind": "dbs", "outcome": "passed"},
                format="json",
            ),
            "",
            "checked_on",
        )
        ok(
            client.post(
                f"/api/v1/network-members/{grandmother.pk}/payee-checks/",
                {"kind": "viability", "outcome": "not_passed", "checked_on": TODAY().isoformat()},
                format="json",
            ),
            201,
        )
        refused_with(
            api.as_user(world.u.tm_east).post(f"/api/v1/packages/{package.pk}/approve/", {}, format="json"),
            "was not passed",
        )
        ok(
            api.as_user(world.u.prac_east).post(
                f"/api/v1/network-members/{grandmother.pk}/payee-checks/",
                {"kind": "dbs", "outcome": "passed", "checked_on": TODAY().isoformat(), "reference": "001234567890"},
                format="json",
            ),
            201,
        )
        checks = ok(api.as_user(world.u.tm_east).get(f"/api/v1/packages/{package.pk}/"))["payee_checks"]
        assert {(c["kind"], c["outcome"]) for c in checks} == {("dbs", "passed"), ("viability", "not_passed")}
        assert (
            ok(api.as_user(world.u.tm_east).post(f"/api/v1/packages/{package.pk}/approve/", {}, format="json"))[
                "status"
            ]
            == "approved"
        )

    def test_no_check_when_the_policy_asks_for_none(self, world):
        set_policy(checks_required="none")
        case, grandmother, plan = scenario.plan_accepted(world)
        package = submit(draft(case, plan, [item(grandmother, plan, category="bought_in_support")]))
        assert approve(world, package).status == "approved"

    def test_a_dbs_check_does_not_do_for_a_viability_assessment(self, world):
        set_policy(checks_required="viability")
        case, grandmother, plan = scenario.plan_accepted(world)
        passed_check(grandmother, case.lead_practitioner, kind="dbs")
        package = submit(draft(case, plan, [item(grandmother, plan, category="bought_in_support")]))
        with pytest.raises(RuleBroken, match="needs a viability assessment"):
            approve(world, package)
        passed_check(grandmother, case.lead_practitioner, kind="viability")
        assert approve(world, package).status == "approved"

    def test_other_items_need_no_check(self, world):
        assert scenario.package_approved(world).status == "approved"  # a sofa bed for Nan


# -- 5. One person, one account; a cap per person a year ---------------------------------------------


class TestOneAccount:
    def test_the_same_account_for_two_payees_warns_the_verifier(self, world, api):
        package = scenario.package_approved(world)
        grandmother = package.items.get().payee
        payment_services.bank_account_set(
            member_id=grandmother.pk,
            by=world.u.fin1,
            account_name="M HARDY",
            sort_code="400000",
            account_number="12165678",
        )
        payment_services.bank_account_verify(member_id=grandmother.pk, by=world.u.fin2)
        taxis = package_services.supplier_create(by=world.u.fin1, name="Portland Taxis Ltd")
        payment_services.supplier_bank_account_set(
            supplier_id=taxis.pk,
            by=world.u.fin1,
            account_name="PORTLAND TAXIS",
            sort_code="40-00-00",
            account_number="12165678",
        )
        with pytest.raises(RuleBroken, match="One person, one account: .*Margaret Hardy") as refused:
            payment_services.supplier_bank_account_verify(supplier_id=taxis.pk, by=world.u.fin2)
        assert refused.value.field == "confirm_shared_account"
        client = api.as_user(world.u.fin2)
        shown = ok(client.get(f"/api/v1/suppliers/{taxis.pk}/bank-account/"))
        assert "Margaret Hardy" in shown["shared_account_warning"]
        refused_with(
            client.post(f"/api/v1/suppliers/{taxis.pk}/bank-account/verify/", {}, format="json"),
            "One person, one account",
            "confirm_shared_account",
        )
        body = ok(
            client.post(
                f"/api/v1/suppliers/{taxis.pk}/bank-account/verify/", {"confirm_shared_account": True}, format="json"
            )
        )
        assert body["verified"] is True
        event = DomainEvent.objects.filter(action="bank_details_verified").latest("id")
        assert event.changes["shared_account_checked"] is True
        assert event.changes["same_account_as"] == [f"member {grandmother.pk}"]

    def test_the_verifier_sees_the_warning_on_the_page(self, world, client):
        package = scenario.package_approved(world)
        grandmother = package.items.get().payee
        taxis = package_services.supplier_create(by=world.u.fin1, name="Portland Taxis Ltd")
        payment_services.supplier_bank_account_set(
            supplier_id=taxis.pk,
            by=world.u.fin1,
            account_name="PORTLAND TAXIS",
            sort_code="400000",
            account_number="12165678",
        )
        payment_services.bank_account_set(
            member_id=grandmother.pk,
            by=world.u.fin1,
            account_name="M HARDY",
            sort_code="400000",
            account_number="12165678",
        )
        client.force_login(world.u.fin2)
        url = reverse("payments:bank_details", args=[grandmother.pk])
        assert "Portland Taxis Ltd (supplier)" in client.get(url).content.decode()
        response = client.post(reverse("payments:bank_details_verify", args=[grandmother.pk]), {})
        assert response.status_code == 400 and "One person, one account" in response.content.decode()
        assert not BankAccount.objects.get(member=grandmother).is_verified
        response = client.post(
            reverse("payments:bank_details_verify", args=[grandmother.pk]), {"confirm_shared_account": "on"}
        )
        assert response.status_code == 302
        assert BankAccount.objects.get(member=grandmother).is_verified

    def test_different_accounts_need_no_confirmation(self, world):
        package = scenario.package_approved(world)
        grandmother = package.items.get().payee
        payment_services.bank_account_set(
            member_id=grandmother.pk,
            by=world.u.fin1,
            account_name="M HARDY",
            sort_code="400000",
            account_number="12165678",
        )
        account = payment_services.bank_account_verify(member_id=grandmother.pk, by=world.u.fin2)
        assert account.is_verified


class TestCapPerPersonPerYear:
    def test_approval_past_the_cap_is_refused(self, world, api):
        set_policy(annual_cap_per_payee=Decimal("400.00"))
        package = scenario.package_approved(world, amount=Decimal("300.00"))
        case, grandmother = package.case, package.items.get().payee
        # A change to £350 replaces the approved £300: within the cap.
        changed = package_services.package_revise(
            package_id=package.pk,
            by=case.lead_practitioner,
            plan_id=package.plan_id,
            justification=package.justification,
            other_funding_checked=True,
            agreement_signed_on=None,
            review_by=package.review_by,
            items=[item(grandmother, package.plan, amount="350.00")],
        )
        assert approve(world, submit(changed)).status == "approved"
        # Another £100 would be £450 this year.
        more = package_services.package_revise(
            package_id=changed.pk,
            by=case.lead_practitioner,
            plan_id=package.plan_id,
            justification=package.justification,
            other_funding_checked=True,
            agreement_signed_on=None,
            review_by=package.review_by,
            items=[item(grandmother, package.plan, amount="350.00"), item(grandmother, package.plan, amount="100.00")],
        )
        submit(more)
        with pytest.raises(
            RuleBroken, match=r"One person may be paid at most £400.00 in a financial year: .*Margaret Hardy £450.00"
        ):
            approve(world, more)
        refused_with(
            api.as_user(world.u.tm_east).post(f"/api/v1/packages/{more.pk}/approve/", {}, format="json"),
            "One person may be paid at most £400.00",
        )
        set_policy(annual_cap_per_payee=None)
        assert approve(world, more).status == "approved"

    def test_an_ended_package_counts_what_went_to_the_bank(self, world):
        from network_packages import payees

        package = scenario.package_approved(world, amount=Decimal("100.00"), frequency="weekly", instalments=3)
        grandmother = package.items.get().payee
        payment_services.bank_account_set(
            member_id=grandmother.pk,
            by=world.u.fin1,
            account_name="M HARDY",
            sort_code="40-00-00",
            account_number="12165678",
        )
        payment_services.bank_account_verify(member_id=grandmother.pk, by=world.u.fin2, confirm_shared_account=True)
        for payment in package.payments.order_by("id"):
            payment_services.payment_authorise(payment_id=payment.pk, by=world.u.fin1)
        # Only the first weekly instalment is due within the batch's date: it goes to the bank.
        payment_services.batch_create(by=world.u.fin1, due_by=timezone.localdate() + datetime.timedelta(days=3))
        year = financial_year_of(timezone.localdate())
        # In force, the whole package counts; ended, only what went to the bank.
        assert payees.paid_in_year(member_id=grandmother.pk, financial_year=year) == Decimal("300.00")
        package_services.package_end(package_id=package.pk, by=package.case.lead_practitioner, reason="Not needed")
        assert payees.paid_in_year(member_id=grandmother.pk, financial_year=year) == Decimal("100.00")
        assert payees.paid_in_year(member_id=grandmother.pk, financial_year=year, exclude_ids=(package.pk,)) == 0


# -- The policy itself ------------------------------------------------------------------------------


class TestPolicy:
    def test_only_an_administrator_sets_it(self, world):
        with pytest.raises(NotPermitted):
            package_services.payee_policy_set(
                by=world.u.hos,
                pay_kinship_carers_with_order=False,
                means_policy="assessed",
                checks_required="dbs",
                annual_cap_per_payee=Decimal("100.00"),
            )
        with pytest.raises(RuleBroken):
            set_policy(annual_cap_per_payee=Decimal("-1.00"))
        set_policy(annual_cap_per_payee=Decimal("4000.00"))
        event = DomainEvent.objects.get(action="payee_policy_changed")
        assert event.changes == {"annual_cap_per_payee": ["5000.00", "4000.00"]}

    def test_the_admin_saves_through_the_service(self, world, client):
        admin = administrator()
        client.force_login(admin)
        policy = PayeePolicy.objects.get()
        url = reverse("admin:network_packages_payeepolicy_change", args=[policy.pk])
        assert client.get(url).status_code == 200
        response = client.post(
            url,
            {
                "pay_kinship_carers_with_order": "on",
                "means_policy": "assessed",
                "checks_required": "dbs",
                "annual_cap_per_payee": "2500.00",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        policy.refresh_from_db()
        assert (policy.means_policy, policy.annual_cap_per_payee) == ("assessed", Decimal("2500.00"))
        assert DomainEvent.objects.filter(action="payee_policy_changed", actor=admin).exists()


class TestPages:
    def test_the_payee_page_records_facts_and_checks(self, world, client):
        case, grandmother, _ = scenario.plan_accepted(world)
        client.force_login(world.u.prac_east)
        url = reverse("network_packages:payee", args=[grandmother.pk])
        assert client.get(url).status_code == 200
        response = client.post(url, {"date_of_birth": years_ago(15).strftime("%d/%m/%Y"), "kinship_order": ""})
        assert response.status_code == 302, response.content.decode()[:3000]
        assert "Nobody under 18 can be paid" in client.get(url).content.decode()
        response = client.post(
            reverse("network_packages:payee_check", args=[grandmother.pk]),
            {"kind": "dbs", "outcome": "passed", "checked_on": TODAY().strftime("%d/%m/%Y")},
        )
        # An under-18 cannot be paid, so no check is recorded for payment.
        assert response.status_code == 400 and "Nobody under 18 can be paid" in response.content.decode()
