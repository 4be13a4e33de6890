"""Rules that must be declared once and hold through every door: regression tests for places where a
page, a selector or the API re-derived a rule and drifted from it.

1. An overdue-review escalation must not show a case to a manager who declared a conflict in it.
2. A superuser holds no approval tier unless given a role, and then only that role's limit.
3. Finance's payment list and payment detail leave out a case in which the officer declared a conflict.
4. A child's date of birth in the future is refused by the API and the service, as by the page form.
5. The API shows bank details in full to exactly whom the page shows them (the officer who may verify).
6. No second open package on a case: the API refuses what the case page does not offer.
"""

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.exceptions import DomainError, NotPermitted
from core.roles import Role
from fgdm import selectors as case_selectors
from fgdm import services as case_services
from fgdm.models import Case, ReviewEscalation
from fgdm.services import ChildInput
from network_packages import services as package_services
from network_packages.constants import PackageStatus
from network_packages.models import Approval, SupportPackage
from network_packages.services import ItemInput
from tests import scenario
from tests.factories import UserFactory
from tests.helpers import counts
from tests.scenario import fire_timers_on, run_on

# Bank details that pass the Vocalink modulus check (as in tests/scenario.py and tests/rules/test_api_path.py).
BANK = {"account_name": "M HARDY", "sort_code": "40-00-00", "account_number": "12165678"}


def ok(response, code=200):
    assert response.status_code == code, (response.status_code, getattr(response, "data", response.content))
    return response.json()


def declare_conflict(api, user, case, reason="Margaret Hardy is my aunt"):
    """The person declares a conflict of interest through the API (anyone may, for any reference)."""
    body = {"case_reference": case.reference, "reason": reason}
    return ok(api.as_user(user).post("/api/v1/users/me/conflicts/", body, format="json"), 201)


# -- 1 ------------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestEscalatedReviewsRespectDeclaredConflicts:
    def escalated_review(self, world):
        """An East case whose review is weeks overdue, escalated to the East team managers."""
        case, _, plan = scenario.meeting_held(world)
        case_services.plan_accept(plan_id=plan.pk, by=world.u.prac_east, support_needed=False)
        fire_timers_on(plan.review_by)
        run_on(plan.review_by + datetime.timedelta(days=30), "escalate_reviews")
        assert ReviewEscalation.objects.filter(case=case, resolved_at__isnull=True).exists()
        return case

    def test_a_conflicted_manager_no_longer_sees_the_escalation(self, world, api, client):
        case = self.escalated_review(world)
        manager = world.u.tm_east
        client.force_login(manager)
        home = client.get(reverse("process:home")).content.decode()
        # Before the declaration the manager is shown it: the escalation reaches them.
        assert case.reference in home and f"{case.family_name} family" in home
        assert [e.case_id for e in case_selectors.escalated_reviews(user=manager)] == [case.pk]

        declare_conflict(api, manager, case)

        assert [e.case_id for e in case_selectors.escalated_reviews(user=manager)] == [], (
            "an escalation of a case the manager declared a conflict in is still listed"
        )
        home = client.get(reverse("process:home")).content.decode()
        assert case.reference not in home, "the conflicted case's reference is on the manager's home page"
        assert f"{case.family_name} family" not in home, "the family's name is on the manager's home page"
        assert "Overdue reviews escalated to you" not in home
        # The escalation itself still stands, for the colleagues who may act on it.
        assert ReviewEscalation.objects.filter(case=case, resolved_at__isnull=True).exists()


# -- 2 ------------------------------------------------------------------------------------------


def approval_outcome(package):
    package.refresh_from_db()
    return (
        package.status,
        package.current_tier,
        package.payments.count(),
        list(package.approvals.values_list("tier", "decision")),
    )


@pytest.mark.django_db
class TestSuperuserApprovalLimit:
    def test_a_superuser_team_manager_has_the_team_managers_limit(self, world):
        boss = UserFactory(username="boss", is_superuser=True, is_staff=True, roles=[Role.TEAM_MANAGER])
        world.team_east.managers.add(boss)
        ordinary = scenario.package_submitted(world, amount=Decimal("1200.00"))
        package_services.package_approve(package_id=ordinary.pk, by=world.u.tm_east, note="Endorsed")
        expected = approval_outcome(ordinary)
        assert expected == (PackageStatus.SUBMITTED, "service_manager", 0, [("team_manager", "escalated")])

        package = scenario.package_submitted(world, amount=Decimal("1200.00"))
        package_services.package_approve(package_id=package.pk, by=boss, note="Endorsed")

        outcome = approval_outcome(package)
        assert outcome[0] != PackageStatus.APPROVED, "a superuser team manager approved £1,200 (team limit £500)"
        assert outcome == expected, "a superuser team manager must get what any team manager gets"
        assert Approval.objects.get(package=package).approver == boss

    def test_a_superuser_without_a_role_cannot_approve(self, world):
        admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
        package = scenario.package_submitted(world, amount=Decimal("300.00"))
        with pytest.raises(NotPermitted):
            package_services.package_approve(package_id=package.pk, by=admin, note="Agreed")
        package.refresh_from_db()
        assert package.status == PackageStatus.SUBMITTED and not package.approvals.exists()


