"""Retention and subject access cover the links to the plan."""

import datetime

import pytest
from django.utils import timezone

from audit import sar
from audit.retention import apply_retention
from family import services
from family.models import FamilyLink
from family.records import REMOVED

pytestmark = pytest.mark.django_db


def test_a_member_subject_access_export_lists_their_links(family, announced):
    link = services.family_link_issue(member_id=family.nan.pk, by=family.lead)
    services.family_link_revoke(link_id=link.pk, by=family.lead, reason="Phone lost")
    bundle = sar.build(kind="member", subject_id=family.nan.pk)
    values = [(section, label, shown) for section, _, label, shown, _ in sar.items(bundle)]
    assert ("Links to your family's plan", "Why it was stopped", "Phone lost") in values
    assert announced.token() not in str(bundle) and link.token_hash not in str(bundle)


def test_retention_removes_the_reason_a_year_after_it_stopped(family, announced, settings):
    link = services.family_link_issue(member_id=family.nan.pk, by=family.lead)
    services.family_link_revoke(link_id=link.pk, by=family.lead, reason="Phone lost")
    today = timezone.localdate()
    assert not [o for o in apply_retention(today=today, dry_run=False) if o.due.object_type == "family.familylink"]
    later = today + datetime.timedelta(days=settings.FGDM_FAMILY_LINK_KEEP_DAYS + 2)
    outcomes = [o for o in apply_retention(today=later, dry_run=False) if o.due.object_type == "family.familylink"]
    assert [o.result for o in outcomes] == ["destroyed"]
    assert FamilyLink.objects.get(pk=link.pk).revoked_reason == REMOVED
    again = [o for o in apply_retention(today=later, dry_run=False) if o.due.object_type == "family.familylink"]
    assert again == []
