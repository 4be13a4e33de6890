"""Council sign-in: a person's account, roles and teams set from what the council's identity provider
says about them (fgdm/sso.py reads and checks the provider's answer, then calls `sso_sign_in`).

Roles are core's groups; teams are fgdm's, so this lives here. Whatever the groups map to is what the
person has afterwards: roles and teams added and taken away, administrator flags only where a mapping
names administrators. One `user_access_changed` event (or `user_created` on a first sign-in) records
every change, with reason "single sign-on"; nothing changed, nothing recorded.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.services import record_event
from core.exceptions import NotPermitted
from core.roles import MANAGERS, Role
from core.services import user_access_snapshot
from fgdm.constants import ENDED_STATUSES
from fgdm.models import Case, SignInIdentity, Team

SSO_REASON = "single sign-on"
MEMBER_ROLES = (Role.PRACTITIONER, Role.COORDINATOR)


@dataclass(frozen=True)
class CouncilIdentity:
    """What the provider's ID token (checked: signature, issuer, audience, expiry, nonce) says."""

    issuer: str
    subject: str
    username: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""


@dataclass(frozen=True)
class CouncilAccess:
    """What the person's groups map to. `administrator` None: the council maps no group to
    administrators, so the flags are left as they are."""

    roles: frozenset[str] = field(default_factory=frozenset)
    teams: frozenset[str] = field(default_factory=frozenset)  # team codes
    administrator: bool | None = None

    @property
    def empty(self) -> bool:
        return not self.roles and not self.administrator


def _team_sets(user) -> dict[str, list[str]]:
    if user.pk is None:
        return {"teams": [], "managed_teams": []}
    return {
        "teams": sorted(Team.objects.filter(members=user).values_list("code", flat=True)),
        "managed_teams": sorted(Team.objects.filter(managers=user).values_list("code", flat=True)),
    }


def _snapshot(user) -> dict:
    snap = {**user_access_snapshot(user), **_team_sets(user)}
    for name in ("first_name", "last_name", "email"):
        snap[name] = getattr(user, name) if user.pk else None
    return snap


def _find_account(identity: CouncilIdentity, *, allow_admins: bool):
    """The account this identity signs in to, or None for a new one. An account found by name is
    linked only if nobody else's identity is linked to it and it is not an administrator's (unless
    the person's groups make them an administrator): a provider's name must not open, nor demote,
    an administrator's account kept by hand."""
    User = get_user_model()
    link = SignInIdentity.objects.select_related("user").filter(issuer=identity.issuer, subject=identity.subject)
    link = link.first()
    if link is not None:
        return User.objects.select_for_update().get(pk=link.user_id), False
    user = User.objects.select_for_update().filter(username__iexact=identity.username).first()
    if user is None:
        return None, True
    if SignInIdentity.objects.filter(user=user).exists():
        raise NotPermitted(
            f"The account “{user.get_username()}” belongs to someone else at the council's sign-in service. "
            "Ask your system administrator."
        )
    if (user.is_superuser or user.is_staff) and not allow_admins:
        raise NotPermitted(
            f"The account “{user.get_username()}” is an administrator's, kept here by hand: it cannot be "
            "opened through the council's sign-in service."
        )
    return user, True


def _ensure_username(username: str) -> str:
    username = (username or "").strip().lower()
    User = get_user_model()
    limit = User._meta.get_field(User.USERNAME_FIELD).max_length
    try:
        if not username or len(username) > limit:
            raise ValidationError("length")
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise NotPermitted("The council's sign-in service gave no usable name for you. Ask your system administrator.")
    return username


def _set_teams(user, *, roles: Iterable[str], teams: set[str]) -> dict[str, str]:
    """Members' teams for practitioners and coordinators, managed teams for managers. A member who
    leads open cases of a team stays on it until the cases are transferred (no case stranded);
    returns those kept, with why."""
    roles = set(roles)
    wanted = Team.objects.filter(code__in=teams)
    as_member = set(wanted.values_list("pk", flat=True)) if roles & set(MEMBER_ROLES) else set()
    as_manager = set(wanted.values_list("pk", flat=True)) if roles & set(MANAGERS) else set()
    kept = {}
    leading = set(
        Case.objects.filter(lead_practitioner=user)
        .exclude(status__in=ENDED_STATUSES)
        .values_list("team_id", flat=True)
        .distinct()
    )
    for team in Team.objects.filter(members=user).exclude(pk__in=as_member):
        if team.pk in leading:
            as_member.add(team.pk)
            kept[team.code] = "leads open cases of this team: transfer them first"
    user.teams.set(as_member)
    user.managed_teams.set(as_manager)
    return kept


@transaction.atomic
def sso_sign_in(*, identity: CouncilIdentity, access: CouncilAccess):
    """Find or create the account of someone signing in through the council's identity provider,
    and set their names, e-mail, roles, teams (and administrator flags, where mapped) to what the
    provider says. Returns the user; an account whose groups now map to nothing loses its roles and
    teams and is returned for the caller to refuse.

    Raises NotPermitted: a new person whose groups map to nothing; an unusable name; a mapped team
    or role that does not exist; an account deactivated here; an account found by name that is
    linked to someone else or is an administrator's.
    """
    username = _ensure_username(identity.username)
    unknown_roles = sorted(set(access.roles) - set(Role.values))
    found = Team.objects.filter(code__in=access.teams).values_list("code", flat=True)
    unknown_teams = sorted(set(access.teams) - set(found))
    if unknown_roles or unknown_teams:
        raise NotPermitted(
            "The council's group mapping names "
            + ", ".join([f"role “{r}”" for r in unknown_roles] + [f"team “{t}”" for t in unknown_teams])
            + ", which this system does not have. Ask your system administrator to correct the mapping."
        )
    user, new_link = _find_account(identity, allow_admins=bool(access.administrator))
    if user is None and access.empty:
        raise NotPermitted(
            "None of your groups at the council gives access to this system. Ask your manager or your "
            "system administrator to add you to the right group."
        )
    if user is not None and not user.is_active:
        raise NotPermitted("This account cannot sign in. Ask your system administrator.")
    User = get_user_model()
    created = user is None
    if created:
        user = User(username=username)
        user.set_unusable_password()
    before = _snapshot(user)
    user.first_name = identity.first_name[: User._meta.get_field("first_name").max_length]
    user.last_name = identity.last_name[: User._meta.get_field("last_name").max_length]
    user.email = identity.email[: User._meta.get_field("email").max_length]
    if access.administrator is not None:
        user.is_staff = user.is_superuser = access.administrator
    try:
        with transaction.atomic():
            user.save()
            if new_link:
                SignInIdentity.objects.create(user=user, issuer=identity.issuer, subject=identity.subject)
    except IntegrityError:  # the same person, or the same name, signing in twice at once
        raise NotPermitted("This account was being set up at the same moment. Try again.")
    user.groups.set(Group.objects.filter(name__in=access.roles))
    kept = _set_teams(user, roles=access.roles, teams=set(access.teams))
    after = _snapshot(user)
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if new_link:
        changes["sign_in_identity"] = [None, f"{identity.subject} at {identity.issuer}"]
    if kept:
        changes["teams_kept"] = kept
    if changes:
        record_event(
            obj=user,
            action="user_created" if created else "user_access_changed",
            by=user,
            case_id=None,
            reason=SSO_REASON,
            changes=changes,
        )
    user._fgdm_roles = None  # role_names() reads the new groups
    return user
