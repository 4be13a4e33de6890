"""Council sign-in: OpenID Connect single sign-on with the council's identity provider (Microsoft
Entra ID or any other), on mozilla-django-oidc. Off unless `FGDM_OIDC_CLIENT_ID` is set.

Where this differs from the library's defaults, and why:
- The ID token's audience, issuer, expiry and issue time are checked (the library checks only the
  signature, the algorithm and the nonce), and any token error is a refusal, not a 500.
- Only the callback URL, without a username or password, can sign anyone in: the backend ignores a
  password sign-in whose query string happens to carry `code` and `state`.
- Who the person is comes from the ID token (issuer + subject, linked to the account once:
  `fgdm.models.SignInIdentity`), not from an e-mail address; their groups and `amr` too (userinfo,
  if configured, only adds names and e-mail, and must name the same subject).
- Multi-factor authentication: with FGDM_OIDC_REQUIRE_MFA (on by default) a token whose `amr` shows
  none of FGDM_OIDC_MFA_AMR is refused.
- Roles, teams and administrator flags are set on every sign-in (and every silent re-check, see
  `SessionRefresh`) by `fgdm.services.sso_sign_in`, which records what changed.
- Every refusal is a page that says why (`registration/sso_refused.html`), never a 500.
"""

import json
import logging
from collections.abc import Iterable
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core import checks
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.deprecation import MiddlewareMixin
from django.views.generic import View
from mozilla_django_oidc import middleware as oidc_middleware
from mozilla_django_oidc import views as oidc_views
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from core.exceptions import DomainError
from core.roles import Role
from fgdm.services.sso import CouncilAccess, CouncilIdentity, sso_sign_in

logger = logging.getLogger(__name__)

BACKEND = "fgdm.sso.CouncilSignInBackend"
CALLBACK = "oidc_authentication_callback"
LEEWAY_SECONDS = 60
NO_ANSWER = "The council's sign-in service did not answer. Try again in a few minutes, or sign in with your password if you have one."
STALE = "This sign-in had expired or was already used. Start again from the sign-in page."


class SignInRefused(Exception):
    """A council sign-in refused, with what to tell the person; the callback shows it on a page."""

    def __init__(self, message: str, status: int = 403):
        super().__init__(message)
        self.message, self.status = message, status


def enabled() -> bool:
    return bool(getattr(settings, "FGDM_OIDC_ENABLED", False))


# -- the group mapping --------------------------------------------------------------------------


def _mapping(raw, name: str) -> dict[str, list[str]]:
    """{"group id": "value" | ["values"]} from a setting (JSON text or a dict) as lists of strings.
    Raises ValueError naming the setting."""
    try:
        value = json.loads(raw or "{}") if isinstance(raw, str) else raw
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name} is not JSON: {exc}")
    if not isinstance(value, dict):
        raise ValueError(f'{name} must be a JSON object: {{"<group id>": …}}.')
    mapped = {}
    for group, target in value.items():
        targets = [target] if isinstance(target, str) else target
        if not isinstance(targets, list) or not all(isinstance(t, str) and t.strip() for t in targets):
            raise ValueError(f"{name}: the value for {group!r} must be a name or a list of names.")
        mapped[str(group)] = [t.strip() for t in targets]
    return mapped


def access_for(groups: Iterable[str]) -> CouncilAccess:
    """What a person's groups map to, through FGDM_OIDC_GROUP_ROLES, FGDM_OIDC_GROUP_TEAMS and
    FGDM_OIDC_ADMIN_GROUPS. Groups the mappings do not name are ignored."""
    groups = {str(g) for g in groups}
    role_map = _mapping(settings.FGDM_OIDC_GROUP_ROLES, "FGDM_OIDC_GROUP_ROLES")
    team_map = _mapping(settings.FGDM_OIDC_GROUP_TEAMS, "FGDM_OIDC_GROUP_TEAMS")
    admins = set(settings.FGDM_OIDC_ADMIN_GROUPS)
    return CouncilAccess(
        roles=frozenset(r for g in groups & set(role_map) for r in role_map[g]),
        teams=frozenset(t for g in groups & set(team_map) for t in team_map[g]),
        administrator=bool(groups & admins) if admins else None,
    )


