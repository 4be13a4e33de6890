"""The timeline's filters, shared by the page, the CSV download and the API."""

from django import forms

from audit.timeline import ALL_KINDS, KIND_LABELS, Filters


class TimelineFilterForm(forms.Form):
    kind = forms.MultipleChoiceField(
        choices=list(KIND_LABELS.items()), required=False, widget=forms.CheckboxSelectMultiple, label="Show"
    )
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    actor = forms.CharField(required=False, max_length=150, label="By (username)")

    def __init__(self, params, *, default_kinds=ALL_KINDS):
        data = params.copy()
        # `?kind=money,access` as well as `?kind=money&kind=access`
        kinds = [k.strip() for value in data.getlist("kind") for k in value.split(",") if k.strip()]
        data.setlist("kind", kinds)
        super().__init__(data)
        self.default_kinds = list(default_kinds)

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end of the range is before its start.")
        return cleaned

    def filters(self) -> Filters:
        """The filters (call after is_valid())."""
        data = self.cleaned_data
        return Filters(
            kinds=data.get("kind") or self.default_kinds,
            since=data.get("since"),
            until=data.get("until"),
            actor=(data.get("actor") or "").strip(),
        )
