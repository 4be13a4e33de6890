"""Dorset's reference data — localities, family hubs and Local Alliance Groups — loaded from the CSV
files in process/reference/ (see its README for where each row comes from).

One loader serves production (`manage.py load_reference_data`) and the demo (`seed_demo`), so both
hold the same facts. It is safe to run again: each row is matched on its natural key and updated
in place. It never deletes: a locality or hub the CSVs no longer list may still be named by cases
(and their audit trail), so it stays until an administrator removes it in admin.
"""

import csv
import datetime
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from fgdm.models import FamilyHub, LocalAllianceGroup, Locality

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
LOCALITIES_CSV = REFERENCE_DIR / "dorset_localities.csv"
HUBS_CSV = REFERENCE_DIR / "dorset_family_hubs.csv"
ALLIANCE_GROUPS_CSV = REFERENCE_DIR / "dorset_local_alliance_groups.csv"


class ReferenceDataError(ValueError):
    """A CSV row the loader cannot use (an unknown locality, a bad date or status)."""


def read_csv(path: Path) -> list[dict]:
    """The rows of a reference CSV, every value stripped ("" for an empty cell)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [{key: (value or "").strip() for key, value in row.items()} for row in csv.DictReader(handle)]


@dataclass
class LoadResult:
    """How many rows of each kind were created, updated, or found already as the CSV says."""

    created: dict = field(default_factory=lambda: {"localities": 0, "hubs": 0, "alliance_groups": 0})
    updated: dict = field(default_factory=lambda: {"localities": 0, "hubs": 0, "alliance_groups": 0})
    unchanged: dict = field(default_factory=lambda: {"localities": 0, "hubs": 0, "alliance_groups": 0})

    def count(self, kind: str, obj, created: bool, changed: bool) -> None:
        bucket = self.created if created else self.updated if changed else self.unchanged
        bucket[kind] += 1


def _save(model, lookup: dict, values: dict):
    """update_or_create that saves only when something differs, so running again writes nothing
    (and leaves no audit entries). Returns (object, created, changed)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values), True, True
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.full_clean()
        obj.save(update_fields=changed)
    return obj, False, bool(changed)


def _date(value: str, row: dict) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ReferenceDataError(f"status_as_at {value!r} is not a date (YYYY-MM-DD) in {row}")


@transaction.atomic
def load_reference_data(
    *, localities_csv: Path = LOCALITIES_CSV, hubs_csv: Path = HUBS_CSV, alliance_groups_csv: Path = ALLIANCE_GROUPS_CSV
) -> LoadResult:
    """Create or update the localities, hubs and Local Alliance Groups the CSVs list.

    Raises ReferenceDataError (and changes nothing) if a row names an unknown locality or holds
    a value the model refuses.
    """
    result = LoadResult()
    for row in read_csv(localities_csv):
        obj, created, changed = _save(Locality, {"code": row["code"]}, {"name": row["name"]})
        result.count("localities", obj, created, changed)
    by_name = {locality.name.lower(): locality for locality in Locality.objects.all()}
    by_code = {locality.code: locality for locality in by_name.values()}

    statuses = set(FamilyHub.Status.values)
    for row in read_csv(hubs_csv):
        locality = by_name.get(row["locality"].lower())
        if locality is None:
            raise ReferenceDataError(f"Hub {row['name']!r} names an unknown locality {row['locality']!r}")
        status = row.get("status") or FamilyHub.Status.DESIGNATED
        if status not in statuses:
            raise ReferenceDataError(f"Hub {row['name']!r} has status {status!r}; expected one of {sorted(statuses)}")
        obj, created, changed = _save(
            FamilyHub,
            {"locality": locality, "name": row["name"]},
            {
                "kind": row["kind"],
                "lead_organisation": row["lead_organisation"],
                "designated": row["designated"],
                "status": status,
                "status_as_at": _date(row.get("status_as_at", ""), row),
                "source": row.get("source", ""),
            },
        )
        result.count("hubs", obj, created, changed)

    for row in read_csv(alliance_groups_csv):
        codes = [code.strip() for code in row["localities"].split(";") if code.strip()]
        unknown = [code for code in codes if code not in by_code]
        if unknown or not codes:
            raise ReferenceDataError(
                f"Local Alliance Group {row['code']!r} names unknown localities {unknown or codes}"
            )
        obj, created, changed = _save(
            LocalAllianceGroup, {"code": row["code"]}, {"name": row["name"], "source": row["source"]}
        )
        wanted = {by_code[code].pk for code in codes}
        if set(obj.localities.values_list("pk", flat=True)) != wanted:
            obj.localities.set(wanted)
            changed = True
        result.count("alliance_groups", obj, created, changed)
    return result
