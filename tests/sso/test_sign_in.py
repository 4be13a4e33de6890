"""Council sign-in, driven end to end with the Django test client and a local fake provider."""

import time
from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client, override_settings
from django.urls import reverse

from audit.models import DomainEvent
from core.roles import Role
from fgdm.models import SignInIdentity
from tests import scenario
from tests.factories import UserFactory
from tests.sso.conftest import (
    G_ADMINS,
    G_EAST,
    G_FINANCE,
    G_MANAGERS,
    G_PRACTITIONERS,
    G_UNMAPPED,
    G_WEST,
    person,
    sign_in,
)

pytestmark = pytest.mark.django_db
User = get_user_model()


def roles_of(user):
    return set(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))


def teams_of(user):
    user = User.objects.get(pk=user.pk)
    return (
        set(user.teams.values_list("code", flat=True)),
        set(user.managed_teams.values_list("code", flat=True)),
    )


def events(user, action=None):
    found = DomainEvent.objects.filter(object_type="user", object_id=user.pk).order_by("pk")
    return list(found.filter(action=action) if action else found)


def signed_in_as(client):
    return client.get(reverse("fgdm:profile")).context["user"]


class TestFirstSignIn:
    def test_creates_the_account_with_roles_and_teams_from_groups(self, provider):
        client, answer, _ = sign_in(provider, person())
        assert answer.status_code == 302
        assert answer["Location"] == reverse("process:home")
        user = User.objects.get(username="jo.bloggs@council.example")
        assert (user.first_name, user.last_name, user.email) == ("Jo", "Bloggs", "jo.bloggs@council.example")
        assert not user.has_usable_password()
        assert not user.is_staff and not user.is_superuser
        assert roles_of(user) == {Role.PRACTITIONER}
        assert teams_of(user) == ({"east"}, set())
        assert SignInIdentity.objects.get(user=user).subject == "sub-jo-0001"
        assert signed_in_as(client).pk == user.pk
        (event,) = events(user)
        assert (event.action, event.reason, event.actor_id) == ("user_created", "single sign-on", user.pk)
        assert event.changes["groups"] == [[], ["practitioner"]]
        assert event.changes["teams"] == [[], ["east"]]
        assert event.changes["sign_in_identity"] == [None, f"sub-jo-0001 at {provider.issuer}"]

    def test_a_manager_manages_the_mapped_team(self, provider):
        sign_in(provider, person(groups=[G_MANAGERS, G_WEST]))
        user = User.objects.get(username="jo.bloggs@council.example")
        assert roles_of(user) == {Role.TEAM_MANAGER}
        assert teams_of(user) == (set(), {"west"})

    def test_the_next_page_asked_for_is_where_it_ends(self, provider):
        _, answer, _ = sign_in(provider, person(), start_query="?next=/cases/")
        assert answer["Location"] == "/cases/"

    def test_an_unsafe_next_page_is_ignored(self, provider):
        _, answer, _ = sign_in(provider, person(), start_query="?next=https://elsewhere.example/")
        assert answer["Location"] == reverse("process:home")

    def test_the_request_carries_state_nonce_and_pkce(self, provider):
        client = Client()
        start = client.get(reverse("oidc_authentication_init"))
        location = start["Location"]
        for part in ("state=", "nonce=", "code_challenge=", "code_challenge_method=S256", "scope=openid"):
            assert part in location


