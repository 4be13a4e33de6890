"""Subject access requests: everything held about one person, as a JSON + HTML bundle.

The audit app knows no domain model: each domain app registers a collector from its
AppConfig.ready() (`register(...)`). A collector is called with the subject (`kind` "child" or
"member" and the record's id) and returns sections of records; each value says whether it is
about someone else (a third party) and so must be reviewed for redaction before the bundle is
sent. The audit app adds its own section: the trail of the subject's records and who read them.
Building a bundle is itself recorded in the access log.
"""

import datetime
import html
import json
from dataclasses import asdict, dataclass, field
from typing import Callable

from django.utils import timezone

SUBJECT_KINDS = ("child", "member")


class UnknownSubject(Exception):
    """No child or network member with that id."""


@dataclass
class Value:
    label: str
    value: object
    redact: str = ""  # why it must be reviewed for redaction ("third party: network member"), or ""


@dataclass
class Record:
    title: str
    values: list[Value] = field(default_factory=list)

    def add(self, label: str, value, redact: str = "") -> "Record":
        self.values.append(Value(label, value, redact))
        return self


@dataclass
class Section:
    title: str
    source: str
    records: list[Record] = field(default_factory=list)


@dataclass
class Subject:
    kind: str
    id: int
    name: str
    case_id: int | None
    case_reference: str = ""
    object_type: str = ""  # model name of the subject's own record (for its trail)
    related: list[tuple[str, int]] = field(default_factory=list)  # other records about them (type, id)


# A resolver finds the subject; collectors add sections.
_resolvers: dict[str, Callable[[int], Subject]] = {}
_collectors: list[Callable[[Subject], list[Section]]] = []


def resolve(kind: str, subject_id: int) -> Subject:
    """The subject of one kind and id. Raises UnknownSubject."""
    if kind not in _resolvers:
        raise UnknownSubject(f"Unknown kind of subject “{kind}”.")
    return _resolvers[kind](subject_id)


def items(bundle: dict):
    """Every value of a bundle, in order: (section, record, label, value, why it is for review)."""
    for section in bundle["sections"]:
        for record in section["records"]:
            for value in record["values"]:
                raw = value["value"]
                shown = (
                    ("Yes" if raw else "No") if isinstance(raw, bool) else "" if raw in (None, "") else _default(raw)
                )
                yield section["title"], record["title"], value["label"], shown, value["redact"]


def register_subject(kind: str, resolver: Callable[[int], Subject]) -> None:
    _resolvers[kind] = resolver


def register(collector: Callable[[Subject], list[Section]]) -> None:
    if collector not in _collectors:
        _collectors.append(collector)


def _trail_section(subject: Subject) -> list[Section]:
    from django.db.models import Q

    from audit.models import AccessLog, DomainEvent

    objects = [(subject.object_type, subject.id), *subject.related]
    about = Q()
    for object_type, object_id in objects:
        about |= Q(object_type=object_type, object_id=object_id)
    events = Section("Changes to these records", "audit trail")
    for event in DomainEvent.objects.filter(about).order_by("at", "id"):
        events.records.append(
            Record(f"{event.at:%Y-%m-%d %H:%M} {event.action.replace('_', ' ')}")
            .add("By", event.actor_username or "system")
            .add("From", event.from_state)
            .add("To", event.to_state)
            .add("Reason", event.reason)
        )
    reads = Section("Who read the case record", "access log")
    if subject.case_id is not None:
        for read in AccessLog.objects.filter(case_id=subject.case_id).order_by("at", "id"):
            reads.records.append(
                Record(f"{read.at:%Y-%m-%d %H:%M} {read.what.replace('_', ' ')}")
                .add("By", read.actor_username or "system")
                .add("Through", read.door)
            )
    return [events, reads]


def build(*, kind: str, subject_id: int, by=None, door: str = "command") -> dict:
    """The bundle for one person. Raises UnknownSubject."""
    from audit.services import record_access

    if kind not in _resolvers:
        raise UnknownSubject(f"Unknown kind of subject “{kind}”.")
    subject = _resolvers[kind](subject_id)
    sections = [section for collector in _collectors for section in collector(subject)]
    sections += _trail_section(subject)
    stand_in = type(
        "Subject",
        (),
        {
            "pk": subject.id,
            "_meta": type("Meta", (), {"model_name": subject.object_type})(),
            "__str__": lambda self: f"{subject.object_type} #{subject.id}",
        },
    )()
    record_access(by=by, what="subject_access_export", door=door, obj=stand_in, case_id=subject.case_id)
    return {
        "subject": {
            "kind": subject.kind,
            "id": subject.id,
            "name": subject.name,
            "case_reference": subject.case_reference,
        },
        "generated_at": timezone.now().isoformat(),
        "note": "Values marked for redaction are about other people (third parties): review each before "
        "the bundle is sent.",
        "sections": [asdict(section) for section in sections],
    }


def _default(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def to_json(bundle: dict) -> str:
    return json.dumps(bundle, indent=2, ensure_ascii=False, default=_default)


def to_html(bundle: dict) -> str:
    e = html.escape
    subject = bundle["subject"]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Subject access request: {e(subject['name'])}</title>",
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}"
        "table{border-collapse:collapse;width:100%;margin-bottom:1rem}td,th{border:1px solid #999;padding:4px;"
        "text-align:left;vertical-align:top}.redact{background:#ffd6d6}.why{font-size:smaller;color:#900}</style>",
        "</head><body>",
        f"<h1>Subject access request: {e(subject['name'])}</h1>",
        f"<p>{e(subject['kind'].capitalize())} #{subject['id']}"
        f"{', case ' + e(subject['case_reference']) if subject['case_reference'] else ''}. "
        f"Generated {e(bundle['generated_at'])}.</p>",
        f"<p><strong>{e(bundle['note'])}</strong> They are shaded.</p>",
    ]
    for section in bundle["sections"]:
        parts.append(f"<h2>{e(section['title'])}</h2><p class='why'>From: {e(section['source'])}</p>")
        if not section["records"]:
            parts.append("<p>Nothing held.</p>")
        for record in section["records"]:
            parts.append(f"<h3>{e(record['title'])}</h3><table>")
            for value in record["values"]:
                shown = "" if value["value"] in (None, "") else _default(value["value"])
                if value["redact"]:
                    parts.append(
                        f"<tr class='redact'><th>{e(value['label'])}</th><td>{e(shown)} "
                        f"<span class='why'>[review for redaction: {e(value['redact'])}]</span></td></tr>"
                    )
                else:
                    parts.append(f"<tr><th>{e(value['label'])}</th><td>{e(shown)}</td></tr>")
            parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
