"""Finance at volume (issue 12, part 7): authorising many payments at once — through the service,
the API and the payments page — and the confirmation that approving a batch and confirming it paid
ask for on the batch page.

The mixed run used throughout: fin1, a finance officer who also manages the East team, ticks
- two weekly payments of package A (approved by tm.east): authorised, and the case flow moves on;
- the payment of package B, which fin1 approved as a manager: refused (separation of duties);
- the payment of package C, whose case fin1 declared a conflict in: refused as "Not found.";
- the payment of package D (approved by tm.east): authorised;
- an id that names no payment: refused as "Not found.", exactly like C's.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from audit.models import DomainEvent
from core import workflow
from core.exceptions import NotPermitted, RuleBroken
from core.roles import Role
from fgdm import services as case_services
from payments import services as payment_services
from payments.constants import AUTHORISE_MANY_MAX, BatchStatus, PaymentStatus
from payments.models import Payment, PaymentBatch
from tests import scenario
from tests.helpers import batch_confirmation, counts, ok

pytestmark = pytest.mark.django_db

BANK = {"account_name": "M HARDY", "sort_code": "40-00-00", "account_number": "12165678"}
NO_SUCH_PAYMENT = 999_999
SEPARATION = "You approved this package; someone else must authorise its payments."


def with_roles(user, *roles):
    user.groups.add(*Group.objects.filter(name__in=roles))
    return get_user_model().objects.get(pk=user.pk)  # a fresh instance: no cached roles


def verified(package, world):
    """The package's payee has bank details entered by fin1 and verified by fin2."""
    payee = package.items.first().payee
    payment_services.bank_account_set(member_id=payee.pk, by=world.u.fin1, **BANK)
    # Each case's Nan banks with the same test account: fin2 confirms they checked it.
    payment_services.bank_account_verify(member_id=payee.pk, by=world.u.fin2, confirm_shared_account=True)
    return package


def ids(package) -> list[int]:
    return list(package.payments.order_by("id").values_list("pk", flat=True))


def events_of(payment_ids) -> list[tuple]:
    return list(
        DomainEvent.objects.filter(object_type="payment", object_id__in=payment_ids)
        .order_by("id")
        .values_list("object_id", "action", "actor_id")
    )


def statuses(payment_ids) -> list[str]:
    return list(Payment.objects.filter(pk__in=payment_ids).order_by("id").values_list("status", flat=True))


@pytest.fixture
def run(world):
    """The mixed run described at the top; `officer` is fin1 with the team manager role too."""
    officer = with_roles(world.u.fin1, Role.TEAM_MANAGER)
    world.team_east.managers.add(officer)
    a = verified(scenario.package_approved(world, amount=Decimal("30.00"), frequency="weekly", instalments=2), world)
    b = verified(scenario.package_approved(world, approver=officer), world)
    c = verified(scenario.package_approved(world), world)
    d = verified(scenario.package_approved(world, amount=Decimal("45.00")), world)
    case_services.conflict_declare(by=officer, case_reference=c.case.reference, reason="Margaret is my neighbour")
    officer = get_user_model().objects.get(pk=officer.pk)
    return SimpleNamespace(
        officer=officer,
        a=a,
        b=b,
        c=c,
        d=d,
        a_ids=ids(a),
        b_id=ids(b)[0],
        c_id=ids(c)[0],
        d_id=ids(d)[0],
        ticked=[*ids(a), ids(b)[0], ids(c)[0], ids(d)[0], NO_SUCH_PAYMENT],
    )


