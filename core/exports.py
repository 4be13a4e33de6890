"""Large exports prepared in the background: the port, the services and the download.

A person asks for a file that takes too long to build inside a request (a whole year's return, a
big payment batch's bank file). `prepared_file_request` records what they asked for (a
`PreparedFile`, status "queued") and, after COMMIT, queues the task `core.tasks.build_prepared_file`.
The worker claims the row with one conditional UPDATE (queued → building: of two workers, or a task
enqueued twice, only one builds), builds the file as the person who asked, keeps it in the private
"prepared_files" storage with its size and SHA-256, and tells them through the notification port
(`core.notify.announce("export_ready", …)`: a link to the page, never the file). A refusal or an
error is kept on the row in words, and they may try again.

The kernel knows no domain app: the apps that own an export register its kind at start-up
(`register(ExportKind(...))`: reports the returns, payments the batch files), with
- `clean(user, parameters)` → the parameters, normalised; raises what the synchronous export raises
  when the person may not have it (NotPermitted, Http404, RuleBroken for bad input);
- `check(user, parameters)` → the same right, asked again at build time and at every download;
- `build(user, parameters)` → a `BuiltFile`: the name, the content type and the bytes in chunks;
- `title(parameters)` and `back_url(parameters)` for the pages.
"""

import datetime
import hashlib
import logging
import tempfile
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.http import FileResponse, Http404
from django.utils import timezone

from audit.services import record_access, record_event
from core.exceptions import DomainError, InvalidTransition, RuleBroken, ensure_transition
from core.models import PREPARED_FILE_TRANSITIONS, PreparedFile, PreparedFileStatus

logger = logging.getLogger(__name__)

STORAGE = "prepared_files"
# A file still "being prepared" this long after its worker started is taken to have died with it:
# its owner may ask for it again.
STALE_AFTER = datetime.timedelta(hours=1)
SPOOL_BYTES = 8 * 1024 * 1024  # built in memory up to this size, then in a temporary file


@dataclass(frozen=True)
class BuiltFile:
    file_name: str
    content_type: str
    chunks: Iterable[bytes]


@dataclass(frozen=True)
class ExportKind:
    name: str
    title: Callable[[dict], str]
    clean: Callable[..., dict]  # (user=, parameters=) -> parameters
    check: Callable[..., None]  # (user=, parameters=)
    build: Callable[..., BuiltFile]  # (user=, parameters=)
    back_url: Callable[[dict], str]


_kinds: dict[str, ExportKind] = {}


def register(kind: ExportKind) -> None:
    """Called by the app that owns the export, when Django starts (its apps.py)."""
    _kinds[kind.name] = kind


def kind_of(name: str) -> ExportKind:
    """Raises RuleBroken for a kind nobody registered."""
    try:
        return _kinds[name]
    except KeyError:
        raise RuleBroken(
            f"There is no export called “{name}”; ask for one of: {', '.join(sorted(_kinds))}.", field="kind"
        )


def storage():
    return storages[STORAGE]


def keep_for() -> datetime.timedelta:
    return datetime.timedelta(days=settings.FGDM_EXPORT_KEEP_DAYS)


def _enqueue(prepared_file_id: int) -> None:
    from core.tasks import build_prepared_file

    transaction.on_commit(lambda: build_prepared_file.enqueue(prepared_file_id))


# --- services -------------------------------------------------------------------------------------


@transaction.atomic
def prepared_file_request(*, kind: str, parameters: dict, by) -> PreparedFile:
    """Ask for a file to be prepared in the background. The same file already waiting or being
    prepared for the same person is answered instead of a second one.

    Raises RuleBroken (unknown kind, bad parameters), NotPermitted / Http404 (no right to the export).
    """
    spec = kind_of(kind)
    cleaned = spec.clean(user=by, parameters=dict(parameters or {}))
    waiting = (
        PreparedFile.objects.select_for_update()
        .filter(
            requested_by=by,
            kind=kind,
            parameters=cleaned,
            status__in=[PreparedFileStatus.QUEUED, PreparedFileStatus.BUILDING],
        )
        .first()
    )
    if waiting is not None:
        return waiting
    prepared = PreparedFile.objects.create(requested_by=by, kind=kind, parameters=cleaned, title=spec.title(cleaned))
    record_event(
        obj=prepared,
        action="export_requested",
        by=by,
        case_id=None,
        to_state=prepared.status,
        changes={"kind": kind, "parameters": cleaned},
    )
    _enqueue(prepared.pk)
    return prepared


