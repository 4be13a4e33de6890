"""The menu of each role holds exactly the pages that role may open (issue 16, part 5).

Written generically: every link in a role's menu must answer 200 for that role, and every link any
role's menu holds is a candidate page that must be absent from the menu of a role it refuses — so a
new menu item (Dashboard, Reports…) is checked without changing this test. The report pages
(REPORT_PAGES) must also be present in the menu of every role they answer 200 to.
"""

import re

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLES = ("prac_east", "coord", "tm_east", "sm", "hos", "fin1", "auditor", "admin")


def menu(page: str) -> list[str]:
    nav = re.search(r'<ul class="govuk-service-navigation__list" id="navigation">(.*?)</ul>', page, re.S)
    return re.findall(r'href="([^"]+)"', nav.group(1)) if nav else []


@pytest.fixture
def clients(world):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    people = {name: getattr(world.u, name) for name in ROLES if name != "admin"} | {"admin": admin}
    signed_in = {}
    for name, user in people.items():
        client = Client()
        client.force_login(user)
        signed_in[name] = client
    return signed_in


def menu_of(client) -> list[str]:
    return menu(client.get(reverse("process:home"), follow=True).content.decode())


def test_every_menu_link_answers_200(clients):
    for name, client in clients.items():
        for href in menu_of(client):
            assert client.get(href).status_code == 200, (name, href)


# The manager-and-finance reports that issue 16 puts in the menu "of everyone who may see them,
# and nowhere else". A name not yet served (the dashboard, before it lands) is skipped.
REPORT_PAGES = ("payments:budgets", "reports:dashboard", "reports:returns")


def report_pages() -> set[str]:
    pages = set()
    for name in REPORT_PAGES:
        try:
            pages.add(reverse(name))
        except NoReverseMatch:
            continue
    return pages


def test_a_page_a_role_cannot_open_is_not_in_its_menu(clients):
    menus = {name: menu_of(client) for name, client in clients.items()}
    candidates = {href for items in menus.values() for href in items} | report_pages()
    for name, client in clients.items():
        refused = {href for href in candidates if client.get(href).status_code != 200}
        assert not refused & set(menus[name]), name


def test_the_reports_are_in_the_menu_of_exactly_those_who_may_open_them(clients):
    for name, client in clients.items():
        may_open = {href for href in report_pages() if client.get(href).status_code == 200}
        assert report_pages() & set(menu_of(client)) == may_open, name


@pytest.mark.parametrize("name", ["fin1", "auditor", "sm", "hos"])
def test_budgets_in_the_menu_of_those_who_may_open_them(clients, name):
    assert reverse("payments:budgets") in menu_of(clients[name])


@pytest.mark.parametrize("name", ["prac_east", "coord", "tm_east", "admin"])
def test_budgets_not_in_the_menu_of_others(clients, name):
    assert reverse("payments:budgets") not in menu_of(clients[name])
    assert clients[name].get(reverse("payments:budgets")).status_code == 403


def test_the_outbox_is_in_the_administrators_menu_only(clients):
    outbox = reverse("notifications:outbox")
    for name, client in clients.items():
        assert (outbox in menu_of(client)) == (name == "admin"), name
        assert client.get(outbox).status_code == (200 if name == "admin" else 404), name


def test_everyone_signed_in_finds_how_they_are_told(clients):
    for name, client in clients.items():
        page = client.get(reverse("process:home"), follow=True).content.decode()
        assert reverse("notifications:preferences") in page, name
        assert client.get(reverse("notifications:preferences")).status_code == 200, name