class TestPaymentsAuthoriseMany:
    def test_a_mixed_run_authorises_the_rest_and_names_each_refusal(self, world, run):
        assert workflow.waiting_for(process=run.a.case.process, action="payments_authorised")
        untouched = [run.b_id, run.c_id]
        before = (events_of(untouched), statuses(untouched))
        last_event = DomainEvent.objects.order_by("-id").values_list("id", flat=True).first()

        authorised, refused = payment_services.payments_authorise_many(payment_ids=run.ticked, by=run.officer)

        assert [p.pk for p in authorised] == [*run.a_ids, run.d_id]
        assert all(p.status == PaymentStatus.AUTHORISED and p.authorised_by == run.officer for p in authorised)
        assert refused == [(run.b_id, SEPARATION), (run.c_id, "Not found."), (NO_SUCH_PAYMENT, "Not found.")]
        # The refused ones are exactly as they were: state and trail.
        assert (events_of(untouched), statuses(untouched)) == before
        assert statuses(untouched) == [PaymentStatus.SCHEDULED, PaymentStatus.SCHEDULED]
        # One payment_authorised event per authorised payment, by the officer, and nothing else.
        written = list(DomainEvent.objects.filter(id__gt=last_event).order_by("id"))
        assert [(e.object_type, e.object_id, e.action, e.actor_id) for e in written] == [
            ("payment", pk, "payment_authorised", run.officer.pk) for pk in [*run.a_ids, run.d_id]
        ]
        # The last payment of A (and of D) authorised: their cases move on; B's still waits.
        assert not workflow.waiting_for(process=run.a.case.process, action="payments_authorised")
        assert not workflow.waiting_for(process=run.d.case.process, action="payments_authorised")
        assert workflow.waiting_for(process=run.b.case.process, action="payments_authorised")

    def test_an_out_of_scope_payment_is_refused_like_one_that_does_not_exist(self, world, run):
        _, refused = payment_services.payments_authorise_many(payment_ids=[run.c_id, NO_SUCH_PAYMENT], by=run.officer)
        assert dict(refused)[run.c_id] == dict(refused)[NO_SUCH_PAYMENT] == "Not found."
        # A colleague without the conflict authorises it.
        authorised, refused = payment_services.payments_authorise_many(payment_ids=[run.c_id], by=world.u.fin2)
        assert [p.pk for p in authorised] == [run.c_id] and refused == []

    def test_each_refusal_gives_its_own_reason(self, world):
        unverified = scenario.package_approved(world)  # no bank details
        done = scenario.payments_authorised(world)  # already authorised
        cancelled = verified(scenario.package_approved(world), world)
        payment_services.payment_cancel(payment_id=ids(cancelled)[0], by=world.u.fin2, reason="Duplicate")
        before = counts()
        authorised, refused = payment_services.payments_authorise_many(
            payment_ids=[ids(unverified)[0], ids(done)[0], ids(cancelled)[0]], by=world.u.fin1
        )
        assert authorised == []
        assert refused == [
            (ids(unverified)[0], "Margaret Hardy's bank details must be entered and verified first."),
            (
                ids(done)[0],
                "This payment is authorised now, so it cannot be made authorised. Go back to the payment to see what can be done next.",
            ),
            (
                ids(cancelled)[0],
                "This payment is cancelled now, so it cannot be made authorised. Go back to the payment to see what can be done next.",
            ),
        ]
        assert counts() == before

    def test_an_id_given_twice_is_authorised_once(self, world):
        package = verified(
            scenario.package_approved(world, amount=Decimal("30.00"), frequency="weekly", instalments=2), world
        )
        first, second = ids(package)
        authorised, refused = payment_services.payments_authorise_many(
            payment_ids=[second, first, second], by=world.u.fin1
        )
        assert [p.pk for p in authorised] == [first, second] and refused == []
        assert [e[1] for e in events_of([first, second])] == ["payment_authorised", "payment_authorised"]

    @pytest.mark.parametrize("role", ["prac_east", "tm_east", "auditor"])
    def test_only_a_finance_officer_may_authorise(self, world, role):
        package = verified(scenario.package_approved(world), world)
        before = counts()
        with pytest.raises(NotPermitted):
            payment_services.payments_authorise_many(payment_ids=ids(package), by=getattr(world.u, role))
        assert counts() == before

    @pytest.mark.parametrize("payment_ids", [[], list(range(1, AUTHORISE_MANY_MAX + 2))])
    def test_none_or_too_many_is_refused_before_any_payment(self, world, payment_ids):
        verified(scenario.package_approved(world), world)
        before = counts()
        with pytest.raises(RuleBroken) as refused:
            payment_services.payments_authorise_many(payment_ids=payment_ids, by=world.u.fin1)
        assert refused.value.field == "payment_ids"
        assert counts() == before


URL = "/api/v1/payments/authorise/"


