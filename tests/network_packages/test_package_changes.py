"""Packages that change (issue 12, part 5): drafts and returned packages are edited and submitted
again; a change to an approved package is submitted and approved whenever the case is open; one
package of a case is in approval at a time; packages are reviewed on their own dates. Each through
the service, the API and the page, with the refusals."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audit.models import DomainEvent
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken
from fgdm import services as case_services
from network_packages import services as package_services
from network_packages.models import PackageReview, SupportPackage
from network_packages.services import ItemInput
from payments import services as payment_services
from payments.constants import PaymentStatus
from tests import scenario
from tests.helpers import counts, formset, ok, package_data, page_ok, post
from tests.scenario import fire_timers_on

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def item(payee, *, amount="50.00", description="Taxi to the hospital", frequency="one_off", instalments=1, **kw):
    return ItemInput(
        description=description,
        category="transport",
        payee_id=payee.pk,
        amount=Decimal(amount),
        frequency=frequency,
        instalments=instalments,
        **kw,
    )


def draft(case, plan, payee, *, items=None, agreement_signed_on="today", **kw):
    return package_services.package_create(
        case_id=case.pk,
        by=case.lead_practitioner,
        plan_id=plan.pk,
        justification=kw.pop("justification", "Taxis so Nan can visit mum in hospital."),
        other_funding_checked=True,
        agreement_signed_on=today() if agreement_signed_on == "today" else agreement_signed_on,
        review_by=kw.pop("review_by", today() + datetime.timedelta(days=28)),
        items=items or [item(payee)],
    )


def revise(package, *, by, items, agreement_signed_on=None, review_by=None):
    return package_services.package_revise(
        package_id=package.pk,
        by=by,
        plan_id=package.plan_id,
        justification="The support changes",
        other_funding_checked=True,
        agreement_signed_on=agreement_signed_on,
        review_by=review_by or package.review_by,
        items=items,
    )


def open_nodes(case):
    return sorted(
        t.flow_task.name
        for t in Task.objects.filter(
            process_id=case.process_id, status__in=[STATUS.NEW, STATUS.ASSIGNED], flow_task_type="HUMAN"
        )
    )


def events(action, obj=None):
    qs = DomainEvent.objects.filter(action=action)
    return qs.filter(object_id=obj.pk).count() if obj is not None else qs.count()


def authorise_all(world, package):
    payee = package.items.first().payee
    if not hasattr(payee, "bank_account"):
        payment_services.bank_account_set(
            member_id=payee.pk, by=world.u.fin1, account_name="M HARDY", sort_code="40-00-00", account_number="12165678"
        )
        payment_services.bank_account_verify(member_id=payee.pk, by=world.u.fin2)
    for payment in package.payments.filter(status=PaymentStatus.SCHEDULED).order_by("id"):
        payment_services.payment_authorise(payment_id=payment.pk, by=world.u.fin1)


# -- 1. a draft or a returned package is edited and submitted again ------------------------------------


class TestPackageUpdate:
    def test_a_draft_is_edited_items_replaced_one_event(self, world):
        case, nan, plan = scenario.plan_accepted(world)
        package = draft(case, plan, nan, agreement_signed_on=None)
        updated = package_services.package_update(
            package_id=package.pk,
            by=world.u.prac_east,
            justification="Taxis and a bed",
            agreement_signed_on=today(),
            items=[item(nan, amount="20.00", frequency="weekly", instalments=4), item(nan, amount="150.00")],
        )
        assert updated.status == "draft" and updated.justification == "Taxis and a bed"
        assert updated.agreement_signed_on == today()
        assert updated.items.count() == 2 and updated.total == Decimal("230.00")
        assert events("package_updated", package) == 1
        event = DomainEvent.objects.get(action="package_updated")
        assert event.changes["total"] == ["50.00", "230.00"]

    def test_fields_not_given_stay(self, world):
        case, nan, plan = scenario.plan_accepted(world)
        package = draft(case, plan, nan)
        tomorrow = today() + datetime.timedelta(days=1)
        package_services.package_update(package_id=package.pk, by=world.u.prac_east, review_by=tomorrow)
        package.refresh_from_db()
        assert package.review_by == tomorrow and package.items.count() == 1 and package.total == Decimal("50.00")

    def test_a_returned_package_is_edited_and_submitted_again(self, world):
        package = scenario.package_submitted(world)
        package_services.package_return(package_id=package.pk, by=world.u.tm_east, reason="Get a cheaper quote")
        nan = package.items.first().payee
        package_services.package_update(
            package_id=package.pk, by=world.u.prac_east, items=[item(nan, amount="250.00", description="Sofa bed")]
        )
        package.refresh_from_db()
        assert package.status == "returned" and package.total == Decimal("250.00")
        package_services.package_submit(package_id=package.pk, by=world.u.prac_east)
        package.refresh_from_db()
        assert package.status == "submitted" and package.return_reason == ""
        assert open_nodes(package.case) == ["approve_team_manager"]
        package_services.package_approve(package_id=package.pk, by=world.u.tm_east)
        assert package.payments.count() == 1 and package.payments.get().amount == Decimal("250.00")

    @pytest.mark.parametrize("state", ["submitted", "approved", "withdrawn", "ended"])
    def test_other_states_are_refused_with_what_would_make_it_possible(self, world, state):
        package = scenario.package_submitted(world)
        if state == "approved":
            package_services.package_approve(package_id=package.pk, by=world.u.tm_east)
        elif state == "withdrawn":
            package_services.package_withdraw(package_id=package.pk, by=world.u.prac_east)
        elif state == "ended":
            package_services.package_approve(package_id=package.pk, by=world.u.tm_east)
            package_services.package_end(package_id=package.pk, by=world.u.prac_east, reason="Not needed")
        before = counts()
        with pytest.raises(InvalidTransition) as refused:
            package_services.package_update(package_id=package.pk, by=world.u.prac_east, justification="Again")
        assert counts() == before
        assert {"submitted": "withdraw it", "approved": "change it instead"}.get(state, "only a draft") in str(
            refused.value
        )

    def test_someone_not_on_the_case_and_bad_items_change_nothing(self, world):
        case, nan, plan = scenario.plan_accepted(world)
        package = draft(case, plan, nan)
        before = counts()
        with pytest.raises(NotPermitted):
            package_services.package_update(package_id=package.pk, by=world.u.prac_west, justification="Mine")
        mum = case.network_members.get(is_parent=True)
        with pytest.raises(RuleBroken):
            package_services.package_update(package_id=package.pk, by=world.u.prac_east, items=[item(mum)])
        with pytest.raises(RuleBroken):
            package_services.package_update(package_id=package.pk, by=world.u.prac_east, justification="  ")
        assert counts() == before


class TestPackageUpdateApi:
    def test_patch_is_partial_and_items_replace_the_list(self, api, world):
        case, nan, plan = scenario.plan_accepted(world)
        package = draft(case, plan, nan)
        client = api.as_user(world.u.prac_east)
        url = f"/api/v1/packages/{package.pk}/"
        body = ok(client.patch(url, {"justification": "Taxis twice a week"}, format="json"))
        assert body["justification"] == "Taxis twice a week" and len(body["items"]) == 1 and body["total"] == "50.00"
        items = [
            {"description": f"Taxi {n}", "category": "transport", "payee": nan.pk, "amount": "12.50"} for n in range(9)
        ]
        body = ok(client.patch(url, {"items": items, "review_by": None}, format="json"))
        assert len(body["items"]) == 9 and body["total"] == "112.50" and body["review_by"] is None

    def test_refusals(self, api, world):
        package = scenario.package_approved(world)
        nan = package.items.first().payee
        url = f"/api/v1/packages/{package.pk}/"
        prac = api.as_user(world.u.prac_east)
        response = prac.patch(url, {"justification": "Again"}, format="json")
        assert response.status_code == 409 and "change it instead" in str(response.json())
        assert api.as_user(world.u.prac_west).patch(url, {"justification": "x"}, format="json").status_code == 404
        assert api.as_user(world.u.tm_east).patch(url, {"justification": "x"}, format="json").status_code == 403
        case, plan = package.case, package.plan
        withdrawn = SupportPackage.objects.create(
            case=case, plan=plan, justification="x", created_by=world.u.prac_east, status="withdrawn"
        )
        prac = api.as_user(world.u.prac_east)
        assert prac.patch(f"/api/v1/packages/{withdrawn.pk}/", {"items": []}, format="json").status_code == 400
        bad = [{"description": "x", "category": "transport", "payee": nan.pk, "amount": "1.001"}]
        assert prac.patch(f"/api/v1/packages/{withdrawn.pk}/", {"items": bad}, format="json").status_code == 400


class TestPackageEditPage:
    def test_edit_offered_for_a_draft_and_saves_through_the_service(self, client, world):
        case, nan, plan = scenario.plan_accepted(world)
        package = draft(case, plan, nan)
        client.force_login(world.u.prac_east)
        detail = reverse("network_packages:package_detail", args=[package.pk])
        edit = reverse("network_packages:package_edit", args=[package.pk])
        assert edit in page_ok(client, detail).content.decode()
        form = page_ok(client, edit).content.decode()
        assert 'value="Taxi to the hospital"' in form and 'name="items-1-description"' not in form
        data = package_data(case, nan, plan, description="Bus pass", amount="40.00")
        data["justification"] = "A bus pass instead"
        post(client, edit, data)
        package.refresh_from_db()
        assert package.justification == "A bus pass instead" and package.total == Decimal("40.00")
        assert list(package.items.values_list("description", flat=True)) == ["Bus pass"]

    def test_edit_not_offered_to_others_nor_for_other_states(self, client, world):
        package = scenario.package_approved(world)
        client.force_login(world.u.prac_east)
        edit = reverse("network_packages:package_edit", args=[package.pk])
        assert (
            edit not in page_ok(client, reverse("network_packages:package_detail", args=[package.pk])).content.decode()
        )
        page = page_ok(client, edit).content.decode()
        assert "change it instead" in page and 'name="justification"' not in page
        response = client.post(edit, package_data(package.case, package.items.first().payee, package.plan))
        assert response.status_code == 409

    def test_a_returned_package_page_offers_edit_and_submit_again(self, client, world):
        package = scenario.package_submitted(world)
        package_services.package_return(package_id=package.pk, by=world.u.tm_east, reason="Quote")
        client.force_login(world.u.prac_east)
        page = page_ok(client, reverse("network_packages:package_detail", args=[package.pk])).content.decode()
        assert reverse("network_packages:package_edit", args=[package.pk]) in page and "Submit it again" in page
        client.force_login(world.u.tm_east)  # sees the package, does not work the case
        page = page_ok(client, reverse("network_packages:package_detail", args=[package.pk])).content.decode()
        assert reverse("network_packages:package_edit", args=[package.pk]) not in page


# -- 2. any number of items, any number of plan actions --------------------------------------------------


class TestUnlimitedRows:
    def test_add_another_item_keeps_what_was_typed_and_saves_nothing(self, client, world):
        case, nan, plan = scenario.plan_accepted(world)
        client.force_login(world.u.prac_east)
        url = reverse("network_packages:package_new", args=[case.pk])
        first = page_ok(client, url).content.decode()
        assert 'name="items-0-description"' in first and 'name="items-1-description"' not in first
        assert 'name="add_item"' in first
        data = package_data(case, nan, plan, description="Sofa bed")
        data.update({"items-TOTAL_FORMS": "1", "add_item": "1"})
        before = counts()
        response = client.post(url, data)
        assert response.status_code == 200 and counts() == before
        page = response.content.decode()
        assert 'name="items-1-description"' in page and 'name="items-2-description"' not in page
        assert 'value="Sofa bed"' in page and 'name="items-TOTAL_FORMS" value="2"' in page
        assert "This field is required" not in page

    def test_nine_items_through_the_page(self, client, world):
        case, nan, plan = scenario.plan_accepted(world)
        client.force_login(world.u.prac_east)
        data = package_data(case, nan, plan)
        rows = [
            {
                "description": f"Taxi {n}",
                "category": "transport",
                "payee": str(nan.pk),
                "amount": "15.00",
                "frequency": "one_off",
                "instalments": "1",
            }
            for n in range(9)
        ]
        data.update(formset("items", rows, total=10))  # the last row left empty
        post(client, reverse("network_packages:package_new", args=[case.pk]), data)
        package = SupportPackage.objects.get()
        assert package.items.count() == 9 and package.total == Decimal("135.00")

    def test_add_another_action_and_eight_actions_when_recording_the_meeting(self, client, world):
        case, nan = scenario.with_network(world)
        meeting = case_services.meeting_schedule(
            case_id=case.pk,
            by=world.u.prac_east,
            model="fnm",
            scheduled_for=timezone.now() - datetime.timedelta(hours=2),
            venue="Hub",
        )
        client.force_login(world.u.prac_east)
        url = reverse("fgdm:meeting_record", args=[meeting.pk])
        base = {
            "held_on": today().isoformat(),
            "attendees": "Margaret, Sarah",
            "contingency": "Aunt Jo",
            "review_by": (today() + datetime.timedelta(days=42)).isoformat(),
        }
        data = base | formset("actions", [{"description": "Nan has Lily", "owner_member": str(nan.pk)}], total=3)
        before = counts()
        response = client.post(url, data | {"add_action": "1"})
        assert response.status_code == 200 and counts() == before
        page = response.content.decode()
        assert 'name="actions-3-description"' in page and 'name="actions-4-description"' not in page
        assert "Nan has Lily" in page
        rows = [{"description": f"Action {n}", "owner_text": "Aunt Jo"} for n in range(8)]
        post(client, url, base | formset("actions", rows, total=9))
        plan = case.plans.get()
        assert plan.actions.count() == 8

    def test_eight_actions_and_more_on_the_revised_plan(self, client, world):
        case, nan, plan = scenario.meeting_held(world)
        case_services.plan_return(plan_id=plan.pk, by=world.u.prac_east, reason="Say who does the school run")
        client.force_login(world.u.prac_east)
        url = reverse("fgdm:plan_revise", args=[plan.pk])
        page = page_ok(client, url).content.decode()
        assert 'name="actions-1-description"' in page and 'name="add_action"' in page  # one action, one empty row
        rows = [{"description": f"Action {n}", "owner_member": str(nan.pk)} for n in range(10)]
        data = {"contingency": "Aunt Jo", "review_by": (today() + datetime.timedelta(days=42)).isoformat()}
        post(client, url, data | formset("actions", rows))
        assert case.plans.order_by("-version").first().actions.count() == 10


# -- 3. a change whenever the case is open; the written agreement carried ---------------------------------


class TestChangeWhenever:
    def test_agreement_date_is_carried_unless_given(self, world):
        package = scenario.package_approved(world)
        nan = package.items.first().payee
        v2 = revise(package, by=world.u.prac_east, items=[item(nan)])
        assert v2.agreement_signed_on == package.agreement_signed_on
        package_services.package_withdraw(package_id=v2.pk, by=world.u.prac_east)
        # A new agreement is dated from the case's opening to today (core.bounds): say it opened ten days ago.
        type(package.case).objects.filter(pk=package.case_id).update(opened_on=today() - datetime.timedelta(days=10))
        signed = today() - datetime.timedelta(days=5)
        v2b = revise(package, by=world.u.prac_east, items=[item(nan)], agreement_signed_on=signed)
        assert v2b.agreement_signed_on == signed

    def test_change_page_shows_the_carried_date_and_api_carries_it(self, client, api, world):
        package = scenario.package_approved(world)
        nan = package.items.first().payee
        client.force_login(world.u.prac_east)
        page = page_ok(client, reverse("network_packages:package_change", args=[package.pk])).content.decode()
        signed = package.agreement_signed_on
        assert f'name="agreement_signed_on-year" type="text" inputmode="numeric" value="{signed.year}"' in page
        assert f'name="agreement_signed_on-day" type="text" inputmode="numeric" value="{signed.day}"' in page
        assert "carried into the new version" in page
        body = {
            "plan": package.plan_id,
            "justification": "More taxis",
            "other_funding_checked": True,
            "review_by": package.review_by.isoformat(),
            "items": [{"description": "Taxi", "category": "transport", "payee": nan.pk, "amount": "80.00"}],
        }
        v2 = ok(api.as_user(world.u.prac_east).post(f"/api/v1/packages/{package.pk}/change/", body, format="json"), 201)
        assert v2["version"] == 2 and v2["agreement_signed_on"] == package.agreement_signed_on.isoformat()
        again = api.as_user(world.u.prac_east).post(f"/api/v1/packages/{package.pk}/change/", body, format="json")
        assert again.status_code == 409 and "newer version" in str(again.json())
        detail = page_ok(client, reverse("network_packages:package_detail", args=[v2["id"]])).content.decode()
        assert "carried from version 1" in detail

    def test_a_closed_case_cannot_change(self, world):
        package = scenario.package_approved(world)
        package.case.status = "closed"
        package.case.save(update_fields=["status"])
        with pytest.raises(InvalidTransition):
            revise(package, by=world.u.prac_east, items=[item(package.items.first().payee)])

    def test_a_change_submitted_and_approved_while_the_case_waits_for_its_review(self, world):
        """Payments of the old version not yet batched are cancelled; the new version's are scheduled."""
        package = scenario.payments_authorised(world, amount=Decimal("30.00"), frequency="weekly", instalments=6)
        case = package.case
        batch = payment_services.batch_create(by=world.u.fin1, due_by=today())
        batched = set(batch.payments.values_list("id", flat=True))
        assert len(batched) == 1
        assert "authorise_payments" not in open_nodes(case)  # the case waits for its review dates
        nan = package.items.first().payee
        v2 = revise(package, by=world.u.prac_east, items=[item(nan, amount="40.00", frequency="weekly", instalments=5)])
        package_services.package_submit(package_id=v2.pk, by=world.u.prac_east)
        package_services.package_approve(package_id=v2.pk, by=world.u.tm_east)
        package.refresh_from_db()
        v2.refresh_from_db()
        assert (package.status, v2.status) == ("ended", "approved")
        old = dict(package.payments.values_list("id", "status"))
        assert {old.pop(pk) for pk in batched} == {PaymentStatus.BATCHED}
        assert set(old.values()) == {PaymentStatus.CANCELLED} and len(old) == 5
        assert v2.payments.count() == 5 and sum(p.amount for p in v2.payments.all()) == Decimal("200.00")
        assert "authorise_payments" in open_nodes(case)


