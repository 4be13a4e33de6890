"""Shared fixtures: a small Dorset-like world with one person in every role."""

import datetime
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from core.roles import Role
from tests.factories import LocalityFactory, TeamFactory, UserFactory


@pytest.fixture
def world(db):
    east = LocalityFactory(code="east", name="East")
    west = LocalityFactory(code="west", name="West")
    team_east = TeamFactory(code="east", name="East team")
    team_east.localities.add(east)
    team_west = TeamFactory(code="west", name="West team")
    team_west.localities.add(west)
    users = SimpleNamespace(
        prac_east=UserFactory(username="prac.east", roles=[Role.PRACTITIONER]),
        prac_east2=UserFactory(username="prac.east2", roles=[Role.PRACTITIONER]),
        prac_west=UserFactory(username="prac.west", roles=[Role.PRACTITIONER]),
        coord=UserFactory(username="coord", roles=[Role.COORDINATOR]),
        tm_east=UserFactory(username="tm.east", roles=[Role.TEAM_MANAGER]),
        tm_west=UserFactory(username="tm.west", roles=[Role.TEAM_MANAGER]),
        sm=UserFactory(username="sm", roles=[Role.SERVICE_MANAGER]),
        hos=UserFactory(username="hos", roles=[Role.HEAD_OF_SERVICE]),
        fin1=UserFactory(username="fin1", roles=[Role.FINANCE_OFFICER]),
        fin2=UserFactory(username="fin2", roles=[Role.FINANCE_OFFICER]),
        auditor=UserFactory(username="auditor", roles=[Role.AUDITOR]),
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
