"""What the pages refuse: out-of-scope objects are 404; bad input and broken rules are form errors
that change nothing."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import DomainEvent
from fgdm.models import Case, Child, NetworkMember
from network_packages.models import SupportPackage
from payments.models import Payment
from tests import scenario
from tests.helpers import batch_confirmation, formset, package_data, referral_data

pytestmark = pytest.mark.django_db


def test_other_locality_practitioner_gets_404_everywhere(client, world):
    case, grandmother, plan = scenario.plan_accepted(world)
    meeting = case.meetings.get()
    client.force_login(world.u.prac_west)
    for url in (
        reverse("fgdm:case_detail", args=[case.pk]),
        reverse("fgdm:case_allocate", args=[case.pk]),
        reverse("fgdm:case_consent", args=[case.pk]),
        reverse("fgdm:member_new", args=[case.pk]),
        reverse("fgdm:meeting_new", args=[case.pk]),
        reverse("fgdm:case_review", args=[case.pk]),
        reverse("fgdm:meeting_prepare", args=[meeting.pk]),
        reverse("fgdm:meeting_record", args=[meeting.pk]),
        reverse("fgdm:plan_detail", args=[plan.pk]),
        reverse("fgdm:plan_revise", args=[plan.pk]),
        reverse("network_packages:package_new", args=[case.pk]),
        reverse("payments:bank_details", args=[grandmother.pk]),
    ):
        assert client.get(url).status_code == 404, url
    events = DomainEvent.objects.count()
    assert (
        client.post(
            reverse("fgdm:member_new", args=[case.pk]), {"full_name": "X", "relationship": "friend"}
        ).status_code
        == 404
    )
    assert client.post(reverse("fgdm:plan_accept", args=[plan.pk]), {"support_needed": "yes"}).status_code == 404
    assert DomainEvent.objects.count() == events
    assert "FGDM-" not in client.get(reverse("fgdm:case_list")).content.decode()


def test_finance_officer_cannot_open_the_case_or_package(client, world):
    package = scenario.package_submitted(world)
    client.force_login(world.u.fin1)
    assert client.get(reverse("fgdm:case_detail", args=[package.case_id])).status_code == 404
    assert client.get(reverse("network_packages:package_detail", args=[package.pk])).status_code == 404


def test_non_finance_cannot_see_batches(client, world):
    scenario.payments_authorised(world)
    client.force_login(world.u.fin1)
    client.post(reverse("payments:batch_list"), {})
    from payments.models import PaymentBatch

    batch = PaymentBatch.objects.get()
    client.force_login(world.u.prac_east)
    assert client.get(reverse("payments:batch_detail", args=[batch.pk])).status_code == 404


def _error_page(response, *, status=400):
    assert response.status_code == status, response.status_code
    body = response.content.decode()
    # A refusal by role alone is the "You cannot do this" page; a service's refusal is the form
    # with its errors (which may also answer 403).
    assert "There is a problem" in body or (response.status_code == 403 and "You cannot do this" in body)
    return body


@pytest.mark.parametrize("amount", ["-10.00", "10.005", "abc", "0"])
def test_bad_amounts_are_form_errors(client, world, amount):
    case, grandmother, plan = scenario.plan_accepted(world)
    client.force_login(world.u.prac_east)
    body = _error_page(
        client.post(
            reverse("network_packages:package_new", args=[case.pk]),
            package_data(case, grandmother, plan, amount=amount),
        )
    )
    assert "Amount per instalment" in body
    assert not SupportPackage.objects.exists()


def test_parent_as_payee_is_refused(client, world):
    case, grandmother, plan = scenario.plan_accepted(world)
    parent = case.network_members.get(is_parent=True)
    client.force_login(world.u.prac_east)
    _error_page(client.post(reverse("network_packages:package_new", args=[case.pk]), package_data(case, parent, plan)))
    assert not SupportPackage.objects.exists()


def test_missing_and_bad_dates_are_form_errors(client, world):
    case, grandmother = scenario.with_network(world)
    client.force_login(world.u.prac_east)
    events = DomainEvent.objects.count()
    body = _error_page(
        client.post(reverse("fgdm:meeting_new", args=[case.pk]), {"model": "fnm", "scheduled_for": "", "venue": "Hub"})
    )
    assert "Date and time" in body
    _error_page(
        client.post(
            reverse("fgdm:meeting_new", args=[case.pk]),
            {"model": "fnm", "scheduled_for": "next tuesday", "venue": "Hub"},
        )
    )
    assert not case.meetings.exists() and DomainEvent.objects.count() == events


def test_missing_meeting_dates_change_nothing(client, world):
    case, grandmother = scenario.with_network(world)
    from fgdm import services

    meeting = services.meeting_schedule(
        case_id=case.pk, by=world.u.prac_east, model="fnm", scheduled_for=timezone.now(), venue="Hub"
    )
    client.force_login(world.u.prac_east)
    data = {"held_on": "", "attendees": "Nan", "review_by": "31/02/2020"}
    data.update(formset("actions", [{"description": "Nan helps", "owner_text": "Nan"}], total=5))
    body = _error_page(client.post(reverse("fgdm:meeting_record", args=[meeting.pk]), data))
    assert "Date held" in body and "Review the plan by" in body
    meeting.refresh_from_db()
    assert meeting.status == "scheduled" and not case.plans.exists()


def test_bad_date_of_birth_is_a_form_error(client, world):
    client.force_login(world.u.prac_east)
    for dob in ("2017-02-30", "not a date", (timezone.localdate() + datetime.timedelta(days=3)).isoformat()):
        data = referral_data(locality=str(world.east.pk))
        data["children-0-date_of_birth"] = dob
        body = _error_page(client.post(reverse("fgdm:case_new"), data))
        assert "Date of birth" in body
    assert not Case.objects.exists() and not Child.objects.exists()


def test_a_service_refusal_shows_on_the_form(client, world):
    """No consent yet: the service refuses, the page says why, nothing changes."""
    case = scenario.allocated(world)
    case.consent_to_share = False
    case.save(update_fields=["consent_to_share"])
    client.force_login(world.u.prac_east)
    when = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    body = _error_page(
        client.post(
            reverse("fgdm:meeting_new", args=[case.pk]), {"model": "fnm", "scheduled_for": when, "venue": "Hub"}
        )
    )
    assert "consent" in body
    assert not case.meetings.exists()


def test_member_add_refused_for_contradictory_parent(client, world):
    case = scenario.allocated(world)
    client.force_login(world.u.prac_east)
    body = _error_page(
        client.post(reverse("fgdm:member_new", args=[case.pk]), {"full_name": "Sarah", "relationship": "parent"})
    )
    assert "must be marked as a parent" in body
    assert not NetworkMember.objects.exists()


def test_self_approval_is_refused_and_package_stays_submitted(client, world):
    package = scenario.package_submitted(world)
    client.force_login(world.u.prac_east)
    _error_page(client.post(reverse("network_packages:package_approve", args=[package.pk]), {"note": ""}), status=403)
    package.refresh_from_db()
    assert package.status == "submitted" and not package.approvals.exists()


def test_team_manager_cannot_approve_1200(client, world):
    package = scenario.package_submitted(world, amount=Decimal("1200.00"))
    client.force_login(world.u.tm_east)
    response = client.post(reverse("network_packages:package_approve", args=[package.pk]), {"note": "ok"})
    package.refresh_from_db()
    assert package.status == "submitted"
    assert not Payment.objects.exists()
    if response.status_code != 302:  # refused outright (no escalation): the reason is on the page
        assert "approval limit" in _error_page(response)


def test_verifier_must_not_be_the_one_who_entered(client, world):
    package = scenario.package_approved(world)
    payee = package.items.first().payee
    client.force_login(world.u.fin1)
    client.post(
        reverse("payments:bank_details", args=[payee.pk]),
        {"account_name": "M HARDY", "sort_code": "40-00-00", "account_number": "12165678"},
    )
    _error_page(client.post(reverse("payments:bank_details_verify", args=[payee.pk])), status=403)
    assert not payee.bank_account.__class__.objects.get(member=payee).is_verified


def test_bad_bank_details_are_form_errors(client, world):
    package = scenario.package_approved(world)
    payee = package.items.first().payee
    client.force_login(world.u.fin1)
    body = _error_page(
        client.post(
            reverse("payments:bank_details", args=[payee.pk]),
            {"account_name": "M HARDY", "sort_code": "40-00", "account_number": "12"},
        )
    )
    assert "Sort code" in body
    assert not payee.__class__.objects.get(pk=payee.pk).__dict__.get("bank_account")


def test_batch_creator_cannot_approve_it(client, world):
    scenario.payments_authorised(world)
    client.force_login(world.u.fin1)
    client.post(reverse("payments:batch_list"), {})
    from payments.models import PaymentBatch

    batch = PaymentBatch.objects.get()
    _error_page(client.post(reverse("payments:batch_approve", args=[batch.pk]), batch_confirmation(batch)), status=403)
    batch.refresh_from_db()
    assert batch.status == "open"
    # bad batch input: a payment id that is not a choice
    _error_page(client.post(reverse("payments:batch_list"), {"payment_ids": ["999999"]}))