class TestApi:
    def test_answers_who_was_authorised_and_who_was_refused_and_why(self, world, api, run):
        body = ok(api.as_user(run.officer).post(URL, {"payment_ids": run.ticked}, format="json"))
        authorised = {p.pk: p for p in Payment.objects.filter(pk__in=[*run.a_ids, run.d_id])}
        assert body == {
            "authorised": [
                {
                    "id": pk,
                    "reference": authorised[pk].reference,
                    "amount": str(authorised[pk].amount),
                    "status": "authorised",
                }
                for pk in [*run.a_ids, run.d_id]
            ],
            "refused": [
                {"id": run.b_id, "reason": SEPARATION},
                {"id": run.c_id, "reason": "Not found."},
                {"id": NO_SUCH_PAYMENT, "reason": "Not found."},
            ],
        }
        # Nothing about the out-of-scope payment leaks: its reference and case are not in the answer.
        hidden = Payment.objects.get(pk=run.c_id)
        assert hidden.reference not in str(body) and hidden.case.reference not in str(body)
        assert statuses([run.b_id, run.c_id]) == [PaymentStatus.SCHEDULED, PaymentStatus.SCHEDULED]

    def test_all_refused_is_still_an_answer(self, world, api, run):
        body = ok(api.as_user(run.officer).post(URL, {"payment_ids": [run.c_id]}, format="json"))
        assert body == {"authorised": [], "refused": [{"id": run.c_id, "reason": "Not found."}]}

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"payment_ids": []},
            {"payment_ids": ["abc"]},
            {"payment_ids": [0]},
            {"payment_ids": [-4]},
            {"payment_ids": [1.5]},
            {"payment_ids": "12"},
            {"payment_ids": {"id": 12}},
            {"payment_ids": list(range(1, AUTHORISE_MANY_MAX + 2))},
        ],
        ids=["missing", "empty", "text", "zero", "negative", "fraction", "not-a-list", "object", "too-many"],
    )
    def test_bad_input_is_a_field_error_and_changes_nothing(self, world, api, body):
        verified(scenario.package_approved(world), world)
        before = counts()
        response = api.as_user(world.u.fin1).post(URL, body, format="json")
        assert response.status_code == 400, response.content
        assert list(response.json()) == ["payment_ids"], response.json()
        assert counts() == before

    def test_the_cap_is_allowed(self, world, api):
        package = verified(scenario.package_approved(world), world)
        payment_ids = [*ids(package), *range(NO_SUCH_PAYMENT, NO_SUCH_PAYMENT + AUTHORISE_MANY_MAX - 1)]
        body = ok(api.as_user(world.u.fin1).post(URL, {"payment_ids": payment_ids}, format="json"))
        assert [p["id"] for p in body["authorised"]] == ids(package)
        assert len(body["refused"]) == AUTHORISE_MANY_MAX - 1

    @pytest.mark.parametrize("role", ["prac_east", "tm_east", "sm", "auditor", "coord"])
    def test_a_role_that_cannot_authorise_gets_403_before_its_input_is_read(self, world, api, role):
        package = verified(scenario.package_approved(world), world)
        before = counts()
        for body in ({"payment_ids": ids(package)}, {"payment_ids": "not even a list"}):
            response = api.as_user(getattr(world.u, role)).post(URL, body, format="json")
            assert response.status_code == 403, response.content
            assert "only a finance officer" in response.json()["detail"]
        assert counts() == before
        assert statuses(ids(package)) == [PaymentStatus.SCHEDULED]

    def test_signed_out_is_401(self, world, client):
        assert client.post(URL, {"payment_ids": [1]}, content_type="application/json").status_code == 401

    def test_the_schema_names_it(self, world, api):
        schema = yaml.safe_load(api.get("/api/v1/schema/").content)
        operation = schema["paths"][URL]["post"]
        assert operation["operationId"] == "payments_authorise_many"
        request = schema["components"]["schemas"]["PaymentsAuthoriseRequest"]
        assert request["required"] == ["payment_ids"]
        assert request["properties"]["payment_ids"]["maxItems"] == AUTHORISE_MANY_MAX
        answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
        assert set(schema["components"]["schemas"][answer]["properties"]) == {"authorised", "refused"}


