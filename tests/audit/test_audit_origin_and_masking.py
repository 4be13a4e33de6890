"""Field history masks children's identifiers and bank details; every write says who and from where,
through a page, the API (token) or a management command."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.commands import AuditedCommand
from audit.context import command_context
from audit.masking import MASK
from audit.models import AccessLog, DomainEvent, LogEntry
from audit.services import record_access, record_event
from tests import scenario
from tests.helpers import ApiPath, ok


def verify_ok():
    out = io.StringIO()
    call_command("verify_audit", stdout=out, stderr=out)  # SystemExit(1) on a broken chain
    return out.getvalue()


def entries(model, **where):
    return LogEntry.objects.filter(content_type__model=model, **where).order_by("pk")


@pytest.mark.django_db
class TestMasking:
    def test_a_childs_name_and_date_of_birth_never_reach_the_field_history(self, world):
        case = scenario.referral(world)
        [entry] = entries("child")
        child = case.children.get()
        for name in ("first_name", "last_name", "date_of_birth"):
            assert entry.changes[name] == ["None", MASK]
        everything = str(entry.changes) + entry.object_repr + entry.changes_text + str(entry.serialized_data)
        assert "Lily" not in everything and "2017" not in everything
        assert entry.object_repr == f"child #{child.pk}"
        assert entry.changes["wishes_and_feelings"] == [  # not an identifier: shown
            "None",
            "Wants to stay at her school and see Nan every day.",
        ]

    def test_a_change_to_a_masked_field_is_still_on_record(self, world):
        case = scenario.referral(world)
        child = case.children.get()
        child.date_of_birth = child.date_of_birth.replace(year=2016)
        child.save()
        entry = entries("child", action=LogEntry.Action.UPDATE).get()
        assert entry.changes == {"date_of_birth": [MASK, MASK]}

    def test_bank_details_are_masked_whole(self, world):
        scenario.payments_authorised(world)
        for entry in entries("bankaccount"):
            text = str(entry.changes) + entry.object_repr
            assert "12165678" not in text and "5678" not in text and "400000" not in text and "HARDY" not in text
        first = entries("bankaccount").first()
        assert first.changes["account_number"] == ["None", MASK]

    def test_masked_entries_still_verify(self, world):
        scenario.payments_authorised(world)
        assert "audit trail intact" in verify_ok()

    def test_masking_follows_the_settings(self, world, settings):
        settings.AUDIT_MASKED_FIELDS = {"fgdm.networkmember": ["phone"]}
        settings.AUDIT_MASKED_REPR = []
        from fgdm import services as case_services

        case = scenario.allocated(world)
        case_services.member_add(
            case_id=case.pk,
            by=world.u.prac_east,
            full_name="Margaret Hardy",
            relationship="grandparent",
            phone="07700 900123",
        )
        entry = entries("networkmember").get()
        assert entry.changes["phone"] == ["None", MASK]
        assert entry.object_repr == "Margaret Hardy"


@pytest.fixture
def path(api, world):
    return ApiPath(api, world)


@pytest.mark.django_db
class TestWhereFrom:
    def test_token_writes_carry_actor_and_address_on_every_record(self, path):
        case = path.referral()
        ok(
            path.as_(path.u.tm_east).post(
                f"/api/v1/cases/{case['id']}/allocate/",
                {"lead_practitioner": "prac.east"},
                format="json",
                REMOTE_ADDR="10.1.2.3",
            )
        )
        event = DomainEvent.objects.get(action="case_allocated")
        assert (event.actor_username, event.remote_addr, event.via) == ("tm.east", "10.1.2.3", "")
        field = entries("case", action=LogEntry.Action.UPDATE).last()
        assert (field.actor.username, field.remote_addr) == ("tm.east", "10.1.2.3")
        assert "audit trail intact" in verify_ok()  # the address is covered by the hash

    def test_reads_through_the_api_carry_the_address(self, path):
        case = path.referral()
        ok(path.as_(path.u.prac_east).get(f"/api/v1/cases/{case['id']}/", REMOTE_ADDR="10.9.8.7"))
        read = AccessLog.objects.filter(what="case").last()
        assert (read.actor_username, read.door, read.remote_addr) == ("prac.east", "api", "10.9.8.7")

    def test_page_writes_carry_actor_and_address(self, world, client):
        client.force_login(world.u.prac_east)
        case = scenario.allocated(world)
        response = client.post(
            f"/cases/{case.pk}/consent/", {"given_by": "Sarah Hardy", "scope": "both"}, REMOTE_ADDR="10.4.4.4"
        )
        assert response.status_code == 302
        event = DomainEvent.objects.get(action="consent_recorded")
        assert (event.actor_username, event.remote_addr) == ("prac.east", "10.4.4.4")
        field = entries("case", action=LogEntry.Action.UPDATE).last()
        assert (field.actor.username, field.remote_addr) == ("prac.east", "10.4.4.4")
        assert "audit trail intact" in verify_ok()

    def test_a_service_called_after_a_request_does_not_borrow_its_address(self, path, world):
        path.referral()  # a request has come and gone in this thread
        event = record_event(obj=world.east, action="note", by=world.u.prac_east, case_id=None)
        assert event.remote_addr is None


class Recorder(AuditedCommand):
    """A command that writes one of each record, as the real ones do."""

    def handle(self, *args, **options):
        from fgdm.models import Locality

        locality = Locality.objects.get(code="east")
        locality.name = "East Dorset"
        locality.save()
        record_event(obj=locality, action="renamed", by=None, case_id=None)
        record_access(by=None, what="export_file", door="command", obj=locality)


@pytest.mark.django_db
class TestCommands:
    def run(self, **options):
        command = Recorder()
        call_command(command, stdout=io.StringIO(), **options)

    def test_as_names_the_responsible_person(self, world):
        self.run(as_user="auditor")
        event, read = DomainEvent.objects.get(action="renamed"), AccessLog.objects.get(door="command")
        assert event.actor_id == world.u.auditor.pk and event.actor_username == "auditor"
        assert event.via.startswith("command:test_audit_origin_and_masking os:")
        assert read.actor_username == "auditor" and read.via == event.via
        field = entries("locality", action=LogEntry.Action.UPDATE).get()
        assert field.actor_id == world.u.auditor.pk and field.cid == event.via
        assert "audit trail intact" in verify_ok()

    def test_without_as_the_run_is_the_systems(self, world):
        import getpass

        self.run()
        event = DomainEvent.objects.get(action="renamed")
        assert event.actor_id is None and event.actor_username == f"system:{getpass.getuser()}"
        field = entries("locality", action=LogEntry.Action.UPDATE).get()
        assert field.actor_id is None and field.cid.startswith("command:")

    def test_an_unknown_or_inactive_user_is_refused(self, world):
        with pytest.raises(CommandError):
            self.run(as_user="nobody")
        world.u.auditor.is_active = False
        world.u.auditor.save()
        with pytest.raises(CommandError):
            self.run(as_user="auditor")
        assert not DomainEvent.objects.filter(action="renamed").exists()

    def test_the_context_ends_with_the_command(self, world):
        self.run(as_user="auditor")
        event = record_event(obj=world.east, action="after", by=None, case_id=None)
        assert (event.actor_id, event.actor_username, event.via) == (None, "", "")

    def test_a_signed_in_person_wins_over_the_run(self, world):
        with command_context(name="shell", user=world.u.auditor):
            event = record_event(obj=world.east, action="note", by=world.u.sm, case_id=None)
        assert event.actor_username == "sm"
