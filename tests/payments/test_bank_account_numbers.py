"""Non-standard UK account numbers: 6 and 7 digits are padded, Santander's 9 digits move one digit
into the sort code, NatWest's 10 digits keep the last 8, the Co-operative Bank's and Leeds Building
Society's the first 8; the converted details are what is stored and modulus-checked, and any other
9 or 10 digit number is refused on the field, changing nothing."""

import pytest
from django.urls import reverse

from audit.models import DomainEvent
from core.exceptions import RuleBroken
from payments import modulus
from payments import services as payment_services
from payments.models import BankAccount
from tests import scenario

# (entered sort code, entered account, stored sort code, stored account). Every stored pair passes
# the modulus check, and the number taken the other way (or not converted) fails it.
CONVERTED = [
    pytest.param("60-16-13", "99-12345679", "601613", "12345679", id="natwest-10-last-8"),
    pytest.param("01-00-04", "9912345679", "010004", "12345679", id="natwest-01-range-10-last-8"),
    pytest.param("08-99-99", "6637495812", "089999", "66374958", id="co-operative-10-first-8"),
    pytest.param("08-61-19", "1234567012", "086119", "12345670", id="leeds-bs-10-first-8"),
    pytest.param("09-01-20", "623456786", "090126", "23456786", id="santander-9-digit-into-sort-code"),
    pytest.param("08-60-90", "6774744", "086090", "06774744", id="7-digits-padded"),  # Vocalink test 18
    pytest.param("10-79-99", "837407", "107999", "00837407", id="6-digits-padded"),
]
REFUSED = [
    pytest.param("20-29-59", "1263748472", "10-digit", id="10-digit-barclays"),
    pytest.param("40-27-15", "1234567890", "10-digit", id="10-digit-old-leeds-sponsor-code"),
    pytest.param("08-32-00", "1234567890", "10-digit", id="10-digit-08-agency-code-not-co-op"),
    pytest.param("07-01-16", "634012583", "9-digit", id="9-digit-not-santander"),
    pytest.param("40-00-00", "12345", "6 to 10 digits", id="5-digits"),
    pytest.param("40-00-00", "12345678901", "6 to 10 digits", id="11-digits"),
]


class TestConversion:
    @pytest.mark.parametrize("sort_code,account,bacs_sort_code,bacs_account", CONVERTED)
    def test_converted_as_vocalink_describes(self, sort_code, account, bacs_sort_code, bacs_account):
        assert modulus.bacs_sort_code_and_account(sort_code, account) == (bacs_sort_code, bacs_account)
        assert modulus.check(bacs_sort_code, bacs_account)

    def test_the_other_way_round_fails_the_modulus_check(self):
        assert not modulus.check("601613", "99123456")  # NatWest's first 8
        assert not modulus.check("089999", "37495812")  # the Co-operative Bank's last 8
        assert not modulus.check("090120", "23456786")  # Santander without moving the digit

    def test_eight_digits_are_unchanged(self):
        assert modulus.bacs_sort_code_and_account("40 00 00", " 1216 5678 ") == ("400000", "12165678")

    @pytest.mark.parametrize("sort_code,account,message", REFUSED)
    def test_refused_on_the_account_number(self, sort_code, account, message):
        with pytest.raises(modulus.BankDetailsError, match=message) as error:
            modulus.bacs_sort_code_and_account(sort_code, account)
        assert error.value.field == "account_number"

    def test_a_bad_sort_code_is_refused_on_the_sort_code(self):
        with pytest.raises(modulus.BankDetailsError) as error:
            modulus.bacs_sort_code_and_account("60-16-1", "9912345679")
        assert error.value.field == "sort_code"


BANK = {"account_name": "M HARDY", "sort_code": "40-00-00", "account_number": "12165678"}


def everything():
    return (
        list(BankAccount.objects.values_list("sort_code", "account_number", "verified_at")),
        DomainEvent.objects.count(),
    )


