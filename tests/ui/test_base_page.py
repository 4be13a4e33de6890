"""Every page's frame (issue 15): GOV.UK Frontend served from this site, the menu each role gets
(only pages it may open; developer pages in the footer), the error title, favicon and error pages."""

import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def menu(page: str) -> list[str]:
    nav = re.search(r'<ul class="govuk-service-navigation__list" id="navigation">(.*?)</ul>', page, re.S)
    return re.findall(r'href="([^"]+)"', nav.group(1)) if nav else []


def footer(page: str) -> str:
    return page.split('<footer class="govuk-footer">')[1]


@pytest.fixture
def as_user(world):
    def sign_in(username):
        client = Client()
        client.force_login(getattr(world.u, username))
        return client

    return sign_in


def test_pages_use_govuk_frontend_from_this_site(as_user):
    page = as_user("prac_east").get(reverse("process:home")).content.decode()
    assert 'href="/static/govuk/govuk-frontend.min.css"' in page
    assert 'src="/static/core/app.js"' in page and 'type="module"' in page
    assert "http://" not in page.split("<body")[0] and "https://" not in page.split("<body")[0]
    assert 'class="govuk-skip-link"' in page and 'id="main-content"' in page
    assert "govuk-phase-banner" in page


def test_each_role_gets_only_the_menu_items_it_may_open(as_user):
    for username in ("prac_east", "tm_east", "fin1", "auditor", "coord"):
        client = as_user(username)
        page = client.get(reverse("process:home"), follow=True).content.decode()
        items = menu(page)
        assert items, username
        for href in items:
            assert client.get(href).status_code == 200, (username, href)
        # Developer pages are not in anyone's menu, but in the footer.
        assert not any(href.startswith("/api/") for href in items), username
        assert reverse("api-docs") in footer(page) and reverse("api-redoc") in footer(page)
    fin = menu(as_user("fin1").get(reverse("process:home")).content.decode())
    assert reverse("payments:batch_list") in fin and reverse("fgdm:case_new") not in fin
    prac = menu(as_user("prac_east").get(reverse("process:home")).content.decode())
    assert reverse("fgdm:case_new") in prac and reverse("payments:batch_list") not in prac


def test_the_current_page_is_marked_in_the_menu(as_user):
    page = as_user("prac_east").get(reverse("fgdm:case_list")).content.decode()
    assert re.search(r'href="/cases/"\s+aria-current="page"', page)


def test_a_page_with_errors_says_so_in_its_title(as_user):
    page = as_user("prac_east").post(reverse("fgdm:case_new"), {}).content.decode()
    assert re.search(r"<title>Error: ", page)
    assert 'class="govuk-error-summary" data-module="govuk-error-summary"' in page


def test_favicon_and_styled_error_pages(as_user, client):
    assert client.get("/favicon.ico")["Location"].endswith("core/favicon.ico")
    assert client.get("/static/core/favicon.svg").status_code == 200
    page = as_user("prac_east").get("/no-such-page/")
    assert page.status_code == 404 and "govuk-heading-l" in page.content.decode()
