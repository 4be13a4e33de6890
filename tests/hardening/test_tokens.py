"""API tokens (issue 14, finding 7): hashed, expiring, revocable; sign-out and a password change
revoke them; admin shows none and makes none; tokens and people's access changes are audited."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from audit.models import DomainEvent
from core.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
LOGOUT_URL = "/api/v1/auth/logout/"
ME_URL = "/api/v1/users/me/"


def sign_in(username="fin1", password="pw"):
    response = APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def me(token):
    return APIClient().get(ME_URL, HTTP_AUTHORIZATION=f"Token {token}").status_code


def events(action, user):
    return list(DomainEvent.objects.filter(action=action, object_type="user", object_id=user.pk).order_by("id"))


@pytest.fixture
def admin_client(world):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    client.admin = admin
    return client


class TestTokenEndpoint:
    def test_answers_a_token_and_its_expiry(self, world, settings):
        settings.FGDM_TOKEN_TTL_HOURS = 3
        answer = sign_in()
        assert set(answer) == {"token", "expiry"}
        expiry = datetime.datetime.fromisoformat(answer["expiry"])
        assert abs(expiry - (timezone.now() + datetime.timedelta(hours=3))) < datetime.timedelta(minutes=1)
        assert me(answer["token"]) == 200

    def test_the_token_is_stored_hashed(self, world):
        token = sign_in()["token"]
        stored = AuthToken.objects.get(user=world.u.fin1)
        assert token not in (stored.digest, stored.token_key)
        assert len(stored.token_key) < len(token)

    def test_a_token_expires(self, world, settings):
        settings.FGDM_TOKEN_TTL_HOURS = 1
        token = sign_in()["token"]
        with time_machine.travel(timezone.now() + datetime.timedelta(hours=1, minutes=1)):
            assert me(token) == 401

    def test_creating_a_token_is_audited(self, world):
        sign_in()
        (event,) = events("token_created", world.u.fin1)
        assert event.actor_id == world.u.fin1.pk and event.actor_username == "fin1"
        assert "expiry" in event.changes


class TestSignOut:
    def test_api_sign_out_revokes_the_token(self, world):
        token = sign_in()["token"]
        other = sign_in()["token"]
        response = APIClient().post(LOGOUT_URL, HTTP_AUTHORIZATION=f"Token {token}")
        assert response.status_code == 200
        assert me(token) == 401
        assert me(other) == 200  # only the token signed out with
        (event,) = events("token_revoked", world.u.fin1)
        assert event.actor_username == "fin1"

    def test_api_sign_out_needs_a_token(self, world):
        assert APIClient().post(LOGOUT_URL).status_code == 401
        client = APIClient()
        client.force_login(world.u.fin1)
        assert client.post(LOGOUT_URL).status_code == 400

    def test_page_sign_out_revokes_every_token(self, world):
        token = sign_in()["token"]
        client = Client()
        client.force_login(world.u.fin1)
        assert client.post(reverse("logout")).status_code == 302
        assert me(token) == 401
        (event,) = events("tokens_revoked", world.u.fin1)
        assert event.actor_username == "fin1" and event.reason == "signed_out"

    def test_a_password_change_revokes_every_token(self, world):
        token = sign_in()["token"]
        user = world.u.fin1
        user.set_password("a-new-password-42")
        user.save()
        assert me(token) == 401

    def test_a_hash_upgrade_at_sign_in_is_no_password_change(self, world):
        token = sign_in()["token"]
        world.u.fin1.refresh_from_db()
        world.u.fin1.save()  # no new password: tokens stay
        assert me(token) == 200

    def test_a_password_set_in_admin_revokes_and_names_the_administrator(self, world, admin_client):
        token = sign_in()["token"]
        url = reverse("admin:auth_user_password_change", args=[world.u.fin1.pk])
        response = admin_client.post(
            url, {"password1": "a-new-password-42", "password2": "a-new-password-42", "usable_password": "true"}
        )
        assert response.status_code == 302, response.content
        assert me(token) == 401
        (event,) = events("tokens_revoked", world.u.fin1)
        assert event.actor_username == "admin" and event.reason == "password_changed"


class TestAdmin:
    def test_tokens_are_not_readable_in_admin(self, world, admin_client):
        token = sign_in()["token"]
        listing = admin_client.get(reverse("admin:knox_authtoken_changelist"))
        assert listing.status_code == 200
        body = listing.content.decode()
        assert "fin1" in body
        assert token not in body and token[:15] not in body

    def test_an_administrator_cannot_make_a_token_for_someone_else(self, world, admin_client):
        url = reverse("admin:knox_authtoken_add")
        assert admin_client.get(url).status_code == 403
        response = admin_client.post(url, {"user": world.u.fin1.pk, "expiry_0": "2030-01-01", "expiry_1": "00:00"})
        assert response.status_code == 403
        assert not AuthToken.objects.exists()

    def test_tokens_cannot_be_changed_in_admin(self, world, admin_client):
        sign_in()
        stored = AuthToken.objects.get(user=world.u.fin1)
        url = reverse("admin:knox_authtoken_change", args=[stored.pk])
        assert admin_client.post(url, {"expiry_0": "2099-01-01", "expiry_1": "00:00"}).status_code == 403
        assert AuthToken.objects.get(pk=stored.pk).expiry == stored.expiry


def user_form(user, **changes):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "",
        "groups": [str(pk) for pk in user.groups.values_list("pk", flat=True)],
        "date_joined_0": timezone.localtime(user.date_joined).strftime("%d/%m/%Y"),
        "date_joined_1": timezone.localtime(user.date_joined).strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


class TestAccessChangesAreAudited:
    def test_a_change_of_roles_names_the_administrator(self, world, admin_client):
        user = world.u.prac_east
        manager = Group.objects.get(name=Role.TEAM_MANAGER)
        response = admin_client.post(
            reverse("admin:auth_user_change", args=[user.pk]),
            user_form(user, groups=[str(g.pk) for g in user.groups.all()] + [str(manager.pk)]),
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        (event,) = events("user_access_changed", user)
        assert event.actor_username == "admin"
        assert event.changes == {"groups": [[Role.PRACTITIONER], sorted([Role.PRACTITIONER, Role.TEAM_MANAGER])]}

    def test_deactivating_someone_is_audited_and_ends_their_tokens(self, world, admin_client):
        token = sign_in()["token"]
        user = world.u.fin1
        response = admin_client.post(reverse("admin:auth_user_change", args=[user.pk]), user_form(user, is_active=""))
        assert response.status_code == 302
        (event,) = events("user_access_changed", user)
        assert event.actor_username == "admin" and event.changes == {"is_active": [True, False]}
        (revoked,) = events("tokens_revoked", user)
        assert revoked.actor_username == "admin" and revoked.reason == "deactivated"
        assert me(token) == 401

    def test_saving_without_a_change_records_nothing(self, world, admin_client):
        user = world.u.fin1
        response = admin_client.post(reverse("admin:auth_user_change", args=[user.pk]), user_form(user))
        assert response.status_code == 302
        assert events("user_access_changed", user) == []

    def test_a_change_of_teams_names_the_administrator(self, world, admin_client):
        from fgdm.services import team_update

        team_update(team_id=world.team_east.pk, by=admin_client.admin, members=[world.u.prac_east])
        event = DomainEvent.objects.get(action="team_changed")
        assert event.actor_username == "admin" and "members" in event.changes


class TestExpiryAndRolesAreAudited:
    def test_an_expired_token_is_removed_and_the_trail_says_so(self, world, settings):
        settings.FGDM_TOKEN_TTL_HOURS = 1
        token = sign_in()["token"]
        with time_machine.travel(timezone.now() + datetime.timedelta(hours=1, minutes=1)):
            assert me(token) == 401
        assert not AuthToken.objects.filter(user=world.u.fin1).exists()
        (event,) = events("token_expired", world.u.fin1)
        assert event.reason == "presented after it expired"

    def test_a_change_to_a_roles_permissions_is_audited_with_the_administrator(self, world, admin_client):
        from django.contrib.auth.models import Permission

        group = Group.objects.get(name=Role.AUDITOR)
        kept = list(group.permissions.values_list("pk", flat=True))
        extra = Permission.objects.get(codename="change_payment")
        response = admin_client.post(
            reverse("admin:auth_group_change", args=[group.pk]),
            {"name": group.name, "permissions": kept + [extra.pk]},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        (event,) = DomainEvent.objects.filter(action="role_access_changed", object_id=group.pk)
        assert event.actor_id == admin_client.admin.pk
        assert event.changes["permissions"] == {"added": ["payments.change_payment"], "removed": []}

    def test_saving_a_role_unchanged_records_nothing(self, world, admin_client):
        group = Group.objects.get(name=Role.AUDITOR)
        kept = list(group.permissions.values_list("pk", flat=True))
        admin_client.post(
            reverse("admin:auth_group_change", args=[group.pk]), {"name": group.name, "permissions": kept}
        )
        assert not DomainEvent.objects.filter(action="role_access_changed").exists()
