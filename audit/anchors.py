"""The chain heads outside the database: signed anchors that catch a chain rewritten whole.

The hash chains (audit.chain) catch a record edited, deleted or inserted, but someone who can write
to the database could recompute every hash and the chain head after changing a record: the chain
would verify. So `manage.py anchor_audit` (run daily) seals what is waiting (audit.sealing), then
writes the current head of each chain — its last sealed position and hash — to a file in AUDIT_ANCHOR_DIR, signed with HMAC-SHA256 under
AUDIT_ANCHOR_KEY. `manage.py verify_audit` then checks each anchor's signature and that the
record at each anchored position still has the anchored hash: a rewrite of anything up to the last
anchor breaks one of them. Keep the directory off the database server (another host's mount, an
object store with write-once retention), and the key out of the database.
"""

import datetime
import hashlib
import hmac
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from audit.chain import GENESIS
from audit.models import CHAINED_MODELS, ChainHead
from audit.verification import Break

FORMAT = "fgdm-audit-anchor/1"
PREFIX, SUFFIX = "anchor-", ".json"


def anchor_key() -> bytes:
    """AUDIT_ANCHOR_KEY, or when it is not set a key derived from SECRET_KEY (so an anchor's
    signature is never a plain hash anyone could recompute)."""
    key = getattr(settings, "AUDIT_ANCHOR_KEY", "") or ""
    if key:
        return key.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"fgdm audit anchor key", hashlib.sha256).hexdigest().encode()


def anchor_dir() -> Path:
    return Path(settings.AUDIT_ANCHOR_DIR)


def _canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def _sign(payload: dict) -> str:
    return hmac.new(anchor_key(), _canonical(payload), hashlib.sha256).hexdigest()


def current_heads() -> dict[str, dict]:
    heads = {head.chain: {"seq": head.seq, "hash": head.hash} for head in ChainHead.objects.all()}
    return {model.CHAIN: heads.get(model.CHAIN, {"seq": 0, "hash": GENESIS}) for model in CHAINED_MODELS}


def anchor_write(*, now: datetime.datetime | None = None) -> Path:
    """Write the current chain heads, signed, to a new file in AUDIT_ANCHOR_DIR (never overwriting
    one). Returns its path. Raises OSError when the directory cannot be written."""
    now = now or timezone.now()
    payload = {
        "format": FORMAT,
        "written_at": now.astimezone(datetime.timezone.utc).isoformat(),
        "heads": current_heads(),
    }
    folder = anchor_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = now.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{PREFIX}{stamp}{SUFFIX}"
    body = json.dumps({**payload, "signature": _sign(payload)}, indent=2, sort_keys=True) + "\n"
    with tempfile.NamedTemporaryFile("w", dir=folder, delete=False, encoding="utf-8", suffix=".tmp") as handle:
        handle.write(body)
        handle.flush()
        os.fsync(handle.fileno())
    os.link(handle.name, path)  # fails if the name exists: an anchor is never overwritten
    os.unlink(handle.name)
    return path


@dataclass(frozen=True)
class Anchor:
    path: Path
    written_at: str
    heads: dict[str, dict]


def anchors_read() -> tuple[list[Anchor], list[Break]]:
    """Every anchor in AUDIT_ANCHOR_DIR, oldest first; a file that is unreadable or whose signature
    does not match (edited, or signed with another key) is a break."""
    folder = anchor_dir()
    if not folder.is_dir():
        return [], []
    anchors, breaks = [], []
    for path in sorted(folder.glob(f"{PREFIX}*{SUFFIX}")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            signature = data.pop("signature")
            valid = data.get("format") == FORMAT and hmac.compare_digest(signature, _sign(data))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            valid = False
        if not valid:
            breaks.append(Break(f"anchor {path.name}", None, None, "unreadable, edited or not signed with this key"))
            continue
        anchors.append(Anchor(path=path, written_at=data["written_at"], heads=data["heads"]))
    return anchors, breaks


def verify_anchors() -> tuple[int, list[Break]]:
    """Check the database's chains against every stored anchor. Returns (anchors checked, breaks):
    the first anchored position of each chain that is missing or holds another hash."""
    anchors, breaks = anchors_read()
    models = {model.CHAIN: model for model in CHAINED_MODELS}
    broken_chains = set()
    for anchor in anchors:
        for chain, head in anchor.heads.items():
            model = models.get(chain)
            seq, expected = int(head.get("seq", 0)), head.get("hash", "")
            if model is None or seq == 0 or chain in broken_chains:
                continue
            found = model._default_manager.filter(seq=seq).values_list("pk", "hash").first()
            if found is None:
                problem = f"the record at position {seq}, anchored {anchor.written_at}, is missing"
                breaks.append(Break(chain, seq, None, problem))
                broken_chains.add(chain)
            elif found[1] != expected:
                problem = (
                    f"does not match the anchor written {anchor.written_at} ({anchor.path.name}): "
                    "the chain was rewritten up to here"
                )
                breaks.append(Break(chain, seq, found[0], problem))
                broken_chains.add(chain)
    return len(anchors), breaks
