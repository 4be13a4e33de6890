"""The packages, payments and records pages: GOV.UK markup, only the buttons the person may press
(the services' four-eyes checks), and a confirmation page before every irreversible step."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from core import sar_services
from core.roles import Role
from network_packages.constants import PackageStatus
from network_packages.models import SupportPackage
from payments import services as payment_services
from payments.constants import BatchStatus, PaymentStatus
from payments.models import BankAccount, Payment, PaymentBatch
from tests import scenario
from tests.helpers import batch_confirmation

pytestmark = pytest.mark.django_db

CANNOT_UNDO = "You cannot undo this."
OLD_CLASSES = re.compile(r'class="(?:button|summary|data|tag|notice|panel|muted)(?:[ "])')


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def authorised_batch(world) -> PaymentBatch:
    """An open batch fin1 created, of payments authorised against verified details."""
    scenario.payments_authorised(world)
    return payment_services.batch_create(by=world.u.fin1, due_by=timezone.localdate() + datetime.timedelta(days=400))


class TestGovukMarkup:
    def test_the_money_pages_use_govuk_classes_only(self, client, world):
        batch = authorised_batch(world)
        package = SupportPackage.objects.get()
        payment = Payment.objects.first()
        client.force_login(world.u.fin2)
        for url in (
            reverse("payments:payment_list"),
            reverse("payments:payment_detail", args=[payment.pk]),
            reverse("payments:batch_list"),
            reverse("payments:batch_detail", args=[batch.pk]),
            reverse("payments:supplier_list"),
            reverse("process:home"),
        ):
            html = get(client, url)
            assert not OLD_CLASSES.search(html), (url, OLD_CLASSES.search(html).group())
            if "<table" in html:
                assert "govuk-table__caption" in html and "app-table-scroll" in html, url
        client.force_login(world.u.tm_east)
        html = get(client, reverse("network_packages:package_detail", args=[package.pk]))
        assert "govuk-summary-list" in html and "govuk-table__cell--numeric" in html

    def test_budgets_and_transparency(self, client, world):
        client.force_login(world.u.fin1)
        for name in ("payments:budgets", "payments:transparency"):
            html = get(client, reverse(name))
            assert "govuk-heading-l" in html and not OLD_CLASSES.search(html), name
        assert "govuk-table__cell--numeric" in get(client, reverse("payments:budgets"))


class TestPackageApproval:
    def test_the_check_page_changes_nothing_and_the_post_approves(self, client, world):
        package = scenario.package_submitted(world)
        url = reverse("network_packages:package_approve", args=[package.pk])
        client.force_login(world.u.tm_east)
        detail = get(client, reverse("network_packages:package_detail", args=[package.pk]))
        assert f'href="{url}"' in detail  # the button leads to the check page
        page = get(client, url)
        assert CANNOT_UNDO in page and "govuk-warning-text" in page and "Yes, approve the package" in page
        assert "£300.00" in page and "Cancel" in page
        assert SupportPackage.objects.get(pk=package.pk).status == PackageStatus.SUBMITTED
        response = client.post(url, {"note": "Agreed"})
        assert response.status_code == 302
        assert SupportPackage.objects.get(pk=package.pk).status == PackageStatus.APPROVED

    def test_the_drafter_is_not_offered_the_approval(self, client, world):
        """A practitioner who is also a team manager drafted it: the service refuses them, so the
        page offers neither approving nor returning it."""
        world.u.prac_east.groups.add(Group.objects.get(name=Role.TEAM_MANAGER))
        world.team_east.managers.add(world.u.prac_east)
        package = scenario.package_submitted(world)
        assert package.created_by == world.u.prac_east
        url = reverse("network_packages:package_approve", args=[package.pk])
        client.force_login(world.u.prac_east)
        detail = get(client, reverse("network_packages:package_detail", args=[package.pk]))
        assert f'href="{url}"' not in detail and "Return to the practitioner" not in detail
        page = get(client, url)
        assert "You cannot approve this package now" in page and "Yes, approve" not in page


class TestBatchFourEyes:
    def test_the_creator_is_not_offered_the_approval(self, client, world):
        batch = authorised_batch(world)
        url = reverse("payments:batch_approve", args=[batch.pk])
        client.force_login(world.u.fin1)  # who created it
        detail = get(client, reverse("payments:batch_detail", args=[batch.pk]))
        assert f'href="{url}"' not in detail and "someone else must approve it" in detail
        assert "Yes, approve the batch" not in get(client, url)
        client.force_login(world.u.fin2)
        assert f'href="{url}"' in get(client, reverse("payments:batch_detail", args=[batch.pk]))

    def test_approve_export_confirm_each_go_through_a_check_page(self, client, world):
        batch = authorised_batch(world)
        client.force_login(world.u.fin2)
        for step, after in (("approve", BatchStatus.APPROVED), ("export", BatchStatus.EXPORTED)):
            url = reverse(f"payments:batch_{step}", args=[batch.pk])
            before = PaymentBatch.objects.get(pk=batch.pk).status
            page = get(client, url + ("?format=csv" if step == "export" else ""))
            assert CANNOT_UNDO in page and batch.reference in page
            assert PaymentBatch.objects.get(pk=batch.pk).status == before
            data = batch_confirmation(batch) if step == "approve" else {"format": "csv"}
            response = client.post(url, data)
            assert response.status_code in (200, 302)
            assert PaymentBatch.objects.get(pk=batch.pk).status == after
        url = reverse("payments:batch_confirm", args=[batch.pk])
        page = get(client, url)
        assert CANNOT_UNDO in page and 'name="confirmed"' in page
        assert PaymentBatch.objects.get(pk=batch.pk).status == BatchStatus.EXPORTED
        assert client.post(url, batch_confirmation(batch)).status_code == 302
        assert PaymentBatch.objects.get(pk=batch.pk).status == BatchStatus.CONFIRMED


class TestPayments:
    def test_cancel_asks_first(self, client, world):
        package = scenario.package_approved(world)
        payment = package.payments.first()
        client.force_login(world.u.fin1)
        url = reverse("payments:payment_cancel", args=[payment.pk])
        assert f'href="{url}"' in get(client, reverse("payments:payment_detail", args=[payment.pk]))
        page = get(client, url)
        assert CANNOT_UNDO in page and "Yes, cancel the payment" in page
        assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.SCHEDULED
        assert client.post(url, {"reason": "A duplicate"}).status_code == 302
        assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.CANCELLED

    def test_authorise_asks_first(self, client, world):
        package = scenario.package_approved(world)
        payee = package.items.first().payee
        payment_services.bank_account_set(
            member_id=payee.pk, by=world.u.fin1, account_name="M HARDY", sort_code="40-00-00", account_number="12165678"
        )
        payment_services.bank_account_verify(member_id=payee.pk, by=world.u.fin2, confirm_shared_account=True)
        payment = package.payments.first()
        client.force_login(world.u.fin1)
        url = reverse("payments:payment_authorise", args=[payment.pk])
        assert f'href="{url}"' in get(client, reverse("payments:payment_list"))
        page = get(client, url)
        assert CANNOT_UNDO in page and "Yes, authorise the payment" in page
        assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.SCHEDULED
        assert client.post(url).status_code == 302
        assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.AUTHORISED

    def test_a_manager_sees_no_finance_buttons(self, client, world):
        package = scenario.package_approved(world)
        payment = package.payments.first()
        client.force_login(world.u.tm_east)
        page = get(client, reverse("payments:payment_detail", args=[payment.pk]))
        assert "Cancel the payment" not in page and "Authorise the payment" not in page


class TestBankDetailsFourEyes:
    def test_the_officer_who_entered_them_cannot_verify(self, client, world):
        package = scenario.package_approved(world)
        payee = package.items.first().payee
        payment_services.bank_account_set(
            member_id=payee.pk, by=world.u.fin1, account_name="M HARDY", sort_code="40-00-00", account_number="12165678"
        )
        url = reverse("payments:bank_details_verify", args=[payee.pk])
        client.force_login(world.u.fin1)
        page = get(client, url)
        assert "Yes, verify" not in page and "12165678" not in page
        client.force_login(world.u.fin2)
        page = get(client, url)
        assert CANNOT_UNDO in page and "Yes, verify the bank details" in page and "12165678" in page
        assert not BankAccount.objects.get(member=payee).is_verified
        assert client.post(url, {"confirm_shared_account": "on"}).status_code == 302
        assert BankAccount.objects.get(member=payee).is_verified

    def test_supplier_page_offers_verify_only_to_the_other_officer(self, client, world):
        from network_packages import services as package_services

        supplier = package_services.supplier_create(by=world.u.fin1, name="Dorset Taxis", supplies="Taxis")
        payment_services.supplier_bank_account_set(
            supplier_id=supplier.pk,
            by=world.u.fin1,
            account_name="DORSET TAXIS",
            sort_code="40-00-00",
            account_number="12165678",
        )
        url = reverse("payments:supplier_bank_details_verify", args=[supplier.pk])
        detail = reverse("payments:supplier_detail", args=[supplier.pk])
        client.force_login(world.u.fin1)
        assert f'href="{url}"' not in get(client, detail)
        client.force_login(world.u.fin2)
        assert f'href="{url}"' in get(client, detail)
        assert CANNOT_UNDO in get(client, url)


class TestSubjectAccessRequest:
    def test_completing_asks_first(self, client, world):
        request = sar_services.sar_log(
            by=world.u.auditor, received_on=timezone.localdate(), requester="Ann Hardy", subject_name="Ann Hardy"
        )
        sar_services.sar_record_id_check(request_id=request.pk, by=world.u.auditor, method="photo_id")
        url = reverse("records:sar_detail", args=[request.pk])
        client.force_login(world.u.auditor)
        assert 'href="?confirm=complete"' in get(client, url)
        page = get(client, url + "?confirm=complete")
        assert CANNOT_UNDO in page and "Yes, mark it completed" in page
        request.refresh_from_db()
        assert request.status == "in_progress"
        response = client.post(url, {"action": "complete"})  # the date sent: today when left empty
        assert response.status_code == 302, response.content.decode()[:3000]
        request.refresh_from_db()
        assert request.status == "completed"


def test_money_is_right_aligned(client, world):
    scenario.package_approved(world, amount=Decimal("1234.50"), approver=world.u.hos)
    client.force_login(world.u.fin1)
    html = get(client, reverse("payments:payment_list"))
    assert re.search(r'govuk-table__cell--numeric">£1,234\.50', html)