class TestLaterSignIns:
    def test_a_group_taken_away_takes_the_role_away_audited(self, provider):
        sign_in(provider, person(groups=[G_PRACTITIONERS, G_MANAGERS, G_EAST]))
        user = User.objects.get(username="jo.bloggs@council.example")
        assert roles_of(user) == {Role.PRACTITIONER, Role.TEAM_MANAGER}
        assert teams_of(user) == ({"east"}, {"east"})
        client, answer, _ = sign_in(provider, person(groups=[G_PRACTITIONERS, G_EAST], given_name="Joanne"))
        assert answer.status_code == 302
        assert roles_of(user) == {Role.PRACTITIONER}
        assert teams_of(user) == ({"east"}, set())
        assert User.objects.get(pk=user.pk).first_name == "Joanne"
        event = events(user, "user_access_changed")[-1]
        assert event.reason == "single sign-on"
        assert event.changes["groups"] == [["practitioner", "team_manager"], ["practitioner"]]
        assert event.changes["managed_teams"] == [["east"], []]
        assert event.changes["first_name"] == ["Jo", "Joanne"]

    def test_a_move_of_team_moves_the_person(self, provider):
        sign_in(provider, person(groups=[G_PRACTITIONERS, G_EAST]))
        sign_in(provider, person(groups=[G_PRACTITIONERS, G_WEST]))
        user = User.objects.get(username="jo.bloggs@council.example")
        assert teams_of(user) == ({"west"}, set())

    def test_nothing_changed_records_nothing(self, provider):
        sign_in(provider, person())
        user = User.objects.get(username="jo.bloggs@council.example")
        sign_in(provider, person())
        assert len(events(user)) == 1

    def test_the_account_is_found_by_subject_not_by_name(self, provider):
        sign_in(provider, person())
        sign_in(provider, person(username="jo.smith@council.example", family_name="Smith"))
        assert User.objects.filter(sign_in_identity__subject="sub-jo-0001").count() == 1
        user = User.objects.get(sign_in_identity__subject="sub-jo-0001")
        assert (user.username, user.last_name) == ("jo.bloggs@council.example", "Smith")

    def test_a_lead_practitioner_stays_on_the_team_of_their_open_cases(self, provider, world):
        sign_in(provider, person(username="prac.east", groups=[G_PRACTITIONERS, G_EAST]))
        scenario.allocated(world)  # prac.east leads an open East case
        _, answer, _ = sign_in(provider, person(username="prac.east", groups=[G_PRACTITIONERS, G_WEST]))
        assert answer.status_code == 302
        assert teams_of(world.u.prac_east) == ({"east", "west"}, set())
        event = events(world.u.prac_east, "user_access_changed")[-1]
        assert "transfer them first" in event.changes["teams_kept"]["east"]

    def test_the_silent_recheck_sets_roles_again(self, provider):
        client, _, _ = sign_in(provider, person(groups=[G_PRACTITIONERS, G_MANAGERS, G_EAST]))
        session = client.session
        session["oidc_id_token_expiration"] = time.time() - 1
        session.save()
        provider.person = person(groups=[G_PRACTITIONERS, G_EAST])
        recheck = client.get(reverse("fgdm:case_list"))
        assert recheck.status_code == 302 and "prompt=none" in recheck["Location"]
        back = urlsplit(requests.get(recheck["Location"], allow_redirects=False, timeout=10).headers["Location"])
        answer = client.get(f"{back.path}?{back.query}")
        assert answer["Location"] == reverse("fgdm:case_list")
        user = User.objects.get(username="jo.bloggs@council.example")
        assert roles_of(user) == {Role.PRACTITIONER}
        assert client.get(reverse("fgdm:case_list")).status_code == 200

    def test_a_recheck_that_is_refused_signs_the_person_out(self, provider):
        client, _, _ = sign_in(provider, person())
        session = client.session
        session["oidc_id_token_expiration"] = time.time() - 1
        session.save()
        provider.person = person(groups=[G_UNMAPPED])
        recheck = client.get(reverse("fgdm:case_list"))
        back = urlsplit(requests.get(recheck["Location"], allow_redirects=False, timeout=10).headers["Location"])
        assert client.get(f"{back.path}?{back.query}").status_code == 403
        assert client.get(reverse("fgdm:case_list")).status_code == 302  # signed out

    def test_the_provider_ending_the_session_signs_the_person_out(self, provider):
        client, _, _ = sign_in(provider, person())
        state = "a-state-of-the-recheck"
        session = client.session
        session["oidc_states"] = {state: {"nonce": "n", "code_verifier": None, "added_on": time.time()}}
        session.save()
        answer = client.get(reverse("oidc_authentication_callback") + f"?error=login_required&state={state}")
        assert answer.status_code == 403 and "has ended" in answer.content.decode()
        assert client.get(reverse("fgdm:case_list")).status_code == 302

    def test_with_the_lockout_on_a_council_sign_in_works(self, provider):
        with override_settings(AXES_ENABLED=True):
            client, answer, _ = sign_in(provider, person())
        assert answer.status_code == 302
        assert signed_in_as(client).username == "jo.bloggs@council.example"

    def test_the_api_is_never_sent_to_the_provider(self, provider):
        client, _, _ = sign_in(provider, person())
        session = client.session
        session["oidc_id_token_expiration"] = time.time() - 1
        session.save()
        assert client.get("/api/v1/users/me/").status_code == 200