# -- 4. one package in approval at a time -----------------------------------------------------------


class TestOneInApproval:
    def test_a_draft_is_prepared_while_another_waits_but_its_submission_waits(self, world):
        first = scenario.package_submitted(world)
        case, nan = first.case, first.items.first().payee
        second = draft(case, first.plan, nan)
        before = counts()
        with pytest.raises(InvalidTransition) as refused:
            package_services.package_submit(package_id=second.pk, by=world.u.prac_east)
        assert str(refused.value) == "Version 1 is waiting for approval: wait for the decision or withdraw it."
        package_services.package_return(package_id=first.pk, by=world.u.tm_east, reason="Quote")
        with pytest.raises(InvalidTransition) as refused:
            package_services.package_submit(package_id=second.pk, by=world.u.prac_east)
        assert str(refused.value) == "Version 1 was returned: edit and submit it again, or withdraw it."
        assert counts()["network_packages.SupportPackage"] == before["network_packages.SupportPackage"]

    def test_only_one_draft_and_an_approved_package_is_changed_not_joined(self, world):
        first = scenario.package_submitted(world)
        case, nan = first.case, first.items.first().payee
        draft(case, first.plan, nan)
        with pytest.raises(InvalidTransition, match="carry on with it"):
            draft(case, first.plan, nan)

    def test_regression_approving_the_first_schedules_its_payments_while_a_second_is_drafted(self, world):
        """The issue's defect: a second package drafted while the first waits for approval; approving
        the first scheduled no payments (the flow read the newest package, the draft)."""
        case, nan, plan = scenario.plan_accepted(world)
        first = draft(case, plan, nan, items=[item(nan, amount="25.00", frequency="weekly", instalments=4)])
        package_services.package_submit(package_id=first.pk, by=world.u.prac_east)
        second = draft(case, plan, nan, items=[item(nan, amount="90.00")])
        package_services.package_approve(package_id=first.pk, by=world.u.tm_east)
        first.refresh_from_db()
        assert first.status == "approved"
        assert first.payments.count() == 4 and {p.status for p in first.payments.all()} == {PaymentStatus.SCHEDULED}
        assert "authorise_payments" in open_nodes(case)
        # …and the second, submitted now, is decided in its turn and paid too.
        package_services.package_submit(package_id=second.pk, by=world.u.prac_east)
        assert "approve_team_manager" in open_nodes(case)
        package_services.package_approve(package_id=second.pk, by=world.u.tm_east)
        assert second.payments.count() == 1
        first.refresh_from_db()
        assert first.status == "approved" and first.payments.filter(status=PaymentStatus.CANCELLED).count() == 0

    def test_withdrawing_a_returned_package_lets_another_be_submitted(self, world):
        first = scenario.package_submitted(world)
        case, nan = first.case, first.items.first().payee
        package_services.package_return(package_id=first.pk, by=world.u.tm_east, reason="Quote")
        assert "rework_package" in open_nodes(case)
        second = draft(case, first.plan, nan)
        package_services.package_withdraw(package_id=first.pk, by=world.u.prac_east, reason="Start again")
        assert "rework_package" not in open_nodes(case)
        package_services.package_submit(package_id=second.pk, by=world.u.prac_east)
        assert "approve_team_manager" in open_nodes(case)

    def test_withdrawing_a_submitted_package_lets_another_be_submitted(self, world):
        first = scenario.package_submitted(world)
        case, nan = first.case, first.items.first().payee
        second = draft(case, first.plan, nan)
        package_services.package_withdraw(package_id=first.pk, by=world.u.prac_east)
        assert "approve_team_manager" not in open_nodes(case)
        package_services.package_submit(package_id=second.pk, by=world.u.prac_east)
        assert open_nodes(case).count("approve_team_manager") == 1

    def test_api_and_page_say_why_submission_waits(self, client, api, world):
        first = scenario.package_submitted(world)
        second = draft(first.case, first.plan, first.items.first().payee)
        response = api.as_user(world.u.prac_east).post(f"/api/v1/packages/{second.pk}/submit/")
        assert response.status_code == 409 and "Version 1 is waiting for approval" in str(response.json())
        client.force_login(world.u.prac_east)
        page = page_ok(client, reverse("network_packages:package_detail", args=[second.pk])).content.decode()
        assert "Version 1 is waiting for approval" in page
        assert reverse("network_packages:package_submit", args=[second.pk]) not in page
        response = client.post(reverse("network_packages:package_submit", args=[second.pk]))
        assert response.status_code == 409


