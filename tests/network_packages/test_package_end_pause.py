"""Ending or pausing an approved package cancels the payments that have not gone to the bank, and
never touches paid or batched ones; changing it is a new version approved again (elsewhere)."""

import datetime
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from audit.models import DomainEvent
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken
from core.workflow import open_task
from network_packages import services as package_services
from network_packages.models import SupportPackage
from network_packages.services import ItemInput
from payments import services as payment_services
from payments.models import Payment
from process.flows import CaseFlow
from tests import scenario

WEEK = datetime.timedelta(weeks=1)


def weekly(world, *, instalments=6, authorise=True):
    """£25 a week: the first instalment batched (gone to the bank), the rest scheduled or authorised."""
    package = (
        scenario.payments_authorised(world, amount=Decimal("25.00"), frequency="weekly", instalments=instalments)
        if authorise
        else scenario.package_approved(world, amount=Decimal("25.00"), frequency="weekly", instalments=instalments)
    )
    if authorise:
        payment_services.batch_create(by=world.u.fin1, payment_ids=[package.payments.order_by("due_on").first().pk])
    return package


def statuses(package) -> list[str]:
    return list(package.payments.order_by("due_on", "id").values_list("status", flat=True))


def snapshot():
    return (DomainEvent.objects.count(), sorted(Payment.objects.values_list("id", "status")))


@pytest.mark.django_db
class TestEnd:
    def test_cancels_what_has_not_gone_to_the_bank_and_keeps_the_batched(self, world):
        package = weekly(world)
        ended = package_services.package_end(package_id=package.pk, by=world.u.prac_east, reason="Mum is home")
        assert ended.status == "ended"
        assert statuses(package) == ["batched"] + ["cancelled"] * 5
        events = list(DomainEvent.objects.filter(action__in=["package_ended", "payment_cancelled"]).order_by("id"))
        assert [e.action for e in events] == ["package_ended"] + ["payment_cancelled"] * 5
        assert all(e.actor == world.u.prac_east for e in events)
        assert events[1].reason == "Package v1 ended: Mum is home"

    def test_pays_up_to_the_last_day_given(self, world):
        package = weekly(world)
        third = package.payments.order_by("due_on")[2]
        package_services.package_end(
            package_id=package.pk, by=world.u.prac_east, reason="Support tapers off", last_due_on=third.due_on
        )
        assert statuses(package) == ["batched", "authorised", "authorised", "cancelled", "cancelled", "cancelled"]

    def test_the_case_flow_moves_on_when_nothing_is_left_to_authorise(self, world):
        package = weekly(world, authorise=False)
        process = package.case.process
        assert open_task(process=process, node=CaseFlow.authorise_payments) is not None
        package_services.package_end(package_id=package.pk, by=world.u.prac_east, reason="Not needed after all")
        assert statuses(package) == ["cancelled"] * 6
        assert open_task(process=process, node=CaseFlow.authorise_payments) is None

    def test_refusals_change_nothing(self, world):
        package = weekly(world)
        before = snapshot()
        with pytest.raises(RuleBroken):
            package_services.package_end(package_id=package.pk, by=world.u.prac_east, reason="  ")
        with pytest.raises(NotPermitted):
            package_services.package_end(package_id=package.pk, by=world.u.prac_west, reason="x")
        with pytest.raises(NotPermitted):
            package_services.package_end(package_id=package.pk, by=world.u.fin1, reason="x")
        assert snapshot() == before
        package_services.package_end(package_id=package.pk, by=world.u.prac_east, reason="Done")
        with pytest.raises(InvalidTransition):
            package_services.package_end(package_id=package.pk, by=world.u.prac_east, reason="Again")

    def test_not_while_a_new_version_waits_for_approval(self, world):
        package = weekly(world)
        item = package.items.get()
        package_services.package_revise(
            package_id=package.pk,
            by=world.u.prac_east,
            plan_id=package.plan_id,
            justification="More weeks",
            other_funding_checked=True,
            agreement_signed_on=timezone.localdate(),
            review_by=package.review_by,
            items=[
                ItemInput(
                    description=item.description,
                    category=item.category,
                    payee_id=item.payee_id,
                    amount=item.amount,
                    frequency="weekly",
                    instalments=8,
                )
            ],
        )
        before = snapshot()
        with pytest.raises(InvalidTransition, match="Version 2"):
            package_services.package_end(package_id=package.pk, by=world.u.prac_east, reason="x")
        assert snapshot() == before

    def test_api(self, world, api):
        package = weekly(world)
        client = api.as_user(world.u.prac_east)
        assert client.post(f"/api/v1/packages/{package.pk}/end/", {}, format="json").status_code == 400
        assert (
            client.post(
                f"/api/v1/packages/{package.pk}/end/", {"reason": "x", "last_due_on": "soon"}, format="json"
            ).status_code
            == 400
        )
        assert (
            api.as_user(world.u.tm_east)
            .post(f"/api/v1/packages/{package.pk}/end/", {"reason": "x"}, format="json")
            .status_code
            == 403
        )
        assert (
            api.as_user(world.u.prac_west)
            .post(f"/api/v1/packages/{package.pk}/end/", {"reason": "x"}, format="json")
            .status_code
            == 404
        )
        client = api.as_user(world.u.prac_east)  # one client: as_user switches who it is
        response = client.post(f"/api/v1/packages/{package.pk}/end/", {"reason": "Mum is home"}, format="json")
        assert response.status_code == 200 and response.json()["status"] == "ended"
        assert client.post(f"/api/v1/packages/{package.pk}/end/", {"reason": "again"}, format="json").status_code == 409


