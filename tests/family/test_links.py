"""Links to the family's plan: issuing and revoking them (services and staff pages), and the
family's own page (what it shows, what it never shows, its headers, its access log)."""

import datetime
import hashlib

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog, DomainEvent, LogEntry
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken
from family import services
from family.models import FamilyLink
from fgdm import services as case_services
from tests.family.conftest import (
    ACCOUNT_NAME,
    ACCOUNT_NUMBER,
    AUNT,
    BOTTOM_LINES,
    EXCLUDED,
    EXCLUSION_REASON,
    PARENT,
    SORT_CODE,
)

pytestmark = pytest.mark.django_db


def _page(token, client=None):
    return (client or Client()).get(f"/family/{token}/")


class TestIssue:
    def test_announces_the_link_and_keeps_only_its_hash(self, family, announced, settings):
        link = services.family_link_issue(member_id=family.nan.pk, by=family.lead)
        [sent] = announced.seen
        token = announced.token()
        expires_on = (timezone.localdate() + datetime.timedelta(days=settings.FGDM_FAMILY_LINK_DAYS)).isoformat()
        assert sent == {
            "event": "family_link_issued",
            "key": f"family-link:{link.pk}",
            "link_id": link.pk,
            "member_id": family.nan.pk,
            "url": f"{settings.FGDM_SITE_URL}/family/{token}/",
            "expires_on": expires_on,
        }
        assert len(token) == 43
        assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
        [event] = DomainEvent.objects.filter(action="family_link_issued")
        assert event.actor == family.lead and event.case_id == family.case.pk
        trail = " ".join(
            f"{e.object_repr} {e.reason} {e.changes}" for e in DomainEvent.objects.filter(case_id=family.case.pk)
        ) + " ".join(str(e.changes) for e in LogEntry.objects.all())
        assert token not in trail and link.token_hash not in trail

    def test_days_and_the_setting(self, family, announced, settings):
        settings.FGDM_FAMILY_LINK_DAYS = 5
        link = services.family_link_issue(member_id=family.nan.pk, by=family.lead)
        assert (link.expires_at - link.created_at) == datetime.timedelta(days=5)
        link = services.family_link_issue(member_id=family.nan.pk, by=family.lead, days=3)
        assert (link.expires_at - link.created_at) == datetime.timedelta(days=3)
        for days in (0, 91, "7"):
            with pytest.raises(RuleBroken):
                services.family_link_issue(member_id=family.nan.pk, by=family.lead, days=days)

    def test_a_new_link_revokes_the_old(self, family, announced):
        old = services.family_link_issue(member_id=family.nan.pk, by=family.lead)
        old_token = announced.token()
        new = services.family_link_issue(member_id=family.nan.pk, by=family.lead)
        new_token = announced.token()
        old.refresh_from_db()
        assert old.status == "revoked" and old.revoked_reason
        assert new.status == "live"
        assert _page(old_token).status_code == 404
        assert _page(new_token).status_code == 200
        assert DomainEvent.objects.get(object_id=new.pk, action="family_link_issued").changes["replaced_links"] == [
            old.pk
        ]

    def test_not_agreed_is_refused(self, family, announced):
        with pytest.raises(InvalidTransition):
            services.family_link_issue(member_id=family.parent.pk, by=family.lead)
        assert not announced.seen and not FamilyLink.objects.exists()

    def test_excluded_member_is_refused(self, family, announced):
        with pytest.raises(InvalidTransition):
            services.family_link_issue(member_id=family.excluded.pk, by=family.lead)

    def test_exclusion_proposed_after_agreeing_is_refused(self, family, announced):
        case_services.member_exclusion_propose(
            member_id=family.nan.pk, by=family.lead, reason="Risk", how_to_contribute="Letter", how_to_challenge="Ask"
        )
        with pytest.raises(InvalidTransition):
            services.family_link_issue(member_id=family.nan.pk, by=family.lead)

    def test_removed_member_is_refused(self, family, announced):
        case_services.member_remove(member_id=family.nan.pk, by=family.lead, reason="Moved away")
        with pytest.raises(InvalidTransition):
            services.family_link_issue(member_id=family.nan.pk, by=family.lead)

    @pytest.mark.parametrize("who", ["prac_west", "tm_east", "fin1", "coord"])
    def test_only_the_case_practitioners(self, family, world, announced, who):
        with pytest.raises(NotPermitted):
            services.family_link_issue(member_id=family.nan.pk, by=getattr(world.u, who))
        assert not announced.seen

    def test_nothing_announced_when_the_transaction_rolls_back_is_the_handlers_business(self, family, announced):
        # The port is told inside the transaction; the notifications floor sends after COMMIT.
        services.family_link_issue(member_id=family.nan.pk, by=family.lead)
        assert [a["event"] for a in announced.seen] == ["family_link_issued"]


