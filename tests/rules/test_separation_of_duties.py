"""Separation of duties and declared conflicts, through every door: a direct service call, the API
and the pages. Each refusal names the rule and leaves nothing changed."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from audit.models import DomainEvent
from core.exceptions import NotPermitted, SeparationOfDuties
from core.roles import Role
from fgdm import services as case_services
from network_packages import services as package_services
from network_packages.models import SupportPackage
from payments import services as payment_services
from payments.models import BankAccount, Payment, PaymentBatch
from tests import scenario
from tests.helpers import batch_confirmation

pytestmark = pytest.mark.django_db
DOORS = ("service", "api", "page")


def with_roles(user, *roles):
    user.groups.add(*Group.objects.filter(name__in=roles))
    return get_user_model().objects.get(pk=user.pk)  # a fresh instance: no cached roles


def attempt(door, *, service, api_path, page_path, user, api, client, data=None):
    """Try the step through one door; return what the person was told."""
    if door == "service":
        with pytest.raises(SeparationOfDuties) as refused:
            service(user)
        return str(refused.value)
    if door == "api":
        response = api.as_user(user).post(api_path, data or {}, format="json")
        assert response.status_code == 403, response.content
        return response.json()["detail"]
    client.force_login(user)
    response = client.post(page_path, data or {})
    assert response.status_code == 403, response.status_code
    return response.content.decode()


@pytest.mark.parametrize("door", DOORS)
def test_who_submits_a_package_cannot_approve_it(world, api, client, door):
    manager = with_roles(world.u.prac_east2, Role.TEAM_MANAGER)  # a practitioner who also manages
    world.team_east.managers.add(manager)
    case, grandmother, plan = scenario.plan_accepted(world)
    package = package_services.package_create(
        case_id=case.pk,
        by=manager,
        plan_id=plan.pk,
        justification="Sofa bed",
        other_funding_checked=True,
        agreement_signed_on=plan.meeting.held_on,
        review_by=plan.review_by,
        items=[
            package_services.ItemInput(
                description="Sofa bed",
                category="furniture_and_bedding",
                payee_id=grandmother.pk,
                amount=Decimal("300.00"),
                frequency="one_off",
                instalments=1,
                plan_action_id=plan.actions.first().pk,
            )
        ],
    )
    package_services.package_submit(package_id=package.pk, by=manager)
    events = DomainEvent.objects.count()
    told = attempt(
        door,
        user=manager,
        api=api,
        client=client,
        data={"note": "ok"},
        service=lambda u: package_services.package_approve(package_id=package.pk, by=u),
        api_path=f"/api/v1/packages/{package.pk}/approve/",
        page_path=reverse("network_packages:package_approve", args=[package.pk]),
    )
    assert "someone else must approve it" in told
    assert SupportPackage.objects.get(pk=package.pk).status == "submitted"
    assert DomainEvent.objects.count() == events


@pytest.mark.parametrize("door", DOORS)
def test_who_approves_a_package_cannot_authorise_its_payments(world, api, client, door):
    approver = with_roles(world.u.tm_east, Role.FINANCE_OFFICER)
    package = scenario.package_approved(world, approver=approver)
    payee = package.items.first().payee
    payment_services.bank_account_set(
        member_id=payee.pk, by=world.u.fin1, account_name="M HARDY", sort_code="40-00-00", account_number="12165678"
    )
    payment_services.bank_account_verify(member_id=payee.pk, by=world.u.fin2)
    payment = package.payments.get()
    told = attempt(
        door,
        user=approver,
        api=api,
        client=client,
        service=lambda u: payment_services.payment_authorise(payment_id=payment.pk, by=u),
        api_path=f"/api/v1/payments/{payment.pk}/authorise/",
        page_path=reverse("payments:payment_authorise", args=[payment.pk]),
    )
    assert "approved" in told
    assert Payment.objects.get(pk=payment.pk).status == "scheduled"


@pytest.mark.parametrize("door", DOORS)
def test_who_enters_bank_details_cannot_verify_them(world, api, client, door):
    package = scenario.package_approved(world)
    payee = package.items.first().payee
    payment_services.bank_account_set(
        member_id=payee.pk, by=world.u.fin1, account_name="M HARDY", sort_code="40-00-00", account_number="12165678"
    )
    told = attempt(
        door,
        user=world.u.fin1,
        api=api,
        client=client,
        service=lambda u: payment_services.bank_account_verify(member_id=payee.pk, by=u),
        api_path=f"/api/v1/network-members/{payee.pk}/bank-account/verify/",
        page_path=reverse("payments:bank_details_verify", args=[payee.pk]),
    )
    assert "another officer must verify them" in told
    assert BankAccount.objects.get(member=payee).verified_at is None


@pytest.mark.parametrize("door", DOORS)
def test_who_creates_a_batch_cannot_approve_it(world, api, client, door):
    scenario.payments_authorised(world)
    batch = payment_services.batch_create(by=world.u.fin1)
    told = attempt(
        door,
        user=world.u.fin1,
        api=api,
        client=client,
        data=batch_confirmation(batch),  # the page's tick (the API takes no body)
        service=lambda u: payment_services.batch_approve(batch_id=batch.pk, by=u),
        api_path=f"/api/v1/payment-batches/{batch.pk}/approve/",
        page_path=reverse("payments:batch_approve", args=[batch.pk]),
    )
    assert "another officer must approve it" in told
    assert PaymentBatch.objects.get(pk=batch.pk).status == "open"


class TestDeclaredConflicts:
    def test_declaring_hides_the_case_and_stops_every_step(self, world, api, client):
        package = scenario.package_submitted(world)
        case = package.case
        conflict = case_services.conflict_declare(
            by=world.u.tm_east, case_reference=case.reference.lower(), reason="Margaret Hardy is my aunt"
        )
        assert conflict.case == case
        event = DomainEvent.objects.latest("pk")
        assert (event.action, event.actor, event.case_id) == ("conflict_declared", world.u.tm_east, case.pk)
        # The service refuses, whatever the door…
        with pytest.raises(NotPermitted):
            package_services.package_approve(package_id=package.pk, by=world.u.tm_east)
        # …and the case is gone from the person's view: 404 on the API and the pages, not in lists.
        token = api.as_user(world.u.tm_east)
        assert token.get(f"/api/v1/cases/{case.pk}/").status_code == 404
        assert token.post(f"/api/v1/packages/{package.pk}/approve/", {"note": ""}, format="json").status_code == 404
        assert token.get("/api/v1/cases/").json()["count"] == 0
        client.force_login(world.u.tm_east)
        assert client.get(reverse("fgdm:case_detail", args=[case.pk])).status_code == 404
        assert case.reference not in client.get(reverse("fgdm:case_list")).content.decode()
        assert SupportPackage.objects.get(pk=package.pk).status == "submitted"
        # Colleagues are not affected.
        assert api.as_user(world.u.sm).get(f"/api/v1/cases/{case.pk}/").status_code == 200

    def test_all_seeing_roles_lose_the_case_too(self, world, api):
        case = scenario.allocated(world)
        case_services.conflict_declare(by=world.u.auditor, case_reference=case.reference, reason="Neighbour")
        assert api.as_user(world.u.auditor).get(f"/api/v1/cases/{case.pk}/").status_code == 404

    def test_declare_on_the_profile_page(self, world, client):
        case = scenario.allocated(world)
        client.force_login(world.u.prac_east2)
        response = client.post(reverse("fgdm:profile"), {"case_reference": case.reference, "reason": "My cousin"})
        assert response.status_code == 302
        page = client.get(reverse("fgdm:profile")).content.decode()
        assert case.reference in page and "My cousin" in page
        assert client.get(reverse("fgdm:case_detail", args=[case.pk])).status_code == 404

    def test_declare_through_the_api(self, world, api):
        case = scenario.allocated(world)
        client = api.as_user(world.u.prac_east2)
        response = client.post(
            "/api/v1/users/me/conflicts/", {"case_reference": case.reference, "reason": "My cousin"}, format="json"
        )
        assert response.status_code == 201, response.content
        assert response.json()["case"] == case.reference
        assert client.get("/api/v1/users/me/conflicts/").json()["count"] == 1

    @pytest.mark.parametrize(
        "data, field",
        [
            ({"case_reference": "FGDM-2026-999999", "reason": "x"}, "case_reference"),
            ({"case_reference": "", "reason": "x"}, "case_reference"),
            ({"reason": "x"}, "case_reference"),
            ({"case_reference": "REF", "reason": ""}, "reason"),
            ({"case_reference": "REF", "reason": "   "}, "reason"),
            ({"case_reference": ["a"], "reason": 5}, "case_reference"),
        ],
    )
    def test_bad_declarations_write_nothing(self, world, api, client, data, field):
        from fgdm.models import DeclaredConflict

        case = scenario.allocated(world)
        data = {k: (case.reference if v == "REF" else v) for k, v in data.items()}
        response = api.as_user(world.u.prac_east).post("/api/v1/users/me/conflicts/", data, format="json")
        assert response.status_code == 400 and field in response.json(), response.content
        client.force_login(world.u.prac_east)
        page = client.post(reverse("fgdm:profile"), {k: v for k, v in data.items() if isinstance(v, str)})
        assert page.status_code == 400 and "There is a problem" in page.content.decode()
        assert not DeclaredConflict.objects.exists()

    def test_declaring_twice_is_refused(self, world):
        from core.exceptions import RuleBroken

        case = scenario.allocated(world)
        case_services.conflict_declare(by=world.u.fin1, case_reference=case.reference, reason="Aunt")
        with pytest.raises(RuleBroken):
            case_services.conflict_declare(by=world.u.fin1, case_reference=case.reference, reason="Aunt")
