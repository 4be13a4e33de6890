"""Retention: the classes for child protection and court cases, the public-inquiry preservation hold,
packages' free text, and field history anonymised with the case while the chains still verify."""

import datetime
import io

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from audit.models import DomainEvent, LegalHold, LogEntry, Redaction
from audit.services import legal_hold_place, legal_hold_release
from fgdm import services as case_services
from fgdm.models import Case
from fgdm.retention import (
    CHILD_PROTECTION,
    CHILDREN_IN_NEED,
    COURT_PROCEEDINGS,
    LOOKED_AFTER,
    case_retention,
)
from network_packages import services as package_services
from network_packages.models import SupportPackage
from tests import scenario
from tests.factories import UserFactory
from tests.scenario import BORN_LONG_AGO, closed_case

IICSA = "Independent Inquiry into Child Sexual Abuse"


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


def run(*args):
    from audit.sealing import seal

    out = io.StringIO()
    call_command("apply_retention", *args, stdout=out)
    seal()  # the redactions and events it wrote, as the seal_audit job would a moment later
    return out.getvalue()


def verify():
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, err.getvalue()
    return 0, out.getvalue()


def closing_event(case):
    return DomainEvent.objects.filter(case_id=case.pk, action="case_closed").latest("id")


def api_trail(api, user, case):
    response = api.as_user(user).get(f"/api/v1/cases/{case.pk}/audit/")
    assert response.status_code == 200
    return {event["action"]: event for event in response.json()["results"]}


class TestTheLongestClassWins:
    """case_retention with each combination: the class that keeps the case longest."""

    class _Case:
        status, outcome = "closed", ""
        closed_on = datetime.date(2026, 6, 1)

    def test_children_in_need_alone(self):
        assert case_retention(self._Case(), youngest=BORN_LONG_AGO, mark=None) == (
            CHILDREN_IN_NEED,
            datetime.date(2020, 6, 1),
        )

    def test_child_protection_is_the_later_of_the_25th_birthday_and_35_years_after_closing(self):
        assert case_retention(self._Case(), youngest=BORN_LONG_AGO, mark=None, child_protection=True) == (
            CHILD_PROTECTION,
            datetime.date(2061, 6, 1),
        )
        young = datetime.date(2026, 1, 1)  # 25 in 2051: 35 years after closing (2061) is later still
        assert case_retention(self._Case(), youngest=young, mark=None, child_protection=True)[1] == datetime.date(
            2061, 6, 1
        )

    def test_court_proceedings_keep_to_the_75th_birthday(self):
        assert case_retention(self._Case(), youngest=BORN_LONG_AGO, mark=None, court=True, child_protection=True) == (
            COURT_PROCEEDINGS,
            datetime.date(2070, 6, 1),
        )

    def test_looked_after_with_court_proceedings_names_the_court(self):
        retention_class, _ = case_retention(self._Case(), youngest=BORN_LONG_AGO, mark=True, court=True)
        assert retention_class == COURT_PROCEEDINGS
        assert case_retention(self._Case(), youngest=BORN_LONG_AGO, mark=True)[0] == LOOKED_AFTER

    def test_configurable(self, settings):
        settings.AUDIT_RETENTION = {"child_protection_years_after_closing": 40}
        assert case_retention(self._Case(), youngest=BORN_LONG_AGO, mark=None, child_protection=True)[1] == (
            datetime.date(2066, 6, 1)
        )


@pytest.mark.django_db
class TestChildProtection:
    def test_a_case_once_at_child_protection_keeps_that_class_after_stepping_down(self, world, api):
        case = closed_case(
            world,
            family="Protected",
            stages=[("child_protection", "Section 47 enquiry"), ("family_help", "Stepped down after the conference")],
        )
        case.refresh_from_db()
        assert case.stage == "family_help"
        event = closing_event(case)
        expected = (case.closed_on + relativedelta(years=35)).isoformat()
        assert (event.changes["retention_class"], event.changes["destroy_after"]) == (CHILD_PROTECTION, expected)
        # The same through the API: the case's trail.
        trail = api_trail(api, world.u.prac_east, case)
        assert trail["case_closed"]["changes"]["retention_class"] == CHILD_PROTECTION
        # A children-in-need case with the same child born long ago is due; this one is not.
        other = closed_case(world, family="Needs")
        output = run("--dry-run")
        assert other.reference in output and case.reference not in output
        run()
        assert Case.objects.get(pk=case.pk).family_name == "Protected"
        assert Case.objects.get(pk=other.pk).family_name == "Removed"


def court_case(world):
    """Referred at pre-proceedings: the intention to apply, a best-interests exemption decided by the
    team manager, the application to court, then closed."""
    case, _ = scenario.with_network(world, stage="pre_proceedings")
    case_services.pre_proceedings_record_intention(
        case_id=case.pk, by=world.u.prac_east, order_kind="care", intended_on=timezone.localdate()
    )
    case_services.pre_proceedings_record_exemption(
        case_id=case.pk, by=world.u.tm_east, reason="A meeting would put the child at risk"
    )
    case_services.pre_proceedings_record_application(case_id=case.pk, by=world.u.tm_east, made_on=timezone.localdate())
    scenario.born_long_ago(case)
    case_services.case_close(case_id=case.pk, by=world.u.prac_east, reason="stepped_up")
    case.refresh_from_db()
    return case