class TestExistingAccounts:
    def test_an_account_kept_by_hand_is_linked_by_name(self, provider, world):
        _, answer, _ = sign_in(provider, person(username="PRAC.EAST", groups=[G_PRACTITIONERS, G_EAST]))
        assert answer.status_code == 302
        assert SignInIdentity.objects.get(user=world.u.prac_east).subject == "sub-jo-0001"

    def test_an_administrators_account_is_never_opened_by_name(self, provider):
        admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
        _, answer, _ = sign_in(provider, person(username="admin"))
        assert answer.status_code == 403
        assert "administrator" in answer.content.decode()
        assert not SignInIdentity.objects.filter(user=admin).exists()
        assert roles_of(admin) == set()

    def test_an_account_linked_to_someone_else_is_refused(self, provider, world):
        sign_in(provider, person(sub="first", username="prac.east"))
        _, answer, _ = sign_in(provider, person(sub="second", username="prac.east"))
        assert answer.status_code == 403
        assert "belongs to someone else" in answer.content.decode()

    def test_a_deactivated_account_stays_out(self, provider, world):
        sign_in(provider, person(username="prac.east"))
        User.objects.filter(pk=world.u.prac_east.pk).update(is_active=False)
        _, answer, _ = sign_in(provider, person(username="prac.east"))
        assert answer.status_code == 403
        assert "cannot sign in" in answer.content.decode()


class TestAdministrators:
    def test_no_group_gives_administrator_without_a_mapping(self, provider):
        sign_in(provider, person(groups=[G_PRACTITIONERS, G_ADMINS]))
        user = User.objects.get(username="jo.bloggs@council.example")
        assert not user.is_staff and not user.is_superuser

    def test_with_the_admin_mapping_a_non_administrator_cannot_take_over_an_admin_account(self, provider):
        admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
        with override_settings(FGDM_OIDC_ADMIN_GROUPS=[G_ADMINS]):
            _, answer, _ = sign_in(provider, person(username="admin", groups=[G_FINANCE]))
        assert answer.status_code == 403
        admin.refresh_from_db()
        assert admin.is_superuser and not SignInIdentity.objects.filter(user=admin).exists()

    def test_the_admin_mapping_gives_and_takes_the_flags(self, provider):
        with override_settings(FGDM_OIDC_ADMIN_GROUPS=[G_ADMINS]):
            sign_in(provider, person(groups=[G_ADMINS]))
            user = User.objects.get(username="jo.bloggs@council.example")
            assert user.is_staff and user.is_superuser and roles_of(user) == set()
            sign_in(provider, person(groups=[G_FINANCE]))
        user.refresh_from_db()
        assert not user.is_staff and not user.is_superuser
        assert roles_of(user) == {Role.FINANCE_OFFICER}
        event = events(user, "user_access_changed")[-1]
        assert event.changes["is_superuser"] == [True, False]


