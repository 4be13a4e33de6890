"""Writing the audit trail. Every domain service calls `record_event` once per state change."""
from typing import Any

from django.db import models

from audit.models import DomainEvent


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
