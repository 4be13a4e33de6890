"""Django admin: reference data and approval limits are editable; casework and money are read-only;
bank details are masked on every admin page."""

import io
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from viewflow.workflow.models import Task

from audit.models import DomainEvent
from core.roles import Role
from fgdm.models import Case, Team
from network_packages.constants import ApprovalTier, PackageStatus
from network_packages.models import ApprovalLimit, SupportPackage
from network_packages.services import required_tier
from payments import services as payment_services
from payments.constants import BatchStatus, PaymentStatus
from payments.models import BankAccount, Payment, PaymentBatch

# The demo grandmother's bank details (fgdm/demo.py), entered through the service.
SORT_CODE, ACCOUNT_NUMBER = "203253", "02487365"


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def seeded(db):
    call_command("seed_demo", force=True, stdout=io.StringIO())


@pytest.fixture
def admin_client(client, seeded):
    client.force_login(get_user_model().objects.get(username="admin"))
    return client


@pytest.fixture
def exported_batch(seeded):
    """The demo sofa bed batch approved by fin2 and exported by fin1, so its file holds full details."""
    User = get_user_model()
    batch = PaymentBatch.objects.get(status=BatchStatus.OPEN)
    payment_services.batch_approve(batch_id=batch.pk, by=User.objects.get(username="fin2"))
    batch, content = payment_services.batch_export(batch_id=batch.pk, by=User.objects.get(username="fin1"))
    assert ACCOUNT_NUMBER.encode() in content  # the export is the one place the full details appear
    return batch


class TestEveryAdminPageRenders:
    def test_index_lists_and_detail_pages(self, admin_client):
        assert admin_client.get(reverse("admin:index")).status_code == 200
        for model, model_admin in admin.site._registry.items():
            response = admin_client.get(url(model, "changelist"))
            assert response.status_code == 200, model
            obj = model_admin.get_queryset(response.wsgi_request).first()
            if obj is not None:
                assert admin_client.get(url(model, "change", obj.pk)).status_code == 200, model


class TestApprovalLimits:
    def test_admin_can_change_a_limit(self, admin_client):
        limit = ApprovalLimit.objects.get(tier=ApprovalTier.TEAM_MANAGER)
        assert required_tier(Decimal("700.00")) == ApprovalTier.SERVICE_MANAGER
        response = admin_client.post(url(ApprovalLimit, "change", limit.pk), {"max_amount": "750.00"})
        assert response.status_code == 302
        limit.refresh_from_db()
        assert limit.max_amount == Decimal("750.00")
        assert required_tier(Decimal("700.00")) == ApprovalTier.TEAM_MANAGER
        event = DomainEvent.objects.get(action="approval_limit_changed")
        assert event.actor.username == "admin"
        assert event.changes == {"max_amount": ["500.00", "750.00"]}

    def test_a_lower_tier_cannot_exceed_a_higher_one(self, admin_client):
        limit = ApprovalLimit.objects.get(tier=ApprovalTier.TEAM_MANAGER)
        response = admin_client.post(url(ApprovalLimit, "change", limit.pk), {"max_amount": "6000.00"})
        assert response.status_code == 200  # the form again, with the error
        assert "higher tier must be able to approve at least as much" in response.content.decode()
        limit.refresh_from_db()
        assert limit.max_amount == Decimal("500.00")

    def test_no_limit_for_head_of_service_can_stay_empty(self, admin_client):
        limit = ApprovalLimit.objects.get(tier=ApprovalTier.HEAD_OF_SERVICE)
        response = admin_client.post(url(ApprovalLimit, "change", limit.pk), {"max_amount": ""})
        assert response.status_code == 302
        limit.refresh_from_db()
        assert limit.max_amount is None

    def test_limits_cannot_be_added_or_deleted(self, admin_client):
        limit = ApprovalLimit.objects.get(tier=ApprovalTier.SERVICE_MANAGER)
        assert admin_client.get(url(ApprovalLimit, "add")).status_code == 403
        assert admin_client.post(url(ApprovalLimit, "delete", limit.pk), {"post": "yes"}).status_code == 403
        assert ApprovalLimit.objects.count() == 3