@pytest.mark.django_db
class TestThroughTheServiceAndTheApi:
    @pytest.mark.parametrize("sort_code,account,bacs_sort_code,bacs_account", CONVERTED)
    def test_service_stores_the_converted_details(self, world, sort_code, account, bacs_sort_code, bacs_account):
        payee = scenario.package_approved(world).items.first().payee
        stored = payment_services.bank_account_set(
            member_id=payee.pk, by=world.u.fin1, account_name="M HARDY", sort_code=sort_code, account_number=account
        )
        stored.refresh_from_db()
        assert (stored.sort_code, stored.account_number) == (bacs_sort_code, bacs_account)

    def test_api_stores_the_converted_details_and_they_are_paid_to(self, world, api):
        package = scenario.package_approved(world)
        payee = package.items.first().payee
        response = api.as_user(world.u.fin1).put(
            f"/api/v1/network-members/{payee.pk}/bank-account/",
            BANK | {"sort_code": "09-01-20", "account_number": "623456786"},
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert response.json()["account_number"].endswith("6786") and "623456786" not in str(response.json())
        account = BankAccount.objects.get(member=payee)
        assert (account.sort_code, account.account_number) == ("090126", "23456786")
        # The converted details are what a bank file carries.
        payment_services.bank_account_verify(member_id=payee.pk, by=world.u.fin2)
        for payment in package.payments.all():
            payment_services.payment_authorise(payment_id=payment.pk, by=world.u.fin1)
        batch = payment_services.batch_create(by=world.u.fin1)
        payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
        _, content = payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format="bacs18")
        credit = content.decode("ascii").split("\r\n")[4]
        assert credit[0:14] == "09012623456786"

    def test_api_takes_a_number_typed_with_dashes_and_spaces(self, world, api):
        payee = scenario.package_approved(world).items.first().payee
        response = api.as_user(world.u.fin1).put(
            f"/api/v1/network-members/{payee.pk}/bank-account/",
            BANK | {"sort_code": "60-16-13", "account_number": "99 - 1234 5679"},
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert BankAccount.objects.values_list("sort_code", "account_number").get() == ("601613", "12345679")

    @pytest.mark.parametrize("sort_code,account,message", REFUSED)
    def test_api_refuses_with_a_field_message_and_changes_nothing(self, world, api, sort_code, account, message):
        payee = scenario.package_approved(world).items.first().payee
        payment_services.bank_account_set(member_id=payee.pk, by=world.u.fin1, **BANK)
        payment_services.bank_account_verify(member_id=payee.pk, by=world.u.fin2)
        before = everything()
        response = api.as_user(world.u.fin1).put(
            f"/api/v1/network-members/{payee.pk}/bank-account/",
            BANK | {"sort_code": sort_code, "account_number": account},
            format="json",
        )
        assert response.status_code == 400 and list(response.json()) == ["account_number"], response.json()
        if len(account) <= 10:  # 11 characters are refused by the serializer, with its own message
            assert message in str(response.json()["account_number"])
        assert everything() == before

    def test_service_refuses_a_converted_number_that_fails_the_modulus_check(self, world):
        payee = scenario.package_approved(world).items.first().payee
        with pytest.raises(RuleBroken) as error:
            payment_services.bank_account_set(
                member_id=payee.pk,
                by=world.u.fin1,
                account_name="M HARDY",
                sort_code="60-16-13",
                account_number="9912345678",
            )
        assert error.value.field == "account_number" and "Vocalink modulus" in str(error.value)
        assert not BankAccount.objects.exists()

    def test_page_shows_the_refusal_on_the_account_number(self, world, client):
        payee = scenario.package_approved(world).items.first().payee
        client.force_login(world.u.fin1)
        response = client.post(
            reverse("payments:bank_details", args=[payee.pk]),
            BANK | {"sort_code": "20-29-59", "account_number": "1263748472"},
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "8-digit account number their bank gives" in page and 'href="#id_account_number"' in page
        assert not BankAccount.objects.exists()