@pytest.mark.django_db
class TestPause:
    def test_cancels_the_payments_due_in_the_pause_only(self, world):
        package = weekly(world)
        due = list(package.payments.order_by("due_on").values_list("due_on", flat=True))
        paused = package_services.package_pause(
            package_id=package.pk,
            by=world.u.prac_east,
            pause_from=due[2],
            pause_to=due[3],
            reason="Lily is in hospital",
        )
        assert paused.status == "approved"
        assert statuses(package) == ["batched", "authorised", "cancelled", "cancelled", "authorised", "authorised"]
        event = DomainEvent.objects.get(action="package_paused")
        assert event.changes == {"from": due[2].isoformat(), "to": due[3].isoformat()}
        assert event.reason == "Lily is in hospital"

    def test_a_pause_over_nothing_unpaid_is_refused(self, world):
        package = weekly(world)
        first = package.payments.order_by("due_on").first().due_on
        before = snapshot()
        with pytest.raises(RuleBroken, match="1 already in a batch") as refused:
            package_services.package_pause(
                package_id=package.pk, by=world.u.prac_east, pause_from=first, pause_to=first, reason="x"
            )
        assert refused.value.field == "pause_from"
        with pytest.raises(RuleBroken):
            package_services.package_pause(
                package_id=package.pk, by=world.u.prac_east, pause_from=first + WEEK, pause_to=first, reason="x"
            )
        assert snapshot() == before

    def test_api_and_page(self, world, api, client):
        package = weekly(world)
        due = list(package.payments.order_by("due_on").values_list("due_on", flat=True))
        url = f"/api/v1/packages/{package.pk}/pause/"
        bad = api.as_user(world.u.prac_east).post(
            url, {"pause_from": str(due[3]), "pause_to": str(due[2]), "reason": "x"}, format="json"
        )
        assert bad.status_code == 400 and "pause_to" in bad.json()
        ok = api.as_user(world.u.prac_east).post(
            url, {"pause_from": str(due[5]), "pause_to": str(due[5]), "reason": "Away"}, format="json"
        )
        assert ok.status_code == 200 and statuses(package)[5] == "cancelled"
        client.force_login(world.u.prac_east)
        page = client.get(reverse("network_packages:package_detail", args=[package.pk])).content.decode()
        assert "Pause the payments" in page and "End the package" in page
        response = client.post(
            reverse("network_packages:package_pause", args=[package.pk]),
            {"pause_from": due[1].strftime("%d/%m/%Y"), "pause_to": "", "reason": "x"},
        )
        assert response.status_code == 400 and "Enter the date" in response.content.decode()
        response = client.post(
            reverse("network_packages:package_end", args=[package.pk]),
            {"reason": "Mum is home", "last_due_on": due[1].strftime("%d/%m/%Y")},
        )
        assert response.status_code == 302
        assert statuses(package) == ["batched", "authorised", "cancelled", "cancelled", "cancelled", "cancelled"]
        page = client.get(response["Location"]).content.decode()
        assert "End the package" not in page and "Ended" in page


@pytest.mark.django_db
class TestItemStartDate:
    def _draft(self, world, api, starts_on, *, frequency="monthly", instalments=3):
        case, grandmother, plan = scenario.plan_accepted(world)
        # Nan is paid for childcare: the council's policy asks for a check first.
        package_services.payee_check_record(
            member_id=grandmother.pk,
            by=case.lead_practitioner,
            kind="dbs",
            outcome="passed",
            checked_on=timezone.localdate(),
        )
        body = {
            "plan": plan.pk,
            "justification": "Childcare from the new term",
            "other_funding_checked": True,
            "agreement_signed_on": str(timezone.localdate()),
            "review_by": str(timezone.localdate() + datetime.timedelta(days=120)),
            "items": [
                {
                    "description": "Nursery fees",
                    "category": "childcare",
                    "payee": grandmother.pk,
                    "amount": "120.00",
                    "frequency": frequency,
                    "instalments": instalments,
                    "starts_on": str(starts_on) if starts_on else None,
                }
            ],
        }
        return api.as_user(world.u.prac_east).post(f"/api/v1/cases/{case.pk}/packages/", body, format="json")

    def test_instalments_start_on_the_items_date(self, world, api):
        start = timezone.localdate() + datetime.timedelta(days=40)
        response = self._draft(world, api, start)
        assert response.status_code == 201 and response.json()["items"][0]["starts_on"] == start.isoformat()
        package_services.package_submit(package_id=response.json()["id"], by=world.u.prac_east)
        package = package_services.package_approve(package_id=response.json()["id"], by=world.u.tm_east)
        dues = list(package.payments.order_by("due_on").values_list("due_on", flat=True))
        assert dues == [start + relativedelta(months=n) for n in range(3)]
        assert sum(p.amount for p in package.payments.all()) == package.total == Decimal("360.00")

    def test_a_date_already_past_is_never_backdated(self, world, api):
        response = self._draft(
            world, api, timezone.localdate() - datetime.timedelta(days=10), frequency="one_off", instalments=1
        )
        package_services.package_submit(package_id=response.json()["id"], by=world.u.prac_east)
        package = package_services.package_approve(package_id=response.json()["id"], by=world.u.tm_east)
        assert package.payments.get().due_on == timezone.localdate()

    def test_more_than_a_year_ahead_or_not_a_date_is_400(self, world, api):
        far = self._draft(world, api, timezone.localdate() + datetime.timedelta(days=400))
        assert far.status_code == 400 and "twelve months" in str(far.json())
        case_id = far.wsgi_request.path.split("/")[4]
        bad = api.as_user(world.u.prac_east).post(
            f"/api/v1/cases/{case_id}/packages/", {"items": [{"starts_on": "soon"}]}, format="json"
        )
        assert bad.status_code == 400 and "starts_on" in bad.json()["items"]["0"]
        assert not SupportPackage.objects.exists()