def _stale(prepared: PreparedFile, now) -> bool:
    return prepared.status == PreparedFileStatus.BUILDING and (
        prepared.started_at is None or prepared.started_at < now - STALE_AFTER
    )


@transaction.atomic
def prepared_file_retry(*, prepared_file_id: int, by) -> PreparedFile:
    """Ask again for a file that failed, expired, or whose worker died while building it.

    Raises Http404 (not the person's), InvalidTransition (waiting, being prepared or ready),
    NotPermitted (the right to the export is gone)."""
    prepared = PreparedFile.objects.select_for_update().filter(pk=prepared_file_id, requested_by=by).first()
    if prepared is None:
        raise Http404("No such prepared file.")
    now = timezone.now()
    if not _stale(prepared, now):
        if prepared.status == PreparedFileStatus.READY and prepared.expires_at and prepared.expires_at <= now:
            pass  # past its day, the cleanup not run yet: it may be asked for again
        else:
            ensure_transition(prepared.status, PreparedFileStatus.QUEUED, PREPARED_FILE_TRANSITIONS, label="file")
    kind_of(prepared.kind).check(user=by, parameters=prepared.parameters)
    before = prepared.status
    _delete_file(prepared)
    prepared.status = PreparedFileStatus.QUEUED
    prepared.error = ""
    prepared.started_at = prepared.ready_at = prepared.expires_at = None
    prepared.storage_name = prepared.file_name = prepared.sha256 = ""
    prepared.size = None
    prepared.save()
    record_event(
        obj=prepared, action="export_requested_again", by=by, case_id=None, from_state=before, to_state=prepared.status
    )
    _enqueue(prepared.pk)
    return prepared


def claim(prepared_file_id: int) -> bool:
    """Take the file for building; False if another worker has it or it is not waiting."""
    from django.db.models import F

    now = timezone.now()
    return bool(
        PreparedFile.objects.filter(pk=prepared_file_id, status=PreparedFileStatus.QUEUED).update(
            status=PreparedFileStatus.BUILDING, started_at=now, attempts=F("attempts") + 1
        )
    )


def prepared_file_build(prepared_file_id: int) -> str:
    """Build one waiting file, once (run by the task worker). Returns what became of it:
    "not-claimed" (another worker has it, or it is not waiting), "ready" or "failed".

    Raises nothing: a refusal or an error is kept on the row, in words, for its owner to see."""
    if not claim(prepared_file_id):
        return "not-claimed"
    prepared = PreparedFile.objects.select_related("requested_by").get(pk=prepared_file_id)
    user = prepared.requested_by
    spec = _kinds.get(prepared.kind)
    name = ""
    try:
        if spec is None:
            raise RuleBroken(f"Nothing here prepares files of the kind “{prepared.kind}”.")
        if not user.is_active:
            raise PermissionDenied("The account that asked for this file is no longer active.")
        spec.check(user=user, parameters=prepared.parameters)
        built = spec.build(user=user, parameters=prepared.parameters)
        name, digest, size = _store(built)
    except (DomainError, Http404, PermissionDenied) as refusal:
        return _failed(prepared, _words(refusal), name)
    except Exception:  # kept on the row in words; the details go to the log
        logger.exception("Preparing file %s (%s) failed", prepared.pk, prepared.kind)
        return _failed(
            prepared,
            "Something went wrong while the file was being prepared. Try again; if it fails again, "
            "tell the service desk.",
            name,
        )
    with transaction.atomic():
        now = timezone.now()
        updated = PreparedFile.objects.filter(pk=prepared.pk, status=PreparedFileStatus.BUILDING).update(
            status=PreparedFileStatus.READY,
            storage_name=name,
            file_name=built.file_name[:200],
            content_type=built.content_type[:100],
            sha256=digest,
            size=size,
            ready_at=now,
            expires_at=now + keep_for(),
            error="",
        )
        if not updated:  # asked again meanwhile (a stale worker): this copy is not the one kept
            storage().delete(name)
            return "not-claimed"
        prepared.refresh_from_db()
        record_event(
            obj=prepared,
            action="export_prepared",
            by=user,
            case_id=None,
            from_state=PreparedFileStatus.BUILDING,
            to_state=prepared.status,
            changes={"sha256": digest, "size": size},
        )
        from core.notify import announce

        announce(
            "export_ready", key=f"prepared_file:{prepared.pk}:{prepared.attempts}:ready", prepared_file_id=prepared.pk
        )
    return "ready"


def _words(refusal: Exception) -> str:
    if isinstance(refusal, DomainError):
        return refusal.message
    if isinstance(refusal, Http404):
        return "What this file was to hold is no longer there for you to see."
    return str(refusal) or "You no longer have the right to this file."


