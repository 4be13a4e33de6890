"""Shared fixtures: a small Dorset-like world with one person in every role."""

import contextlib
import datetime
import fcntl
import functools
import gc
import hashlib
import os
import shutil
import sqlite3
from pathlib import Path
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


# -- the test database, migrated once per set of migrations ------------------------------------------
# Migrating a test database takes a run's worker some 15 s of CPU (every app's migrations), and `make
# test` makes several: one per pytest-xdist worker, again for the browser tests' run, on SQLite and on
# PostgreSQL. The first worker to need one migrates as Django always does, then keeps a copy of the
# result: a file in .venv/test-databases/ (SQLite), or a database `<test name>_migrated_<hash>`
# (PostgreSQL). Any later test database of the same migrations starts as that copy, and Django's
# `migrate` then finds nothing to apply (it still runs post_migrate, which keeps the roles). The copy is
# named by a hash of every installed app's migration files, so a changed or added migration (or a
# library's) makes a new one; `make clean` removes the files, and an old PostgreSQL copy goes when its
# successor is made.

MIGRATED_DIR = Path(__file__).resolve().parent.parent / ".venv" / "test-databases"


def _migrations_hash() -> str:
    from django.apps import apps

    digest = hashlib.sha256()
    for config in sorted(apps.get_app_configs(), key=lambda config: config.label):
        folder = Path(config.path) / "migrations"
        for path in sorted(folder.glob("*.py")) if folder.is_dir() else ():
            digest.update(f"{config.label}/{path.name}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@contextlib.contextmanager
def _one_worker_at_a_time():
    """The workers of one run (and runs side by side) take turns: the first migrates and keeps its
    copy, the others wait for it and start from the copy."""
    MIGRATED_DIR.mkdir(parents=True, exist_ok=True)
    with open(MIGRATED_DIR / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _postgres_copy_name(connection, digest: str) -> str:
    base = connection.creation._get_test_db_name()  # without pytest-xdist's _gwN
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and base.endswith(f"_{worker}"):
        base = base.removesuffix(f"_{worker}")
    return f"{base}_migrated_{digest}"[:63]


def _postgres_databases(connection, prefix: str) -> list[str]:
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix.replace("_", r"\_") + "%"])
        return [row[0] for row in cursor.fetchall()]


def _setup_from_migrated_copy(setup, connection):
    """Run `setup(keepdb)` (Django's setup_databases) on a test database made from the migrated copy
    when there is one; otherwise migrate as usual and keep a copy. Returns what setup returns."""
    digest = _migrations_hash()
    vendor = connection.vendor
    with _one_worker_at_a_time():
        if vendor == "sqlite":
            name = connection.creation._get_test_db_name()
            copy = MIGRATED_DIR / f"sqlite-{digest}.sqlite3"
            if copy.exists() and not connection.creation.is_in_memory_db(name):
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{name}{suffix}").unlink(missing_ok=True)
                shutil.copyfile(copy, name)
                return setup(keepdb=True)  # keepdb: Django uses the file as it is (and removes it after)
            result = setup(keepdb=False)
            if not connection.creation.is_in_memory_db(name):
                partial = MIGRATED_DIR / f".sqlite-{digest}.{os.getpid()}"
                with sqlite3.connect(name) as source, sqlite3.connect(partial) as target:
                    source.backup(target)  # a consistent copy, whatever the write-ahead log holds
                target.close()
                source.close()
                partial.replace(copy)
                for old in MIGRATED_DIR.glob("sqlite-*.sqlite3"):
                    if old != copy:
                        old.unlink(missing_ok=True)
            return result
        if vendor == "postgresql":
            copy = _postgres_copy_name(connection, digest)
            test_settings = connection.settings_dict.setdefault("TEST", {})
            if copy in _postgres_databases(connection, copy):
                # Django makes the test database as CREATE DATABASE … TEMPLATE the copy.
                test_settings["TEMPLATE"] = copy
                try:
                    return setup(keepdb=False)
                finally:
                    test_settings.pop("TEMPLATE", None)
            result = setup(keepdb=False)
            test_name = connection.settings_dict["NAME"]
            connection.close()  # a template may have no one connected
            prefix = copy.removesuffix(digest)
            with connection.creation._nodb_cursor() as cursor:
                for old in _postgres_databases(connection, prefix):
                    cursor.execute(f'DROP DATABASE IF EXISTS "{old}"')
                cursor.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{test_name}"')
            return result
        return setup(keepdb=False)


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_use_migrations,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """pytest-django's fixture of the same name, but the test database starts as the migrated copy
    (above). With --reuse-db or --nomigrations, pytest-django's own way."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    reuse = django_db_keepdb and not django_db_createdb

    def setup(keepdb):
        return setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            aliases=aliases,
            serialized_aliases=serialized_aliases,
            keepdb=keepdb,
        )

    with django_db_blocker.unblock():
        if not django_db_use_migrations:
            _disable_migrations()
        if reuse or not django_db_use_migrations or aliases != {"default"}:
            db_cfg = setup(keepdb=reuse)
        else:
            db_cfg = _setup_from_migrated_copy(setup, connection)
    yield
    if not reuse:
        with django_db_blocker.unblock():
            teardown_databases(db_cfg, verbosity=request.config.option.verbose)


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
