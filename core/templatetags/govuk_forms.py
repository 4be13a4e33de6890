"""`{% govuk_field field as g %}`: what includes/field.html needs to draw a Django field as the
GOV.UK Frontend component that fits it (text input, £ amount, select, textarea with a character
count, radios, checkboxes, date input, file upload), with hint and error ids that exist."""

from django import forms, template

from core import forms as f

register = template.Library()

DATE_HINT = "For example, 27 3 2026."
DATE_TIME_HINT = "For example, 27 3 2026 and 14:30 (24-hour clock)."


def _width(field) -> str:
    """A width that fits the data: GOV.UK's fixed widths for short answers, full width for the rest."""
    if f.is_money(field):
        return "govuk-input--width-10"
    if isinstance(field, forms.IntegerField | forms.DecimalField):
        return "govuk-input--width-5"
    length = getattr(field, "max_length", None)
    if not length or isinstance(field, forms.EmailField):
        return ""
    for fits, width in ((2, 2), (4, 4), (8, 5), (12, 10), (24, 20), (45, 30)):
        if length <= fits:
            return f"govuk-input--width-{width}"
    return ""


def _kind(field) -> str:
    widget = field.widget
    if isinstance(widget, f.DateTimeInput):
        return "datetime"
    if isinstance(widget, f.DateInput):
        return "date"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.ClearableFileInput | forms.FileInput):
        return "file"
    if f.is_money(field):
        return "money"
    return "input"


@register.simple_tag
def govuk_field(bound) -> dict:
    field = bound.field
    kind = _kind(field)
    id_ = bound.auto_id or f"id_{bound.html_name}"
    errors = list(bound.errors)
    hint = str(bound.help_text or "")
    if kind in ("date", "datetime"):
        # The field's own hint may give its example already (one fitting the question); never two.
        if "for example" not in hint.lower():
            example = DATE_TIME_HINT if kind == "datetime" else DATE_HINT
            hint = f"{hint} {example}".strip()
    hint_id = f"{id_}-hint" if hint else ""
    error_id = f"{id_}-error" if errors else ""
    maxlength = getattr(field, "max_length", None) if kind == "textarea" else None
    info_id = f"{id_}-info" if maxlength else ""
    described = " ".join(part for part in (info_id, hint_id, error_id) if part)
    g = {
        "kind": kind,
        "id": id_,
        "label": bound.label,
        "hint": hint,
        "hint_id": hint_id,
        "errors": errors,
        "error_id": error_id,
        "describedby": described,
        "maxlength": maxlength,
        "info_id": info_id,
    }
    error_class = " govuk-input--error" if errors else ""
    if kind in ("input", "money"):
        classes = f"govuk-input {_width(field)}{error_class}".replace("  ", " ")
        g["html"] = _widget(bound, classes, described)
    elif kind == "select":
        g["html"] = _widget(bound, "govuk-select" + (" govuk-select--error" if errors else ""), described)
    elif kind == "textarea":
        classes = "govuk-textarea" + (" govuk-js-character-count" if maxlength else "")
        classes += " govuk-textarea--error" if errors else ""
        g["html"] = _widget(bound, classes, described, maxlength=False)
    elif kind == "file":
        g["html"] = _widget(bound, "govuk-file-upload" + (" govuk-file-upload--error" if errors else ""), described)
    elif kind == "checkbox":
        g["html"] = _widget(bound, "govuk-checkboxes__input", described)
    elif kind in ("radios", "checkboxes"):
        g["items"] = [
            {
                "id": sub.data["attrs"].get("id") or f"{id_}_{number}",
                "name": sub.data["name"],
                "value": sub.data["value"],
                "label": sub.data["label"],
                "checked": sub.data["selected"],
            }
            for number, sub in enumerate(bound.subwidgets)
        ]
    elif kind in ("date", "datetime"):
        value = bound.value()
        error_parts = _error_parts(bound) if errors else ()
        date_value = f._date_of(value) if kind == "datetime" else value
        g["parts"] = f.date_boxes(bound.html_name, id_, date_value, error_parts=error_parts)
        if kind == "datetime":
            g["time"] = {
                "name": f"{bound.html_name}-time",
                "id": f"{id_}-time",
                "value": f._time_of(value),
                "error": "time" in error_parts,
            }
    return g


def _widget(bound, classes: str, described: str, **attrs) -> str:
    attrs = {"class": classes, **attrs}
    if described:
        attrs["aria-describedby"] = described
    return bound.as_widget(attrs=attrs)


def _error_parts(bound) -> tuple:
    """Which boxes of a date input are wrong: those the message names, else all of them."""
    named = set()
    for error in bound.errors.as_data():
        named.update((error.params or {}).get("parts", ()) if isinstance(error.params, dict) else ())
        if error.code == "time":
            named.add("time")
    if named == {"time"}:
        return ("time",)
    return tuple(named) or (*f.DATE_PARTS, "time")


@register.filter
def first_input_id(bound) -> str:
    """The id of the first input of a field: what an error summary's link points to."""
    return first_input(bound)


def first_input(bound) -> str:
    kind = _kind(bound.field)
    id_ = bound.auto_id or f"id_{bound.html_name}"
    if kind in ("date", "datetime"):
        return f"{id_}-day"
    if kind in ("radios", "checkboxes"):
        subs = list(bound.subwidgets)
        return (subs[0].data["attrs"].get("id") if subs else "") or f"{id_}_0"
    return id_
