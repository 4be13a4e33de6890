"""Shared fixtures: a small Dorset-like world with one person in every role."""

import datetime
import functools
import gc
from types import SimpleNamespace

import pytest
from faker import Faker
from rest_framework.test import APIClient

from core.roles import Role
from tests.factories import LocalityFactory, TeamFactory

_faker = Faker("en_GB")


def pytest_sessionstart(session):
    """Python's cyclic garbage collector, tuned for a test run: what is loaded by now (Django, the
    apps) lives to the end, so it is never scanned again (freeze); and the collector runs after
    50,000 new objects rather than 700, since tests make many short-lived ones (the ORM, the
    migrations each test database runs). Nothing a test sees changes; the run takes less CPU."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


@functools.cache
def _password_pw() -> str:
    """The hash of "pw" (UserFactory's password), made once a run: the same for everyone is enough."""
    from django.contrib.auth.hashers import make_password

    return make_password("pw")


def _people(**roles):
    """The world's people, as UserFactory makes them (username from the key with "_" as ".", a
    name, an address, password "pw", one role), in a few statements each: every test builds them."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    groups = Group.objects.in_bulk(set(roles.values()), field_name="name")
    people = {}
    for key, role in roles.items():
        username = key.replace("_", ".")
        people[key] = get_user_model().objects.create(
            username=username,
            first_name=_faker.first_name(),
            last_name=_faker.last_name(),
            email=f"{username}@example.org",
            password=_password_pw(),
        )
        people[key].groups.add(groups[role])
    return people


@pytest.fixture
def world(db):
    east = LocalityFactory(code="east", name="East")
    west = LocalityFactory(code="west", name="West")
    team_east = TeamFactory(code="east", name="East team")
    team_east.localities.add(east)
    team_west = TeamFactory(code="west", name="West team")
    team_west.localities.add(west)
    users = SimpleNamespace(
        **_people(
            prac_east=Role.PRACTITIONER,
            prac_east2=Role.PRACTITIONER,
            prac_west=Role.PRACTITIONER,
            coord=Role.COORDINATOR,
            tm_east=Role.TEAM_MANAGER,
            tm_west=Role.TEAM_MANAGER,
            sm=Role.SERVICE_MANAGER,
            hos=Role.HEAD_OF_SERVICE,
            fin1=Role.FINANCE_OFFICER,
            fin2=Role.FINANCE_OFFICER,
            auditor=Role.AUDITOR,
        )
    )
    team_east.members.add(users.prac_east, users.prac_east2)
    team_east.managers.add(users.tm_east)
    team_west.members.add(users.prac_west)
    team_west.managers.add(users.tm_west)
    return SimpleNamespace(east=east, west=west, team_east=team_east, team_west=team_west, u=users)


@pytest.fixture
def api():
    """An API client; `api.as_user(user)` authenticates with a real token."""
    from knox.models import AuthToken

    client = APIClient()

    def as_user(user):
        _, token = AuthToken.objects.create(user=user, expiry=datetime.timedelta(hours=1))
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    client.as_user = as_user
    return client


@pytest.fixture
def today():
    from django.utils import timezone

    return timezone.localdate()


@pytest.fixture
def yesterday(today):
    return today - datetime.timedelta(days=1)


@pytest.fixture
def no_messages():
    """Nobody is told anything (the notification port unregistered): for tests that count the case's
    own records, such as retention's totals. Messages have their own retention tests."""
    from core import notify

    previous = notify._notifier
    notify.register(None)
    yield
    notify.register(previous)


@pytest.fixture
def as_page():
    """`as_page(user)`: a page client signed in as that user."""
    from django.test import Client

    def signed_in(user):
        client = Client()
        client.force_login(user)
        return client

    return signed_in
