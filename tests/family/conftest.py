"""A case with everything the family page must never show: other members (a parent, an aunt, one
excluded for safety with a reason), bottom lines, bank details. Nan (Margaret Hardy) agreed to
e-mails; `announced` records what the services announce through the notification port."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from core import notify
from fgdm import services as case_services
from fgdm.services import ActionInput
from network_packages import services as package_services
from network_packages.services import ItemInput
from payments import services as payment_services
from tests import scenario

BOTTOM_LINES = "Lily must never be left alone with Derek Stone"
EXCLUSION_REASON = "Bail conditions after an assault on the mother"
AUNT = "Joanne Pike"
EXCLUDED = "Derek Stone"
PARENT = "Sarah Hardy"
ACCOUNT_NAME = "MRS M HARDY NAN"
SORT_CODE = "40-00-00"
ACCOUNT_NUMBER = "12165678"


class Recorder:
    def __init__(self):
        self.seen = []

    def announce(self, *, event, key, details):
        self.seen.append({"event": event, "key": key, **details})

    def token(self):
        """The token of the last link announced (the last part of its url)."""
        url = [a for a in self.seen if a["event"] == "family_link_issued"][-1]["url"]
        return url.rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture
def announced():
    previous = notify._notifier
    recorder = Recorder()
    notify.register(recorder)
    yield recorder
    notify.register(previous)


def build_family(world):
    scenario.no_payee_cap_or_checks()
    case = scenario.allocated(world)
    lead = case.lead_practitioner
    case_services.case_set_bottom_lines(case_id=case.pk, by=lead, bottom_lines=BOTTOM_LINES)
    nan = case_services.member_add(
        case_id=case.pk,
        by=lead,
        full_name="Margaret Hardy",
        relationship="grandparent",
        email="nan@example.org",
        phone="07700 900123",
    )
    parent = case_services.member_add(
        case_id=case.pk,
        by=lead,
        full_name=PARENT,
        relationship="parent",
        is_parent=True,
        has_parental_responsibility=True,
        lives_with_child=True,
        email="sarah@example.org",
        phone="07700 900999",
    )
    aunt = case_services.member_add(
        case_id=case.pk, by=lead, full_name=AUNT, relationship="aunt_uncle", email="jo@example.org"
    )
    excluded = case_services.member_add(case_id=case.pk, by=lead, full_name=EXCLUDED, relationship="other")
    case_services.member_exclusion_propose(
        member_id=excluded.pk,
        by=lead,
        reason=EXCLUSION_REASON,
        how_to_contribute="A letter read out",
        how_to_challenge="Write to the team manager",
    )
    case_services.member_exclusion_sign_off(member_id=excluded.pk, by=world.u.tm_east)
    meeting = case_services.meeting_schedule(
        case_id=case.pk,
        by=lead,
        model="fnm",
        scheduled_for=timezone.now() - datetime.timedelta(days=1),
        venue="Leigh Park Family Hub",
    )
    today = timezone.localdate()
    plan = case_services.meeting_record(
        meeting_id=meeting.pk,
        by=lead,
        held_on=today,
        attendees=f"Margaret, {PARENT}, {AUNT}",
        private_family_time=True,
        actions=[
            ActionInput(
                description="Nan stays over while mum is in hospital",
                owner_member_id=nan.pk,
                due_by=today + datetime.timedelta(days=7),
            ),
            ActionInput(
                description=f"Take Lily to school and tell {PARENT} how she is",
                owner_member_id=aunt.pk,
                due_by=today + datetime.timedelta(days=3),
            ),
            ActionInput(description="Check in with the school weekly", owner_text="Social worker"),
        ],
        contingency=f"If Nan is unwell, {AUNT} steps in; Joanne has a key.",
        review_by=today + datetime.timedelta(days=42),
    )
    case_services.plan_accept(plan_id=plan.pk, by=lead, support_needed=True)
    package = package_services.package_create(
        case_id=case.pk,
        by=lead,
        plan_id=plan.pk,
        justification="A sofa bed so Nan can stay over; bus fares for the aunt.",
        other_funding_checked=True,
        agreement_signed_on=today,
        review_by=today + datetime.timedelta(days=42),
        items=[
            ItemInput(
                description="Sofa bed",
                category="furniture_and_bedding",
                payee_id=nan.pk,
                amount=Decimal("45.50"),
                frequency="weekly",
                instalments=2,
                plan_action_id=plan.actions.order_by("id").first().pk,
            ),
            ItemInput(
                description="Bus fares",
                category="transport",
                payee_id=aunt.pk,
                amount=Decimal("77.70"),
                frequency="one_off",
                instalments=1,
            ),
        ],
    )
    package_services.package_submit(package_id=package.pk, by=lead)
    package = package_services.package_approve(package_id=package.pk, by=world.u.tm_east, note="Agreed")
    payment_services.bank_account_set(
        member_id=nan.pk, by=world.u.fin1, account_name=ACCOUNT_NAME, sort_code=SORT_CODE, account_number=ACCOUNT_NUMBER
    )
    payment_services.bank_account_verify(member_id=nan.pk, by=world.u.fin2, confirm_shared_account=True)
    case_services.member_messages_set(member_id=nan.pk, by=lead, messages="email")
    nan.refresh_from_db()
    return SimpleNamespace(
        case=case, lead=lead, nan=nan, parent=parent, aunt=aunt, excluded=excluded, plan=plan, package=package
    )


@pytest.fixture
def family(world):
    return build_family(world)