def _store(built: BuiltFile) -> tuple[str, str, int]:
    """Write the chunks to the storage under an unguessable name; (name, SHA-256, size)."""
    digest = hashlib.sha256()
    size = 0
    suffix = "." + built.file_name.rsplit(".", 1)[-1] if "." in built.file_name else ""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        for chunk in built.chunks:
            digest.update(chunk)
            size += len(chunk)
            spool.write(chunk)
        spool.seek(0)
        name = storage().save(f"{uuid.uuid4().hex}{suffix}", File(spool))
    return name, digest.hexdigest(), size


def _failed(prepared: PreparedFile, words: str, name: str) -> str:
    if name:
        storage().delete(name)
    with transaction.atomic():
        PreparedFile.objects.filter(pk=prepared.pk).update(status=PreparedFileStatus.FAILED, error=words[:2000])
        prepared.refresh_from_db()
        record_event(
            obj=prepared,
            action="export_failed",
            by=prepared.requested_by,
            case_id=None,
            from_state=PreparedFileStatus.BUILDING,
            to_state=prepared.status,
            reason=words[:500],
        )
    return "failed"


def _delete_file(prepared: PreparedFile) -> None:
    if prepared.storage_name and prepared.file_deleted_at is None:
        storage().delete(prepared.storage_name)
        prepared.file_deleted_at = timezone.now()


def prepared_files_expire(*, now=None) -> int:
    """Delete from the storage every ready file past its day (`manage.py expire_prepared_files`).
    Returns how many. Each in its own transaction with its event."""
    now = now or timezone.now()
    count = 0
    for pk in PreparedFile.objects.filter(status=PreparedFileStatus.READY, expires_at__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            prepared = PreparedFile.objects.select_for_update().get(pk=pk)
            if prepared.status != PreparedFileStatus.READY:
                continue
            _delete_file(prepared)
            prepared.status = PreparedFileStatus.EXPIRED
            prepared.save(update_fields=["status", "file_deleted_at"])
            record_event(
                obj=prepared,
                action="export_expired",
                by=None,
                case_id=None,
                from_state=PreparedFileStatus.READY,
                to_state=prepared.status,
            )
            count += 1
    return count


# --- reads ----------------------------------------------------------------------------------------


def prepared_file_list(*, user):
    """The files this person asked for, newest first (nobody sees another's)."""
    return PreparedFile.objects.filter(requested_by=user)


def prepared_file_get(*, user, prepared_file_id: int) -> PreparedFile:
    """One of this person's files. Raises Http404 for anyone else's."""
    prepared = prepared_file_list(user=user).filter(pk=prepared_file_id).first()
    if prepared is None:
        raise Http404("No such prepared file.")
    return prepared


def is_downloadable(prepared: PreparedFile, now=None) -> bool:
    now = now or timezone.now()
    return prepared.status == PreparedFileStatus.READY and prepared.expires_at is not None and prepared.expires_at > now


def may_retry(prepared: PreparedFile, now=None) -> bool:
    """Whether to offer "try again" (the same test prepared_file_retry makes of the state)."""
    now = now or timezone.now()
    return (
        prepared.status in (PreparedFileStatus.FAILED, PreparedFileStatus.EXPIRED)
        or _stale(prepared, now)
        or (prepared.status == PreparedFileStatus.READY and not is_downloadable(prepared, now))
    )


def prepared_file_response(prepared: PreparedFile, *, by, door: str, path: str = "") -> FileResponse:
    """The file, to the person who asked for it, while they hold the right the synchronous export
    asks for (raises what it raises), as an attachment; one access-log record.

    Raises Http404 (not ready, expired, gone), InvalidTransition (still being prepared)."""
    if prepared.requested_by_id != by.pk:
        raise Http404("No such prepared file.")
    if prepared.in_progress:
        raise InvalidTransition("The file is still being prepared. You will be told when it is ready.")
    if not is_downloadable(prepared):
        raise Http404("This file is not ready, or it has expired: ask for it again.")
    kind_of(prepared.kind).check(user=by, parameters=prepared.parameters)
    try:
        handle = storage().open(prepared.storage_name, "rb")
    except FileNotFoundError:
        raise Http404("This file is missing from the storage: ask for it again.")
    record_access(by=by, what=f"prepared_{prepared.kind}", door=door, obj=prepared, path=path)
    response = FileResponse(
        handle, as_attachment=True, filename=prepared.file_name, content_type=prepared.content_type or None
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    response["X-Checksum-SHA256"] = prepared.sha256
    return response
