"""Headers and error answers (issue 14, finding 12): a Content-Security-Policy with nothing inline,
Permissions-Policy, no-store on what a signed-in person is shown, JSON errors on the API, and a 500
page that promises nothing it does not do."""

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import path, reverse

from tests import scenario


def boom(request):
    raise RuntimeError("boom")


# A URLconf with a view that fails, and the project's error handlers.
from config import urls as project_urls  # noqa: E402

urlpatterns = [path("api/v1/boom/", boom), path("boom/", boom), *project_urls.urlpatterns]
handler404 = project_urls.handler404
handler500 = project_urls.handler500

INLINE = re.compile(r"<style|<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=", re.IGNORECASE)


@pytest.fixture
def signed_in(world):
    client = Client()
    client.force_login(world.u.prac_east)
    return client


@pytest.mark.django_db
class TestContentSecurityPolicy:
    def test_pages_carry_a_policy_without_inline_allowances(self, signed_in):
        response = signed_in.get(reverse("process:home"))
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy

    def test_pages_have_nothing_inline(self, world, signed_in):
        case = scenario.allocated(world)
        for url in (
            reverse("process:home"),
            reverse("fgdm:case_list"),
            reverse("fgdm:case_detail", args=[case.pk]),
            reverse("fgdm:case_map", args=[case.pk]),
        ):
            response = signed_in.get(url)
            assert response.status_code == 200, url
            found = INLINE.findall(response.content.decode())
            assert found == [], (url, found)
        assert INLINE.findall(Client().get(reverse("login")).content.decode()) == []

    def test_the_stylesheets_are_served(self, client):
        for name in ("core/app.css", "govuk/govuk-frontend.min.css", "core/swagger.css"):
            response = client.get(f"/static/{name}")
            assert response.status_code == 200, name
            assert response["Content-Type"].startswith("text/css")
        assert client.get("/static/core/app.js")["Content-Type"].startswith("text/javascript")
        assert client.get("/favicon.ico").status_code == 301

    def test_the_api_docs_load_swagger_ui_without_inline_code(self, client):
        response = client.get(reverse("api-docs"))
        assert response.status_code == 200
        assert INLINE.findall(response.content.decode()) == []
        policy = response["Content-Security-Policy"]
        # Issue 15: Swagger UI comes from this site (drf-spectacular-sidecar), not a CDN.
        assert "http" not in policy and "unsafe-inline" not in policy
        page = response.content.decode()
        assert "cdn." not in page and "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
        assert client.get(reverse("api-docs") + "?script=").status_code == 200
        for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
            assert client.get(asset).status_code == 200, asset

    def test_redoc_is_served_locally_with_the_policy_widened_for_its_styles_only(self, client):
        response = client.get(reverse("api-redoc"))
        assert response.status_code == 200
        page = response.content.decode()
        assert "cdn." not in page and "/static/drf_spectacular_sidecar/redoc/" in page
        assert "https://" not in page and INLINE.findall(page) == []  # no Google fonts, nothing inline
        policy = response["Content-Security-Policy"]
        assert "http" not in policy
        assert "'unsafe-inline'" in policy.split("style-src")[1].split(";")[0]
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


@pytest.mark.django_db
class TestPrivacyHeaders:
    def test_permissions_policy_everywhere(self, client):
        for url in (reverse("login"), "/healthz", "/api/v1/schema/"):
            assert "camera=()" in client.get(url)["Permissions-Policy"], url

    def test_no_store_on_signed_in_pages(self, signed_in):
        assert "no-store" in signed_in.get(reverse("process:home"))["Cache-Control"]

    def test_no_store_on_the_api(self, world, api):
        client = api.as_user(world.u.prac_east)
        assert "no-store" in client.get("/api/v1/cases/")["Cache-Control"]
        assert "no-store" in client.get("/api/v1/users/me/")["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.urls("tests.hardening.test_headers")
class TestErrorAnswers:
    def test_an_unknown_api_address_is_a_json_404(self, world, api):
        response = api.as_user(world.u.prac_east).get("/api/v1/no-such-thing/")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}

    def test_an_api_server_error_is_json(self, world):
        client = Client(raise_request_exception=False)
        response = client.get("/api/v1/boom/")
        assert response.status_code == 500
        assert response["Content-Type"].startswith("application/json")
        assert "detail" in response.json()

    def test_a_page_server_error_is_the_sites_page(self):
        client = Client(raise_request_exception=False)
        response = client.get("/boom/")
        assert response.status_code == 500
        assert "Sorry, there is a problem with the service" in response.content.decode()

    def test_the_500_page_promises_nothing_false(self):
        page = render_to_string("500.html").lower()
        for claim in ("e-mail", "email", "notified", "have been told", "administrators have"):
            assert claim not in page
        assert INLINE.findall(page) == []
