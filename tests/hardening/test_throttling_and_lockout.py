"""The client's address, throttling and lockout (issue 14, findings 5 and 8).

One helper (audit.net.client_address) names the client for the audit trail, the lockout and the
throttles: behind FGDM_TRUSTED_PROXIES proxies, never what the client wrote in X-Forwarded-For.
"""

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import DomainEvent
from audit.net import client_address
from tests.factories import UserFactory

TOKEN_URL = "/api/v1/auth/token/"
CASE_BODY = {
    "family_name": "Hardy",
    "locality": "east",
    "stage": "family_help",
    "referral_reason": "Mum is going into hospital.",
    "child_lives_with": "Mother",
    "children": [{"first_name": "Lily", "last_name": "Hardy", "date_of_birth": "2017-03-09"}],
}


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


class TestClientAddress:
    @pytest.mark.parametrize(
        "proxies, forwarded, remote, expected",
        [
            (0, "", "10.0.0.1", "10.0.0.1"),
            (0, "203.0.113.9", "10.0.0.1", "10.0.0.1"),  # no trusted proxy: the header is the client's word
            (1, "203.0.113.9", "10.0.0.1", "203.0.113.9"),
            (1, "6.6.6.6, 203.0.113.9", "10.0.0.1", "203.0.113.9"),  # the left part was written by the client
            (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "10.0.0.1", "203.0.113.9"),
            (1, "not-an-ip", "10.0.0.1", "10.0.0.1"),
            (1, "203.0.113.9,,", "10.0.0.1", "10.0.0.1"),
            (2, "203.0.113.9", "10.0.0.1", "10.0.0.1"),  # fewer hops than proxies: not believed
            (1, " 2001:db8::1 ", "10.0.0.1", "2001:db8::1"),
            (0, "", "not-an-ip", None),
        ],
    )
    def test_address(self, settings, proxies, forwarded, remote, expected):
        settings.FGDM_TRUSTED_PROXIES = proxies
        request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
        assert client_address(request) == expected


@pytest.mark.django_db
class TestAuditTrailAddress:
    def test_a_malformed_forwarded_for_is_ignored_on_the_api(self, world, api):
        client = api.as_user(world.u.prac_east)
        response = client.post(
            "/api/v1/cases/", CASE_BODY, format="json", HTTP_X_FORWARDED_FOR="not-an-ip", REMOTE_ADDR="10.1.2.3"
        )
        assert response.status_code == 201, response.content
        event = DomainEvent.objects.filter(case_id=response.json()["id"]).order_by("id").first()
        assert event.remote_addr == "10.1.2.3"

    def test_a_forged_forwarded_for_is_not_recorded_on_a_page(self, world):
        from audit.models import LogEntry
        from tests import scenario

        client = Client()
        client.force_login(world.u.prac_east)
        case = scenario.allocated(world)
        response = client.post(
            f"/cases/{case.pk}/consent/",
            {"given_by": "Sarah Hardy", "scope": "both"},
            HTTP_X_FORWARDED_FOR="not-an-ip",
            REMOTE_ADDR="10.4.4.4",
        )
        assert response.status_code == 302
        assert DomainEvent.objects.get(action="consent_recorded").remote_addr == "10.4.4.4"
        assert "not-an-ip" not in {str(a) for a in LogEntry.objects.values_list("remote_addr", flat=True)}
        assert LogEntry.objects.order_by("id").last().remote_addr == "10.4.4.4"

    def test_behind_a_trusted_proxy_the_client_is_recorded(self, world, api, settings):
        settings.FGDM_TRUSTED_PROXIES = 1
        client = api.as_user(world.u.prac_east)
        response = client.post(
            "/api/v1/cases/",
            CASE_BODY,
            format="json",
            HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9",
            REMOTE_ADDR="10.0.0.1",
        )
        assert response.status_code == 201
        event = DomainEvent.objects.filter(case_id=response.json()["id"]).order_by("id").first()
        assert event.remote_addr == "203.0.113.9"


@pytest.mark.django_db
class TestThrottling:
    def test_the_token_endpoint_is_throttled_per_client(self, world, settings):
        settings.FGDM_THROTTLE_RATES = {"sign_in": "3/minute", "write": "1000/minute"}
        client = APIClient()
        answers = [
            client.post(TOKEN_URL, {"username": f"user{n}", "password": "guess"}, format="json").status_code
            for n in range(4)
        ]
        assert answers == [400, 400, 400, 429]
        # Another client (behind the trusted proxy) is not held back by the first one's attempts.
        settings.FGDM_TRUSTED_PROXIES = 1
        other = client.post(
            TOKEN_URL, {"username": "prac.east", "password": "pw"}, format="json", HTTP_X_FORWARDED_FOR="203.0.113.9"
        )
        assert other.status_code == 200

    def test_writes_are_throttled_per_person_reads_are_not(self, world, api, settings):
        settings.FGDM_THROTTLE_RATES = {"sign_in": "1000/minute", "write": "2/minute"}
        client = api.as_user(world.u.prac_east)
        answers = [client.post("/api/v1/cases/", CASE_BODY, format="json").status_code for _ in range(3)]
        assert answers == [201, 201, 429]
        assert client.get("/api/v1/cases/").status_code == 200
        other = api.as_user(world.u.prac_east2)
        assert other.post("/api/v1/cases/", CASE_BODY, format="json").status_code == 201