# -- 3 ------------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestFinancePaymentListRespectsDeclaredConflicts:
    def test_conflicted_case_payments_are_neither_listed_nor_found(self, world, api):
        conflicted = scenario.payments_authorised(world)
        other = scenario.payments_authorised(world, by=world.u.prac_west, locality=world.west, approver=world.u.tm_west)
        hidden = set(conflicted.payments.values_list("pk", flat=True))
        shown = set(other.payments.values_list("pk", flat=True))
        assert hidden and shown
        # Finance officers cannot see the case, but the conflict service takes any case reference,
        # so fin1 declares through the API like anyone else.
        declare_conflict(api, world.u.fin1, conflicted.case, reason="Margaret Hardy is my neighbour")

        fin1 = api.as_user(world.u.fin1)
        listed = ok(fin1.get("/api/v1/payments/"))["results"]
        ids = {p["id"] for p in listed}
        assert shown <= ids, "payments of cases without a conflict must still be listed"
        assert not hidden & ids, "payments of the case fin1 declared a conflict in are listed"
        assert conflicted.case.reference not in {p["case_reference"] for p in listed}
        assert ok(fin1.get(f"/api/v1/payments/?case={conflicted.case_id}"))["results"] == []
        for payment_id in hidden:
            assert fin1.get(f"/api/v1/payments/{payment_id}/").status_code == 404
        # A colleague without the conflict still sees them.
        fin2_ids = {p["id"] for p in ok(api.as_user(world.u.fin2).get("/api/v1/payments/"))["results"]}
        assert hidden <= fin2_ids


# -- 4 ------------------------------------------------------------------------------------------

FUTURE_DOB_MESSAGE = "date of birth"  # the page says: "The date of birth must be today or in the past."


def case_body(date_of_birth: datetime.date) -> dict:
    return {
        "family_name": "Hardy",
        "locality": "east",
        "stage": "family_help",
        "referral_reason": "Mum is going into hospital.",
        "children": [{"first_name": "Lily", "last_name": "Hardy", "date_of_birth": date_of_birth.isoformat()}],
    }


@pytest.mark.django_db
class TestChildDateOfBirthNotInTheFuture:
    def test_api_refuses_a_date_of_birth_tomorrow(self, world, api):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        cases_before, before = Case.objects.count(), counts()
        response = api.as_user(world.u.prac_east).post("/api/v1/cases/", case_body(tomorrow), format="json")
        assert response.status_code == 400, (response.status_code, response.content)
        body = json.dumps(response.json())
        assert "date_of_birth" in body or FUTURE_DOB_MESSAGE in body.lower(), body
        assert Case.objects.count() == cases_before and counts() == before
        # Today is still a date of birth (the page's rule: today or in the past).
        ok(
            api.as_user(world.u.prac_east).post("/api/v1/cases/", case_body(timezone.localdate()), format="json"),
            201,
        )

    def test_service_refuses_a_date_of_birth_tomorrow(self, world):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        cases_before = Case.objects.count()
        with pytest.raises(DomainError) as refused:
            case_services.case_create(
                by=world.u.prac_east,
                family_name="Hardy",
                locality=world.east,
                stage="family_help",
                referral_reason="Mum is going into hospital.",
                children=[ChildInput(first_name="Lily", last_name="Hardy", date_of_birth=tomorrow)],
            )
        assert refused.value.http_status == 400
        assert refused.value.field in {"date_of_birth", "children"}, refused.value.field
        assert FUTURE_DOB_MESSAGE in refused.value.message.lower(), refused.value.message
        assert Case.objects.count() == cases_before


# -- 5 ------------------------------------------------------------------------------------------


def page_shows_in_full(client, user, member) -> bool:
    client.force_login(user)
    page = client.get(reverse("payments:bank_details", args=[member.pk]))
    assert page.status_code == 200
    return BANK["account_number"] in page.content.decode()


def api_account(api, user, member) -> dict:
    return ok(api.as_user(user).get(f"/api/v1/network-members/{member.pk}/bank-account/"))


def in_full(account: dict) -> bool:
    return account["account_number"] == BANK["account_number"] and account["sort_code"].replace("-", "") == "400000"


def masked(account: dict) -> bool:
    return account["account_number"] == "****5678" and BANK["account_number"] not in json.dumps(account)


