"""Form pieces every page shares: dates typed the UK way (day, month and year boxes), amounts in
pounds with a £ prefix, error messages in words for people, refusals shown on the form."""

import datetime
import re
from decimal import Decimal
from typing import NamedTuple

from django import forms
from django.utils import timezone

from core.exceptions import DomainError

# -- dates typed the UK way -----------------------------------------------------------------------
# GOV.UK's date input: three boxes named <name>-day, <name>-month and <name>-year. A single <name>
# (2026-04-30 or 30/04/2026) is still accepted when the boxes are absent: scripted clients and
# older tests send one value; the page only ever shows the boxes.

DATE_PARTS = ("day", "month", "year")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class DateParts(NamedTuple):
    day: str = ""
    month: str = ""
    year: str = ""

    @classmethod
    def of(cls, value) -> "DateParts":
        """The boxes' contents for a value: a date, parts, or a single typed text."""
        if isinstance(value, DateParts):
            return value
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, datetime.date):
            return cls(str(value.day), str(value.month), str(value.year))
        if isinstance(value, str) and value.strip():
            parsed = _parse_date(value.strip()[:10])
            return cls.of(parsed) if parsed else cls()
        return cls()


def _parse_date(text: str) -> datetime.date | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _noun(label) -> str:
    """A field's label as the subject of a sentence: "Date of birth (optional)" → "Date of birth"."""
    text = re.sub(r"\s*\([^)]*\)\s*$", "", str(label or "")).strip().rstrip("?:").strip()
    text = text.lstrip("…").strip()
    return text[:1].upper() + text[1:] if text else "The answer"


def _lower_first(text: str) -> str:
    """ "Family name" → "family name", but "SAR reference" stays."""
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) == 1 else text


def date_subject(label) -> str:
    """What a date is called in its messages: the label when it names a date ("Date of birth"),
    else "The date" ("Checked on must be a real date" would not read)."""
    noun = _noun(label)
    return noun if re.search(r"\b(date|birth)\b", noun, re.IGNORECASE) else "The date"