@pytest.mark.django_db
class TestCourtProceedings:
    def test_an_application_to_court_keeps_the_case_to_the_75th_birthday(self, world, api):
        case = court_case(world)
        event = closing_event(case)
        assert event.changes["retention_class"] == COURT_PROCEEDINGS
        assert event.changes["destroy_after"] == (BORN_LONG_AGO + relativedelta(years=75)).isoformat()
        assert api_trail(api, world.u.tm_east, case)["case_closed"]["changes"]["retention_class"] == COURT_PROCEEDINGS
        assert case.reference not in run("--dry-run")
        assert case.reference in run("--dry-run", "--on", "2070-06-02")


@pytest.mark.django_db
class TestPublicInquiryHold:
    def test_an_inquiry_hold_on_everything_stops_every_retention_run(self, world, admin_user):
        case = closed_case(world, family="Kept")
        hold = legal_hold_place(by=admin_user, kind="public_inquiry", inquiry=IICSA, reason="Preservation order")
        assert str(hold) == f"Hold on every record ({IICSA})"
        output = run()
        assert f"HELD, kept — public inquiry preservation hold #{hold.pk} ({IICSA})" in output
        assert "0 record(s) destroyed" in output
        case.refresh_from_db()
        assert case.family_name == "Kept"
        assert not Redaction.objects.exists()
        placed = DomainEvent.objects.get(action="legal_hold_placed")
        assert placed.changes["kind"] == "public_inquiry" and placed.changes["inquiry"] == IICSA

    def test_an_inquiry_hold_on_one_case(self, world, admin_user):
        held, other = closed_case(world, family="Held"), closed_case(world, family="Other")
        legal_hold_place(by=admin_user, kind="public_inquiry", inquiry=IICSA, reason="Named", case_id=held.pk)
        run()
        assert Case.objects.get(pk=held.pk).family_name == "Held"
        assert Case.objects.get(pk=other.pk).family_name == "Removed"

    def test_it_names_the_inquiry(self, world, admin_user):
        with pytest.raises(ValidationError, match="Name the inquiry"):
            legal_hold_place(by=admin_user, kind="public_inquiry", inquiry="  ", reason="Preservation order")

    def test_it_is_never_released_from_the_application(self, world, admin_user, client):
        case = closed_case(world)
        hold = legal_hold_place(by=admin_user, kind="public_inquiry", inquiry=IICSA, reason="Order", case_id=case.pk)
        with pytest.raises(ValidationError, match="cannot be released in FGDM"):
            legal_hold_release(hold_id=hold.pk, by=admin_user, reason="Inquiry over")
        client.force_login(admin_user)
        client.post(f"/admin/audit/legalhold/{hold.pk}/change/", {"release_reason": "Inquiry over"})
        client.post("/admin/audit/legalhold/", {"action": "release", "_selected_action": [hold.pk], "index": 0})
        hold.refresh_from_db()
        assert hold.is_active
        assert not DomainEvent.objects.filter(action="legal_hold_released").exists()
        assert "Kept" not in run() and Case.objects.get(pk=case.pk).family_name == "Hardy"
        # Nor in the database itself: a released inquiry hold breaks a constraint.
        with pytest.raises(IntegrityError), transaction.atomic():
            LegalHold.objects.filter(pk=hold.pk).update(released_at=timezone.now(), release_reason="x")

    def test_an_ordinary_legal_hold_still_names_what_it_holds(self, world, admin_user):
        with pytest.raises(ValidationError, match="Name a case"):
            legal_hold_place(by=admin_user, reason="Litigation")