class TestRefusals:
    """Each refusal is a page that says why; nothing is created; never a 500."""

    def refused(self, answer, status, words):
        assert answer.status_code == status
        assert "You cannot sign in with your council account" in answer.content.decode()
        assert words in answer.content.decode()

    def test_unknown_groups(self, provider):
        client, answer, _ = sign_in(provider, person(groups=[G_UNMAPPED]))
        self.refused(answer, 403, "None of your groups")
        assert not User.objects.filter(username="jo.bloggs@council.example").exists()
        assert client.get(reverse("fgdm:case_list")).status_code == 302  # not signed in

    def test_no_groups_at_all(self, provider):
        _, answer, _ = sign_in(provider, {k: v for k, v in person().items() if k != "groups"})
        self.refused(answer, 403, "None of your groups")

    def test_all_mapped_groups_gone_takes_everything_away_and_refuses(self, provider):
        sign_in(provider, person(groups=[G_PRACTITIONERS, G_EAST]))
        user = User.objects.get(username="jo.bloggs@council.example")
        _, answer, _ = sign_in(provider, person(groups=[G_UNMAPPED]))
        self.refused(answer, 403, "any more")
        assert roles_of(user) == set() and teams_of(user) == (set(), set())
        assert events(user, "user_access_changed")[-1].changes["groups"] == [["practitioner"], []]

    def test_too_many_groups_to_list(self, provider):
        overage = person(_claim_names={"groups": "src1"}, _claim_sources={"src1": {"endpoint": "x"}})
        del overage["groups"]
        _, answer, _ = sign_in(provider, overage)
        self.refused(answer, 403, "too many groups")

    @pytest.mark.parametrize("amr", [["pwd"], [], None, "pwd"])
    def test_no_second_factor(self, provider, amr):
        provider.tamper = {"amr": amr}
        _, answer, _ = sign_in(provider, person())
        self.refused(answer, 403, "without a second step")
        assert not User.objects.filter(username="jo.bloggs@council.example").exists()

    def test_a_second_factor_can_be_left_to_the_provider(self, provider):
        provider.tamper = {"amr": ["pwd"]}
        with override_settings(FGDM_OIDC_REQUIRE_MFA=False):
            _, answer, _ = sign_in(provider, person())
        assert answer.status_code == 302

    def test_a_state_this_browser_did_not_start(self, provider):
        _, _, callback = sign_in(provider, person())
        stranger = Client()
        stranger.get(reverse("oidc_authentication_init"))  # has states of its own, not this one
        self.refused(stranger.get(callback), 400, "expired or was already used")

    def test_a_callback_without_any_state(self, provider):
        self.refused(Client().get(reverse("oidc_authentication_callback") + "?code=x&state=y"), 400, "expired")

    def test_a_callback_used_twice(self, provider):
        client, answer, callback = sign_in(provider, person())
        assert answer.status_code == 302
        self.refused(client.get(callback), 400, "expired or was already used")

    @pytest.mark.parametrize(
        "tamper",
        [
            {"nonce": "not-the-one-we-sent"},
            {"aud": "another-application"},
            {"iss": "https://impostor.example/v2.0"},
            {"exp": int(time.time()) - 3600},
            {"sub": None},
        ],
        ids=["nonce", "audience", "issuer", "expired", "no-subject"],
    )
    def test_a_token_that_fails_its_checks(self, provider, tamper):
        provider.tamper = tamper
        client, answer, _ = sign_in(provider, person())
        self.refused(answer, 400, "expired or was already used")
        assert not User.objects.filter(username="jo.bloggs@council.example").exists()
        assert client.get(reverse("fgdm:case_list")).status_code == 302

    def test_a_token_signed_with_another_key(self, provider):
        provider.sign_with_other_key = True
        _, answer, _ = sign_in(provider, person())
        self.refused(answer, 400, "expired")

    def test_the_provider_says_no(self, provider):
        client = Client()
        client.get(reverse("oidc_authentication_init"))
        state = next(iter(client.session["oidc_states"]))
        answer = client.get(reverse("oidc_authentication_callback") + f"?error=access_denied&state={state}")
        self.refused(answer, 403, "did not let you in")

    def test_the_provider_does_not_answer(self, provider):
        with override_settings(OIDC_OP_TOKEN_ENDPOINT="http://127.0.0.1:9/token"):
            _, answer, _ = sign_in(provider, person())
        self.refused(answer, 502, "did not answer")

    def test_a_mapping_to_a_team_that_does_not_exist(self, provider):
        with override_settings(FGDM_OIDC_GROUP_TEAMS='{"%s": "nowhere"}' % G_EAST):
            _, answer, _ = sign_in(provider, person())
        self.refused(answer, 403, "team “nowhere”")


