"""The three floors together: a practitioner sends a member a link to the plan (family), GOV.UK Notify
carries it (notifications, against the local fake of Notify), and what the member receives opens
their page — once, and never shown again by the app after it has gone."""

import pytest
from django.test import Client

from family import services
from notifications.constants import WITHHELD, Status
from notifications.models import Notification
from tests.notifications.conftest import fake_notify, run_tasks  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def test_the_link_sent_by_notify_opens_the_members_page(family, fake_notify, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        services.family_link_issue(member_id=family.nan.pk, by=family.lead)
    assert run_tasks() == 1
    [post] = fake_notify.posts()
    assert post["json"]["email_address"] == "nan@example.org"
    assert post["json"]["template_id"] == "tmpl-family_link"
    url = post["json"]["personalisation"]["url"]

    page = Client().get(url.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
    assert page.status_code == 200
    assert "Nan stays over while mum is in hospital" in page.content.decode()

    message = Notification.objects.get(event="family_link_issued")
    assert message.member == family.nan and message.status == Status.SENT
    assert message.personalisation["url"] == WITHHELD


def test_in_the_outbox_the_link_waits_for_the_member_only(family, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.family_link_issue(member_id=family.nan.pk, by=family.lead)
    [message] = Notification.objects.filter(event="family_link_issued")
    assert message.status == Status.OUTBOX and message.member == family.nan
    # Nobody else in the network is sent the link: not the aunt, the parent or the excluded member.
    assert not Notification.objects.filter(event="family_link_issued").exclude(member=family.nan).exists()


def test_a_member_who_withdrew_agreement_is_refused_a_link(family):
    from core.exceptions import DomainError
    from fgdm import services as case_services

    case_services.member_messages_set(member_id=family.nan.pk, by=family.lead, messages="none")
    with pytest.raises(DomainError):
        services.family_link_issue(member_id=family.nan.pk, by=family.lead)
    assert not Notification.objects.filter(event="family_link_issued").exists()


def test_an_auditor_opening_a_link_leaves_no_token_in_the_access_log(family, announced, world):
    from audit.models import AccessLog

    services.family_link_issue(member_id=family.nan.pk, by=family.lead)
    token = announced.token()
    auditor = Client()
    auditor.force_login(world.u.auditor)
    assert auditor.get(f"/family/{token}/").status_code == 200
    assert AccessLog.objects.filter(path__startswith="family link").exists()
    assert not [a for a in AccessLog.objects.all() if token in f"{a.path} {a.what} {a.object_type}"]
