"""A signature names who signed: it goes with the case's records under retention, and a subject
access request shows it."""

import datetime

import pytest

from audit import sar
from audit.models import DomainEvent
from audit.retention import apply_retention
from fgdm import services as case_services
from network_packages import services
from tests import scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(world):
    package = scenario.package_approved(world)
    signature = services.agreement_record_signature(
        package_id=package.pk,
        by=world.u.prac_east,
        signed_by_name="Margaret Hardy",
        signed_as="grandmother",
        signed_on=datetime.date(2027, 2, 20),
    )
    return package, signature


def test_the_signers_name_goes_with_the_case_under_retention(world, signed):
    package, signature = signed
    case = package.case
    scenario.born_long_ago(case)
    case_services.case_close(case_id=case.pk, by=world.u.prac_east, reason="needs_met")
    today = datetime.date(2027, 2, 21)
    assert [
        o.due.object_id for o in apply_retention(today=today, dry_run=True) if "agreement" in o.due.object_type
    ] == [signature.pk]
    apply_retention(today=today, dry_run=False)
    signature.refresh_from_db()
    assert signature.signed_by_name == "Removed"
    # What was signed, as whom and when stay.
    assert (signature.signed_as, signature.package_version, len(signature.agreement_checksum)) == ("grandmother", 1, 64)
    event = DomainEvent.objects.get(action="retention_applied", object_type="agreementsignature")
    assert event.object_id == signature.pk and event.case_id == case.pk
    # A second run finds nothing more to do.
    assert not [o for o in apply_retention(today=today, dry_run=True) if "agreement" in o.due.object_type]


def test_an_open_case_keeps_its_signatures(world, signed):
    package, signature = signed
    apply_retention(today=datetime.date(2099, 1, 1), dry_run=False)
    signature.refresh_from_db()
    assert signature.signed_by_name == "Margaret Hardy"


def test_subject_access_request(world, signed):
    package, signature = signed
    nan = package.items.get().payee
    bundle = sar.build(kind="member", subject_id=nan.pk)
    text = str(bundle)
    assert "Written agreements signed" in text and "grandmother" in text
    child = package.case.children.get()
    child_bundle = str(sar.build(kind="child", subject_id=child.pk))
    assert "Written agreement of package version 1" in child_bundle
    assert "third party: someone who signed the family" in child_bundle
