"""`manage.py seed_demo`: Dorset's reference data, a person in every role, demo cases at their steps."""

import datetime
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audit.models import DomainEvent
from core import workflow
from core.roles import Role
from fgdm import services as case_services
from fgdm.constants import CaseStatus, CloseReason, MeetingModel, MeetingStatus, PlanStatus
from fgdm.models import Case, FamilyHub, Locality, Meeting, Team
from fgdm.selectors import case_list
from fgdm.services import ChildInput
from network_packages.constants import ApprovalTier, Category, Frequency, PackageStatus
from payments.constants import BatchStatus, PaymentStatus
from payments.models import PaymentBatch
from process import demo
from process.selectors import task_list

DEMO_USERNAMES = {
    "prac.east": Role.PRACTITIONER,
    "prac.west": Role.PRACTITIONER,
    "coord": Role.COORDINATOR,
    "tm.east": Role.TEAM_MANAGER,
    "tm.west": Role.TEAM_MANAGER,
    "sm": Role.SERVICE_MANAGER,
    "hos": Role.HEAD_OF_SERVICE,
    "fin1": Role.FINANCE_OFFICER,
    "fin2": Role.FINANCE_OFFICER,
    "auditor": Role.AUDITOR,
}


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", force=True, stdout=out, **options)
    return out.getvalue()


def user(username):
    return get_user_model().objects.get(username=username)


def case_of(family_name) -> Case:
    return Case.objects.select_related("process").get(family_name=family_name)


def open_tasks(case) -> list[tuple[str, str | None]]:
    return sorted(
        (t.flow_task.name, t.owner.username if t.owner_id else None)
        for t in Task.objects.filter(
            process_id=case.process_id, status__in=[STATUS.NEW, STATUS.ASSIGNED], flow_task_type="HUMAN"
        )
    )


