"""Writing the audit trail. Every domain service calls `record_event` once per state change."""

from typing import Any

from auditlog.context import auditlog_value
from django.db import models, transaction
from django.db.models.signals import pre_save
from django.utils import timezone

from audit.context import current_command
from audit.masking import masks_repr
from audit.models import AccessLog, DomainEvent, LegalHold, LookedAfterMark


def actor_of(by: Any):
    """(user or None, username to record). Without a signed-in user, a command run names itself."""
    if getattr(by, "is_authenticated", False):
        return by, by.get_username()
    run = current_command()
    if run is not None:
        return (run.user, run.user.get_username()) if run.user is not None else (None, run.system_name)
    return None, ""


def write_origin() -> dict:
    """Where this write comes from: the request's client address (set for pages by auditlog's
    middleware and for the API by AuditedMixin), or the command run."""
    run = current_command()
    if run is not None:
        return {"remote_addr": None, "via": run.label}
    context = auditlog_value.get(None)
    if not isinstance(context, dict) or not _still_open(context.get("signal_duid")):
        return {"remote_addr": None, "via": ""}
    return {"remote_addr": context.get("remote_addr") or None, "via": ""}


def request_actor():
    """The signed-in person of the request being served (auditlog's context), or None."""
    context = auditlog_value.get(None)
    if not isinstance(context, dict) or not _still_open(context.get("signal_duid")):
        return None
    actor = context.get("actor")
    return actor if getattr(actor, "is_authenticated", False) else None


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
    """Record one domain event: who did what to which object, from which state to which.

    An object whose description would name the person (a child: `AUDIT_MASKED_REPR`) is described
    as "<model> #<id>", as in the field history: the trail is kept long after the names are gone.
    """
    actor, username = actor_of(by)
    label = f"{getattr(obj._meta, 'app_label', '')}.{obj._meta.model_name}"
    described = f"{obj._meta.model_name} #{obj.pk}" if masks_repr(label) else str(obj)
    return DomainEvent.objects.create(
        at=timezone.now(),
        actor=actor,
        actor_username=username,
        action=action,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        object_repr=described[:200],
        case_id=case_id,
        from_state=str(from_state or ""),
        to_state=str(to_state or ""),
        reason=reason,
        changes=changes or {},
        **write_origin(),
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
    actor, username = actor_of(by)
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
        **write_origin(),
    )


def _ensure_may(by, permission: str) -> None:
    from django.core.exceptions import PermissionDenied

    if not getattr(by, "is_authenticated", False) or not by.has_perm(permission):
        raise PermissionDenied("Only administrators can do this.")


@transaction.atomic
def legal_hold_place(
    *,
    by,
    reason: str,
    case_id: int | None = None,
    object_type: str = "",
    object_id: int | None = None,
    kind: str = LegalHold.Kind.LEGAL,
    inquiry: str = "",
) -> LegalHold:
    """Stop retention touching a case or one record. A public-inquiry preservation hold (`kind`
    "public_inquiry") names the inquiry, may hold every record (no case, no record named) and is
    never released. Raises PermissionDenied, ValidationError."""
    from django.core.exceptions import ValidationError

    _ensure_may(by, "audit.add_legalhold")
    if kind not in LegalHold.Kind.values:
        raise ValidationError({"kind": "Choose a legal hold or a public inquiry preservation hold."})
    inquiry = " ".join((inquiry or "").split())
    if kind == LegalHold.Kind.PUBLIC_INQUIRY and not inquiry:
        raise ValidationError({"inquiry": "Name the inquiry whose preservation order this is."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the records must be kept."})
    if kind == LegalHold.Kind.LEGAL and case_id is None and not (object_type and object_id is not None):
        raise ValidationError({"case_id": "Name a case, or a record by its type and id."})
    hold = LegalHold.objects.create(
        kind=kind,
        inquiry=inquiry if kind == LegalHold.Kind.PUBLIC_INQUIRY else "",
        case_id=case_id,
        object_type=object_type.strip().lower(),
        object_id=object_id,
        reason=reason.strip(),
        placed_by=by,
        placed_at=timezone.now(),
    )
    record_event(
        obj=hold,
        action="legal_hold_placed",
        by=by,
        case_id=case_id,
        to_state="active",
        reason=hold.reason,
        changes={"holds": str(hold), "kind": hold.kind, **({"inquiry": hold.inquiry} if hold.inquiry else {})},
    )
    return hold


@transaction.atomic
def legal_hold_release(*, hold_id: int, by, reason: str) -> LegalHold:
    """Release a hold: retention may act on the records again. Raises PermissionDenied, ValidationError."""
    from django.core.exceptions import ValidationError

    _ensure_may(by, "audit.change_legalhold")
    hold = LegalHold.objects.select_for_update().get(pk=hold_id)
    if hold.kind == LegalHold.Kind.PUBLIC_INQUIRY:
        raise ValidationError(
            f"A public inquiry preservation hold ({hold.inquiry}) cannot be released in FGDM: "
            "nothing it holds may be deleted while the inquiry needs it."
        )
    if hold.released_at is not None:
        raise ValidationError("This hold is already released.")
    if not reason.strip():
        raise ValidationError({"release_reason": "Say why the hold can end."})
    hold.released_by, hold.released_at, hold.release_reason = by, timezone.now(), reason.strip()
    hold.save(update_fields=["released_by", "released_at", "release_reason"])
    record_event(
        obj=hold,
        action="legal_hold_released",
        by=by,
        case_id=hold.case_id,
        from_state="active",
        to_state="released",
        reason=hold.release_reason,
    )
    return hold


@transaction.atomic
def looked_after_mark(*, case_id: int, by, looked_after: bool = True, reason: str = "") -> LookedAfterMark:
    """Record that a case's child is (or is not) looked after: it decides the case's retention class."""
    _ensure_may(by, "audit.add_lookedaftermark")
    mark = LookedAfterMark.objects.select_for_update().filter(case_id=case_id).first()
    previous = "" if mark is None else ("looked_after" if mark.looked_after else "not_looked_after")
    if mark is None:
        mark = LookedAfterMark(case_id=case_id)
    mark.looked_after, mark.reason, mark.marked_by, mark.marked_at = looked_after, reason.strip(), by, timezone.now()
    mark.save()
    record_event(
        obj=mark,
        action="looked_after_marked",
        by=by,
        case_id=case_id,
        from_state=previous,
        to_state="looked_after" if looked_after else "not_looked_after",
        reason=mark.reason,
    )
    return mark