class DateInput(forms.Widget):
    """GOV.UK date input: day, month and year boxes (see includes/field.html for the page's markup)."""

    template_name = "core/widgets/date_input.html"
    parts = DATE_PARTS

    def value_from_datadict(self, data, files, name):
        typed = [data.get(f"{name}-{part}") for part in self.parts]
        if all(value is None for value in typed):
            return data.get(name)
        return DateParts(*[str(value or "").strip() for value in typed])

    def value_omitted_from_data(self, data, files, name):
        return name not in data and all(f"{name}-{part}" not in data for part in self.parts)

    def id_for_label(self, id_):
        return f"{id_}-day" if id_ else id_

    def format_value(self, value):
        return DateParts.of(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["parts"] = date_boxes(name, context["widget"]["attrs"].get("id", ""), value)
        return context


def date_boxes(name: str, id_: str, value, *, error_parts=()) -> list[dict]:
    """The three boxes of a date input: name, id, label, value, width and whether each is in error."""
    parts = DateParts.of(value)
    return [
        {
            "name": f"{name}-{part}",
            "id": f"{id_}-{part}",
            "label": part.capitalize(),
            "value": getattr(parts, part),
            "width": 4 if part == "year" else 2,
            "error": part in error_parts,
            "autocomplete": "",
        }
        for part in DATE_PARTS
    ]


class DateField(forms.DateField):
    """A date typed in three boxes (or as one ISO or dd/mm/yyyy text), with GOV.UK's messages."""

    widget = DateInput

    def __init__(self, *, noun: str = "", **kwargs):
        kwargs.setdefault("input_formats", DATE_FORMATS)
        super().__init__(**kwargs)
        self.noun = noun

    def _subject(self) -> str:
        return self.noun or date_subject(self.label)

    def to_python(self, value):
        subject = self._subject()
        if isinstance(value, DateParts):
            if not any(value):
                return None
            missing = [part for part in DATE_PARTS if not getattr(value, part)]
            if missing:
                raise forms.ValidationError(
                    f"{subject} must include a {' and '.join(missing)}", code="incomplete", params={"parts": missing}
                )
            if not value.year.isdigit() or len(value.year) != 4:
                raise forms.ValidationError("Year must include 4 numbers", code="year", params={"parts": ["year"]})
            try:
                return datetime.date(int(value.year), int(value.month), int(value.day))
            except ValueError:
                raise forms.ValidationError(f"{subject} must be a real date", code="invalid")
        if isinstance(value, str) and value.strip():
            parsed = _parse_date(value.strip())
            if parsed is None:
                raise forms.ValidationError(f"{subject} must be a real date", code="invalid")
            return parsed
        return super().to_python(value)


class DateTimeInput(DateInput):
    """A date input and a 24-hour time box ("14:30"): <name>-day, -month, -year and -time."""

    template_name = "core/widgets/date_time_input.html"

    def value_from_datadict(self, data, files, name):
        time = data.get(f"{name}-time")
        date = super().value_from_datadict(data, files, name)
        if isinstance(date, DateParts) or time is not None:
            return (DateParts.of(date) if not isinstance(date, DateParts) else date, str(time or "").strip())
        return date

    def value_omitted_from_data(self, data, files, name):
        return super().value_omitted_from_data(data, files, name) and f"{name}-time" not in data

    def format_value(self, value):
        return value

    def get_context(self, name, value, attrs):
        context = super().get_context(name, _date_of(value), attrs)
        context["widget"]["time"] = {
            "name": f"{name}-time",
            "id": f"{context['widget']['attrs'].get('id', '')}-time",
            "value": _time_of(value),
        }
        return context


def _date_of(value):
    if isinstance(value, tuple) and not isinstance(value, DateParts):
        return value[0]
    if isinstance(value, str) and "T" in value:
        return value.split("T", 1)[0]
    return value


def _time_of(value) -> str:
    if isinstance(value, tuple) and not isinstance(value, DateParts):
        return value[1]
    if isinstance(value, datetime.datetime):
        return value.strftime("%H:%M")
    if isinstance(value, str):
        match = re.search(r"[T ](\d{1,2}:\d{2})", value)
        return match.group(1) if match else ""
    return ""


TIME_PATTERN = re.compile(r"^(\d{1,2})[:.](\d{2})$")


class DateTimeField(forms.DateTimeField):
    """A date in three boxes and a 24-hour time ("14:30"), or one ISO text (2026-04-30T14:30)."""

    widget = DateTimeInput

    def __init__(self, *, noun: str = "", **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
        super().__init__(**kwargs)
        self.noun = noun

    def to_python(self, value):
        if isinstance(value, tuple) and not isinstance(value, DateParts):
            parts, time = value
            if not any(parts) and not time:
                return None
            subject = self.noun or date_subject(self.label)
            day = DateField(noun=subject).to_python(parts)
            if day is None:
                raise forms.ValidationError(
                    f"{subject} must include a day, month and year", code="incomplete", params={"parts": DATE_PARTS}
                )
            match = TIME_PATTERN.match(time)
            if not time:
                raise forms.ValidationError(f"{subject} must include a time", code="time")
            if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
                raise forms.ValidationError("Enter the time in 24-hour clock, like 14:30", code="time")
            moment = datetime.datetime.combine(day, datetime.time(int(match.group(1)), int(match.group(2))))
            return super().to_python(moment)
        return super().to_python(value)


def date_field(label, *, required=True, help_text="", noun=""):
    return DateField(label=label, required=required, help_text=help_text, noun=noun)


# -- money ----------------------------------------------------------------------------------------


class MoneyInput(forms.TextInput):
    """An amount in pounds: the page shows a £ prefix (includes/field.html); typed as 250.00."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"inputmode": "decimal", "spellcheck": "false", **(attrs or {})})


class MoneyField(forms.DecimalField):
    """An amount of money in pounds and pence (a Decimal, never a float), typed with or without "£"."""

    widget = MoneyInput

    def __init__(self, *, max_digits=10, decimal_places=2, min_value=Decimal("0.01"), **kwargs):
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, min_value=min_value, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", "").removeprefix("£").strip()
        return super().to_python(value)


def is_money(field) -> bool:
    """Whether a form field holds an amount of money (its type, or its name)."""
    return isinstance(field, MoneyField)


# -- messages in words for people -----------------------------------------------------------------
# Django's own messages ("This field is required.", "Enter a number.") become specific ones, made
# from each field's label and type. A message a form sets itself (error_messages=…) is kept.

QUESTION_WORDS = ("why", "who", "what", "how", "when", "where", "which", "whose", "whether")
DETERMINERS = ("the ", "a ", "an ", "their ", "your ", "his ", "her ", "its ", "any ", "each ")


def _object(label) -> str:
    """The label as the object of "Enter …" or "Select …": "Family name" → "the family name"."""
    text = _lower_first(_noun(label))
    lowered = text.lower()
    if lowered.split(" ", 1)[0] in QUESTION_WORDS or lowered.startswith(DETERMINERS):
        return text
    return f"the {text}"


def _defaults(field) -> dict:
    found = {}
    for klass in reversed(type(field).__mro__):
        if klass.__module__.startswith("django."):  # a project field's own messages are kept
            found.update(getattr(klass, "default_error_messages", {}))
    return found


def messages_for(field) -> dict:
    """GOV.UK-style messages for one field, from its label and type."""
    subject, what = _noun(field.label), _object(field.label)
    widget = field.widget
    choosing = isinstance(widget, forms.Select | forms.RadioSelect | forms.CheckboxSelectMultiple)
    found = {"required": f"Enter {what}", "invalid": f"Enter {what}"}
    if isinstance(field, MoneyField):
        found.update(
            required=f"Enter {what}, like £250.00",
            invalid="Enter an amount, like £250.00",
            max_decimal_places="Enter an amount in pounds and pence, like £250.00",
            max_digits=f"{subject} must be less than £{10 ** (field.max_digits - field.decimal_places):,}",
            max_whole_digits=f"{subject} must be less than £{10 ** (field.max_digits - field.decimal_places):,}",
        )
        if field.min_value is not None:
            found["min_value"] = f"{subject} must be £{field.min_value:,.2f} or more"
        if field.max_value is not None:
            found["max_value"] = f"{subject} must be £{field.max_value:,.2f} or less"
    elif isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        whole = isinstance(field, forms.IntegerField)
        found.update(
            invalid=f"{subject} must be a {'whole ' if whole else ''}number",
            max_decimal_places=f"{subject} must have at most %(max)s decimal place(s)",
            max_digits=f"{subject} must be a smaller number",
            max_whole_digits=f"{subject} must be a smaller number",
            min_value=f"{subject} must be %(limit_value)s or more",
            max_value=f"{subject} must be %(limit_value)s or {'fewer' if whole else 'less'}",
        )
    elif isinstance(field, DateTimeField):
        subject = field.noun or date_subject(field.label)
        found.update(required=f"Enter {_lower_first(subject)}", invalid=f"{subject} must be a real date and time")
    elif isinstance(field, forms.DateField):
        subject = getattr(field, "noun", "") or date_subject(field.label)
        found.update(required=f"Enter {_lower_first(subject)}", invalid=f"{subject} must be a real date")
    elif isinstance(field, forms.EmailField):
        found.update(invalid="Enter an email address in the correct format, like name@example.com")
    elif isinstance(field, forms.FileField):
        found.update(
            required=f"Select {what}",
            missing=f"Select {what}",
            empty="The selected file is empty",
            invalid="The selected file could not be read: choose the file again",
        )
    elif isinstance(field, forms.BooleanField):
        found.update(required=f"Tick the box if {_lower_first(_noun(field.label))}")
    if choosing or isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        found.update(
            required=f"Select {what}",
            invalid_choice=f"Select {what} from the list",
            invalid_pk_value=f"Select {what} from the list",
            invalid_list=f"Select {what} from the list",
        )
    if isinstance(field, forms.CharField) and field.max_length:
        found["max_length"] = f"{subject} must be {field.max_length:,} characters or fewer"
    if isinstance(field, forms.CharField) and field.min_length:
        found["min_length"] = f"{subject} must be {field.min_length:,} characters or more"
    return found


def use_plain_messages(form) -> None:
    """Give every field of `form` messages in words for people, where Django's own stand."""
    for field in form.fields.values():
        defaults = _defaults(field)
        for code, message in messages_for(field).items():
            if code not in field.error_messages or str(field.error_messages[code]) == str(defaults.get(code, "")):
                field.error_messages[code] = message


class Form(forms.Form):
    """Every page's form: messages in words for people; a date typed in boxes and shown again from
    a POST's values (`initial=request.POST.dict()`) keeps what was typed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_plain_messages(self)
        if not self.is_bound and self.initial:
            for name, field in self.fields.items():
                if isinstance(field.widget, DateInput) and name not in self.initial:
                    typed = [self.initial.get(f"{name}-{part}") for part in DATE_PARTS]
                    if any(value is not None for value in typed):
                        self.initial[name] = DateParts(*[str(value or "") for value in typed])
                        if isinstance(field.widget, DateTimeInput):
                            self.initial[name] = (self.initial[name], str(self.initial.get(f"{name}-time") or ""))


def show_domain_error(form, exc: DomainError) -> None:
    """A refusal from a service becomes a form error: on the field it names, else for the whole form."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


class ReasonForm(Form):
    reason = forms.CharField(label="Reasons", widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(Form):
    note = forms.CharField(label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EmptyForm(Form):
    """For buttons that only confirm a step: keeps the error summary in one place."""


def today():
    return timezone.localdate()


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


# -- rows without a limit ("add another" without JavaScript) ----------------------------------------


class GrowingRows(forms.BaseFormSet):
    """Rows of a form with no upper limit (children, plan actions, package items). "Add another" is
    a submit button (it works without JavaScript): the page comes back with what was typed,
    unchecked and unsaved, and one more empty row (`rows_plus_one`). No row counts as an initial
    one, so a row shown again, or left empty, stays optional beyond the first `min_num`."""

    def initial_form_count(self):
        return super().initial_form_count() if self.is_bound else 0

    def total_form_count(self):
        if self.is_bound:
            return super().total_form_count()
        return max(len(self.initial or []), self.min_num) + self.extra


def growing_rows(form_class, *, min_num: int = 1, noun: str = "row"):
    """A formset class of `form_class` rows: at least `min_num`, and no most a family would reach
    (Django's guard against a forged POST, a thousand rows, stays). `noun` names a row in its
    messages ("Add at least one child")."""
    words = {1: "one", 2: "two", 3: "three"}.get(min_num, str(min_num))
    base = type(
        f"{form_class.__name__}Rows",
        (GrowingRows,),
        {
            "default_error_messages": {
                "too_few_forms": f"Add at least {words} {noun}",
                "too_many_forms": f"There are too many rows: send at most %(num)d {noun} rows at a time",
                "missing_management_form": "The page was sent incomplete: go back, reload the page and try again",
            }
        },
    )
    return forms.formset_factory(form_class, formset=base, extra=0, min_num=min_num, validate_min=True)


def typed_rows(formset) -> list[dict]:
    """The rows of a bound formset as typed (raw values, unchecked), to show them again."""
    return [{name: form[name].value() or "" for name in form.fields} for form in formset.forms]


def rows_plus_one(formset_class, data, *, prefix: str, form_kwargs=None):
    """The rows typed in `data` (the POST) again, unchecked, with one more empty row."""
    typed = formset_class(data, prefix=prefix, form_kwargs=form_kwargs or {})
    return formset_class(initial=[*typed_rows(typed), {}], prefix=prefix, form_kwargs=form_kwargs or {})


def wants_another_row(request, button: str) -> bool:
    """Whether the POST is the "add another" button named `button` (not the form being sent)."""
    return request.method == "POST" and button in request.POST
