"""Issue 14: sort codes and account numbers are ASCII digits only (`٠٨٩٩٩٩` passed the modulus check,
was verified, authorised and batched, then broke the BACS file), and the name on an account is one
line of printable text with a length limit. Each is a field error on the page and in the API, and
changes nothing."""

import pytest
from django.urls import reverse

from audit.models import DomainEvent
from core.exceptions import RuleBroken
from network_packages import services as package_services
from payments import modulus
from payments import services as payment_services
from payments.constants import ACCOUNT_NAME_MAX_LENGTH
from payments.models import BankAccount
from tests import scenario

BANK = {"account_name": "M HARDY", "sort_code": "08-99-99", "account_number": "66374958"}

# (field, value): digits of other scripts, each a valid pair in ASCII (Co-operative Bank, Vocalink).
FOREIGN_DIGITS = [
    pytest.param("sort_code", "٠٨٩٩٩٩", id="arabic-indic-sort-code"),
    pytest.param("sort_code", "०८९९९९", id="devanagari-sort-code"),
    pytest.param("sort_code", "０８９９９９", id="full-width-sort-code"),
    pytest.param("account_number", "٦٦٣٧٤٩٥٨", id="arabic-indic-account-number"),
    pytest.param("account_number", "6637495８", id="one-full-width-digit"),
]
BAD_NAMES = [
    pytest.param("M HARDY\r\nSORT 40-00-00", "one line", id="crlf"),
    pytest.param("M HARDY\nX", "one line", id="lf"),
    pytest.param("M\tHARDY", "one line", id="tab"),
    pytest.param("M HARDY\u202e", "one line", id="bidi-override"),
    pytest.param("M HARDY\x00", "", id="nul"),  # DRF refuses NUL itself, with its own message
]


def everything():
    return (
        list(BankAccount.objects.values_list("account_name", "sort_code", "account_number", "verified_at")),
        DomainEvent.objects.count(),
    )


class TestTheModulusCheckTakesAsciiDigitsOnly:
    def test_ascii_pair_is_valid(self):
        assert modulus.check("089999", "66374958")

    @pytest.mark.parametrize("sort_code,account", [("٠٨٩٩٩٩", "66374958"), ("089999", "٦٦٣٧٤٩٥٨")])
    def test_other_scripts_digits_are_not_digits(self, sort_code, account):
        with pytest.raises(ValueError):
            modulus.check(sort_code, account)
        with pytest.raises(modulus.BankDetailsError):
            modulus.bacs_sort_code_and_account(sort_code, account)


@pytest.mark.django_db
class TestRefused:
    @pytest.mark.parametrize("field,value", FOREIGN_DIGITS)
    def test_service(self, world, field, value):
        payee = scenario.package_approved(world).items.first().payee
        with pytest.raises(RuleBroken) as error:
            payment_services.bank_account_set(member_id=payee.pk, by=world.u.fin1, **(BANK | {field: value}))
        assert error.value.field == field and "0-9" in error.value.message
        assert not BankAccount.objects.exists()

    @pytest.mark.parametrize("field,value", FOREIGN_DIGITS)
    def test_api_member(self, world, api, field, value):
        payee = scenario.package_approved(world).items.first().payee
        payment_services.bank_account_set(member_id=payee.pk, by=world.u.fin1, **BANK)
        payment_services.bank_account_verify(member_id=payee.pk, by=world.u.fin2)
        before = everything()
        response = api.as_user(world.u.fin1).put(
            f"/api/v1/network-members/{payee.pk}/bank-account/", BANK | {field: value}, format="json"
        )
        assert response.status_code == 400 and list(response.json()) == [field], response.json()
        assert "0-9" in response.json()[field][0]
        assert everything() == before

    def test_api_supplier(self, world, api):
        supplier = package_services.supplier_create(by=world.u.fin1, name="Weymouth Taxis")
        response = api.as_user(world.u.fin1).put(
            f"/api/v1/suppliers/{supplier.pk}/bank-account/", BANK | {"sort_code": "٠٨٩٩٩٩"}, format="json"
        )
        assert response.status_code == 400 and "sort_code" in response.json()
        assert not BankAccount.objects.exists()

    def test_page(self, world, client):
        payee = scenario.package_approved(world).items.first().payee
        client.force_login(world.u.fin1)
        response = client.post(reverse("payments:bank_details", args=[payee.pk]), BANK | {"sort_code": "٠٨-٩٩-٩٩"})
        assert response.status_code == 400
        page = response.content.decode()
        assert "6 digits 0-9" in page and 'href="#id_sort_code"' in page
        assert not BankAccount.objects.exists()


@pytest.mark.django_db
class TestAccountName:
    @pytest.mark.parametrize("name,message", BAD_NAMES)
    def test_api_refuses_a_name_not_on_one_printable_line(self, world, api, name, message):
        payee = scenario.package_approved(world).items.first().payee
        before = everything()
        response = api.as_user(world.u.fin1).put(
            f"/api/v1/network-members/{payee.pk}/bank-account/", BANK | {"account_name": name}, format="json"
        )
        assert response.status_code == 400 and list(response.json()) == ["account_name"], response.json()
        assert message in response.json()["account_name"][0]
        assert everything() == before

    def test_api_refuses_a_name_too_long(self, world, api):
        payee = scenario.package_approved(world).items.first().payee
        response = api.as_user(world.u.fin1).put(
            f"/api/v1/network-members/{payee.pk}/bank-account/",
            BANK | {"account_name": "A" * (ACCOUNT_NAME_MAX_LENGTH + 1)},
            format="json",
        )
        assert response.status_code == 400 and list(response.json()) == ["account_name"]
        assert not BankAccount.objects.exists()

    def test_service_refuses_a_name_too_long_rather_than_cutting_it(self, world):
        payee = scenario.package_approved(world).items.first().payee
        with pytest.raises(RuleBroken) as error:
            payment_services.bank_account_set(
                member_id=payee.pk, by=world.u.fin1, **(BANK | {"account_name": "A" * 101})
            )
        assert error.value.field == "account_name"

    def test_page_refuses_a_name_with_a_line_break(self, world, client):
        payee = scenario.package_approved(world).items.first().payee
        client.force_login(world.u.fin1)
        response = client.post(
            reverse("payments:bank_details", args=[payee.pk]), BANK | {"account_name": "M HARDY\r\nX"}
        )
        assert response.status_code == 400
        assert "one line of printable text" in response.content.decode()
        assert not BankAccount.objects.exists()

    def test_a_name_at_the_limit_with_accents_is_kept_whole(self, world):
        payee = scenario.package_approved(world).items.first().payee
        name = ("Zoë O'Brien-Hardy " * 5)[:ACCOUNT_NAME_MAX_LENGTH].strip()
        account = payment_services.bank_account_set(
            member_id=payee.pk, by=world.u.fin1, **(BANK | {"account_name": name})
        )
        assert BankAccount.objects.get(pk=account.pk).account_name == name


@pytest.mark.django_db
class TestDetailsStoredBeforeTheRule:
    @pytest.mark.parametrize("export_format", ["csv", "bacs18", "pain001"])
    def test_no_file_carries_other_scripts_digits(self, world, export_format):
        batch = scenario.approved_batch(world)
        # Details that got in before the rule (written past the services, as old data would be).
        BankAccount.objects.update(sort_code="٤٠٠٠٠٠")
        with pytest.raises(RuleBroken) as error:
            payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format=export_format)
        assert error.value.field == "format" and "6 digits 0-9" in error.value.message
        batch.refresh_from_db()
        assert batch.status == "approved" and not batch.exports.exists()
