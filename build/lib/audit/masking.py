"""What field history never shows: children's identifiers and bank details.

A field that is masked still appears in a diff (the trail says *that* it changed and who changed
it) but its old and new values read as MASK. The lists live in settings so the ground floor needs
to know no domain model: `AUDIT_MASKED_FIELDS` maps "app_label.model" (or "*" for every model) to
field names; `AUDIT_MASKED_REPR` names the models whose description would itself identify the
person (a child's name), which the entry then describes as "<model> #<id>" instead.
django-auditlog's own `mask_fields` (used for bank details) masks with `mask` below too
(`AUDITLOG_MASK_CALLABLE`), so no half-masked value ever reaches the table.
"""

from django.conf import settings

MASK = "********"

DEFAULT_MASKED_FIELDS = {
    # Any model: identifiers of a person and bank details, wherever they turn up.
    "*": [
        "date_of_birth",
        "nhs_number",
        "unique_pupil_number",
        "national_insurance_number",
        "sort_code",
        "account_number",
        "account_name",
        "iban",
    ],
    "fgdm.child": ["first_name", "last_name", "date_of_birth", "expected_on"],
}
DEFAULT_MASKED_REPR = ["fgdm.child", "payments.bankaccount"]


def mask(value) -> str:
    """The whole value hidden (auditlog's default keeps half of it)."""
    return value if value in (None, "", "None") else MASK


def masked_fields(label: str) -> set[str]:
    table = getattr(settings, "AUDIT_MASKED_FIELDS", DEFAULT_MASKED_FIELDS)
    return set(table.get("*", [])) | set(table.get(label, []))


def masks_repr(label: str) -> bool:
    return label in getattr(settings, "AUDIT_MASKED_REPR", DEFAULT_MASKED_REPR)


def mask_log_entry(entry) -> None:
    """Mask an auditlog entry in place, before it joins the chain."""
    if entry.content_type_id is None:
        return
    label = f"{entry.content_type.app_label}.{entry.content_type.model}"
    fields = masked_fields(label)
    if isinstance(entry.changes, dict):
        for name in fields & set(entry.changes):
            change = entry.changes[name]
            if isinstance(change, (list, tuple)):
                entry.changes[name] = [mask(value) for value in change]
            elif isinstance(change, dict) and "objects" in change:
                change["objects"] = [MASK for _ in change["objects"]]
    if entry.changes_text:
        entry.changes_text = ""  # auditlog's text copy of the diff would repeat the values
    if isinstance(entry.serialized_data, dict):
        data = entry.serialized_data.get("fields", {})
        for name in fields & set(data):
            data[name] = mask(data[name])
    if masks_repr(label):
        entry.object_repr = f"{entry.content_type.model} #{entry.object_pk}"