class TestRevoke:
    def test_revoked_link_answers_404(self, family, announced):
        link = services.family_link_issue(member_id=family.nan.pk, by=family.lead)
        token = announced.token()
        assert _page(token).status_code == 200
        services.family_link_revoke(link_id=link.pk, by=family.lead, reason="Phone lost")
        assert _page(token).status_code == 404
        [event] = DomainEvent.objects.filter(action="family_link_revoked")
        assert (event.from_state, event.to_state, event.reason) == ("live", "revoked", "Phone lost")

    def test_refusals(self, family, world, announced):
        link = services.family_link_issue(member_id=family.nan.pk, by=family.lead)
        with pytest.raises(RuleBroken):
            services.family_link_revoke(link_id=link.pk, by=family.lead, reason="  ")
        with pytest.raises(NotPermitted):
            services.family_link_revoke(link_id=link.pk, by=world.u.prac_west, reason="x")
        services.family_link_revoke(link_id=link.pk, by=family.lead, reason="Phone lost")
        with pytest.raises(InvalidTransition):
            services.family_link_revoke(link_id=link.pk, by=family.lead, reason="Again")


class TestFamilyPage:
    def test_shows_their_plan_actions_meetings_and_money(self, family, announced):
        services.family_link_issue(member_id=family.nan.pk, by=family.lead)
        response = _page(announced.token())
        assert response.status_code == 200
        page = response.content.decode()
        assert "Hello Margaret" in page
        assert "Nan stays over while mum is in hospital" in page  # their own action
        assert "Check in with the school weekly" in page and "Social worker" in page  # a professional's
        assert "Another family member" in page  # the aunt's action, without her name
        # Names inside the plan's words are replaced in a way that still reads.
        assert "If Nan is unwell, another family member steps in; another family member has a key." in page
        assert "Take Lily to school and tell another family member how she is" in page
        assert "Leigh Park Family Hub" in page
        assert "Sofa bed" in page and "£45.50" in page and "weekly, 2 times" in page
        assert "Not paid yet" in page
        assert "Bus fares" not in page and "77.70" not in page  # paid to someone else

    def test_never_shows_other_people_bank_details_bottom_lines_or_exclusion_reasons(self, family, announced):
        services.family_link_issue(member_id=family.nan.pk, by=family.lead)
        page = _page(announced.token()).content.decode()
        for secret in (
            PARENT,
            "Sarah",
            AUNT,
            "Joanne",
            EXCLUDED,
            "Derek",
            "sarah@example.org",
            "jo@example.org",
            "07700 900999",
            BOTTOM_LINES,
            EXCLUSION_REASON,
            "Bail conditions",
            ACCOUNT_NAME,
            ACCOUNT_NUMBER,
            SORT_CODE,
            "400000",
            "6782",  # the masked account number's tail
            "Mum is going into hospital",  # the referral reason
            "Wants to stay at her school",  # the child's wishes and feelings
            "2017",  # the child's date of birth
            family.case.reference,
        ):
            assert secret not in page, secret

    def test_each_view_is_access_logged_without_the_token(self, family, announced):
        link = services.family_link_issue(member_id=family.nan.pk, by=family.lead)
        token = announced.token()
        _page(token)
        _page(token)
        logs = AccessLog.objects.filter(what="family_link_view")
        assert logs.count() == 2
        for log in logs:
            assert log.actor is None and log.door == "page"
            assert (log.object_type, log.object_id, log.case_id) == ("networkmember", family.nan.pk, family.case.pk)
            assert f"network member #{family.nan.pk}" in log.path and token not in log.path
        link.refresh_from_db()
        assert link.last_viewed_at is not None

    def test_headers(self, family, announced):
        services.family_link_issue(member_id=family.nan.pk, by=family.lead)
        response = _page(announced.token())
        assert "no-store" in response["Cache-Control"]
        assert "noindex" in response["X-Robots-Tag"]
        assert response["Referrer-Policy"] == "no-referrer"
        assert "Content-Security-Policy" in response
        page = response.content.decode()
        assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page

    def test_expired_answers_404(self, family, announced):
        services.family_link_issue(member_id=family.nan.pk, by=family.lead)
        token = announced.token()
        with time_machine.travel(timezone.now() + datetime.timedelta(days=29), tick=False):
            response = _page(token)
        assert response.status_code == 404
        assert "Page not found" in response.content.decode()
        assert not AccessLog.objects.filter(what="family_link_view").exists()

    def test_member_excluded_after_the_link_answers_404(self, family, world, announced):
        services.family_link_issue(member_id=family.nan.pk, by=family.lead)
        case_services.member_exclusion_propose(
            member_id=family.nan.pk, by=family.lead, reason="Risk", how_to_contribute="Letter", how_to_challenge="Ask"
        )
        assert _page(announced.token()).status_code == 404

    @pytest.mark.parametrize(
        "junk",
        ["x", "a" * 43, "a" * 500, "%00", "..%2F..%2Fetc", "ñ" * 43, "' OR 1=1 --", "%F0%9F%92%A9", "-" * 43],
    )
    def test_junk_tokens_are_404_never_500(self, db, junk):
        response = Client().get(f"/family/{junk}/")
        assert response.status_code == 404
        assert "Page not found" in response.content.decode()

    def test_read_only(self, family, announced):
        services.family_link_issue(member_id=family.nan.pk, by=family.lead)
        assert Client().post(f"/family/{announced.token()}/").status_code == 405

    def test_guessing_is_throttled(self, db, settings):
        cache.clear()
        settings.FGDM_THROTTLE_RATES = {**settings.FGDM_THROTTLE_RATES, "family_link": "3/minute"}
        client = Client()
        answers = [client.get(f"/family/{'b' * 43}/").status_code for _ in range(4)]
        assert answers == [404, 404, 404, 429]
        cache.clear()


