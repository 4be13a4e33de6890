"""The council's register of suppliers that packages may pay (kept by finance)."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction

from audit.services import record_event
from core.bounds import ensure_name, ensure_text, max_length_of
from core.exceptions import RuleBroken
from core.roles import ensure_finance
from network_packages.models import Supplier

SUPPLIER_FIELDS = ("name", "supplies", "address", "email", "phone", "company_number")


LABELS = {
    "name": "supplier's trading name",
    "supplies": "what they supply",
    "email": "email address",
    "phone": "phone number",
    "company_number": "company or charity number",
}


def _supplier_fields(values: dict) -> dict:
    """The register's fields: each one line of printable text within its column (the address may
    have lines). Raises RuleBroken on the field."""
    cleaned = {}
    for field in SUPPLIER_FIELDS:
        if field == "address":
            cleaned[field] = ensure_text(str(values.get(field) or "").strip(), field=field, label="address")
        else:
            line = ensure_name(
                values.get(field),
                field=field,
                label=LABELS[field],
                max_length=max_length_of(Supplier, field),
                required=field == "name",
            )
            cleaned[field] = " ".join(line.split())
    if cleaned["email"]:
        try:
            EmailValidator()(cleaned["email"])
        except ValidationError:
            raise RuleBroken("Enter an email address like accounts@example.co.uk.", field="email")
    return cleaned


def _ensure_name_free(name: str, *, exclude_id: int | None = None) -> None:
    clash = Supplier.objects.filter(name__iexact=name).exclude(pk=exclude_id).first()
    if clash is not None:
        raise RuleBroken(
            f"“{clash.name}” is already on the register: use it rather than adding it again.", field="name"
        )


@contextmanager
def _name_taken_at_the_same_moment(name: str):
    """The unique name constraint catches what `_ensure_name_free` could not see: another officer
    adding the same supplier at the same moment."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise RuleBroken(f"“{name}” has just been added to the register by someone else: use it.", field="name")


@transaction.atomic
def supplier_create(
    *, by, name: str, supplies: str = "", address: str = "", email: str = "", phone: str = "", company_number: str = ""
) -> Supplier:
    """Add a supplier (a shop, a taxi firm) to the council's register, so packages can pay it directly.

    Raises NotPermitted (not finance), RuleBroken (no name, a name already on the register, bad email).
    """
    ensure_finance(by)
    fields = _supplier_fields(
        {
            "name": name,
            "supplies": supplies,
            "address": address,
            "email": email,
            "phone": phone,
            "company_number": company_number,
        }
    )
    _ensure_name_free(fields["name"])
    with _name_taken_at_the_same_moment(fields["name"]):
        supplier = Supplier.objects.create(created_by=by, **fields)
    record_event(
        obj=supplier, action="supplier_added", by=by, case_id=None, to_state="active", changes={"name": supplier.name}
    )
    return supplier


@transaction.atomic
def supplier_update(*, supplier_id: int, by, active: bool | None = None, **values) -> Supplier:
    """Change a supplier's details, or take it off (active=False) or put it back on the register.
    Inactive suppliers cannot be chosen for new items; payments already scheduled to them stand.

    Raises NotPermitted, RuleBroken (as supplier_create; an unknown field).
    """
    ensure_finance(by)
    unknown = set(values) - set(SUPPLIER_FIELDS)
    if unknown:
        raise RuleBroken(f"Unknown field {', '.join(sorted(unknown))}.")
    supplier = Supplier.objects.select_for_update().get(pk=supplier_id)
    fields = _supplier_fields({**{f: getattr(supplier, f) for f in SUPPLIER_FIELDS}, **values})
    if fields["name"].lower() != supplier.name.lower():
        _ensure_name_free(fields["name"], exclude_id=supplier.pk)
    changes = {f: value for f, value in fields.items() if value != getattr(supplier, f)}
    was_active = supplier.active
    for f, value in changes.items():
        setattr(supplier, f, value)
    if active is not None:
        supplier.active = bool(active)
    if not changes and supplier.active == was_active:
        return supplier
    with _name_taken_at_the_same_moment(supplier.name):
        supplier.save()
    state = lambda on: "active" if on else "inactive"  # noqa: E731
    record_event(
        obj=supplier,
        action="supplier_changed",
        by=by,
        case_id=None,
        from_state=state(was_active),
        to_state=state(supplier.active),
        changes={"fields": sorted(changes)} if changes else None,
    )
    return supplier
