"""Print the settings for council sign-in from the identity provider's discovery document."""

import requests
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Read <issuer>/.well-known/openid-configuration and print the FGDM_OIDC_* lines for the "
        "environment (issuer and endpoints). Changes nothing. For Entra ID the issuer is "
        "https://login.microsoftonline.com/<tenant id>/v2.0."
    )

    def add_arguments(self, parser):
        parser.add_argument("issuer")

    def handle(self, *args, issuer, **options):
        issuer = issuer.rstrip("/")
        url = f"{issuer}/.well-known/openid-configuration"
        try:
            answer = requests.get(url, timeout=10)
            answer.raise_for_status()
            found = answer.json()
        except (requests.RequestException, ValueError) as exc:
            raise CommandError(f"Could not read {url}: {exc}")
        if found.get("issuer") != issuer:
            raise CommandError(f"{url} names the issuer {found.get('issuer')!r}, not {issuer!r}.")
        algorithms = found.get("id_token_signing_alg_values_supported") or []
        if "RS256" not in algorithms:
            raise CommandError(f"The provider does not sign ID tokens with RS256 (it offers {algorithms}).")
        lines = {
            "FGDM_OIDC_ISSUER": found["issuer"],
            "FGDM_OIDC_AUTHORIZATION_ENDPOINT": found.get("authorization_endpoint", ""),
            "FGDM_OIDC_TOKEN_ENDPOINT": found.get("token_endpoint", ""),
            "FGDM_OIDC_JWKS_ENDPOINT": found.get("jwks_uri", ""),
            "FGDM_OIDC_USERINFO_ENDPOINT": found.get("userinfo_endpoint", ""),
            "FGDM_OIDC_END_SESSION_ENDPOINT": found.get("end_session_endpoint", ""),
            "FGDM_OIDC_SIGN_ALGO": "RS256",
        }
        for name, value in lines.items():
            self.stdout.write(f"{name}={value}")