# -- 5. reviews at the package's own dates ---------------------------------------------------------------


def approved_and_authorised(world, **kwargs):
    return scenario.payments_authorised(world, amount=Decimal("20.00"), frequency="weekly", instalments=12, **kwargs)


class TestPackageReview:
    def test_not_before_its_date(self, world):
        package = approved_and_authorised(world)
        before = counts()
        with pytest.raises(InvalidTransition, match="not open"):
            package_services.package_review(
                package_id=package.pk,
                by=world.u.prac_east,
                decision="continue",
                notes="Fine",
                next_review_by=package.review_by + datetime.timedelta(days=28),
            )
        assert counts() == before

    def test_the_review_opens_on_its_date_and_continues_to_a_later_one(self, world):
        package = approved_and_authorised(world)
        case = package.case
        due = package.review_by
        fire_timers_on(due)
        assert "review_package" in open_nodes(case)
        with pytest.raises(RuleBroken):
            package_services.package_review(package_id=package.pk, by=world.u.prac_east, decision="continue", notes="x")
        with pytest.raises(RuleBroken):
            package_services.package_review(
                package_id=package.pk, by=world.u.prac_east, decision="continue", notes="x", next_review_by=due
            )
        with pytest.raises(RuleBroken):
            package_services.package_review(
                package_id=package.pk, by=world.u.prac_east, decision="end", notes="x", next_review_by=due
            )
        with pytest.raises(NotPermitted):
            package_services.package_review(
                package_id=package.pk,
                by=world.u.prac_west,
                decision="continue",
                notes="x",
                next_review_by=due + datetime.timedelta(days=1),
            )
        later = due + datetime.timedelta(days=28)
        review = package_services.package_review(
            package_id=package.pk, by=world.u.prac_east, decision="continue", notes="Going well", next_review_by=later
        )
        package.refresh_from_db()
        assert package.review_by == later and review.was_due_on == due and package.status == "approved"
        assert "review_package" not in open_nodes(case)
        assert events("package_reviewed", package) == 1
        fire_timers_on(later)
        assert "review_package" in open_nodes(case)

    def test_ending_at_the_review_cancels_payments_not_yet_batched(self, world):
        package = approved_and_authorised(world)
        batch = payment_services.batch_create(by=world.u.fin1, due_by=today())
        batched = set(batch.payments.values_list("id", flat=True))
        fire_timers_on(package.review_by)
        package_services.package_review(
            package_id=package.pk, by=world.u.prac_east, decision="end", notes="Mum is home and well"
        )
        package.refresh_from_db()
        assert package.status == "ended" and "review_package" not in open_nodes(package.case)
        statuses = dict(package.payments.values_list("id", "status"))
        assert {statuses.pop(pk) for pk in batched} == {PaymentStatus.BATCHED}
        assert set(statuses.values()) == {PaymentStatus.CANCELLED}
        assert PackageReview.objects.get().decision == "end"

    def test_api(self, api, world):
        package = approved_and_authorised(world)
        url = f"/api/v1/packages/{package.pk}/review/"
        later = (package.review_by + datetime.timedelta(days=30)).isoformat()
        body = {"decision": "continue", "notes": "Fine", "next_review_by": later}
        assert api.as_user(world.u.prac_east).post(url, body, format="json").status_code == 409
        fire_timers_on(package.review_by)
        assert api.as_user(world.u.prac_west).post(url, body, format="json").status_code == 404
        assert api.as_user(world.u.tm_east).post(url, body, format="json").status_code == 403
        assert api.as_user(world.u.prac_east).post(url, {"decision": "maybe"}, format="json").status_code == 400
        review = ok(api.as_user(world.u.prac_east).post(url, body, format="json"), 201)
        assert review["decision"] == "continue" and review["next_review_by"] == later and review["by"] == "prac.east"
        detail = ok(api.as_user(world.u.prac_east).get(f"/api/v1/packages/{package.pk}/"))
        assert detail["review_by"] == later and len(detail["reviews"]) == 1

    def test_page_from_the_package_page_and_the_task(self, client, world):
        package = approved_and_authorised(world)
        client.force_login(world.u.prac_east)
        detail = reverse("network_packages:package_detail", args=[package.pk])
        url = reverse("network_packages:package_review", args=[package.pk])
        assert url not in page_ok(client, detail).content.decode()
        assert "not open" in page_ok(client, url).content.decode()
        fire_timers_on(package.review_by)
        assert url in page_ok(client, detail).content.decode()
        from core import workflow

        task = next(
            t for t in workflow.open_tasks(process_id=package.case.process_id) if t.flow_task.name == "review_package"
        )
        assert workflow.task_url(task) == url
        response = client.post(url, {"decision": "continue", "notes": "Fine", "next_review_by": ""})
        assert response.status_code == 400 and PackageReview.objects.count() == 0
        later = package.review_by + datetime.timedelta(days=30)
        post(client, url, {"decision": "continue", "notes": "Going well", "next_review_by": later.isoformat()})
        page = page_ok(client, detail).content.decode()
        assert "Going well" in page and "Continues" in page


