"""Sign-in hardening: lockout after repeated failures, inactivity expiry, password validators."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import UserFactory


@pytest.fixture(autouse=False)
def lockout(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


@pytest.mark.django_db
@pytest.mark.usefixtures("lockout")
class TestLockout:
    def test_page_sign_in_locks_after_repeated_failures(self, client):
        UserFactory(username="prac.east", password="right-password-123")
        url = reverse("login")
        for _ in range(3):
            client.post(url, {"username": "prac.east", "password": "wrong"})
        response = client.post(url, {"username": "prac.east", "password": "right-password-123"})
        assert response.status_code in (403, 429)
        assert "_auth_user_id" not in client.session

    def test_a_success_before_the_limit_signs_in(self, client):
        UserFactory(username="prac.east", password="right-password-123")
        url = reverse("login")
        client.post(url, {"username": "prac.east", "password": "wrong"})
        response = client.post(url, {"username": "prac.east", "password": "right-password-123"})
        assert response.status_code == 302
        assert client.session["_auth_user_id"]

    def test_api_token_refused_when_locked_out(self, client):
        UserFactory(username="fin1", password="right-password-123")
        url = "/api/v1/auth/token/"
        for _ in range(3):
            client.post(url, {"username": "fin1", "password": "wrong"})
        response = client.post(url, {"username": "fin1", "password": "right-password-123"})
        assert response.status_code == 429  # not the 400 of a wrong password
        assert "token" not in response.json()


def test_sessions_expire_after_inactivity():
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE <= 60 * 60


@pytest.mark.django_db
def test_weak_passwords_are_refused():
    with pytest.raises(ValidationError):
        validate_password("password")
    with pytest.raises(ValidationError):
        validate_password("12165678")
