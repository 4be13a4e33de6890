"""Setting council sign-in up: the discovery command and `manage.py check`."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from fgdm.sso import access_for, check_settings
from tests.sso.conftest import G_EAST, G_PRACTITIONERS


def test_discovery_prints_the_settings(fake_provider):
    out = io.StringIO()
    call_command("sso_discover", fake_provider.issuer, stdout=out)
    lines = dict(line.split("=", 1) for line in out.getvalue().splitlines())
    assert lines["FGDM_OIDC_ISSUER"] == fake_provider.issuer
    assert lines["FGDM_OIDC_TOKEN_ENDPOINT"] == f"{fake_provider.base}/token"
    assert lines["FGDM_OIDC_JWKS_ENDPOINT"] == f"{fake_provider.base}/jwks"
    assert lines["FGDM_OIDC_END_SESSION_ENDPOINT"] == f"{fake_provider.base}/logout"


def test_discovery_refuses_another_issuer(fake_provider):
    with pytest.raises(CommandError, match="Could not read"):
        call_command("sso_discover", fake_provider.base + "/nobody", stdout=io.StringIO())


def test_off_checks_nothing():
    assert check_settings() == []


def test_on_without_endpoints_or_mapping_says_what_is_missing(fake_provider):
    settings = fake_provider.settings(OIDC_OP_TOKEN_ENDPOINT="", FGDM_OIDC_GROUP_ROLES="{}", FGDM_OIDC_ADMIN_GROUPS=[])
    with override_settings(**settings):
        ids = sorted(error.id for error in check_settings())
    assert ids == ["fgdm.E101", "fgdm.E105"]


@pytest.mark.parametrize(
    "roles, error",
    [
        ("not json", "fgdm.E103"),
        ('["a list"]', "fgdm.E103"),
        ('{"g": "wizard"}', "fgdm.E104"),
        ('{"g": 3}', "fgdm.E103"),
    ],
)
def test_a_bad_mapping_is_named(fake_provider, roles, error):
    with override_settings(**fake_provider.settings(FGDM_OIDC_GROUP_ROLES=roles)):
        assert [e.id for e in check_settings()] == [error]


def test_groups_map_to_roles_and_teams():
    with override_settings(
        FGDM_OIDC_GROUP_ROLES={G_PRACTITIONERS: "practitioner", "g2": ["coordinator", "practitioner"]},
        FGDM_OIDC_GROUP_TEAMS={G_EAST: "east"},
        FGDM_OIDC_ADMIN_GROUPS=[],
    ):
        access = access_for([G_PRACTITIONERS, "g2", G_EAST, "other"])
    assert access.roles == {"practitioner", "coordinator"}
    assert access.teams == {"east"}
    assert access.administrator is None