def check_settings(app_configs=None, **kwargs) -> list:
    """`manage.py check`: with single sign-on on, everything it needs is set and the mappings make sense."""
    if not enabled():
        return []
    errors = []
    needed = {
        "FGDM_OIDC_ISSUER": settings.FGDM_OIDC_ISSUER,
        "FGDM_OIDC_CLIENT_SECRET": settings.OIDC_RP_CLIENT_SECRET,
        "FGDM_OIDC_AUTHORIZATION_ENDPOINT": settings.OIDC_OP_AUTHORIZATION_ENDPOINT,
        "FGDM_OIDC_TOKEN_ENDPOINT": settings.OIDC_OP_TOKEN_ENDPOINT,
        "FGDM_OIDC_JWKS_ENDPOINT": settings.OIDC_OP_JWKS_ENDPOINT,
    }
    for name, value in needed.items():
        if not value:
            errors.append(
                checks.Error(f"Single sign-on is on (FGDM_OIDC_CLIENT_ID) but {name} is empty.", id="fgdm.E101")
            )
    if not settings.OIDC_RP_SIGN_ALGO.startswith(("RS", "ES", "PS")):
        errors.append(checks.Error("FGDM_OIDC_SIGN_ALGO must be an asymmetric algorithm (RS256).", id="fgdm.E102"))
    try:
        roles = _mapping(settings.FGDM_OIDC_GROUP_ROLES, "FGDM_OIDC_GROUP_ROLES")
        _mapping(settings.FGDM_OIDC_GROUP_TEAMS, "FGDM_OIDC_GROUP_TEAMS")
    except ValueError as exc:
        return [*errors, checks.Error(str(exc), id="fgdm.E103")]
    unknown = sorted({r for targets in roles.values() for r in targets} - set(Role.values))
    if unknown:
        errors.append(
            checks.Error(
                f"FGDM_OIDC_GROUP_ROLES names roles that do not exist: {', '.join(unknown)}.",
                hint=f"Roles: {', '.join(Role.values)}.",
                id="fgdm.E104",
            )
        )
    if not roles and not settings.FGDM_OIDC_ADMIN_GROUPS:
        errors.append(
            checks.Error("Single sign-on is on but no group is mapped to a role: nobody could sign in.", id="fgdm.E105")
        )
    return errors


# -- the backend ------------------------------------------------------------------------------


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value] if isinstance(value, list) else []


class CouncilSignInBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, made strict (see the module's docstring)."""

    def authenticate(self, request, **kwargs):
        if not enabled() or request is None or "username" in kwargs or "password" in kwargs:
            return None
        if request.path != reverse(CALLBACK):
            return None
        try:
            return super().authenticate(request, **kwargs)
        except SuspiciousOperation as exc:
            logger.warning("council sign-in refused: %s", exc)
            raise SignInRefused(STALE, status=400)
        except requests.RequestException as exc:
            logger.warning("council sign-in: the provider did not answer: %s", exc)
            raise SignInRefused(NO_ANSWER, status=502)

    def get_user(self, user_id):
        return super().get_user(user_id) if enabled() else None

    def _verify_jws(self, payload, key):
        try:
            header = jwt.get_unverified_header(payload)
        except jwt.PyJWTError:
            raise SuspiciousOperation("ID token: not a JWT.")
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"ID token: algorithm {header.get('alg')!r}, not {self.OIDC_RP_SIGN_ALGO}.")
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.FGDM_OIDC_ISSUER,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation(f"ID token refused: {exc}.")

    def retrieve_matching_jwk(self, token):
        try:
            return super().retrieve_matching_jwk(token)
        except (jwt.PyJWTError, KeyError, TypeError, ValueError) as exc:
            raise SuspiciousOperation(f"ID token: no matching signing key ({exc}).")

    def get_or_create_user(self, access_token, id_token, payload):
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            info = self.get_userinfo(access_token, id_token, payload)
            if not isinstance(info, dict) or info.get("sub") != payload.get("sub"):
                raise SuspiciousOperation("userinfo names another subject than the ID token.")
            for name in ("email", "given_name", "family_name", "name"):
                if not claims.get(name) and info.get(name):
                    claims[name] = info[name]
        if settings.FGDM_OIDC_REQUIRE_MFA and not set(_as_list(payload.get("amr"))) & set(settings.FGDM_OIDC_MFA_AMR):
            raise SignInRefused(
                "You signed in to the council's sign-in service without a second step (such as a code "
                "from your phone or the Authenticator app). This system needs one: sign out of the "
                "council's service, then sign in again and complete the second step."
            )
        groups_claim = settings.FGDM_OIDC_GROUPS_CLAIM
        if groups_claim not in payload and groups_claim in (payload.get("_claim_names") or {}):
            raise SignInRefused(
                "You are in too many groups for the council's sign-in service to list them. Ask your "
                "system administrator to send only the groups assigned to this application."
            )
        try:
            access = access_for(_as_list(payload.get(groups_claim)))
        except ValueError as exc:
            logger.error("council sign-in: %s", exc)
            raise SignInRefused("Single sign-on is not set up correctly here. Ask your system administrator.")
        username = claims.get(settings.FGDM_OIDC_USERNAME_CLAIM) or claims.get("email") or ""
        first, last = claims.get("given_name") or "", claims.get("family_name") or ""
        if not first and not last:
            first = claims.get("name") or ""
        identity = CouncilIdentity(
            issuer=str(payload["iss"]),
            subject=str(payload["sub"]),
            username=str(username),
            email=str(claims.get("email") or ""),
            first_name=str(first),
            last_name=str(last),
        )
        try:
            user = sso_sign_in(identity=identity, access=access)
        except DomainError as exc:
            raise SignInRefused(str(exc))
        if access.empty:
            raise SignInRefused(
                "None of your groups at the council gives access to this system any more. Ask your "
                "manager or your system administrator if you still need it."
            )
        return user