def row_counts() -> dict[str, int]:
    """Rows in every table of every installed model, viewflow's processes and tasks included."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def seeded(db):
    return seed()


@pytest.mark.django_db
class TestRefusesOutsideDevelopment:
    def test_refuses_when_debug_is_off_without_force(self):
        assert settings.DEBUG is False
        with pytest.raises(CommandError, match="DEBUG is off"):
            call_command("seed_demo", stdout=io.StringIO())
        assert not Locality.objects.exists()
        assert not get_user_model().objects.exists()

    @override_settings(DEBUG=True)
    def test_runs_without_force_when_debug_is_on(self):
        call_command("seed_demo", no_cases=True, stdout=io.StringIO())
        assert Locality.objects.count() == 6
        assert not Case.objects.exists()


class TestReferenceData:
    def test_six_dorset_localities(self, seeded):
        assert set(Locality.objects.values_list("code", flat=True)) == {
            "east",
            "purbeck",
            "dorchester",
            "west",
            "north",
            "chesil",
        }

    def test_every_hub_of_the_csv(self, seeded):
        rows = demo.read_hubs()
        assert len(rows) == 42
        assert FamilyHub.objects.count() == len(rows)
        for row in rows:
            hub = FamilyHub.objects.get(locality__name=row["locality"], name=row["name"])
            assert (hub.kind, hub.lead_organisation, hub.designated) == (
                row["kind"],
                row["lead_organisation"],
                row["designated"],
            )
        leigh_park = FamilyHub.objects.get(name="Leigh Park Family Hub")
        assert leigh_park.kind == FamilyHub.Kind.MAIN
        assert leigh_park.locality.code == "east"
        assert leigh_park.designated == "2023-01"
        assert FamilyHub.objects.get(name="Swanage Library").kind == FamilyHub.Kind.NETWORK_POINT

    def test_every_locality_is_served_by_a_team_with_a_practitioner_and_a_manager(self, seeded):
        for locality in Locality.objects.all():
            teams = Team.objects.filter(localities=locality)
            assert teams.exists(), locality
            assert any(t.members.exists() and t.managers.exists() for t in teams), locality
        assert set(Team.objects.get(code="east").localities.values_list("code", flat=True)) >= {"east"}
        assert set(Team.objects.get(code="west").localities.values_list("code", flat=True)) >= {"west"}

    def test_a_referral_anywhere_can_be_allocated(self, seeded):
        for locality in Locality.objects.all():
            team = Team.objects.filter(localities=locality).first()
            practitioner, manager = team.members.first(), team.managers.first()
            case = case_services.case_create(
                by=practitioner,
                family_name="Test",
                locality=locality,
                stage="family_help",
                referral_reason="Test referral",
                children=[ChildInput(first_name="A", last_name="Test", date_of_birth=datetime.date(2018, 1, 1))],
            )
            case = case_services.case_allocate(case_id=case.pk, by=manager, lead_practitioner=practitioner)
            assert case.status == CaseStatus.ALLOCATED


class TestDemoUsers:
    def test_every_demo_user_with_the_right_group_and_password(self, seeded):
        for username, role in DEMO_USERNAMES.items():
            person = user(username)
            assert list(person.groups.values_list("name", flat=True)) == [role], username
            assert person.check_password(settings.DEMO_PASSWORD), username
            assert not person.is_staff and not person.is_superuser, username
        admin = user("admin")
        assert admin.is_superuser and admin.is_staff
        assert admin.check_password(settings.DEMO_PASSWORD)

    def test_team_memberships(self, seeded):
        east, west = Team.objects.get(code="east"), Team.objects.get(code="west")
        assert list(east.members.values_list("username", flat=True)) == ["prac.east"]
        assert list(east.managers.values_list("username", flat=True)) == ["tm.east"]
        assert list(west.members.values_list("username", flat=True)) == ["prac.west"]
        assert list(west.managers.values_list("username", flat=True)) == ["tm.west"]

    def test_summary_names_the_logins(self, seeded):
        for username in [*DEMO_USERNAMES, "admin"]:
            assert username in seeded
        assert f"password: {settings.DEMO_PASSWORD}" in seeded


class TestDemoCases:
    def test_just_referred_waits_for_tm_east(self, seeded):
        case = case_of("Whitcombe")
        assert case.status == CaseStatus.REFERRED
        assert open_tasks(case) == [("allocate", None)]
        assert [t.flow_task.name for t in task_list(user=user("tm.east"))] == ["allocate"]
        assert case in case_list(user=user("tm.east"))
        assert case not in case_list(user=user("tm.west"))

    def test_allocated_and_mapping_the_network(self, seeded):
        case = case_of("Pearce")
        assert case.status == CaseStatus.ALLOCATED
        assert case.lead_practitioner.username == "prac.east"
        assert case.consent_to_share and case.consent_given_by
        assert case.network_members.count() == 3
        assert open_tasks(case) == [("map_network", "prac.east")]

    def test_conference_being_prepared_by_coord(self, seeded):
        case = case_of("Hollis")
        assert list(case.stage_changes.values_list("from_stage", "to_stage", "changed_by__username")) == [
            ("", "child_protection", "prac.west"),
            ("child_protection", "pre_proceedings", "tm.west"),
        ]
        assert case.stage == "pre_proceedings" and case.pre_proceedings.status == "offered"
        assert case.pre_proceedings.order_kind == "care"
        assert [(o.person_name, o.method, o.answer) for o in case.pre_proceedings.offers.all()] == [
            ("Danielle Hollis", "letter", "accepted")
        ]
        meeting = case.meetings.get()
        assert meeting.model == MeetingModel.FGC
        assert meeting.coordinator.username == "coord"
        assert meeting.status == MeetingStatus.SCHEDULED
        assert meeting.scheduled_for > timezone.now()
        assert open_tasks(case) == [("prepare_network", "coord")]
        assert case in case_list(user=user("coord"))

    def test_plan_waiting_to_be_accepted(self, seeded):
        case = case_of("Bennett")
        assert case.status == CaseStatus.PLAN_AGREED
        plan = case.plans.get()
        assert plan.status == PlanStatus.AGREED
        assert plan.actions.count() == 3
        assert open_tasks(case) == [("accept_plan", "prac.east")]

    def test_package_waiting_for_the_service_manager(self, seeded):
        package = case_of("Nowak").packages.get()
        assert package.status == PackageStatus.SUBMITTED
        assert package.total == Decimal("780.00")
        assert package.required_tier == ApprovalTier.SERVICE_MANAGER
        endorsement = package.approvals.get()
        assert (endorsement.approver.username, endorsement.decision) == ("tm.west", "escalated")
        assert package.current_tier == ApprovalTier.SERVICE_MANAGER
        assert open_tasks(package.case) == [("approve_service_manager", None)]
        assert "approve_service_manager" in [t.flow_task.name for t in task_list(user=user("sm"))]

    def test_sofa_bed_approved_authorised_and_batched(self, seeded):
        package = case_of("Dawson").packages.get()
        item = package.items.get()
        assert (item.category, item.frequency, item.amount) == (
            Category.FURNITURE_AND_BEDDING,
            Frequency.ONE_OFF,
            Decimal("349.00"),
        )
        assert item.payee.relationship == "grandparent" and item.payee.payment_eligible
        assert package.status == PackageStatus.APPROVED
        assert package.approvals.get().approver.username == "tm.east"
        payment = package.payments.get()
        assert payment.amount == Decimal("349.00")
        assert payment.status == PaymentStatus.BATCHED
        assert payment.authorised_by.username == "fin1"
        account = item.payee.bank_account
        assert (account.entered_by.username, account.verified_by.username) == ("fin1", "fin2")
        batch = payment.batch
        assert batch.status == BatchStatus.OPEN
        assert batch.created_by.username == "fin1"
        assert (batch.payment_count, batch.total) == (1, Decimal("349.00"))
        # The case flow has moved past finance and waits for the review date.
        assert open_tasks(package.case) == []
        assert Task.objects.filter(
            process_id=package.case.process_id,
            status=STATUS.SCHEDULED,
            flow_task=package.case.process.flow_class.wait_for_review,
        ).exists()

    def test_sofa_bed_written_agreement_signed_by_nan(self, seeded):
        from network_packages.documents import agreement_checksum

        package = case_of("Dawson").packages.get()
        signature = package.agreement_signatures.get()
        assert (signature.signed_by_name, signature.package_version) == ("Pauline Dawson", package.version)
        assert signature.agreement_checksum == agreement_checksum(package)

    def test_weekly_tea_approved_with_twelve_instalments(self, seeded):
        package = case_of("Tizzard").packages.get()
        item = package.items.get()
        assert item.payee.relationship == "neighbour"
        assert (item.category, item.frequency, item.amount, item.instalments) == (
            Category.CHILDCARE,
            Frequency.WEEKLY,
            Decimal("30.00"),
            12,
        )
        assert package.status == PackageStatus.APPROVED
        assert package.total == Decimal("360.00")
        payments = list(package.payments.order_by("due_on"))
        assert len(payments) == 12
        assert sum(p.amount for p in payments) == package.total
        assert {p.status for p in payments} == {PaymentStatus.SCHEDULED}
        assert all((b.due_on - a.due_on).days == 7 for a, b in zip(payments, payments[1:], strict=False))
        assert open_tasks(package.case) == [("authorise_payments", None)]
        # Childcare by a neighbour, with Poppy under 8: the Ofsted question was answered before
        # approval, and Linda's DBS check recorded.
        from network_packages.payees import safety_prompts

        (prompt,) = safety_prompts(package)
        assert (prompt.prompt, prompt.answer.answer) == ("ofsted", "ofsted_registered")
        assert item.payee.payee_checks.get().passed

    def test_referral_declined_by_tm_west_who_can_still_reopen_it(self, seeded, client):
        case = case_of("Samways")
        assert case.status == CaseStatus.DECLINED
        assert (case.closed_by.username, case.closed_on) == ("tm.west", timezone.localdate())
        assert "Early Help plan" in case.close_note
        assert case_services.reopen_until(case) == timezone.localdate() + datetime.timedelta(
            days=settings.FGDM_REOPEN_DAYS
        )
        assert open_tasks(case) == []
        assert workflow.waiting_for(process=case.process, action="case_reopened")
        case_services.ensure_may_reopen(user("tm.west"), case)
        event = DomainEvent.objects.get(case_id=case.pk, action="referral_declined")
        assert (event.actor.username, event.reason) == ("tm.west", case.close_note)
        client.force_login(user("tm.west"))
        assert "Reopen the case" in client.get(f"/cases/{case.pk}/").content.decode()

    def test_closed_when_the_family_moved_away_its_unbatched_payments_cancelled(self, seeded):
        case = case_of("Antell")
        assert case.status == CaseStatus.CLOSED
        assert (case.close_reason, case.closed_by.username) == (CloseReason.MOVED_AWAY, "prac.east")
        assert "Yeovil" in case.close_note
        assert open_tasks(case) == []
        package = case.packages.get()
        assert package.status == PackageStatus.ENDED
        assert package.total == Decimal("200.00")
        payments = list(package.payments.order_by("due_on"))
        assert [p.status for p in payments] == [PaymentStatus.PAID] + [PaymentStatus.CANCELLED] * 7
        paid = payments[0]
        assert paid.amount == Decimal("25.00") and paid.paid_at is not None
        batch = paid.batch
        assert batch.status == BatchStatus.CONFIRMED
        assert (batch.created_by.username, batch.approved_by.username) == ("fin1", "fin2")
        assert (batch.payment_count, batch.total) == (1, Decimal("25.00"))
        cancelled = DomainEvent.objects.filter(case_id=case.pk, action="payment_cancelled")
        assert sorted(cancelled.values_list("object_id", flat=True)) == [p.pk for p in payments[1:]]
        assert DomainEvent.objects.filter(case_id=case.pk, action="case_closed", actor__username="prac.east").exists()
        assert workflow.waiting_for(process=case.process, action="case_reopened")
        case_services.ensure_may_reopen(user("tm.east"), case)

    def test_meeting_moved_once_and_waiting_to_be_held(self, seeded, client):
        case = case_of("Guppy")
        assert case.status == CaseStatus.MEETING_PLANNED
        meeting = case.meetings.get()
        assert (meeting.model, meeting.status) == (MeetingModel.FNM, MeetingStatus.SCHEDULED)
        move = meeting.reschedules.get()
        assert (move.from_scheduled_for, move.to_scheduled_for) == (
            timezone.make_aware(
                datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=6), datetime.time(10))
            ),
            meeting.scheduled_for,
        )
        moved_to = timezone.localtime(move.to_scheduled_for)
        assert (moved_to.date(), moved_to.time()) == (
            timezone.localdate() + datetime.timedelta(days=13),
            datetime.time(16),
        )
        assert move.by.username == "prac.west" and "hip operation" in move.reason
        assert meeting.scheduled_for > timezone.now()
        assert open_tasks(case) == [("hold_meeting", "prac.west")]
        client.force_login(user("prac.west"))
        page = client.get(f"/meetings/{meeting.pk}/").content.decode()
        assert 'id="meeting-moves"' in page and "hip operation" in page

    def test_escalated_to_pre_proceedings_with_a_baby_expected(self, seeded):
        case = case_of("Galpin")
        assert list(case.stage_changes.values_list("from_stage", "to_stage", "changed_by__username")) == [
            ("", "family_help", "prac.east"),
            ("family_help", "pre_proceedings", "tm.east"),
        ]
        assert case.stage == "pre_proceedings" and case.pre_proceedings.status == "offered"
        assert case.pre_proceedings.order_kind == "interim_supervision"
        assert [(o.person_name, o.answer) for o in case.pre_proceedings.offers.all()] == [("Kirsty Galpin", "accepted")]
        baby = case.children.get(date_of_birth__isnull=True)
        assert baby.is_unborn and baby.first_name == "" and baby.last_name == "Galpin"
        assert baby.expected_on == timezone.localdate() + datetime.timedelta(weeks=16)
        assert DomainEvent.objects.filter(case_id=case.pk, action="child_added", to_state="expected").exists()
        cancelled, conference = case.meetings.order_by("id")
        assert (cancelled.model, cancelled.status, cancelled.cancelled_by.username) == (
            MeetingModel.FNM,
            MeetingStatus.CANCELLED,
            "prac.east",
        )
        assert "pre-proceedings" in cancelled.cancel_reason
        assert (conference.model, conference.status, conference.coordinator.username) == (
            MeetingModel.FGC,
            MeetingStatus.SCHEDULED,
            "coord",
        )
        assert case.status == CaseStatus.MEETING_PLANNED
        assert open_tasks(case) == [("prepare_network", "coord")]
        assert case in case_list(user=user("coord"))

    def test_approved_package_with_a_change_waiting_for_tm_west(self, seeded):
        case = case_of("Hansford")
        assert case.status == CaseStatus.PLAN_ACCEPTED
        first, change = case.packages.order_by("version")
        assert (first.version, first.status, first.total) == (1, PackageStatus.APPROVED, Decimal("200.00"))
        assert first.approvals.get().approver.username == "tm.west"
        assert {p.status for p in first.payments.all()} == {PaymentStatus.AUTHORISED}
        assert first.payments.count() == 10
        assert (change.version, change.previous_id, change.status) == (2, first.pk, PackageStatus.SUBMITTED)
        assert change.total == Decimal("380.00")
        assert change.required_tier == ApprovalTier.TEAM_MANAGER
        assert not change.approvals.exists() and not change.payments.exists()
        assert [(i.frequency, i.instalments, i.amount) for i in change.items.order_by("id")] == [
            (Frequency.WEEKLY, 16, Decimal("20.00")),
            (Frequency.ONE_OFF, 1, Decimal("60.00")),
        ]
        assert open_tasks(case) == [("approve_team_manager", None)]
        assert "approve_team_manager" in [t.flow_task.name for t in task_list(user=user("tm.west"))]
        assert "approve_team_manager" not in [t.flow_task.name for t in task_list(user=user("tm.east"))]

    def test_pre_proceedings_offers_answered_and_the_conference_held_after_the_letter(self, seeded, client):
        case = case_of("Kellaway")
        record = case.pre_proceedings
        assert (record.status, record.order_kind, record.stage_at_intention) == ("offered", "care", "pre_proceedings")
        offers = [(o.person_name, o.capacity, o.method, o.answer) for o in record.offers.all()]
        assert offers == [
            ("Shona Kellaway", "parent", "letter", "accepted"),
            ("Dean Price", "parental_responsibility", "letter", "declined"),
        ]
        held = case.meetings.get(status=MeetingStatus.HELD)
        assert held.model == MeetingModel.FGC and held.coordinator.username == "coord"
        assert held.held_on >= min(o.offered_on for o in record.offers.all())
        assert case_services.duty_position(record, on=timezone.localdate()).basis == "meeting_held"
        assert open_tasks(case) == [("accept_plan", "prac.east")]
        client.force_login(user("tm.east"))
        page = client.get(f"/cases/{case.pk}/pre-proceedings/").content.decode()
        assert "Dean Price" in page and "the duty is met" in page and "Confirm as" in page

    def test_meetings_held_lie_in_the_past(self, seeded):
        held = Meeting.objects.filter(status=MeetingStatus.HELD)
        assert held.count() == 7
        for meeting in held:
            assert meeting.scheduled_for <= timezone.now()
            assert meeting.held_on <= timezone.localdate()

    def test_every_step_was_recorded_with_its_actor(self, seeded):
        events = DomainEvent.objects.filter(case_id__in=Case.objects.values("pk"))
        assert events.filter(action="case_referred").count() == len(demo.DEMO_CASES) == 14
        assert not events.filter(actor__isnull=True).exists()
        assert DomainEvent.objects.filter(action="batch_created", actor__username="fin1").count() == 2


@pytest.mark.django_db
class TestIdempotent:
    def test_a_second_run_changes_nothing(self):
        first = seed()
        before = row_counts()
        assert before["viewflow.Task"] > 0 and before["audit.DomainEvent"] > 0
        events = list(DomainEvent.objects.values_list("pk", flat=True))
        second = seed()
        assert row_counts() == before
        assert list(DomainEvent.objects.values_list("pk", flat=True)) == events
        assert "new: Whitcombe" in first
        assert "nothing new" in second
        assert PaymentBatch.objects.count() == 2  # the open sofa bed batch; the Antell batch, paid

    def test_a_missing_demo_case_is_added_back_without_duplicating_the_rest(self):
        seed(no_cases=True)
        assert not Case.objects.exists()
        seed()
        assert Case.objects.count() == len(demo.DEMO_CASES)
        counts = row_counts()
        seed()
        assert row_counts() == counts


class TestDemoInTheBrowser:
    """What `make run` offers: every demo user signs in to a working task list, and each task's page opens."""

    def test_every_demo_user_sees_their_tasks_and_can_open_them(self, seeded, client):
        from process.routing import task_url

        for username in [*DEMO_USERNAMES, "admin"]:
            person = user(username)
            client.force_login(person)
            home = client.get("/")
            if username == "auditor":  # takes no steps: lands on the case search
                assert home.status_code == 302 and home["Location"] == "/cases/"
                continue
            assert home.status_code == 200, username
            for task in task_list(user=person):
                address = task_url(task)
                assert client.get(address).status_code == 200, (username, task.flow_task.name, address)
            client.logout()

    def test_the_lead_practitioner_opens_every_east_team_case(self, seeded, client):
        client.force_login(user("prac.east"))
        assert client.get("/cases/").status_code == 200
        for family in ("Whitcombe", "Pearce", "Bennett", "Dawson", "Antell", "Galpin", "Kellaway"):
            assert client.get(f"/cases/{case_of(family).pk}/").status_code == 200, family

    def test_finance_pages(self, seeded, client):
        client.force_login(user("fin2"))
        assert client.get("/finance/").status_code == 200
        batch = PaymentBatch.objects.get(status=BatchStatus.OPEN)
        page = client.get(f"/finance/batches/{batch.pk}/")
        assert page.status_code == 200
        assert batch.reference in page.content.decode()

    def test_suppliers_on_the_register_one_waiting_for_fin2(self, seeded, client):
        from network_packages.models import Supplier

        suppliers = {s.name: s for s in Supplier.objects.select_related("bank_account__entered_by")}
        assert set(suppliers) == {name for name, *_ in demo.DEMO_SUPPLIERS}
        assert all(s.bank_account.entered_by.username == "fin1" for s in suppliers.values())
        waiting = [name for name, s in suppliers.items() if not s.bank_account.is_verified]
        assert waiting == ["Blandford Breakfast Club CIC"]
        client.force_login(user("fin2"))
        assert "Blandford Breakfast Club CIC" in client.get("/finance/").content.decode()
        assert (
            "Verify the bank details"
            in client.get(f"/finance/suppliers/{suppliers['Blandford Breakfast Club CIC'].pk}/").content.decode()
        )
        client.force_login(user("prac.east"))  # practitioners choose from the register
        assert "Purbeck Community Furniture" in client.get("/finance/suppliers/").content.decode()
