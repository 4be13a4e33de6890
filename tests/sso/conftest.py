"""Council sign-in against a local fake provider (tests/sso/fake_provider.py)."""

import json
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client, override_settings
from django.urls import reverse

from tests.sso.fake_provider import FakeProvider

G_PRACTITIONERS = "11111111-aaaa-4000-8000-000000000001"
G_MANAGERS = "11111111-aaaa-4000-8000-000000000002"
G_EAST = "11111111-aaaa-4000-8000-000000000003"
G_WEST = "11111111-aaaa-4000-8000-000000000004"
G_FINANCE = "11111111-aaaa-4000-8000-000000000005"
G_ADMINS = "11111111-aaaa-4000-8000-000000000006"
G_UNMAPPED = "11111111-aaaa-4000-8000-00000000ffff"

GROUP_ROLES = {
    G_PRACTITIONERS: "practitioner",
    G_MANAGERS: ["team_manager"],
    G_FINANCE: "finance_officer",
}
GROUP_TEAMS = {G_EAST: "east", G_WEST: "west"}


@pytest.fixture(scope="session")
def fake_provider():
    provider = FakeProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def provider(fake_provider, world):
    """The fake provider, FGDM pointed at it, and the world's teams to map to."""
    fake_provider.person, fake_provider.tamper, fake_provider.sign_with_other_key = {}, {}, False
    settings = fake_provider.settings(
        FGDM_OIDC_GROUP_ROLES=json.dumps(GROUP_ROLES),
        FGDM_OIDC_GROUP_TEAMS=json.dumps(GROUP_TEAMS),
    )
    with override_settings(**settings):
        yield fake_provider


def person(sub="sub-jo-0001", username="Jo.Bloggs@council.example", groups=(G_PRACTITIONERS, G_EAST), **more):
    return {
        "sub": sub,
        "preferred_username": username,
        "email": username.lower(),
        "given_name": "Jo",
        "family_name": "Bloggs",
        "groups": list(groups),
        **more,
    }


def sign_in(provider, who: dict, client: Client | None = None, start_query: str = ""):
    """Drive the whole sign-in: start here, go to the provider, come back to the callback with its
    code and state. Returns (client, the callback's answer, the callback URL)."""
    client = client or Client()
    provider.person = who
    start = client.get(reverse("oidc_authentication_init") + start_query)
    assert start.status_code == 302, start
    assert start["Location"].startswith(provider.base + "/authorize?")
    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == reverse("oidc_authentication_callback")
    callback = f"{back.path}?{back.query}"
    return client, client.get(callback), callback


@pytest.fixture
def sso():
    return SimpleNamespace(sign_in=sign_in, person=person)
