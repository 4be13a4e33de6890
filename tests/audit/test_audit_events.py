"""Every state change leaves one domain event, written by the service, with the right actor."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import DomainEvent, LogEntry
from core.exceptions import NotPermitted
from fgdm import services as case_services
from fgdm.services import ActionInput
from network_packages import services as package_services
from network_packages.services import ItemInput
from payments import services as payment_services
from tests import scenario


class EventRecorder:
    def __init__(self):
        self.last_id = DomainEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def new(self):
        events = list(DomainEvent.objects.filter(id__gt=self.last_id).order_by("id"))
        if events:
            self.last_id = events[-1].id
        return [(e.object_type, e.action, e.from_state, e.to_state, e.actor_username) for e in events]


@pytest.mark.django_db
def test_each_step_of_the_path_records_its_state_changes(world):
    u = world.u
    rec = EventRecorder()
    case = scenario.referral(world)
    assert rec.new() == [("case", "case_referred", "", "referred", "prac.east")]

    case_services.case_allocate(case_id=case.pk, by=u.tm_east, lead_practitioner=u.prac_east)
    assert rec.new() == [("case", "case_allocated", "referred", "allocated", "tm.east")]

    nan = case_services.member_add(
        case_id=case.pk, by=u.prac_east, full_name="Margaret Hardy", relationship="grandparent"
    )
    assert rec.new() == [("networkmember", "member_added", "", "", "prac.east")]

    meeting = case_services.meeting_schedule(
        case_id=case.pk,
        by=u.prac_east,
        model="fnm",
        venue="Hub",
        scheduled_for=timezone.now() - datetime.timedelta(hours=2),
    )
    assert rec.new() == [
        ("meeting", "meeting_scheduled", "", "scheduled", "prac.east"),
        ("case", "case_meeting_planned", "allocated", "meeting_planned", "prac.east"),
    ]

    plan = case_services.meeting_record(
        meeting_id=meeting.pk,
        by=u.prac_east,
        held_on=timezone.localdate(),
        attendees="Family",
        private_family_time=True,
        actions=[ActionInput(description="Stay over", owner_member_id=nan.pk)],
        contingency="Aunt",
        review_by=timezone.localdate() + datetime.timedelta(days=30),
    )
    assert rec.new() == [
        ("meeting", "meeting_held", "scheduled", "held", "prac.east"),
        ("familyplan", "plan_agreed", "", "agreed", "prac.east"),
        ("case", "case_plan_agreed", "meeting_planned", "plan_agreed", "prac.east"),
    ]

    case_services.plan_accept(plan_id=plan.pk, by=u.prac_east)
    assert rec.new() == [
        ("familyplan", "plan_accepted", "agreed", "accepted", "prac.east"),
        ("case", "case_plan_accepted", "plan_agreed", "plan_accepted", "prac.east"),
    ]

    package = package_services.package_create(
        case_id=case.pk,
        by=u.prac_east,
        plan_id=plan.pk,
        justification="Sofa bed",
        other_funding_checked=True,
        agreement_signed_on=timezone.localdate(),
        review_by=plan.review_by,
        items=[
            ItemInput(description="Sofa bed", category="furniture_and_bedding", payee_id=nan.pk, amount=Decimal("300"))
        ],
    )
    assert rec.new() == [("supportpackage", "package_drafted", "", "draft", "prac.east")]

    package_services.package_submit(package_id=package.pk, by=u.prac_east)
    assert rec.new() == [("supportpackage", "package_submitted", "draft", "submitted", "prac.east")]

    package_services.package_approve(package_id=package.pk, by=u.tm_east)
    assert rec.new() == [
        ("supportpackage", "package_approved", "submitted", "approved", "tm.east"),
        ("supportpackage", "payments_scheduled", "", "", "tm.east"),
    ]

    payment_services.bank_account_set(
        member_id=nan.pk, by=u.fin1, account_name="M Hardy", sort_code="400000", account_number="12165678"
    )
    assert rec.new() == [("bankaccount", "bank_details_entered", "", "unverified", "fin1")]
    payment_services.bank_account_verify(member_id=nan.pk, by=u.fin2)
    assert rec.new() == [("bankaccount", "bank_details_verified", "unverified", "verified", "fin2")]

    payment = package.payments.get()
    payment_services.payment_authorise(payment_id=payment.pk, by=u.fin1)
    assert rec.new() == [("payment", "payment_authorised", "scheduled", "authorised", "fin1")]

    batch = payment_services.batch_create(by=u.fin1)
    assert rec.new() == [
        ("payment", "payment_batched", "authorised", "batched", "fin1"),
        ("paymentbatch", "batch_created", "", "open", "fin1"),
    ]
    payment_services.batch_approve(batch_id=batch.pk, by=u.fin2)
    assert rec.new() == [("paymentbatch", "batch_approved", "open", "approved", "fin2")]
    payment_services.batch_export(batch_id=batch.pk, by=u.fin1)
    assert rec.new() == [("paymentbatch", "batch_exported", "approved", "exported", "fin1")]
    payment_services.batch_confirm(batch_id=batch.pk, by=u.fin1)
    assert rec.new() == [
        ("payment", "payment_paid", "batched", "paid", "fin1"),
        ("paymentbatch", "batch_confirmed", "exported", "confirmed", "fin1"),
    ]


@pytest.mark.django_db
def test_a_refused_step_leaves_no_event_and_no_change(world):
    package = scenario.package_submitted(world, amount=Decimal("1200.00"))
    rec = EventRecorder()
    log_count = LogEntry.objects.count()
    with pytest.raises(NotPermitted):
        package_services.package_approve(package_id=package.pk, by=world.u.tm_west)  # another team's manager
    assert rec.new() == []
    assert LogEntry.objects.count() == log_count
    package.refresh_from_db()
    assert package.status == "submitted"


@pytest.mark.django_db
def test_field_history_is_kept_for_every_domain_model_and_bank_details_are_masked(world):
    from auditlog.registry import auditlog
    from django.apps import apps

    for label in ("fgdm", "network_packages", "payments"):
        for model in apps.get_app_config(label).get_models():
            if model._meta.proxy:
                continue
            assert auditlog.contains(model), f"{model.__name__} has no field history"
    scenario.payments_authorised(world)
    entry = LogEntry.objects.filter(content_type__model="bankaccount").first()
    assert "12165678" not in str(entry.changes)
