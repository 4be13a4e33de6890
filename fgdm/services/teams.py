"""Teams: which localities a team serves, who works in it and who manages it. Team membership decides
who sees which cases (rule 1), so only an administrator changes it, and each change is a domain event.
Admin calls these services; so may a page, the API or the shell."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction

from audit.services import record_event
from core.exceptions import RuleBroken
from core.roles import MANAGERS, Role, ensure_administrator
from fgdm.constants import ENDED_STATUSES
from fgdm.models import Case, Locality, Team

# Who may be named on a team: members do the casework, managers allocate it and approve its packages.
MEMBER_ROLES = (Role.PRACTITIONER, Role.COORDINATOR)
MANAGER_ROLES = MANAGERS
PEOPLE = ("localities", "members", "managers")


def _ids(values: Iterable, field: str) -> set[int]:
    """Primary keys of `values` (objects or ids)."""
    if values is None or isinstance(values, str | bytes):
        raise RuleBroken("Give a list.", field=field)
    return {getattr(value, "pk", value) for value in values}


def _names(team: Team) -> dict[str, list[str]]:
    """Who and what the team has now, as the event records it: locality codes and usernames, sorted."""
    return {
        "localities": sorted(team.localities.values_list("code", flat=True)),
        "members": sorted(team.members.values_list("username", flat=True)),
        "managers": sorted(team.managers.values_list("username", flat=True)),
    }


def _ensure_name_and_code(name: str, code: str, *, exclude_id: int | None = None) -> tuple[str, str]:
    name, code = " ".join(str(name or "").split()), str(code or "").strip()
    if not name:
        raise RuleBroken("Give the team a name.", field="name")
    if len(name) > Team._meta.get_field("name").max_length:
        raise RuleBroken(f"At most {Team._meta.get_field('name').max_length} characters.", field="name")
    try:
        validate_slug(code)
    except ValidationError:
        raise RuleBroken("A code is letters, numbers, hyphens or underscores, e.g. east.", field="code")
    if len(code) > Team._meta.get_field("code").max_length:
        raise RuleBroken(f"At most {Team._meta.get_field('code').max_length} characters.", field="code")
    if Team.objects.filter(code__iexact=code).exclude(pk=exclude_id).exists():
        raise RuleBroken(f"Another team already has the code “{code}”.", field="code")
    return name, code


def _ensure_localities(ids: set[int]) -> None:
    if not ids:
        raise RuleBroken("A team serves at least one locality.", field="localities")
    if Locality.objects.filter(pk__in=ids).count() != len(ids):
        raise RuleBroken("Choose localities that exist.", field="localities")


def _ensure_people(ids: set[int], *, roles: tuple[str, ...], field: str, as_what: str) -> None:
    """Everyone named is an active user holding one of `roles`."""
    User = get_user_model()
    people = {user.pk: user for user in User.objects.filter(pk__in=ids)}
    if len(people) != len(ids):
        raise RuleBroken("Choose people who exist.", field=field)
    inactive = sorted(user.get_username() for user in people.values() if not user.is_active)
    if inactive:
        raise RuleBroken(f"{', '.join(inactive)} cannot sign in (not active), so cannot be {as_what}.", field=field)
    holding = set(User.objects.filter(pk__in=ids, groups__name__in=roles).values_list("pk", flat=True))
    without = sorted(people[pk].get_username() for pk in ids - holding)
    if without:
        names = [Role(role).label.lower().replace("fgc", "FGC") for role in roles]
        needed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        raise RuleBroken(
            f"{', '.join(without)} cannot be {as_what}: only a {needed} can (give them the role first).",
            field=field,
        )


def _ensure_nothing_stranded(team: Team, *, localities: set[int] | None, members: set[int] | None) -> None:
    """A team keeps its open cases in sight: it cannot stop serving a locality where it holds open
    cases, nor lose a member who leads one of them (case_transfer moves or re-leads a case first)."""
    open_cases = Case.objects.filter(team=team).exclude(status__in=ENDED_STATUSES)
    if localities is not None:
        dropped = open_cases.exclude(locality_id__in=localities).values_list("locality__name", flat=True)
        names = sorted(set(dropped))
        if names:
            raise RuleBroken(
                f"{team.name} still holds open cases in {', '.join(names)}: transfer them to another team first.",
                field="localities",
            )
    if members is not None:
        leads = open_cases.filter(lead_practitioner__isnull=False).exclude(lead_practitioner_id__in=members)
        names = sorted(set(leads.values_list("lead_practitioner__username", flat=True)))
        if names:
            raise RuleBroken(
                f"{', '.join(names)} still lead open cases of {team.name}: give those cases another lead "
                f"practitioner (transfer) first.",
                field="members",
            )


def _ensure_team(
    *, localities: set[int] | None, members: set[int] | None, managers: set[int] | None, team: Team | None = None
) -> None:
    if localities is not None:
        _ensure_localities(localities)
    if members is not None:
        _ensure_people(members, roles=MEMBER_ROLES, field="members", as_what="a team member")
    if managers is not None:
        _ensure_people(managers, roles=MANAGER_ROLES, field="managers", as_what="a team manager")
    if team is not None:
        _ensure_nothing_stranded(team, localities=localities, members=members)


def _code_taken_at_the_same_moment(code: str) -> RuleBroken:
    return RuleBroken(f"Another team has just been given the code “{code}”.", field="code")


@transaction.atomic
def team_create(
    *, by, name: str, code: str, localities: Iterable, members: Iterable = (), managers: Iterable = ()
) -> Team:
    """Create a team serving `localities`, with its members and managers (objects or ids).

    Raises NotPermitted (not an administrator), RuleBroken (no name; a code not a slug or already
    used; no locality; someone not active, or a member not a practitioner or FGC coordinator, or a
    manager not a team manager, service manager or head of service).
    """
    ensure_administrator(by, what="change teams")
    name, code = _ensure_name_and_code(name, code)
    wanted = {
        "localities": _ids(localities, "localities"),
        "members": _ids(members, "members"),
        "managers": _ids(managers, "managers"),
    }
    _ensure_team(**wanted)
    try:
        with transaction.atomic():
            team = Team.objects.create(name=name, code=code)
    except IntegrityError:
        raise _code_taken_at_the_same_moment(code)
    for key in PEOPLE:
        getattr(team, key).set(wanted[key])
    before = {key: [] for key in PEOPLE}
    after = _names(team)
    record_event(
        obj=team,
        action="team_created",
        by=by,
        case_id=None,
        changes={key: [before[key], after[key]] for key in PEOPLE if before[key] != after[key]},
    )
    return team


@transaction.atomic
def team_update(
    *,
    team_id: int,
    by,
    name: str | None = None,
    code: str | None = None,
    localities: Iterable | None = None,
    members: Iterable | None = None,
    managers: Iterable | None = None,
) -> Team:
    """Rename a team, or set the localities it serves, its members or its managers (objects or ids;
    None leaves that part as it is). Records `team_changed` with what changed, or nothing if
    nothing did.

    Raises NotPermitted (not an administrator), RuleBroken (as team_create; and a locality where the
    team still holds open cases, or a member who still leads one of them, cannot be taken away).
    """
    ensure_administrator(by, what="change teams")
    team = Team.objects.select_for_update().get(pk=team_id)
    new_name, new_code = _ensure_name_and_code(
        team.name if name is None else name, team.code if code is None else code, exclude_id=team.pk
    )
    wanted = {
        key: None if value is None else _ids(value, key)
        for key, value in (("localities", localities), ("members", members), ("managers", managers))
    }
    _ensure_team(team=team, **wanted)
    before = {"name": team.name, "code": team.code, **_names(team)}
    if (new_name, new_code) != (team.name, team.code):
        team.name, team.code = new_name, new_code
        try:
            with transaction.atomic():
                team.save(update_fields=["name", "code"])
        except IntegrityError:
            raise _code_taken_at_the_same_moment(new_code)
    for key in PEOPLE:
        if wanted[key] is not None:
            getattr(team, key).set(wanted[key])
    after = {"name": team.name, "code": team.code, **_names(team)}
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changes:
        record_event(obj=team, action="team_changed", by=by, case_id=None, changes=changes)
    return team
