"""Browser tests: pytest-playwright driving Debian's Chromium against a live server seeded with the
demo data (`process.demo`).

Playwright cannot download its own browser here, so the tests launch `/usr/bin/chromium` (or
FGDM_CHROMIUM). Without it they are skipped with a message saying how to install it, unless
FGDM_BROWSER_TESTS=required (as `.ci/run` sets), when a missing browser fails the run.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.browser.tour import SCREENSHOTS, Tour

CHROMIUM = os.environ.get("FGDM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HERE = Path(__file__).resolve().parent


def _missing_browser() -> str:
    """Why the browser tests cannot run here, or "" when they can."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return (
            f"Chromium not found at {CHROMIUM}: the browser tests need Debian's Chromium "
            "(apt-get install chromium), or FGDM_CHROMIUM=/path/to/chromium."
        )
    return ""


def pytest_collection_modifyitems(config, items):
    why = _missing_browser()
    if not why or os.environ.get("FGDM_BROWSER_TESTS") == "required":
        return  # required: each browser test fails in its setup instead (pytest_runtest_setup)
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.skip(reason=why))


def pytest_runtest_setup(item):
    why = _missing_browser()
    if why and os.environ.get("FGDM_BROWSER_TESTS") == "required":
        pytest.fail(f"FGDM_BROWSER_TESTS=required, but {why}", pytrace=False)


def pytest_terminal_summary(terminalreporter):
    """Say plainly, at the end of the run, that the browser tests did not run and how to run them."""
    why = _missing_browser()
    skipped = [
        report for report in terminalreporter.stats.get("skipped", []) if report.nodeid.startswith("tests/browser/")
    ]
    if why and skipped:
        terminalreporter.write_line(f"{len(skipped)} browser tests skipped. {why}", yellow=True, bold=True)


def pytest_sessionstart(session):
    # Screenshots from the last run only (a worker of pytest-xdist must not wipe the others').
    if not hasattr(session.config, "workerinput"):
        shutil.rmtree(SCREENSHOTS, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def _sync_orm_beside_playwright():
    """Playwright's sync API runs an event loop in the test's thread, and Django then refuses sync
    ORM calls there (SynchronousOnlyOperation): the seeding and pytest-django's flush need them.
    Nothing in the project is async, so the check has nothing to protect in these tests."""
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if before is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}, "locale": "en-GB"}


@pytest.fixture
def demo(django_db_serialized_rollback, transactional_db, settings):
    """The demo world (`manage.py seed_demo`): Dorset's localities and hubs, the demo users (password
    `settings.DEMO_PASSWORD`), budgets, suppliers and the demo cases at their steps.

    Serialized rollback: the live server needs committed data, so the test flushes the database at
    its end; with the migrations' data (roles, permissions, approval limits) serialized and put back
    at the start of the next such test, no later test finds them missing or renumbered."""
    import importlib

    from django.apps import apps

    from process import demo as seed

    # A transactional test before this one in the same worker may have flushed the migrations' own
    # data (approval limits, payee policy): put the defaults back, as the migrations do.
    for module, function in (
        ("network_packages.migrations.0002_default_approval_limits", "create_defaults"),
        ("network_packages.migrations.0011_default_payee_policy", "create_policy"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)
    seed.seed_reference()
    users = seed.seed_users()
    seed.seed_budgets(users)
    seed.seed_suppliers(users)
    seed.seed_cases(users)
    seed.seed_subject_access(users)
    return users


@pytest.fixture
def tour(request, page, live_server, demo, settings):
    """A person's visit, by clicking and typing: checks and photographs every page it reaches."""
    journey = request.node.originalname.removeprefix("test_")
    visit = Tour(page, base_url=live_server.url, journey=journey, password=settings.DEMO_PASSWORD)
    yield visit
    if not visit.finished:  # the journey stopped early: print what it saw on the way
        print(visit.report())