# -- the pages --------------------------------------------------------------------------------


def refused(request, message: str, status: int = 403):
    return render(request, "registration/sso_refused.html", {"message": message}, status=status)


class StartView(oidc_views.OIDCAuthenticationRequestView):
    """ "Sign in with your council account": off to the provider, with state, nonce and PKCE."""

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)  # the settings are read when asked, not when the URLs load

    OIDC_OP_AUTH_ENDPOINT = property(lambda self: settings.OIDC_OP_AUTHORIZATION_ENDPOINT)
    OIDC_RP_CLIENT_ID = property(lambda self: settings.OIDC_RP_CLIENT_ID)

    def get(self, request):
        if not enabled():
            return redirect("login")
        return super().get(request)


class CallbackView(oidc_views.OIDCAuthenticationCallbackView):
    """Where the provider sends the person back: the code is exchanged and the account set."""

    def get(self, request):
        if not enabled():
            return redirect("login")
        try:
            return super().get(request)
        except SuspiciousOperation:  # a state this browser did not start (or already used)
            return self._refused(STALE, status=400)
        except SignInRefused as refusal:
            return self._refused(refusal.message, status=refusal.status)

    def _refused(self, message: str, status: int = 403):
        """A refused council sign-in ends a council session already open here (the silent
        re-check found the person may no longer sign in); a password session is left alone."""
        if self.request.user.is_authenticated and self.request.session.get(BACKEND_SESSION_KEY) == BACKEND:
            auth.logout(self.request)
        return refused(self.request, message, status=status)

    def login_failure(self):
        refused = self._refused
        error = self.request.GET.get("error")
        if error in ("login_required", "interaction_required", "consent_required"):
            return refused(
                "Your session with the council's sign-in service has ended. Sign in again.",
                status=403,
            )
        if error == "access_denied":
            return refused("The council's sign-in service did not let you in to this system.")
        if error:
            logger.warning(
                "council sign-in: the provider answered %s: %s", error, self.request.GET.get("error_description")
            )
            return refused("The council's sign-in service could not sign you in. Try again.")
        return refused(STALE, status=400)


class PasswordForm(AuthenticationForm):
    """The password form; with single sign-on on and FGDM_PASSWORD_SIGN_IN off, only administrators
    may use it (for when the provider is down)."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if enabled() and not settings.FGDM_PASSWORD_SIGN_IN and not user.is_superuser:
            raise ValidationError("Sign in with your council account.", code="sso_only")


class SignInView(auth_views.LoginView):
    form_class = PasswordForm

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "sso_enabled": enabled(),
            # Off: administrators reach the form by ?password=1, and see it again with its errors.
            "password_sign_in": not enabled()
            or settings.FGDM_PASSWORD_SIGN_IN
            or "password" in self.request.GET
            or self.request.method == "POST",
        }


class SignOutView(auth_views.LogoutView):
    """Sign-out here; for someone who signed in through the provider, a page that offers its
    end-session endpoint too when FGDM_OIDC_END_SESSION_ENDPOINT is set. A link, not a redirect:
    the sign-out is a form, and the pages' policy (form-action 'self') would stop a redirect from
    a form to the provider."""

    def post(self, request, *args, **kwargs):
        end_session = _end_session_url(request)
        response = super().post(request, *args, **kwargs)
        if end_session:
            return render(request, "registration/signed_out_sso.html", {"end_session": end_session})
        return response


def _end_session_url(request) -> str:
    if not enabled() or not settings.FGDM_OIDC_END_SESSION_ENDPOINT or not request.user.is_authenticated:
        return ""
    if request.session.get(BACKEND_SESSION_KEY) != BACKEND:
        return ""
    params = {
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
    }
    if request.session.get("oidc_id_token"):
        params["id_token_hint"] = request.session["oidc_id_token"]
    return f"{settings.FGDM_OIDC_END_SESSION_ENDPOINT}?{urlencode(params)}"


class SessionRefresh(oidc_middleware.SessionRefresh):
    """The library's silent re-check with the provider (prompt=none) every
    OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS, for people who signed in through it; it sets their roles and
    teams again. Reads its settings when asked; does nothing while single sign-on is off."""

    def __init__(self, get_response):
        MiddlewareMixin.__init__(self, get_response)

    OIDC_EXEMPT_URLS = property(lambda self: settings.OIDC_EXEMPT_URLS)
    OIDC_OP_AUTHORIZATION_ENDPOINT = property(lambda self: settings.OIDC_OP_AUTHORIZATION_ENDPOINT)
    OIDC_RP_CLIENT_ID = property(lambda self: settings.OIDC_RP_CLIENT_ID)
    OIDC_STATE_SIZE = 32
    OIDC_AUTHENTICATION_CALLBACK_URL = CALLBACK
    OIDC_RP_SCOPES = property(lambda self: settings.OIDC_RP_SCOPES)
    OIDC_USE_NONCE = True
    OIDC_NONCE_SIZE = 32

    def process_request(self, request):
        if not enabled():
            return None
        return super().process_request(request)
