"""Issue 14: a payment the bank returned cannot be authorised again to the same (closed) account: it
waits until the payee's bank details are changed and verified again (a clear 409 saying so)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.exceptions import InvalidTransition, RuleBroken
from payments import services as payment_services
from payments.models import Payment
from tests import scenario

BANK = {"account_name": "M HARDY", "sort_code": "40-00-00", "account_number": "12165678"}


def returned_payment(world) -> Payment:
    package = scenario.payments_authorised(world, amount=Decimal("40.00"))
    batch = payment_services.batch_create(by=world.u.fin1, due_by=timezone.localdate() + datetime.timedelta(days=400))
    payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
    payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format="bacs18")
    payment = package.payments.get()
    content = (
        "reference,amount,returned_on,reason_code,reason\r\n"
        f"{payment.reference},40.00,{timezone.localdate().isoformat()},ARUCS-2,Account closed\r\n"
    ).encode()
    payment_services.returns_import(by=world.u.fin1, content=content)
    payment.refresh_from_db()
    assert payment.status == "scheduled" and payment.times_returned == 1
    return payment


@pytest.mark.django_db
class TestReturnedPaymentWaitsForNewDetails:
    def test_service_refuses_the_same_details(self, world):
        payment = returned_payment(world)
        with pytest.raises(InvalidTransition, match="changed and verified again"):
            payment_services.payment_authorise(payment_id=payment.pk, by=world.u.fin1)
        payment.refresh_from_db()
        assert payment.status == "scheduled"

    def test_api_answers_409_with_the_reason(self, world, api):
        payment = returned_payment(world)
        response = api.as_user(world.u.fin1).post(f"/api/v1/payments/{payment.pk}/authorise/")
        assert response.status_code == 409
        detail = response.json()["detail"]
        assert "Account closed" in detail and "bank details are changed and verified again" in detail
        assert Payment.objects.get(pk=payment.pk).status == "scheduled"

    def test_many_at_once_lists_it_as_refused(self, world, api):
        payment = returned_payment(world)
        response = api.as_user(world.u.fin1).post(
            "/api/v1/payments/authorise/", {"payment_ids": [payment.pk]}, format="json"
        )
        assert response.status_code == 200 and response.json()["authorised"] == []
        assert "changed and verified again" in response.json()["refused"][0]["reason"]

    def test_changed_but_not_verified_is_still_refused(self, world):
        payment = returned_payment(world)
        payment_services.bank_account_set(
            member_id=payment.payee_id, by=world.u.fin1, **(BANK | {"account_number": "83144321"})
        )
        with pytest.raises(Exception, match="verified"):
            payment_services.payment_authorise(payment_id=payment.pk, by=world.u.fin2)

    def test_changed_and_verified_again_it_is_authorised(self, world):
        payment = returned_payment(world)
        payment_services.bank_account_set(
            member_id=payment.payee_id, by=world.u.fin1, **(BANK | {"account_number": "83144321"})
        )
        payment_services.bank_account_verify(member_id=payment.payee_id, by=world.u.fin2)
        assert payment_services.payment_authorise(payment_id=payment.pk, by=world.u.fin1).status == "authorised"

    def test_page_shows_the_refusal(self, world, client):
        payment = returned_payment(world)
        client.force_login(world.u.fin1)
        response = client.post(reverse("payments:payment_authorise", args=[payment.pk]))
        assert "changed and verified again" in response.content.decode()
        assert Payment.objects.get(pk=payment.pk).status == "scheduled"


def returned_with_siblings(world):
    """A weekly package of three: payments 1 and 3 authorised, payment 1 batched, sent and returned
    (account closed); payment 2 still scheduled, payment 3 authorised and not yet batched."""
    package = scenario.package_approved(world, amount=Decimal("25.00"), frequency="weekly", instalments=3)
    first, second, third = package.payments.order_by("instalment")
    payment_services.bank_account_set(member_id=first.payee_id, by=world.u.fin1, **BANK)
    payment_services.bank_account_verify(member_id=first.payee_id, by=world.u.fin2)
    for payment in (first, third):
        payment_services.payment_authorise(payment_id=payment.pk, by=world.u.fin1)
    batch = payment_services.batch_create(by=world.u.fin1, payment_ids=[first.pk])
    payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
    payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format="csv")
    content = (
        "reference,amount,returned_on,reason_code,reason\r\n"
        f"{first.reference},25.00,{timezone.localdate().isoformat()},ARUCS-2,Account closed\r\n"
    ).encode()
    payment_services.returns_import(by=world.u.fin1, content=content)
    return first, second, third


@pytest.mark.django_db
class TestAReturnHoldsThePayeesOtherPayments:
    """A return says the account is closed or wrong: the payee's other payments must not go to it."""

    def test_another_scheduled_payment_is_not_authorised(self, world, api):
        first, second, _ = returned_with_siblings(world)
        with pytest.raises(InvalidTransition, match=f"returned payment {first.reference}"):
            payment_services.payment_authorise(payment_id=second.pk, by=world.u.fin1)
        response = api.as_user(world.u.fin1).post(f"/api/v1/payments/{second.pk}/authorise/")
        assert response.status_code == 409 and "changed and verified again" in response.json()["detail"]
        assert Payment.objects.get(pk=second.pk).status == "scheduled"

    def test_an_authorised_payment_is_not_batched(self, world, api):
        _, _, third = returned_with_siblings(world)
        with pytest.raises(RuleBroken, match="no batch was made"):
            payment_services.batch_create(by=world.u.fin1, payment_ids=[third.pk])
        response = api.as_user(world.u.fin1).post(
            "/api/v1/payment-batches/", {"payment_ids": [third.pk]}, format="json"
        )
        assert response.status_code == 400 and "no batch was made" in str(response.json())
        assert (
            Payment.objects.get(pk=third.pk).status == "authorised" and Payment.objects.get(pk=third.pk).batch is None
        )

    def test_new_verified_details_release_them(self, world):
        _, second, third = returned_with_siblings(world)
        payment_services.bank_account_set(
            member_id=second.payee_id, by=world.u.fin1, **(BANK | {"account_number": "83144321"})
        )
        payment_services.bank_account_verify(member_id=second.payee_id, by=world.u.fin2)
        assert payment_services.payment_authorise(payment_id=second.pk, by=world.u.fin1).status == "authorised"
        batch = payment_services.batch_create(by=world.u.fin1, payment_ids=[second.pk, third.pk])
        assert batch.payment_count == 2

    def test_pages_flag_the_hold(self, world, client):
        first, second, _ = returned_with_siblings(world)
        client.force_login(world.u.fin1)
        bank_page = client.get(reverse("payments:bank_details", args=[second.payee_id])).content.decode()
        assert f"The bank returned payment {first.reference}" in bank_page
        payment_page = client.get(reverse("payments:payment_detail", args=[second.pk])).content.decode()
        assert "Held: the bank returned payment" in payment_page