class TestCaseworkAndMoneyAreReadOnly:
    @pytest.mark.parametrize("model", [SupportPackage, Payment, PaymentBatch, BankAccount, Case, Task])
    def test_no_add_change_or_delete(self, admin_client, model):
        obj = model.objects.order_by("pk").first()
        before = model.objects.filter(pk=obj.pk).values().get()
        page = admin_client.get(url(model, "change", obj.pk))
        assert page.status_code == 200  # a view-only page ...
        assert b'name="_save"' not in page.content  # ... with no Save button
        assert admin_client.post(url(model, "change", obj.pk), {"status": "approved"}).status_code == 403
        assert admin_client.get(url(model, "delete", obj.pk)).status_code == 403
        assert admin_client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
        assert admin_client.get(url(model, "add")).status_code == 403
        changelist = admin_client.get(url(model, "changelist"))
        assert b"delete_selected" not in changelist.content
        assert model.objects.filter(pk=obj.pk).values().get() == before

    def test_a_submitted_package_stays_submitted(self, admin_client):
        package = SupportPackage.objects.get(status=PackageStatus.SUBMITTED, case__family_name="Nowak")
        data = {"status": PackageStatus.APPROVED, "total": "1.00", "justification": "x"}
        assert admin_client.post(url(SupportPackage, "change", package.pk), data).status_code == 403
        package.refresh_from_db()
        assert package.status == PackageStatus.SUBMITTED
        assert package.total == Decimal("780.00")
        assert not package.approvals.filter(decision="approved").exists()

    def test_a_payment_cannot_be_marked_paid(self, admin_client):
        payment = Payment.objects.filter(status=PaymentStatus.SCHEDULED).first()
        data = {"status": PaymentStatus.PAID, "amount": "9999.00"}
        assert admin_client.post(url(Payment, "change", payment.pk), data).status_code == 403
        payment.refresh_from_db()
        assert (payment.status, payment.amount) == (PaymentStatus.SCHEDULED, Decimal("30.00"))


class TestBankDetailsMasked:
    def pages(self, client):
        """Every admin page that could show a payee's bank details, after the batch was exported."""
        account = BankAccount.objects.get(account_number=ACCOUNT_NUMBER)
        payment = Payment.objects.get(payee=account.member)
        from audit.models import LogEntry

        entries = LogEntry.objects.filter(content_type__model="bankaccount")
        assert entries.exists()
        urls = [
            url(BankAccount, "changelist"),
            url(BankAccount, "change", account.pk),
            url(Payment, "changelist"),
            url(Payment, "change", payment.pk),
            url(PaymentBatch, "changelist"),
            url(PaymentBatch, "change", payment.batch_id),
            reverse("admin:fgdm_networkmember_change", args=[account.member_id]),
            url(DomainEvent, "changelist"),
            url(LogEntry, "changelist"),
            *(url(LogEntry, "change", entry.pk) for entry in entries),
        ]
        for address in urls:
            response = client.get(address)
            assert response.status_code == 200, address
            yield address, response.content.decode()

    def test_never_the_full_sort_code_or_account_number(self, admin_client, exported_batch):
        for address, html in self.pages(admin_client):
            for secret in (SORT_CODE, "20-32-53", ACCOUNT_NUMBER):
                assert secret not in html, (address, secret)

    def test_masked_forms_are_shown(self, admin_client, seeded):
        account = BankAccount.objects.get(account_number=ACCOUNT_NUMBER)
        html = admin_client.get(url(BankAccount, "change", account.pk)).content.decode()
        assert "**-**-53" in html and "****7365" in html
        listing = admin_client.get(url(BankAccount, "changelist")).content.decode()
        assert "**-**-53" in listing and "****7365" in listing

    def test_searching_by_account_number_finds_nothing(self, admin_client, seeded):
        response = admin_client.get(url(BankAccount, "changelist") + f"?q={ACCOUNT_NUMBER}")
        assert response.context["cl"].result_count == 0


class TestTeams:
    def test_membership_change_is_a_domain_event(self, admin_client):
        team = Team.objects.get(code="east")
        newcomer = get_user_model().objects.create_user("prac.purbeck")
        newcomer.groups.add(Group.objects.get(name=Role.PRACTITIONER))  # team members are practitioners
        data = {
            "name": team.name,
            "code": team.code,
            "localities": list(team.localities.values_list("pk", flat=True)),
            "members": [*team.members.values_list("pk", flat=True), newcomer.pk],
            "managers": list(team.managers.values_list("pk", flat=True)),
        }
        response = admin_client.post(url(Team, "change", team.pk), data)
        assert response.status_code == 302
        assert team.members.filter(pk=newcomer.pk).exists()
        event = DomainEvent.objects.get(action="team_changed")
        assert event.actor.username == "admin"
        assert event.changes == {"members": [["prac.east"], ["prac.east", "prac.purbeck"]]}

    def test_a_team_cannot_be_deleted_through_admin(self, admin_client):
        """No service deletes a team, so admin cannot either (a team with no cases would have gone
        without a trace in the trail)."""
        empty = Team.objects.create(code="spare", name="Spare team")
        assert admin_client.post(url(Team, "delete", empty.pk), {"post": "yes"}).status_code == 403
        assert Team.objects.filter(pk=empty.pk).exists()
