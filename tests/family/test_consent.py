"""Recording a network member's consent to messages: the service, the page and the API field."""

import pytest
from django.urls import reverse

from audit.models import DomainEvent
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken
from fgdm import services as case_services
from fgdm.contact import member_contact
from tests import scenario

pytestmark = pytest.mark.django_db


def _nan(world, **details):
    case, nan = scenario.with_network(world)
    if details:
        case_services.member_update(member_id=nan.pk, by=world.u.prac_east, **details)
    return case, nan


class TestMemberMessagesSet:
    def test_agreeing_records_when_and_who_and_one_event(self, world):
        _, nan = _nan(world, email="nan@example.org")
        member = case_services.member_messages_set(member_id=nan.pk, by=world.u.prac_east, messages="email")
        assert member.messages == "email"
        assert member.messages_agreed_at is not None
        assert member.messages_recorded_by == world.u.prac_east
        assert member_contact(member).email == "nan@example.org"
        events = DomainEvent.objects.filter(action="member_messages_set", object_id=nan.pk)
        assert [(e.from_state, e.to_state, e.actor) for e in events] == [("none", "email", world.u.prac_east)]

    def test_opting_out(self, world):
        _, nan = _nan(world, email="nan@example.org", phone="07700 900123")
        case_services.member_messages_set(member_id=nan.pk, by=world.u.prac_east, messages="email_and_sms")
        member = case_services.member_messages_set(member_id=nan.pk, by=world.u.prac_east, messages="none")
        assert member.messages == "none" and member.messages_agreed_at is None
        assert member_contact(member) is None

    def test_unchanged_records_nothing(self, world):
        _, nan = _nan(world)
        case_services.member_messages_set(member_id=nan.pk, by=world.u.prac_east, messages="none")
        assert not DomainEvent.objects.filter(action="member_messages_set").exists()

    @pytest.mark.parametrize("messages", ["email", "sms", "email_and_sms"])
    def test_no_address_for_the_channel_is_refused(self, world, messages):
        _, nan = _nan(world)
        with pytest.raises(RuleBroken):
            case_services.member_messages_set(member_id=nan.pk, by=world.u.prac_east, messages=messages)

    def test_unknown_answer_is_refused(self, world):
        _, nan = _nan(world, email="nan@example.org")
        with pytest.raises(RuleBroken):
            case_services.member_messages_set(member_id=nan.pk, by=world.u.prac_east, messages="pigeon")

    def test_excluded_member_is_refused_but_may_opt_out(self, world):
        _, nan = _nan(world, email="nan@example.org")
        case_services.member_messages_set(member_id=nan.pk, by=world.u.prac_east, messages="email")
        case_services.member_exclusion_propose(
            member_id=nan.pk, by=world.u.prac_east, reason="Risk", how_to_contribute="A letter", how_to_challenge="Ask"
        )
        case_services.member_exclusion_sign_off(member_id=nan.pk, by=world.u.tm_east)
        with pytest.raises(InvalidTransition):
            case_services.member_messages_set(member_id=nan.pk, by=world.u.prac_east, messages="email_and_sms")
        member = case_services.member_messages_set(member_id=nan.pk, by=world.u.prac_east, messages="none")
        assert member.messages == "none"

    def test_exclusion_proposed_is_refused(self, world):
        _, nan = _nan(world, email="nan@example.org")
        case_services.member_exclusion_propose(
            member_id=nan.pk, by=world.u.prac_east, reason="Risk", how_to_contribute="A letter", how_to_challenge="Ask"
        )
        with pytest.raises(InvalidTransition):
            case_services.member_messages_set(member_id=nan.pk, by=world.u.prac_east, messages="email")

    def test_removed_member_is_refused(self, world):
        _, nan = _nan(world, email="nan@example.org")
        case_services.member_remove(member_id=nan.pk, by=world.u.prac_east, reason="Left")
        for messages in ("email", "none"):
            with pytest.raises(InvalidTransition):
                case_services.member_messages_set(member_id=nan.pk, by=world.u.prac_east, messages=messages)

    @pytest.mark.parametrize("who", ["prac_west", "tm_east", "fin1"])
    def test_only_the_case_practitioners(self, world, who):
        _, nan = _nan(world, email="nan@example.org")
        with pytest.raises(NotPermitted):
            case_services.member_messages_set(member_id=nan.pk, by=getattr(world.u, who), messages="email")


class TestMessagesPage:
    def test_shows_the_addresses_and_saves(self, world, client):
        _, nan = _nan(world, email="nan@example.org", phone="07700 900123")
        client.force_login(world.u.prac_east)
        url = reverse("fgdm:member_messages", args=[nan.pk])
        page = client.get(url).content.decode()
        assert "nan@example.org" in page and "07700 900123" in page
        assert 'type="radio"' in page
        response = client.post(url, {"messages": "sms"})
        assert response.status_code == 302
        nan.refresh_from_db()
        assert nan.messages == "sms"
        assert "They agreed on" in client.get(url).content.decode()

    def test_the_case_page_links_to_it(self, world, client):
        case, nan = _nan(world)
        client.force_login(world.u.prac_east)
        page = client.get(reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        assert reverse("fgdm:member_messages", args=[nan.pk]) in page

    def test_refusal_is_a_form_error_and_changes_nothing(self, world, client):
        _, nan = _nan(world)
        client.force_login(world.u.prac_east)
        response = client.post(reverse("fgdm:member_messages", args=[nan.pk]), {"messages": "email"})
        assert response.status_code == 400
        assert "No e-mail address is held" in response.content.decode()
        nan.refresh_from_db()
        assert nan.messages == "none"

    def test_another_team_gets_404(self, world, client):
        _, nan = _nan(world)
        client.force_login(world.u.prac_west)
        assert client.get(reverse("fgdm:member_messages", args=[nan.pk])).status_code == 404


class TestMessagesApiField:
    def test_patch_messages(self, world, api):
        _, nan = _nan(world)
        client = api.as_user(world.u.prac_east)
        url = f"/api/v1/network-members/{nan.pk}/"
        response = client.patch(url, {"email": "nan@example.org", "messages": "email"}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["messages"] == "email"
        assert response.json()["messages_agreed_at"]
        nan.refresh_from_db()
        assert (nan.email, nan.messages) == ("nan@example.org", "email")
        assert set(DomainEvent.objects.filter(object_id=nan.pk).values_list("action", flat=True)) >= {
            "member_updated",
            "member_messages_set",
        }

    def test_bad_value_is_400(self, world, api):
        _, nan = _nan(world, email="nan@example.org")
        response = api.as_user(world.u.prac_east).patch(
            f"/api/v1/network-members/{nan.pk}/", {"messages": "pigeon"}, format="json"
        )
        assert response.status_code == 400
        assert "messages" in response.json()

    def test_excluded_is_409_and_nothing_changes(self, world, api):
        _, nan = _nan(world, email="nan@example.org")
        case_services.member_exclusion_propose(
            member_id=nan.pk, by=world.u.prac_east, reason="Risk", how_to_contribute="A letter", how_to_challenge="Ask"
        )
        response = api.as_user(world.u.prac_east).patch(
            f"/api/v1/network-members/{nan.pk}/", {"phone": "07700 900555", "messages": "email"}, format="json"
        )
        assert response.status_code == 409
        nan.refresh_from_db()
        assert (nan.messages, nan.phone) == ("none", "")
