"""Odd input is a 400 (or ignored), never a 500 (issue 14, finding 5). PostgreSQL is where these
broke; the tests assert the status code, so they mean the same on SQLite."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


class TestDeepJson:
    @pytest.mark.parametrize("opening, closing", [("[", "]"), ('{"a":', "}")])
    def test_ten_thousand_deep_json_at_the_token_endpoint_is_a_400(self, world, opening, closing):
        body = opening * 10_000 + "1" + closing * 10_000
        response = APIClient().post("/api/v1/auth/token/", body, content_type="application/json")
        assert response.status_code == 400
        assert "nested" in response.json()["detail"]

    def test_deep_json_on_a_write_is_a_400(self, world, api):
        body = '{"family_name": ' + "[" * 5_000 + "]" * 5_000 + "}"
        response = api.as_user(world.u.prac_east).post("/api/v1/cases/", body, content_type="application/json")
        assert response.status_code == 400

    def test_brackets_inside_strings_do_not_count(self, world):
        body = '{"username": "' + "[" * 100 + '", "password": "x"}'
        response = APIClient().post("/api/v1/auth/token/", body, content_type="application/json")
        assert response.status_code == 400
        assert "non_field_errors" in response.json()


class TestNulInQuery:
    @pytest.mark.parametrize(
        "url",
        [
            "/api/v1/cases/?q=%00",
            "/api/v1/hubs/?locality=%00",
            "/api/v1/payments/?status=%00",
            "/api/v1/cases/?%00=1",
            "/cases/?q=a%00b",
        ],
    )
    def test_a_nul_byte_in_a_query_parameter_is_a_400(self, world, api, url):
        client = api.as_user(world.u.sm)
        client.force_login(world.u.sm)
        response = client.get(url)
        assert response.status_code == 400
        if url.startswith("/api/"):
            assert response.json() == {"detail": "A query parameter contains a NUL character."}
