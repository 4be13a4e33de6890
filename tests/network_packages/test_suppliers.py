"""Suppliers as payees: a council-wide register kept by finance, bank details verified by a second
officer, package items paid straight to a shop or a taxi firm, through to the bank's files."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import DomainEvent
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken, SeparationOfDuties
from network_packages import services as package_services
from network_packages.models import PackageItem, Supplier, SupportPackage
from network_packages.services import suppliers as supplier_services
from payments import services as payment_services
from payments.constants import PaymentStatus
from payments.models import BankAccount, Payment
from tests import scenario

TAXI_SORT_CODE, TAXI_ACCOUNT = "08-99-99", "66374958"  # a Vocalink standard test case that passes


def taxi_firm(world, *, verified=True, **kwargs) -> Supplier:
    supplier = package_services.supplier_create(
        by=world.u.fin1,
        name=kwargs.pop("name", "Portland Taxis Ltd"),
        supplies="School runs, Portland and Weymouth",
        email="accounts@portland-taxis.example",
        **kwargs,
    )
    payment_services.supplier_bank_account_set(
        supplier_id=supplier.pk,
        by=world.u.fin1,
        account_name="PORTLAND TAXIS",
        sort_code=TAXI_SORT_CODE,
        account_number=TAXI_ACCOUNT,
    )
    if verified:  # every test firm banks with one test account: fin2 confirms they checked it
        payment_services.supplier_bank_account_verify(
            supplier_id=supplier.pk, by=world.u.fin2, confirm_shared_account=True
        )
    supplier.refresh_from_db()
    return supplier


def item_for(supplier, plan, *, amount="40.00", frequency="weekly", instalments=3, description="School taxi") -> dict:
    return {
        "description": description,
        "category": "transport",
        "supplier": supplier.pk,
        "amount": amount,
        "frequency": frequency,
        "instalments": instalments,
        "plan_action": plan.actions.first().pk,
    }


def package_body(plan, items) -> dict:
    return {
        "plan": plan.pk,
        "justification": "Lily keeps her school while mum is in hospital.",
        "other_funding_checked": True,
        "agreement_signed_on": str(timezone.localdate()),
        "review_by": str(timezone.localdate() + datetime.timedelta(days=42)),
        "items": items,
    }


def approved_paying(world, api, supplier, **item) -> SupportPackage:
    case, grandmother, plan = scenario.plan_accepted(world)
    response = api.as_user(world.u.prac_east).post(
        f"/api/v1/cases/{case.pk}/packages/", package_body(plan, [item_for(supplier, plan, **item)]), format="json"
    )
    assert response.status_code == 201, response.content
    package_services.package_submit(package_id=response.json()["id"], by=world.u.prac_east)
    return package_services.package_approve(package_id=response.json()["id"], by=world.u.hos, note="Agreed")


def counts() -> tuple:
    return (
        Supplier.objects.count(),
        BankAccount.objects.count(),
        SupportPackage.objects.count(),
        PackageItem.objects.count(),
        Payment.objects.count(),
        DomainEvent.objects.count(),
    )


@pytest.mark.django_db
class TestRegister:
    def test_finance_adds_a_supplier_with_one_event(self, world):
        supplier = package_services.supplier_create(
            by=world.u.fin1, name="  Bridport   Furniture Reuse ", supplies="Beds, sofas", company_number="01234567"
        )
        assert supplier.name == "Bridport Furniture Reuse" and supplier.active
        event = DomainEvent.objects.get(object_type="supplier", object_id=supplier.pk)
        assert (event.action, event.actor, event.to_state) == ("supplier_added", world.u.fin1, "active")

    @pytest.mark.parametrize("role", ["prac_east", "tm_east", "hos", "auditor", "coord"])
    def test_only_finance_keeps_the_register(self, world, role):
        with pytest.raises(NotPermitted):
            package_services.supplier_create(by=getattr(world.u, role), name="Portland Taxis Ltd")
        assert not Supplier.objects.exists()

    @pytest.mark.parametrize(
        "values, field",
        [
            ({"name": "   "}, "name"),
            ({"name": "portland taxis ltd"}, "name"),  # already on the register, whatever the case
            ({"name": "New Taxis", "email": "not-an-email"}, "email"),
            ({"name": "x" * 141}, "name"),
            # Names are one line of printable text: they go into bank files, the ledger and the
            # transparency return.
            ({"name": "Portland\r\nTaxis"}, "name"),
            ({"name": "Portland\tTaxis"}, "name"),
            ({"name": "Taxis \u202egnp.exe"}, "name"),
            ({"name": "Bell\x07 Taxis"}, "name"),
            ({"name": "New Taxis", "supplies": "Cabs\nand vans"}, "supplies"),
            ({"name": "New Taxis", "phone": "01305\x00 123456"}, "phone"),
            ({"name": "New Taxis", "address": "x" * 5001}, "address"),
        ],
    )
    def test_bad_details_are_refused_on_their_field(self, world, values, field):
        taxi_firm(world)
        before = counts()
        with pytest.raises(RuleBroken) as refused:
            package_services.supplier_create(by=world.u.fin1, **values)
        assert refused.value.field == field
        assert counts() == before

    def test_the_same_name_added_at_the_same_moment_is_a_field_error(self, world, monkeypatch):
        """Two officers both pass the name check before either writes: the unique constraint decides."""
        taxi_firm(world)
        monkeypatch.setattr(supplier_services, "_ensure_name_free", lambda name, **kwargs: None)
        before = counts()
        with pytest.raises(RuleBroken, match="just been added") as refused:
            package_services.supplier_create(by=world.u.fin2, name="PORTLAND TAXIS LTD")
        assert refused.value.field == "name" and counts() == before

    def test_api_add_list_search_and_change(self, world, api):
        fin = api.as_user(world.u.fin1)
        response = fin.post("/api/v1/suppliers/", {"name": "Weymouth Cabs", "supplies": "Taxis"}, format="json")
        assert response.status_code == 201 and response.json()["bank_details"] == "none"
        supplier_id = response.json()["id"]
        assert fin.post("/api/v1/suppliers/", {"name": "WEYMOUTH CABS"}, format="json").json()["name"]
        assert fin.post("/api/v1/suppliers/", {"email": "x"}, format="json").status_code == 400
        two_lines = fin.post("/api/v1/suppliers/", {"name": "Cabs\r\n=HYPERLINK(1)"}, format="json")
        assert two_lines.status_code == 400 and "one line of printable text" in two_lines.json()["name"][0]
        practitioner = api.as_user(world.u.prac_east)
        listed = practitioner.get("/api/v1/suppliers/?search=cabs").json()["results"]
        assert [s["name"] for s in listed] == ["Weymouth Cabs"]
        assert practitioner.post("/api/v1/suppliers/", {"name": "Other"}, format="json").status_code == 403
        assert (
            practitioner.patch(f"/api/v1/suppliers/{supplier_id}/", {"active": False}, format="json").status_code == 403
        )
        assert api.as_user(world.u.coord).get("/api/v1/suppliers/").status_code == 403
        assert api.as_user(world.u.coord).get(f"/api/v1/suppliers/{supplier_id}/").status_code == 404
        changed = api.as_user(world.u.fin2).patch(
            f"/api/v1/suppliers/{supplier_id}/", {"active": False, "phone": "01305 000000"}, format="json"
        )
        assert (
            changed.status_code == 200
            and changed.json()["active"] is False
            and changed.json()["name"] == "Weymouth Cabs"
        )
        assert changed.json()["phone"] == "01305 000000"
        event = DomainEvent.objects.get(action="supplier_changed")
        assert (event.from_state, event.to_state, event.changes) == ("active", "inactive", {"fields": ["phone"]})
        assert practitioner.get("/api/v1/suppliers/?active=true").json()["results"] == []


@pytest.mark.django_db
class TestSupplierBankDetails:
    def test_entered_by_one_officer_verified_by_another(self, world):
        supplier = taxi_firm(world, verified=False)
        with pytest.raises(SeparationOfDuties):
            payment_services.supplier_bank_account_verify(supplier_id=supplier.pk, by=world.u.fin1)
        account = payment_services.supplier_bank_account_verify(supplier_id=supplier.pk, by=world.u.fin2)
        assert account.is_verified and account.owner == supplier and account.member is None
        with pytest.raises(InvalidTransition):
            payment_services.supplier_bank_account_verify(supplier_id=supplier.pk, by=world.u.fin2)

    def test_practitioners_cannot_enter_a_suppliers_details(self, world, api):
        supplier = taxi_firm(world, verified=False, name="Dorchester Cabs")
        with pytest.raises(NotPermitted):
            payment_services.supplier_bank_account_set(
                supplier_id=supplier.pk,
                by=world.u.prac_east,
                account_name="X",
                sort_code=TAXI_SORT_CODE,
                account_number=TAXI_ACCOUNT,
            )
        body = {"account_name": "X", "sort_code": TAXI_SORT_CODE, "account_number": TAXI_ACCOUNT}
        assert (
            api.as_user(world.u.prac_east)
            .put(f"/api/v1/suppliers/{supplier.pk}/bank-account/", body, format="json")
            .status_code
            == 403
        )
        assert api.as_user(world.u.prac_east).get(f"/api/v1/suppliers/{supplier.pk}/bank-account/").status_code == 403

    @pytest.mark.parametrize(
        "sort_code, account, field",
        [
            ("40-00", "12345678", "sort_code"),
            ("089999", "6637495A", "account_number"),
            ("089999", "66374959", "account_number"),  # fails the Vocalink modulus check
        ],
    )
    def test_api_refuses_bad_details_on_the_field(self, world, api, sort_code, account, field):
        supplier = package_services.supplier_create(by=world.u.fin1, name="Portland Taxis Ltd")
        before = counts()
        response = api.as_user(world.u.fin1).put(
            f"/api/v1/suppliers/{supplier.pk}/bank-account/",
            {"account_name": "PORTLAND TAXIS", "sort_code": sort_code, "account_number": account},
            format="json",
        )
        assert response.status_code == 400 and field in response.json()
        assert counts() == before

    def test_api_reads_masked_and_logs_the_read(self, world, api):
        from audit.models import AccessLog

        supplier = taxi_firm(world)
        response = api.as_user(world.u.auditor).get(f"/api/v1/suppliers/{supplier.pk}/bank-account/")
        assert response.status_code == 200
        assert response.json()["account_number"] == "****4958" and response.json()["supplier"] == supplier.pk
        assert TAXI_ACCOUNT not in response.content.decode()
        assert AccessLog.objects.filter(actor=world.u.auditor, what="bank_details").exists()

    def test_a_change_holds_pending_payments_until_verified_again(self, world, api):
        supplier = taxi_firm(world)
        package = approved_paying(world, api, supplier)
        first = package.payments.order_by("id").first()
        payment_services.supplier_bank_account_set(
            supplier_id=supplier.pk,
            by=world.u.fin2,
            account_name="PORTLAND TAXIS",
            sort_code="107999",
            account_number="88837491",
        )
        event = DomainEvent.objects.filter(action="bank_details_changed").get()
        assert event.changes == {"pending_payments_held": 3}
        with pytest.raises(RuleBroken, match="verified"):
            payment_services.payment_authorise(payment_id=first.pk, by=world.u.fin1)
        payment_services.supplier_bank_account_verify(supplier_id=supplier.pk, by=world.u.fin1)
        assert (
            payment_services.payment_authorise(payment_id=first.pk, by=world.u.fin1).status == PaymentStatus.AUTHORISED
        )


@pytest.mark.django_db
class TestPackagesPayingSuppliers:
    def test_an_item_paid_to_a_supplier_is_scheduled_to_the_supplier(self, world, api):
        supplier = taxi_firm(world)
        package = approved_paying(world, api, supplier)
        payments = list(package.payments.order_by("id"))
        assert [(p.supplier, p.payee, p.amount) for p in payments] == [(supplier, None, Decimal("40.00"))] * 3
        detail = api.as_user(world.u.prac_east).get(f"/api/v1/packages/{package.pk}/").json()
        assert detail["items"][0]["supplier"] == supplier.pk and detail["items"][0]["payee"] is None
        assert detail["items"][0]["payee_name"] == "Portland Taxis Ltd"
        listed = api.as_user(world.u.fin1).get(f"/api/v1/payments/?case={package.case_id}").json()["results"]
        assert {(p["supplier"], p["payee_name"]) for p in listed} == {(supplier.pk, "Portland Taxis Ltd")}

    @pytest.mark.parametrize(
        "change",
        [
            {"payee": "member"},  # both a member and a supplier
            {"supplier": None},  # neither
        ],
    )
    def test_exactly_one_payee_or_400(self, world, api, change):
        supplier = taxi_firm(world)
        case, grandmother, plan = scenario.plan_accepted(world)
        item = item_for(supplier, plan)
        item.update({k: (grandmother.pk if v == "member" else v) for k, v in change.items()})
        before = counts()
        response = api.as_user(world.u.prac_east).post(
            f"/api/v1/cases/{case.pk}/packages/", package_body(plan, [item]), format="json"
        )
        assert response.status_code == 400
        errors = response.json()["items"]["0"]
        assert "exactly one" in errors["payee"][0] and "exactly one" in errors["supplier"][0]
        assert counts() == before

    def test_an_unknown_or_inactive_supplier_cannot_be_paid(self, world, api):
        supplier = taxi_firm(world)
        case, grandmother, plan = scenario.plan_accepted(world)
        client = api.as_user(world.u.prac_east)
        unknown = {**item_for(supplier, plan), "supplier": supplier.pk + 100}
        response = client.post(f"/api/v1/cases/{case.pk}/packages/", package_body(plan, [unknown]), format="json")
        assert response.status_code == 400 and "not on the council's register" in str(response.json())
        draft = client.post(
            f"/api/v1/cases/{case.pk}/packages/", package_body(plan, [item_for(supplier, plan)]), format="json"
        ).json()
        package_services.supplier_update(supplier_id=supplier.pk, by=world.u.fin2, active=False)
        before = counts()
        response = client.post(f"/api/v1/packages/{draft['id']}/submit/")
        assert response.status_code == 400 and "no longer on the council's register" in str(response.json())
        assert counts() == before and SupportPackage.objects.get(pk=draft["id"]).status == "draft"

    def test_a_supplier_payment_waits_for_verified_details(self, world, api):
        supplier = taxi_firm(world, verified=False)
        package = approved_paying(world, api, supplier, frequency="one_off", instalments=1)
        payment = package.payments.get()
        response = api.as_user(world.u.fin1).post(f"/api/v1/payments/{payment.pk}/authorise/")
        assert response.status_code == 400 and "Portland Taxis Ltd's bank details" in response.json()["detail"]
        payment_services.supplier_bank_account_verify(supplier_id=supplier.pk, by=world.u.fin2)
        assert api.as_user(world.u.fin1).post(f"/api/v1/payments/{payment.pk}/authorise/").status_code == 200

    def test_files_pay_the_suppliers_account_beside_a_members(self, world, api):
        from payments.exports import CSV_COLUMNS

        supplier = taxi_firm(world)
        taxi = approved_paying(world, api, supplier, frequency="one_off", instalments=1, amount="64.50")
        sofa = scenario.payments_authorised(world, amount=Decimal("300.00"))
        for payment in taxi.payments.all():
            payment_services.payment_authorise(payment_id=payment.pk, by=world.u.fin1)
        batch = payment_services.batch_create(by=world.u.fin1)
        assert batch.payment_count == 2 and batch.total == Decimal("364.50")
        payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
        _, content = payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format="csv")
        rows = {r["reference"]: r for r in csv.DictReader(io.StringIO(content.decode()))}
        taxi_row = rows[taxi.payments.get().reference]
        assert (taxi_row["payee"], taxi_row["sort_code"], taxi_row["account_number"], taxi_row["amount"]) == (
            "PORTLAND TAXIS",
            "089999",
            TAXI_ACCOUNT,
            "64.50",
        )
        assert rows[sofa.payments.get().reference]["payee"] == "M HARDY" and list(rows.values())[0].keys() == set(
            CSV_COLUMNS
        )
        _, bacs = payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format="bacs18")
        credit = next(line for line in bacs.decode("ascii").split("\r\n") if line.startswith("089999" + TAXI_ACCOUNT))
        assert credit[15:17] == "99" and credit[35:46] == "00000006450" and credit[82:100] == "PORTLAND TAXIS".ljust(18)
        _, xml = payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format="pain001")
        assert f"<Id>{TAXI_ACCOUNT}</Id>" in xml.decode() and "<Nm>PORTLAND TAXIS</Nm>" in xml.decode()

    def test_the_same_fare_entered_twice_blocks_the_batch(self, world, api):
        supplier = taxi_firm(world)
        case, grandmother, plan = scenario.plan_accepted(world)
        fare = item_for(supplier, plan, frequency="one_off", instalments=1)
        client = api.as_user(world.u.prac_east)
        package_id = client.post(
            f"/api/v1/cases/{case.pk}/packages/", package_body(plan, [fare, fare]), format="json"
        ).json()["id"]
        package_services.package_submit(package_id=package_id, by=world.u.prac_east)
        package = package_services.package_approve(package_id=package_id, by=world.u.hos)
        first, second = package.payments.order_by("id")
        for payment in (first, second):
            payment_services.payment_authorise(payment_id=payment.pk, by=world.u.fin1)
        before = counts()
        with pytest.raises(RuleBroken, match="Possible duplicate") as refused:
            payment_services.batch_create(by=world.u.fin2)
        assert f"{second.reference} (£40.00 to Portland Taxis Ltd" in str(refused.value)
        assert f"duplicates {first.reference}, also in this batch" in str(refused.value)
        assert counts() == before
        assert payment_services.batch_create(by=world.u.fin2, payment_ids=[first.pk]).payment_count == 1

    def test_transparency_names_suppliers_and_redacts_people(self, world, api, today):
        supplier = taxi_firm(world)
        taxi = approved_paying(world, api, supplier, frequency="one_off", instalments=1, amount="750.00")
        scenario.payments_authorised(world, amount=Decimal("600.00"), approver=world.u.hos)
        payment_services.payment_authorise(payment_id=taxi.payments.get().pk, by=world.u.fin1)
        batch = payment_services.batch_create(by=world.u.fin1)
        payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
        payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1)
        payment_services.batch_confirm(batch_id=batch.pk, by=world.u.fin2)
        response = api.as_user(world.u.auditor).get(
            f"/api/v1/transparency/spend-over-500/?date_from={today}&date_to={today}"
        )
        rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))
        by_type = {r["Supplier type"]: r for r in rows}
        assert (
            by_type["Supplier"]["Supplier name"] == "Portland Taxis Ltd" and by_type["Supplier"]["Amount"] == "750.00"
        )
        assert by_type["Individual"]["Supplier name"] == "REDACTED - PERSONAL DATA"


@pytest.mark.django_db
class TestSupplierPages:
    def test_finance_adds_a_supplier_and_enters_details_another_verifies(self, world, client):
        client.force_login(world.u.fin1)
        response = client.post("/finance/suppliers/", {"name": "Sherborne Nursery", "supplies": "Childcare"})
        supplier = Supplier.objects.get(name="Sherborne Nursery")
        assert response.status_code == 302 and response["Location"] == f"/finance/suppliers/{supplier.pk}/"
        response = client.post(
            f"/finance/suppliers/{supplier.pk}/bank-details/",
            {"account_name": "SHERBORNE NURSERY", "sort_code": "089999", "account_number": "66374959"},
        )
        assert response.status_code == 400 and "modulus" in response.content.decode()
        assert not BankAccount.objects.exists()
        client.post(
            f"/finance/suppliers/{supplier.pk}/bank-details/",
            {"account_name": "SHERBORNE NURSERY", "sort_code": TAXI_SORT_CODE, "account_number": TAXI_ACCOUNT},
        )
        page = client.get(f"/finance/suppliers/{supplier.pk}/").content.decode()
        assert "****4958" in page and TAXI_ACCOUNT not in page and "Verify the bank details" not in page
        assert client.post(f"/finance/suppliers/{supplier.pk}/bank-details/verify/").status_code == 403
        client.force_login(world.u.fin2)
        page = client.get(f"/finance/suppliers/{supplier.pk}/").content.decode()
        assert TAXI_ACCOUNT in page and "Verify the bank details" in page  # in full to the verifier only
        assert client.post(f"/finance/suppliers/{supplier.pk}/bank-details/verify/").status_code == 302
        assert BankAccount.objects.get().verified_by == world.u.fin2
        listing = client.get("/finance/suppliers/").content.decode()
        assert "Sherborne Nursery" in listing and "Verified" in listing

    def test_a_duplicate_name_is_a_form_error(self, world, client):
        taxi_firm(world)
        client.force_login(world.u.fin2)
        before = counts()
        response = client.post("/finance/suppliers/", {"name": "PORTLAND TAXIS LTD"})
        assert response.status_code == 400 and "already on the register" in response.content.decode()
        assert counts() == before

    def test_practitioners_read_the_register_but_do_not_keep_it(self, world, client):
        supplier = taxi_firm(world)
        client.force_login(world.u.prac_east)
        listing = client.get("/finance/suppliers/")
        assert listing.status_code == 200 and "Portland Taxis Ltd" in listing.content.decode()
        assert "Add a supplier" not in listing.content.decode() and "Bank details" not in listing.content.decode()
        detail = client.get(f"/finance/suppliers/{supplier.pk}/").content.decode()
        assert "****" not in detail and "Save the details" not in detail
        assert client.post("/finance/suppliers/", {"name": "Mine"}).status_code == 403
        assert client.post(f"/finance/suppliers/{supplier.pk}/", {"name": "Mine"}).status_code == 403
        assert Supplier.objects.get().name == "Portland Taxis Ltd"
        client.force_login(world.u.coord)
        assert client.get("/finance/suppliers/").status_code == 403

    def test_finance_takes_a_supplier_off_the_register(self, world, client):
        supplier = taxi_firm(world)
        client.force_login(world.u.fin2)
        response = client.post(
            f"/finance/suppliers/{supplier.pk}/", {"name": supplier.name, "supplies": supplier.supplies}
        )
        assert response.status_code == 302
        supplier.refresh_from_db()
        assert not supplier.active and supplier.email == ""
        assert "Taken off" in client.get("/finance/suppliers/?show=inactive").content.decode()

    def test_the_package_page_offers_active_suppliers_and_pays_one(self, world, client):
        supplier = taxi_firm(world)
        taxi_firm(world, name="Closed Cabs")
        package_services.supplier_update(
            supplier_id=Supplier.objects.get(name="Closed Cabs").pk, by=world.u.fin1, active=False
        )
        case, grandmother, plan = scenario.plan_accepted(world)
        client.force_login(world.u.prac_east)
        form = client.get(reverse("network_packages:package_new", args=[case.pk])).content.decode()
        assert f'value="supplier-{supplier.pk}"' in form and "Closed Cabs" not in form
        assert f'value="{grandmother.pk}"' in form
        response = client.post(
            reverse("network_packages:package_new", args=[case.pk]),
            {
                "justification": "School runs",
                "other_funding_checked": "on",
                "agreement_signed_on": timezone.localdate().strftime("%d/%m/%Y"),
                "review_by": (timezone.localdate() + datetime.timedelta(days=30)).strftime("%d/%m/%Y"),
                "items-TOTAL_FORMS": "1",
                "items-INITIAL_FORMS": "0",
                "items-MIN_NUM_FORMS": "1",
                "items-MAX_NUM_FORMS": "5",
                "items-0-description": "School taxi",
                "items-0-category": "transport",
                "items-0-payee": f"supplier-{supplier.pk}",
                "items-0-amount": "40.00",
                "items-0-frequency": "weekly",
                "items-0-instalments": "4",
                "items-0-starts_on": (timezone.localdate() + datetime.timedelta(days=14)).strftime("%d/%m/%Y"),
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        item = PackageItem.objects.get()
        assert (item.supplier, item.payee, item.package.total) == (supplier, None, Decimal("160.00"))
        assert item.starts_on == timezone.localdate() + datetime.timedelta(days=14)
        detail = client.get(response["Location"]).content.decode()
        assert "Portland Taxis Ltd" in detail and "(supplier)" in detail