@pytest.fixture
def lockout(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


@pytest.mark.django_db
@pytest.mark.usefixtures("lockout")
class TestLockout:
    def test_a_locked_account_gets_429_on_the_api(self, world):
        UserFactory(username="fin9", password="right-password-123")
        client = APIClient()
        answers = [
            client.post(TOKEN_URL, {"username": "fin9", "password": "wrong"}, format="json").status_code
            for _ in range(3)
        ]
        assert answers == [400, 400, 429]  # the third failure locks the account
        response = client.post(TOKEN_URL, {"username": "fin9", "password": "right-password-123"}, format="json")
        assert response.status_code == 429
        assert "token" not in response.json()
        assert "locked" in response.json()["detail"]

    def test_lockout_is_keyed_on_the_client_not_the_proxy(self, world, settings):
        """Behind a proxy every request comes from the proxy's address: one person's failures must not
        lock everyone else out of that account."""
        settings.FGDM_TRUSTED_PROXIES = 1
        UserFactory(username="fin9", password="right-password-123")
        proxy = {"REMOTE_ADDR": "10.0.0.1"}
        attacker = APIClient()
        for _ in range(3):
            attacker.post(
                TOKEN_URL,
                {"username": "fin9", "password": "wrong"},
                format="json",
                HTTP_X_FORWARDED_FOR="6.6.6.6",
                **proxy,
            )
        owner = APIClient().post(
            TOKEN_URL,
            {"username": "fin9", "password": "right-password-123"},
            format="json",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
            **proxy,
        )
        assert owner.status_code == 200
        page = Client().post(
            reverse("login"),
            {"username": "fin9", "password": "right-password-123"},
            HTTP_X_FORWARDED_FOR="203.0.113.10",
            **proxy,
        )
        assert page.status_code == 302
        again = attacker.post(
            TOKEN_URL,
            {"username": "fin9", "password": "right-password-123"},
            format="json",
            HTTP_X_FORWARDED_FOR="6.6.6.6",
            **proxy,
        )
        assert again.status_code == 429

    def test_the_page_refuses_a_locked_account_with_429(self, world):
        UserFactory(username="fin9", password="right-password-123")
        client = Client()
        for _ in range(3):
            client.post(reverse("login"), {"username": "fin9", "password": "wrong"})
        response = client.post(reverse("login"), {"username": "fin9", "password": "right-password-123"})
        assert response.status_code == 429


@pytest.mark.django_db
class TestPageWritesAreThrottled:
    def test_page_writes_share_the_write_rate_and_change_nothing_over_it(self, world, settings, api):
        from fgdm.models import Case
        from tests import scenario

        settings.FGDM_THROTTLE_RATES = {"sign_in": "1000/minute", "write": "3/minute"}
        case = scenario.referral(world)
        client = Client()
        client.force_login(world.u.prac_east)
        url = reverse("fgdm:case_stage", args=[case.pk])
        # One write through the API and two through the pages use up the person's three.
        assert api.as_user(world.u.prac_east).post("/api/v1/cases/", CASE_BODY, format="json").status_code == 201
        for stage in ("child_protection", "family_help"):
            assert client.post(url, {"stage": stage, "reason": "Strategy meeting"}).status_code == 302
        refused = client.post(url, {"stage": "kinship", "reason": "Strategy meeting"})
        assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
        assert "Nothing was changed" in refused.content.decode()
        assert Case.objects.get(pk=case.pk).stage == "family_help"
        # Reads go on; another person's writes are not held back.
        assert client.get(reverse("fgdm:case_detail", args=[case.pk])).status_code == 200
        other = Client()
        other.force_login(world.u.prac_east2)
        assert other.post(reverse("fgdm:case_stage", args=[case.pk]), {}).status_code != 429


def redis_reachable() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.django_db
@pytest.mark.skipif(not redis_reachable(), reason="no Redis at 127.0.0.1:6379")
class TestThrottlesCountInASharedRedis:
    def test_two_processes_sharing_redis_count_one_persons_writes_once(self, world, api, settings):
        import uuid

        from django.core.cache import caches

        settings.FGDM_THROTTLE_RATES = {"sign_in": "1000/minute", "write": "2/minute"}
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:6379/15",
                "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            }
        }
        client = api.as_user(world.u.prac_east)
        assert client.post("/api/v1/cases/", CASE_BODY, format="json").status_code == 201
        # Another process's memory would start afresh; Redis remembers the first write.
        caches["default"].close()
        assert client.post("/api/v1/cases/", CASE_BODY, format="json").status_code == 201
        assert client.post("/api/v1/cases/", CASE_BODY, format="json").status_code == 429
        shared = caches["default"]
        assert type(shared).__name__ == "RedisCache"
        assert len(shared.get(f"throttle_write_user-{world.u.prac_east.pk}")) == 2