def tamper(model, pk, **values):
    """Change an audit row as someone with the database's keys might: on PostgreSQL, past its triggers."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        model.objects.filter(pk=pk).update(**values)


def history_text(objects):
    """Everything the field history holds about these (content type model, id) records, as text."""
    texts = []
    for entry in LogEntry.objects.all():
        key = (entry.content_type.model, str(entry.object_pk))
        if key in objects:
            texts.append(f"{entry.object_repr} {entry.changes} {entry.serialized_data} {entry.changes_text}")
    return " ".join(texts)


@pytest.mark.django_db
class TestFieldHistoryAnonymised:
    def case_objects(self, case):
        objects = {("case", str(case.pk))}
        objects |= {("networkmember", str(pk)) for pk in case.network_members.values_list("pk", flat=True)}
        objects |= {("child", str(pk)) for pk in case.children.values_list("pk", flat=True)}
        objects |= {("familyplan", str(pk)) for pk in case.plans.values_list("pk", flat=True)}
        return objects

    def test_history_written_before_loses_the_names_and_free_text_and_the_chains_verify(self, world):
        case = closed_case(world, family="Oldfield")
        objects = self.case_objects(case)
        before = history_text(objects)
        assert "Oldfield" in before and "07700 900123" in before and "Aunt Jo" in before
        entries = LogEntry.objects.count()
        run()
        after = history_text(objects)
        for text in ("Oldfield", "Margaret Hardy", "07700 900123", "Aunt Jo", "Mum in hospital"):
            assert text not in after, text
        assert "Removed" in after
        # States and stages stay in the history, as on the record.
        assert "closed" in after
        assert LogEntry.objects.count() == entries  # no entry added or removed
        redactions = Redaction.objects.filter(case_id=case.pk).count()
        assert redactions > 0
        event = DomainEvent.objects.get(action="retention_applied", object_type="case")
        assert event.changes["field_history_redacted"] == redactions
        code, output = verify()
        assert code == 0 and "audit trail intact" in output and "redactions:" in output

    def test_a_redacted_entry_changed_again_is_caught(self, world):
        case = closed_case(world)
        run()
        redaction = Redaction.objects.filter(case_id=case.pk).first()
        tamper(LogEntry, redaction.entry_id, object_repr="Hardy family, put back")
        code, output = verify()
        assert code == 1 and f"record #{redaction.entry_id}" in output and "content was changed" in output

    def test_an_entry_changed_without_a_redaction_is_caught(self, world):
        closed_case(world)
        run()
        redacted = set(Redaction.objects.values_list("entry_id", flat=True))
        entry = LogEntry.objects.exclude(pk__in=redacted).order_by("pk").first()
        tamper(LogEntry, entry.pk, object_repr="Removed")
        code, output = verify()
        assert code == 1 and f"record #{entry.pk}" in output

    def test_a_redaction_changed_is_caught(self, world):
        closed_case(world)
        run()
        redaction = Redaction.objects.order_by("pk").first()
        tamper(Redaction, redaction.pk, reason="nothing happened")
        code, output = verify()
        assert code == 1 and "redactions" in output

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL only")
    def test_postgresql_refuses_a_redaction_outside_retention_and_any_change_to_a_redaction(self, world):
        closed_case(world)
        run()
        entry = LogEntry.objects.exclude(pk__in=Redaction.objects.values("entry_id")).first()
        with pytest.raises(DatabaseError), transaction.atomic():
            LogEntry.objects.filter(pk=entry.pk).update(object_repr="Removed")
        with pytest.raises(DatabaseError), transaction.atomic():
            Redaction.objects.filter(pk=Redaction.objects.first().pk).update(reason="x")
        with pytest.raises(DatabaseError), transaction.atomic():
            Redaction.objects.all().delete()

    def test_a_held_case_keeps_its_history(self, world, admin_user):
        case = closed_case(world, family="Held")
        legal_hold_place(by=admin_user, reason="Court", case_id=case.pk)
        run()
        assert "Held" in history_text(self.case_objects(case))
        assert not Redaction.objects.exists()


@pytest.mark.django_db
class TestPackagesFreeText:
    def test_justification_return_reason_approval_and_review_notes_go_with_the_case(self, world):
        package = scenario.package_submitted(world)
        package = package_services.package_return(
            package_id=package.pk, by=world.u.tm_east, reason="Say why Nan cannot pay for it herself"
        )
        case = package.case
        case_services.case_close(case_id=case.pk, by=world.u.prac_east, reason="needs_met")
        scenario.born_long_ago(case)
        output = run()
        assert f"network_packages.supportpackage #{package.pk}" in output
        package = SupportPackage.objects.get(pk=package.pk)
        assert package.justification == "Removed"
        assert package.return_reason == "Removed"
        assert set(package.items.values_list("description", flat=True)) == {"Removed"}
        history = history_text(
            {
                ("supportpackage", str(package.pk)),
                *{("packageitem", str(i)) for i in package.items.values_list("pk", flat=True)},
            }
        )
        assert "Nan cannot pay" not in history and "sofa bed so Nan" not in history
        event = DomainEvent.objects.get(action="retention_applied", object_type="supportpackage")
        assert "the justification" in event.changes["removed"]
        assert verify()[0] == 0

    def test_means_reason_and_checks_on_paid_carers_go_with_the_case(self, world):
        from network_packages.models import PayeeCheck

        package = scenario.package_submitted(world)
        SupportPackage.objects.filter(pk=package.pk).update(
            means_decision="waived", means_reason="Nan's pension only covers her own rent"
        )
        nan = package.items.first().payee
        check = package_services.payee_check_record(
            member_id=nan.pk,
            by=world.u.prac_east,
            kind="dbs",
            outcome="passed",
            checked_on=timezone.localdate(),
            reference="001234567890",
            notes="Enhanced check, nothing disclosed about Nan",
        )
        case = package.case
        case_services.case_close(case_id=case.pk, by=world.u.prac_east, reason="needs_met")
        scenario.born_long_ago(case)
        run()
        package = SupportPackage.objects.get(pk=package.pk)
        assert package.means_reason == "Removed" and package.means_decision == "waived"
        check = PayeeCheck.objects.get(pk=check.pk)
        assert (check.reference, check.notes, check.outcome) == ("Removed", "Removed", "passed")
        assert "nothing disclosed about Nan" not in history_text({("payeecheck", str(check.pk))})
        assert verify()[0] == 0
