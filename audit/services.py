"""Writing the audit trail. Every domain service calls `record_event` once per state change."""
from typing import Any

from django.db import models
from django.utils import timezone

from audit.models import AccessLog, DomainEvent


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
    actor = by if getattr(by, "is_authenticated", False) else None
    return DomainEvent.objects.create(
        at=timezone.now(),
        actor=actor,
        actor_username=actor.get_username() if actor else "",
        action=action,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        case_id=case_id,
        from_state=str(from_state or ""),
        to_state=str(to_state or ""),
        reason=reason,
        changes=changes or {},
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
    actor = by if getattr(by, "is_authenticated", False) else None
    return AccessLog.objects.create(
        at=timezone.now(),
        actor=actor,
        actor_username=actor.get_username() if actor else "",
        door=door,
        what=what,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
        case_id=case_id,
        path=path[:300],
    )