@pytest.mark.django_db
class TestBankDetailsApiShowsWhatThePageShows:
    def test_the_officer_who_may_verify_sees_them_in_full_and_no_one_else(self, world, api, client):
        package = scenario.package_approved(world)
        member = package.items.get().payee
        ok(api.as_user(world.u.fin1).put(f"/api/v1/network-members/{member.pk}/bank-account/", BANK, format="json"))

        # Waiting for verification: the page shows them in full to fin2 (who may verify), masked to fin1.
        assert page_shows_in_full(client, world.u.fin2, member)
        account = api_account(api, world.u.fin2, member)
        assert in_full(account), (
            f"the verifier's API view is masked: {account['sort_code']} {account['account_number']}"
        )
        assert not page_shows_in_full(client, world.u.fin1, member)
        assert masked(api_account(api, world.u.fin1, member))  # the officer who entered them
        assert masked(api_account(api, world.u.prac_east, member))

        ok(api.as_user(world.u.fin2).post(f"/api/v1/network-members/{member.pk}/bank-account/verify/"))

        # Once verified the page masks them for everyone, the verifier too: so does the API.
        for user in (world.u.fin2, world.u.fin1):
            assert not page_shows_in_full(client, user, member)
            assert masked(api_account(api, user, member))


# -- 6 ------------------------------------------------------------------------------------------


def open_package(world, status):
    """A case with one package in `status`, and the case's accepted plan."""
    if status == PackageStatus.DRAFT:
        case, grandmother, plan = scenario.plan_accepted(world)
        package = package_services.package_create(
            case_id=case.pk,
            by=world.u.prac_east,
            plan_id=plan.pk,
            justification="A sofa bed so Nan can stay over.",
            other_funding_checked=True,
            agreement_signed_on=timezone.localdate(),
            review_by=timezone.localdate() + datetime.timedelta(days=42),
            items=[
                ItemInput(
                    description="Sofa bed",
                    category="furniture_and_bedding",
                    payee_id=grandmother.pk,
                    amount=Decimal("300.00"),
                    plan_action_id=plan.actions.first().pk,
                )
            ],
        )
    elif status == PackageStatus.APPROVED:
        package = scenario.package_approved(world)
    else:
        package = scenario.package_submitted(world)
        if status == PackageStatus.RETURNED:
            package_services.package_return(package_id=package.pk, by=world.u.tm_east, reason="Get a second quote.")
    package.refresh_from_db()
    assert package.status == status
    return package


def second_package_body(package) -> dict:
    plan = package.plan
    return {
        "plan": plan.pk,
        "justification": "Bus passes for the school run.",
        "other_funding_checked": True,
        "agreement_signed_on": timezone.localdate().isoformat(),
        "review_by": (timezone.localdate() + datetime.timedelta(days=42)).isoformat(),
        "items": [
            {
                "description": "Bus pass",
                "category": "transport",
                "payee": package.items.get().payee_id,
                "amount": "40.00",
                "frequency": "one_off",
                "instalments": 1,
                "plan_action": plan.actions.first().pk,
            }
        ],
    }


@pytest.mark.django_db
class TestOnePackageOpenPerCase:
    # The case page offers "Draft a support package" only while no package of the case is a draft or
    # approved (network_packages.selectors.package_can_be_drafted, the service's own check); an
    # approved one is changed as a new version (/packages/{id}/change/), not drafted alongside. A
    # package in approval (submitted or returned) does not stop a draft: only its submission waits.
    @pytest.mark.parametrize("status", [PackageStatus.DRAFT, PackageStatus.APPROVED])
    def test_api_refuses_a_second_package_while_one_is_open(self, world, api, client, status):
        package = open_package(world, status)
        case = package.case
        client.force_login(world.u.prac_east)
        page = client.get(reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        assert "Draft a support package" not in page  # the page does not offer it
        before, packages_before = counts(), SupportPackage.objects.filter(case=case).count()

        response = api.as_user(world.u.prac_east).post(
            f"/api/v1/cases/{case.pk}/packages/", second_package_body(package), format="json"
        )

        assert response.status_code == 409, (response.status_code, response.content)
        assert response.json()["detail"]
        assert SupportPackage.objects.filter(case=case).count() == packages_before
        assert counts() == before
        if status != PackageStatus.APPROVED:
            # Once the open one is withdrawn, a new draft is welcome again.
            package_services.package_withdraw(package_id=package.pk, by=world.u.prac_east, reason="Start again")
            ok(
                api.as_user(world.u.prac_east).post(
                    f"/api/v1/cases/{case.pk}/packages/", second_package_body(package), format="json"
                ),
                201,
            )

    @pytest.mark.parametrize("status", [PackageStatus.SUBMITTED, PackageStatus.RETURNED])
    def test_a_second_package_is_drafted_while_one_is_in_approval_and_its_submission_waits(
        self, world, api, client, status
    ):
        package = open_package(world, status)
        case = package.case
        client.force_login(world.u.prac_east)
        page = client.get(reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        assert "Draft a support package" in page  # the page offers what the service accepts
        second = ok(
            api.as_user(world.u.prac_east).post(
                f"/api/v1/cases/{case.pk}/packages/", second_package_body(package), format="json"
            ),
            201,
        )
        before = counts()
        response = api.as_user(world.u.prac_east).post(f"/api/v1/packages/{second['id']}/submit/")
        assert response.status_code == 409 and "Version 1" in response.json()["detail"]
        assert counts() == before
