"""The dashboard's filters: a period and what to cut the figures by, sent with GET so a view of the
figures is a link that can be shared (and the CSV downloads carry the same filters)."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core.forms import Form, date_field
from fgdm.constants import Stage
from fgdm.models import FamilyHub, LocalAllianceGroup, Locality, Team
from network_packages.selectors import financial_year_bounds, financial_year_of
from reports.scope import Filters, county_wide

# A period longer than this is almost certainly a typing slip (2062 for 2026), and the month-by-month
# chart would have hundreds of bars.
LONGEST_PERIOD_YEARS = 10


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The financial year so far: 1 April to today."""
    today = today or timezone.localdate()
    return financial_year_bounds(financial_year_of(today))[0], today


def _attrs(attrs: dict) -> str:
    """Attributes as Django's django/forms/widgets/attrs.html writes them."""
    return mark_safe(  # noqa: S308 - each attribute is escaped by format_html
        "".join(
            ""
            if value is False
            else format_html(" {}", name)
            if value is True
            else format_html(' {}="{}"', name, value)
            for name, value in attrs.items()
        )
    )


class ListSelect(forms.Select):
    """Django's <select>, written out here: the same HTML as its templates (select.html, one
    select_option.html for each option), without a template rendered for each of the filters' 60
    options, which was most of the time of the dashboard's form."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        html = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                html.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                html.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>\n',
                        str(option["value"]),
                        _attrs(option["attrs"]),
                        option["label"],
                    )
                )
            if group_name:
                html.append("\n  </optgroup>")
        html.append("\n</select>")
        return mark_safe("".join(html))  # noqa: S308 - every part is escaped by format_html


class _FetchedChoices(forms.models.ModelChoiceIterator):
    """The choices read in one statement: Django reads them with iterator(), which on PostgreSQL opens
    a server-side cursor (DECLARE, FETCH, CLOSE: three round trips) for a list of a few dozen rows."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class ListChoiceField(forms.ModelChoiceField):
    iterator = _FetchedChoices
    widget = ListSelect


class HubChoiceField(ListChoiceField):
    def label_from_instance(self, hub):
        return f"{hub.name} ({hub.locality.name})"


class DashboardFilterForm(Form):
    date_from = date_field("Period from", required=False, help_text="For example, 1 4 2026")
    date_to = date_field("Period to", required=False, help_text="For example, 31 3 2027")
    locality = ListChoiceField(
        label="Locality",
        required=False,
        queryset=Locality.objects.order_by("name"),
        to_field_name="code",
        empty_label="All localities",
    )
    alliance_group = ListChoiceField(
        label="Local Alliance Group",
        required=False,
        queryset=LocalAllianceGroup.objects.order_by("name"),
        to_field_name="code",
        empty_label="All Local Alliance Groups",
    )
    hub = HubChoiceField(
        label="Family hub",
        required=False,
        queryset=FamilyHub.objects.select_related("locality").order_by("locality__name", "name"),
        empty_label="All family hubs",
    )
    team = ListChoiceField(
        label="Team",
        required=False,
        queryset=Team.objects.order_by("name"),
        to_field_name="code",
        empty_label="All teams",
    )
    stage = forms.ChoiceField(
        label="Stage", required=False, choices=[("", "All stages"), *Stage.choices], widget=ListSelect
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not county_wide(user):
            # A team manager cuts the figures by their own teams only (the others count nothing for them).
            self.fields["team"].queryset = Team.objects.filter(managers=user).order_by("name")
            self.fields["team"].empty_label = "All your teams"

    def clean(self):
        data = super().clean()
        start, end = default_period()
        date_from = data.get("date_from") or start
        date_to = data.get("date_to") or end
        if "date_from" in self.errors or "date_to" in self.errors:
            return data
        if date_from > date_to:
            self.add_error("date_to", "Period to must be the same as or after period from")
        elif (date_to - date_from).days > 366 * LONGEST_PERIOD_YEARS:
            self.add_error("date_to", f"The period must be {LONGEST_PERIOD_YEARS} years or shorter")
        data["date_from"], data["date_to"] = date_from, date_to
        return data

    def filters(self) -> Filters:
        """The filters chosen (call after `is_valid()` answered True)."""
        data = self.cleaned_data
        return Filters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            locality=data.get("locality"),
            alliance_group=data.get("alliance_group"),
            hub=data.get("hub"),
            team=data.get("team"),
            stage=data.get("stage") or "",
        )