class TestStaffPages:
    def test_send_a_link_from_the_member_page(self, family, client, announced):
        client.force_login(family.lead)
        messages_page = reverse("fgdm:member_messages", args=[family.nan.pk])
        page = client.get(messages_page).content.decode()
        assert "Send a link to the plan" in page and "No link has been sent" in page
        assert client.get(reverse("family:link_new", args=[family.nan.pk])).status_code == 200
        response = client.post(reverse("family:link_new", args=[family.nan.pk]))
        assert response.status_code == 302
        link = FamilyLink.objects.get(member=family.nan)
        page = client.get(messages_page).content.decode()
        assert "Live" in page and "Not opened" in page and announced.token() not in page
        _page(announced.token())
        assert "Not opened" not in client.get(messages_page).content.decode()
        response = client.post(reverse("family:link_revoke", args=[link.pk]), {"reason": "Sent to the wrong e-mail"})
        assert response.status_code == 302
        link.refresh_from_db()
        assert link.status == "revoked"
        assert "Sent to the wrong e-mail" in client.get(messages_page).content.decode()

    def test_says_why_not_when_no_contact(self, family, client):
        client.force_login(family.lead)
        page = client.get(reverse("fgdm:member_messages", args=[family.parent.pk])).content.decode()
        assert "Send a link to the plan" not in page
        assert "has not agreed to be sent messages" in page
        response = client.post(reverse("family:link_new", args=[family.parent.pk]))
        assert response.status_code == 409
        assert not FamilyLink.objects.exists()

    def test_revoke_without_reason_is_a_form_error(self, family, client, announced):
        link = services.family_link_issue(member_id=family.nan.pk, by=family.lead)
        client.force_login(family.lead)
        response = client.post(reverse("family:link_revoke", args=[link.pk]), {"reason": ""})
        assert response.status_code == 400
        link.refresh_from_db()
        assert link.status == "live"

    def test_other_team_gets_404_and_finance_403(self, family, world, client, announced):
        link = services.family_link_issue(member_id=family.nan.pk, by=family.lead)
        client.force_login(world.u.prac_west)
        assert client.get(reverse("family:link_new", args=[family.nan.pk])).status_code == 404
        assert client.post(reverse("family:link_revoke", args=[link.pk]), {"reason": "x"}).status_code == 404
        client.force_login(world.u.fin1)
        assert client.post(reverse("family:link_new", args=[family.nan.pk])).status_code == 403
        link.refresh_from_db()
        assert link.status == "live"
