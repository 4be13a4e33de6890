"""Writing the audit trail. Every domain service calls `record_event` once per state change."""
from typing import Any

from django.db import models
from django.db.models.signals import pre_save
from django.utils import timezone

from auditlog.context import auditlog_value

from audit.context import current_command
from audit.models import AccessLog, DomainEvent


def _actor(by: Any):
    """(user or None, username to record). Without a signed-in user, a command run names itself."""
    if getattr(by, "is_authenticated", False):
        return by, by.get_username()
    run = current_command()
    if run is not None:
        return (run.user, run.user.get_username()) if run.user is not None else (None, run.system_name)
    return None, ""


def _origin() -> dict:
    """Where this write comes from: the request's client address (set for pages by auditlog's
    middleware and for the API by AuditedMixin), or the command run."""
    run = current_command()
    if run is not None:
        return {"remote_addr": None, "via": run.label}
    context = auditlog_value.get(None)
    if not isinstance(context, dict) or not _still_open(context.get("signal_duid")):
        return {"remote_addr": None, "via": ""}
    return {"remote_addr": context.get("remote_addr") or None, "via": ""}


def _still_open(duid) -> bool:
    # auditlog 3.4.1 leaves its context value behind when a request ends; only the block whose
    # receiver is still connected is the request we are in.
    return duid is not None and any(key[0] == duid for key, *_ in pre_save.receivers)


def record_event(
    *,
    obj: models.Model,
    action: str,
    by: Any,
    case_id: int | None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    changes: dict | None = None,
) -> DomainEvent:
    """Record one domain event: who did what to which object, from which state to which."""
    actor, username = _actor(by)
    return DomainEvent.objects.create(
        at=timezone.now(),
        actor=actor,
        actor_username=username,
        action=action,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        case_id=case_id,
        from_state=str(from_state or ""),
        to_state=str(to_state or ""),
        reason=reason,
        changes=changes or {},
        **_origin(),
    )


def record_access(
    *,
    by: Any,
    what: str,
    door: str,
    obj: models.Model | None = None,
    case_id: int | None = None,
    path: str = "",
) -> AccessLog:
    """Record a read of something sensitive (a case, a child, a plan, bank details, an export)."""
    actor, username = _actor(by)
    return AccessLog.objects.create(
        at=timezone.now(),
        actor=actor,
        actor_username=username,
        door=door,
        what=what,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
        case_id=case_id,
        path=path[:300],
        **_origin(),
    )