class TestPasswordsAndSignOut:
    def test_the_sign_in_page_offers_the_council_account_above_the_password(self, provider):
        page = Client().get(reverse("login")).content.decode()
        assert "Sign in with your council account" in page
        assert page.index("Sign in with your council account") < page.index('name="password"')

    def test_without_sso_the_page_is_as_before(self, world):
        page = Client().get(reverse("login")).content.decode()
        assert "council account" not in page and 'name="password"' in page
        assert Client().get(reverse("oidc_authentication_init")).status_code == 302
        assert Client().get(reverse("oidc_authentication_callback") + "?code=x&state=y")["Location"] == reverse("login")

    def test_password_sign_in_still_works(self, provider, world):
        client = Client()
        answer = client.post(reverse("login"), {"username": "prac.east", "password": "pw"})
        assert answer.status_code == 302
        assert signed_in_as(client).pk == world.u.prac_east.pk

    def test_a_password_sign_in_carrying_a_code_is_only_a_password_sign_in(self, provider, world):
        asked_before = len(provider.token_requests)
        answer = Client().post(reverse("login") + "?code=abc&state=def", {"username": "prac.east", "password": "no"})
        assert answer.status_code == 200
        assert len(provider.token_requests) == asked_before  # nobody asked the provider for that code

    def test_the_lockout_still_locks(self, provider, world):
        with override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=2):
            client = Client()
            for _ in range(2):
                client.post(reverse("login"), {"username": "prac.east", "password": "wrong"})
            answer = client.post(reverse("login"), {"username": "prac.east", "password": "pw"})
        assert answer.status_code == 429

    def test_password_sign_in_off_keeps_it_for_administrators(self, provider, world):
        UserFactory(username="admin", is_staff=True, is_superuser=True)
        with override_settings(FGDM_PASSWORD_SIGN_IN=False):
            page = Client().get(reverse("login")).content.decode()
            assert 'name="password"' not in page and "council account" in page
            refused = Client().post(reverse("login"), {"username": "prac.east", "password": "pw"})
            assert refused.status_code == 200 and "Sign in with your council account." in refused.content.decode()
            assert Client().post(reverse("login"), {"username": "admin", "password": "pw"}).status_code == 302

    def test_sign_out_ends_the_session_here_and_at_the_provider(self, provider):
        client, _, _ = sign_in(provider, person())
        answer = client.post(reverse("logout"))
        assert answer.status_code == 200
        link = answer.context["end_session"]
        assert link.startswith(provider.base + "/logout?")
        assert "id_token_hint=" in link and "post_logout_redirect_uri=" in link
        assert "Sign out of your council account" in answer.content.decode()
        assert client.get(reverse("fgdm:case_list")).status_code == 302

    def test_a_password_sign_out_stays_here(self, provider, world):
        client = Client()
        client.post(reverse("login"), {"username": "prac.east", "password": "pw"})
        assert client.post(reverse("logout"))["Location"] == reverse("login")


def test_roles_exist(db):
    assert Group.objects.filter(name=Role.PRACTITIONER).exists()
