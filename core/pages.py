"""The page toolkit: every page's POST validates its form, calls one service and shows a refusal
(a DomainError) as a form error; nothing changes when a service refuses."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from core import forms as f
from core.bounds import LONG_TEXT
from core.exceptions import DomainError, NotPermitted
from core.roles import ensure_may


def gate(request, step: str) -> None:
    """Refuse (403) a person whose role cannot take this kind of step, before reading their input.

    Called after the object is fetched through a selector, so what they cannot see stays a 404.
    """
    try:
        ensure_may(request.user, step)
    except NotPermitted as exc:
        raise PermissionDenied(exc.message)


def run_service(form, call, *, formsets=()):
    """Validate the form (and formsets), then call the one service. Returns its result, or None
    when the input is bad or the service refused (the error is then on the form)."""
    valid = form.is_valid()
    valid = all([fs.is_valid() for fs in formsets]) and valid
    if not valid:
        return None
    over_long = [_refuse_over_long_text(form)] + [_refuse_over_long_text(row) for fs in formsets for row in fs.forms]
    if any(over_long):
        return None
    try:
        result = call(form.cleaned_data)
    except DomainError as exc:
        f.show_domain_error(form, exc)
        form.refusal_status = exc.http_status
        return None
    return result if result is not None else True


def _refuse_over_long_text(form) -> bool:
    """No text a person types is longer than any record keeps (core.bounds.LONG_TEXT), whatever the
    field: the pages' catch-all, as the API's parser is for JSON. Puts the error on the field and
    answers True when there is one."""
    refused = False
    for name, value in list((getattr(form, "cleaned_data", None) or {}).items()):
        if isinstance(value, str) and len(value) > LONG_TEXT:
            form.add_error(name, f"At most {LONG_TEXT:,} characters (this has {len(value):,}).")
            refused = True
    return refused


ROW_NOUNS = {"items": "Item", "actions": "Action", "children": "Child"}


def error_list(forms) -> list[dict]:
    """Every error of the page's forms (and formsets), for the summary at the top of the page: the
    same words as the message beside the field, each linking to the field's first box (a date's
    day, a question's first answer). A row of a formset is named ("Child 2: …")."""
    from core.templatetags.govuk_forms import first_input

    errors = []

    def of_form(form, prefix=""):
        for message in form.non_field_errors():
            errors.append({"href": "", "text": f"{prefix}{message}"})
        for field in form:
            for message in field.errors:
                errors.append({"href": f"#{first_input(field)}", "text": f"{prefix}{message}"})

    for form in forms:
        if form is None or not form.is_bound:
            continue
        if hasattr(form, "forms"):
            for message in form.non_form_errors():
                errors.append({"href": "", "text": str(message)})
            noun = ROW_NOUNS.get(form.prefix, "Row")
            for number, sub in enumerate(form.forms, start=1):
                of_form(sub, prefix=f"{noun} {number}: ")
        else:
            of_form(form)
    return errors


def page(request, template, context, status=200):
    """Render a page; the error summary lists what is wrong with any of its forms."""
    context.setdefault("all_forms", [])
    context["errors"] = [*context.get("errors", []), *error_list(context["all_forms"])]
    if status >= 400:
        # A service's refusal answers as the API does: 403 not permitted, 409 wrong state.
        status = next(
            (
                getattr(form, "refusal_status", None)
                for form in context["all_forms"]
                if getattr(form, "refusal_status", None)
            ),
            status,
        )
    return render(request, template, context, status=status)


def form_page(
    request,
    *,
    title,
    form,
    button,
    context=None,
    caption="",
    formsets=(),
    template="fgdm/form_page.html",
    status=200,
    warning="",
    summary=(),
):
    """A page of one form. `warning` (shown as GOV.UK warning text above the button) and `summary`
    (rows of (label, value), shown as a summary list above the form) make it the confirmation page
    of an irreversible step ("Check before you approve")."""
    data = {
        "title": title,
        "form": form,
        "button": button,
        "caption": caption,
        "formsets": formsets,
        "all_forms": [form, *formsets],
        "warning": warning,
        "summary": [{"label": label, "value": value} for label, value in summary],
    }
    data.update(context or {})
    return page(request, template, data, status=status)


def allowed(check, user, case) -> bool:
    """Whether a permission check of fgdm.permissions lets this person act (to offer a button or not;
    the service still decides when the form is sent)."""
    try:
        check(user, case)
    except NotPermitted:
        return False
    return True


def done(request, message: str, to: str):
    """After a service succeeded: say what happened on the next page and go there."""
    messages.success(request, message)
    return redirect(to)


# -- sections a higher floor adds to a lower floor's page ------------------------------------------
# The case page knows no support packages and the package page knows no payments (they live on
# the floors above). Each app adds its own part when Django starts: a template, and a function that
# returns what it shows (or None to show nothing). The page draws the sections in the apps' order.


@dataclass(frozen=True)
class Section:
    template: str
    context: Callable[..., dict | None]


_SECTIONS: dict[str, list[Section]] = {}


def add_section(page_name: str, *, template: str, context: Callable[..., dict | None]) -> None:
    """Add a section to a page ("case", "package"); `context(request, **objects)` gives its data."""
    sections = _SECTIONS.setdefault(page_name, [])
    if all(section.template != template for section in sections):  # ready() may run twice in tests
        sections.append(Section(template=template, context=context))


def sections_for(page_name: str, request, **objects) -> list[dict]:
    """The sections of a page for this request, each {"template": …, **its data}."""
    drawn = []
    for section in _SECTIONS.get(page_name, []):
        data = section.context(request, **objects)
        if data is not None:
            drawn.append({"template": section.template, **data})
    return drawn
