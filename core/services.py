"""The kernel's own writes: API tokens (django-rest-knox) and people's access (roles, active flag).

Tokens are stored hashed (knox keeps a SHA-512 digest, never the token), expire after
`FGDM_TOKEN_TTL_HOURS`, and are revoked by API sign-out, page sign-out, a password change and an
account made inactive. Each token created or revoked, and each change to a person's roles or
active flag, leaves a domain event on the person (object "user") naming who did it. Teams are
changed by `fgdm.services.team_update`, which records its own event.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from knox.models import AuthToken

from audit.services import record_event
from core.exceptions import NotPermitted
from core.roles import is_administrator

ACCESS_FIELDS = ("is_active", "is_staff", "is_superuser")


def token_lifetime() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.FGDM_TOKEN_TTL_HOURS)


@transaction.atomic
def token_create(*, user, by) -> tuple[AuthToken, str]:
    """Give `user` a new API token; returns (the stored token, the token itself — shown once).

    Raises NotPermitted when `by` is someone else (nobody, not even an administrator, can get a
    token that acts as another person) or the account is inactive.
    """
    if by is None or by.pk != user.pk:
        raise NotPermitted("A token can only be made by the person it is for, with their own password.")
    if not user.is_active:
        raise NotPermitted("This account is inactive.")
    token, secret = AuthToken.objects.create(user=user, expiry=token_lifetime())
    record_event(
        obj=user,
        action="token_created",
        by=by,
        case_id=None,
        changes={"expiry": token.expiry.isoformat()},
    )
    return token, secret


@transaction.atomic
def token_revoke(*, token: AuthToken, by) -> None:
    """Revoke one token (API sign-out). Raises NotPermitted unless `by` owns it or is an administrator."""
    if by is None or (by.pk != token.user_id and not is_administrator(by)):
        raise NotPermitted("Only the token's owner or an administrator can revoke it.")
    owner = token.user
    created = token.created
    deleted, _ = AuthToken.objects.filter(digest=token.digest).delete()
    if deleted:
        record_event(
            obj=owner,
            action="token_revoked",
            by=by,
            case_id=None,
            reason="signed_out",
            changes={"created": created.isoformat() if created else None},
        )


@transaction.atomic
def tokens_revoke_all(*, user, by, reason: str) -> int:
    """Revoke every token `user` holds (page sign-out, password change, account made inactive);
    returns how many. Records `tokens_revoked` when there were any."""
    count, _ = AuthToken.objects.filter(user_id=user.pk).delete()
    if count:
        record_event(
            obj=user, action="tokens_revoked", by=by, case_id=None, reason=reason, changes={"tokens": [count, 0]}
        )
    return count


@transaction.atomic
def token_expired_record(*, username: str, source: str) -> None:
    """Record `token_expired` when knox removes an expired token of `username` (it does so when a
    request presents that token, or another token of the same person). The event is on the person,
    as theirs: the request that found the expired token presented one of their tokens."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        return
    reason = "presented after it expired" if source == "auth_token" else "found expired when another was used"
    record_event(obj=user, action="token_expired", by=user, case_id=None, reason=reason)


def user_access_snapshot(user) -> dict:
    """What decides a person's access: their roles (groups) and flags, as plain values."""
    if user.pk is None:
        return {"groups": [], **{name: None for name in ACCESS_FIELDS}}
    fresh = get_user_model().objects.get(pk=user.pk)
    return {
        "groups": sorted(fresh.groups.values_list("name", flat=True)),
        **{name: getattr(fresh, name) for name in ACCESS_FIELDS},
    }


@transaction.atomic
def user_access_record(*, user_id: int, by, before: dict) -> dict:
    """After a change to a person (in admin), record `user_access_changed` with what changed in
    their roles or flags since `before` (a `user_access_snapshot`); made inactive, their tokens
    are revoked. Returns the changes (empty: nothing recorded)."""
    user = get_user_model().objects.select_for_update().get(pk=user_id)
    after = user_access_snapshot(user)
    changes = {key: [before.get(key), after[key]] for key in after if before.get(key) != after[key]}
    if changes:
        record_event(obj=user, action="user_access_changed", by=by, case_id=None, changes=changes)
        if before.get("is_active") and not after["is_active"]:
            tokens_revoke_all(user=user, by=by, reason="deactivated")
    return changes


def role_access_snapshot(group) -> dict:
    """What a role (a group) may do, as plain values: its name and its permissions."""
    if group.pk is None:
        return {"name": None, "permissions": []}
    from django.contrib.auth.models import Group

    fresh = Group.objects.get(pk=group.pk)
    return {
        "name": fresh.name,
        "permissions": sorted(
            f"{app}.{codename}"
            for app, codename in fresh.permissions.values_list("content_type__app_label", "codename")
        ),
    }


@transaction.atomic
def role_access_record(*, group_id: int, by, before: dict) -> dict:
    """After a change to a role (a group, in admin), record `role_access_changed` with the permissions
    added and removed and any new name since `before` (a `role_access_snapshot`). Returns the changes
    (empty: nothing recorded)."""
    from django.contrib.auth.models import Group

    group = Group.objects.select_for_update().get(pk=group_id)
    after = role_access_snapshot(group)
    changes = {}
    if before.get("name") != after["name"]:
        changes["name"] = [before.get("name"), after["name"]]
    added = sorted(set(after["permissions"]) - set(before.get("permissions") or []))
    removed = sorted(set(before.get("permissions") or []) - set(after["permissions"]))
    if added or removed:
        changes["permissions"] = {"added": added, "removed": removed}
    if changes:
        record_event(obj=group, action="role_access_changed", by=by, case_id=None, changes=changes)
    return changes