class TestPaymentsPage:
    def list_page(self, client, user, query=""):
        client.force_login(user)
        response = client.get(reverse("payments:payment_list") + query)
        assert response.status_code == 200
        return response.content.decode()

    def test_a_finance_officer_gets_checkboxes_on_scheduled_payments_only(self, world, client):
        waiting = verified(scenario.package_approved(world), world)
        done = scenario.payments_authorised(world)
        page = self.list_page(client, world.u.fin2)
        assert f'name="payment_ids" value="{ids(waiting)[0]}" form="authorise-selected"' in page
        assert f'name="payment_ids" value="{ids(done)[0]}"' not in page
        assert "Authorise the selected payments" in page
        assert f'action="{reverse("payments:payments_authorise")}"' in page
        assert "checked>" not in page

    def test_select_all_ticks_the_scheduled_payments_on_the_page(self, world, client):
        package = verified(
            scenario.package_approved(world, amount=Decimal("30.00"), frequency="weekly", instalments=3), world
        )
        page = self.list_page(client, world.u.fin2)
        assert "Select all scheduled payments on this page" in page
        page = self.list_page(client, world.u.fin2, "?select=all")
        for pk in ids(package):
            assert f'value="{pk}" form="authorise-selected" id="select-{pk}" checked' in page
        assert "Clear the selection" in page

    @pytest.mark.parametrize("role", ["prac_east", "tm_east", "auditor"])
    def test_people_who_cannot_authorise_get_no_checkboxes(self, world, client, role):
        package = verified(scenario.package_approved(world), world)
        page = self.list_page(client, getattr(world.u, role))
        assert Payment.objects.get(pk=ids(package)[0]).reference in page  # they see the payment…
        assert 'name="payment_ids"' not in page and "Authorise the selected payments" not in page  # …not the tick

    def test_the_result_names_how_many_were_authorised_and_each_refusal(self, world, client, run):
        client.force_login(run.officer)
        back = reverse("payments:payment_list") + "?status=scheduled"
        response = client.post(
            reverse("payments:payments_authorise") + "?status=scheduled",
            {"payment_ids": [str(pk) for pk in run.ticked], "next": back},
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "3 payments authorised" in page and "£105.00" in page and "3 not authorised" in page
        b = Payment.objects.get(pk=run.b_id)
        assert b.reference in page and "You approved this package; someone else must authorise its payments." in page
        assert f"Payment {NO_SUCH_PAYMENT}" in page and f"Payment {run.c_id}" in page
        hidden = Payment.objects.get(pk=run.c_id)
        assert hidden.reference not in page and hidden.case.reference not in page
        assert f'href="{back}"' in page.replace("&amp;", "&")
        assert statuses([*run.a_ids, run.d_id]) == [PaymentStatus.AUTHORISED] * 3
        assert statuses([run.b_id, run.c_id]) == [PaymentStatus.SCHEDULED] * 2

    def test_nothing_ticked_is_a_form_error_and_changes_nothing(self, world, client):
        package = verified(scenario.package_approved(world), world)
        client.force_login(world.u.fin1)
        before = counts()
        response = client.post(reverse("payments:payments_authorise"), {"next": reverse("payments:payment_list")})
        assert response.status_code == 400
        page = response.content.decode()
        assert "Tick at least one payment to authorise." in page and 'href="#id_payment_ids"' in page
        assert f'value="{ids(package)[0]}" form="authorise-selected"' in page  # the list is drawn again
        assert counts() == before

    def test_bad_ids_are_a_form_error(self, world, client):
        client.force_login(world.u.fin1)
        before = counts()
        response = client.post(reverse("payments:payments_authorise"), {"payment_ids": ["12", "x"]})
        assert response.status_code == 400 and "Tick payments from the list." in response.content.decode()
        assert counts() == before

    def test_a_role_that_cannot_authorise_gets_403(self, world, client):
        package = verified(scenario.package_approved(world), world)
        client.force_login(world.u.prac_east)
        before = counts()
        response = client.post(reverse("payments:payments_authorise"), {"payment_ids": [str(ids(package)[0])]})
        assert response.status_code == 403
        assert counts() == before


def batch_of(world, *, instalments=3) -> PaymentBatch:
    scenario.payments_authorised(world, amount=Decimal("30.00"), frequency="weekly", instalments=instalments)
    return payment_services.batch_create(
        by=world.u.fin1, due_by=timezone.localdate() + datetime.timedelta(weeks=instalments)
    )


class TestBatchConfirmation:
    @pytest.mark.parametrize(
        "step, officer, prepare, label, after",
        [
            (
                "batch_approve",
                "fin2",
                lambda batch, world: None,
                "I have checked batch {ref}: 3 payments, £90.00 in total. Approve it.",
                BatchStatus.APPROVED,
            ),
            (
                "batch_confirm",
                "fin1",
                lambda batch, world: (
                    payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2),
                    payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1),
                ),
                "The bank has paid batch {ref}: 3 payments, £90.00 in total. Mark them paid.",
                BatchStatus.CONFIRMED,
            ),
        ],
        ids=["approve", "confirm_paid"],
    )
    def test_the_step_asks_for_a_confirmation_naming_the_batch_its_count_and_total(
        self, world, client, step, officer, prepare, label, after
    ):
        batch = batch_of(world)
        prepare(batch, world)
        batch.refresh_from_db()
        client.force_login(getattr(world.u, officer))
        detail = reverse("payments:batch_detail", args=[batch.pk])
        url = reverse(f"payments:{step}", args=[batch.pk])
        # The batch page leads to the check page (a GET that changes nothing), which carries the tick.
        assert f'href="{url}"' in client.get(detail).content.decode()
        before = (counts(), batch.status)
        page = client.get(url).content.decode()
        assert (counts(), PaymentBatch.objects.get(pk=batch.pk).status) == before
        assert label.format(ref=batch.reference) in page and "You cannot undo this." in page
        assert f'action="{url}"' in page and 'type="checkbox" name="confirmed"' in page

        # A bare POST (and one without the tick) is a form error, and nothing changes.
        before = (counts(), batch.status)
        for data in ({}, {"payment_count": "3", "total": "90.00"}):
            response = client.post(url, data)
            assert response.status_code == 400
            assert "Tick the box to confirm the batch, its payments and its total." in response.content.decode()
            batch.refresh_from_db()
            assert (counts(), batch.status) == before

        # Ticked, with the count and total shown: the step goes through.
        response = client.post(url, batch_confirmation(batch))
        assert response.status_code == 302 and response["Location"] == detail
        batch.refresh_from_db()
        assert batch.status == after

    def test_a_confirmation_of_a_batch_that_changed_is_refused(self, world, client):
        batch = batch_of(world)
        client.force_login(world.u.fin2)
        before = counts()
        seen = batch_confirmation(batch) | {"total": "60.00", "payment_count": "2"}  # what an older page showed
        response = client.post(reverse("payments:batch_approve", args=[batch.pk]), seen)
        assert response.status_code == 400
        page = response.content.decode()
        assert f"Batch {batch.reference} now has 3 payments, £90.00 in total: check it again" in page
        # The tick is offered again with the batch as it is now.
        assert 'name="payment_count" value="3"' in page and 'name="total" value="90.00"' in page
        assert counts() == before and PaymentBatch.objects.get(pk=batch.pk).status == BatchStatus.OPEN

    def test_a_service_refusal_still_shows_on_the_confirmation(self, world, client):
        batch = batch_of(world)
        client.force_login(world.u.fin1)  # who created it
        response = client.post(reverse("payments:batch_approve", args=[batch.pk]), batch_confirmation(batch))
        assert response.status_code == 403
        assert "another officer must approve it" in response.content.decode()
        assert PaymentBatch.objects.get(pk=batch.pk).status == BatchStatus.OPEN

    def test_the_api_endpoints_take_no_confirmation(self, world, api):
        batch = batch_of(world)
        body = ok(api.as_user(world.u.fin2).post(f"/api/v1/payment-batches/{batch.pk}/approve/"))
        assert body["status"] == BatchStatus.APPROVED
        payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1)
        body = ok(api.as_user(world.u.fin1).post(f"/api/v1/payment-batches/{batch.pk}/confirm/"))
        assert body["status"] == BatchStatus.CONFIRMED