class TestReworkTask:
    def test_the_rework_task_leads_to_the_returned_package_with_edit_submit_and_withdraw(self, client, world):
        from core import workflow

        package = scenario.package_submitted(world)
        package_services.package_return(package_id=package.pk, by=world.u.tm_east, reason="Quote")
        task = next(
            t for t in workflow.open_tasks(process_id=package.case.process_id) if t.flow_task.name == "rework_package"
        )
        url = workflow.task_url(task)
        assert url == reverse("network_packages:package_detail", args=[package.pk])
        client.force_login(world.u.prac_east)
        page = page_ok(client, url).content.decode()
        assert "Quote" in page and "Submit it again" in page and "Withdraw the package" in page
        assert reverse("network_packages:package_edit", args=[package.pk]) in page


class TestManyItemsStillFit:
    def test_a_total_beyond_the_column_is_refused_not_a_server_error(self, client, world):
        case, nan, plan = scenario.plan_accepted(world)
        client.force_login(world.u.prac_east)
        data = package_data(case, nan, plan)
        row = {
            "description": "Big",
            "category": "other",
            "payee": str(nan.pk),
            "amount": "99999999.99",
            "frequency": "weekly",
            "instalments": "104",
        }
        data.update(formset("items", [row] * 2))
        response = client.post(reverse("network_packages:package_new", args=[case.pk]), data)
        # The ceiling on an instalment (core.bounds) refuses it before the total's column would.
        assert response.status_code == 400 and "at most £10,000.00" in response.content.decode()
        assert not SupportPackage.objects.exists()
