"""Forms of the support package pages: types only; the services decide the rules."""

from decimal import Decimal

from django import forms

from core.forms import Form, MoneyField, date_field, growing_rows, rows_plus_one
from fgdm.constants import KinshipOrder
from network_packages.constants import (
    Category,
    CheckKind,
    CheckOutcome,
    Frequency,
    MeansDecision,
    OtherFunding,
    ReviewDecision,
    SafetyAnswer,
)


class PackageForm(Form):
    justification = forms.CharField(label="Why this support is needed", widget=forms.Textarea(attrs={"rows": 4}))
    other_funding_checked = forms.BooleanField(
        label="I have checked other sources of funding (benefits, charities, other services)", required=False
    )
    other_funding_sources = forms.MultipleChoiceField(
        label="Other funding checked",
        choices=OtherFunding.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick each source you checked.",
    )
    means_decision = forms.ChoiceField(
        label="The council's decision on means (s.17(8) Children Act 1989)",
        choices=MeansDecision.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    means_reason = forms.CharField(
        label="Why means were waived, or what the assessment found",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    agreement_signed_on = date_field("Written agreement signed on", required=False)
    review_by = date_field("Review the package by", required=False)


SUPPLIER_PREFIX = "supplier-"


def supplier_choice(supplier_id: int) -> str:
    """The value of a supplier in the "Paid to" list (network members are their plain ids)."""
    return f"{SUPPLIER_PREFIX}{supplier_id}"


class ItemForm(Form):
    description = forms.CharField(label="Description", max_length=300)
    category = forms.ChoiceField(label="Category", choices=Category.choices)
    payee = forms.ChoiceField(
        label="Paid to",
        choices=[],
        help_text="Someone in the family's network, or a supplier on the council's register.",
    )
    amount = MoneyField(label="Amount per instalment", max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    frequency = forms.ChoiceField(label="How often", choices=Frequency.choices)
    instalments = forms.IntegerField(label="Number of instalments", min_value=1, max_value=104, initial=1)
    starts_on = date_field(
        "First payment on",
        required=False,
        help_text="Leave blank to pay from the date the written agreement was signed.",
    )
    plan_action = forms.TypedChoiceField(
        label="Plan action it supports", required=False, coerce=int, empty_value=None, choices=[]
    )
    hours_per_day = forms.DecimalField(
        label="Hours a day (childcare)",
        required=False,
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0.1"),
        max_value=Decimal("24"),
        help_text="Childcare only. More than 2 hours by someone who is not a relative, for a child under 8, "
        "asks whether the carer is registered with Ofsted.",
    )

    def __init__(self, *args, payees=(), suppliers=(), actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Choose who is paid")]
        if payees:
            choices.append(("The family's network", [(str(m.pk), m.full_name) for m in payees]))
        if suppliers:
            choices.append(("Suppliers", [(supplier_choice(s.pk), s.name) for s in suppliers]))
        self.fields["payee"].choices = choices
        self.fields["plan_action"].choices = [("", "None"), *[(a.pk, a.description[:80]) for a in actions]]

    def clean_payee(self) -> tuple[int | None, int | None]:
        """(network member id, supplier id): exactly one is set."""
        value = self.cleaned_data["payee"]
        if value.startswith(SUPPLIER_PREFIX):
            return None, int(value[len(SUPPLIER_PREFIX) :])
        return int(value), None

    def has_changed(self):
        """A row counts as filled in once it has a description, a payee or an amount (the selects with
        defaults, category, frequency and instalments, are always sent by browsers)."""
        return any(str(self.data.get(self.add_prefix(name), "")).strip() for name in ("description", "payee", "amount"))


ItemFormSet = growing_rows(ItemForm, noun="item")


def item_rows_plus_one(data, *, form_kwargs, prefix="items"):
    """The package's items as typed (`data`, the POST), unchecked, with one more empty row."""
    return rows_plus_one(ItemFormSet, data, prefix=prefix, form_kwargs=form_kwargs)


class ReviewForm(Form):
    decision = forms.ChoiceField(
        label="What did the review decide?", choices=ReviewDecision.choices, widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label="What the review found",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example: Nan still has Lily after school; mum is home from hospital next month.",
    )
    next_review_by = date_field(
        "Next review by", required=False, help_text="To continue the package: a date after this review's."
    )


class OptionalReasonForm(Form):
    reason = forms.CharField(label="Reason (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "withdraw_%s")  # the return form on the same page has a "reason" too
        super().__init__(*args, **kwargs)


class EndForm(Form):
    reason = forms.CharField(
        label="Why does the package end?",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: Mum is home and well again; the family no longer needs the help.",
    )
    last_due_on = date_field(
        "Pay instalments due up to and including",
        required=False,
        help_text="Leave blank to cancel every payment that has not gone to the bank.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "end_%s")  # other forms on the package page have a "reason" too
        super().__init__(*args, **kwargs)


class PauseForm(Form):
    pause_from = date_field("Pause payments due from")
    pause_to = date_field("Up to and including")
    reason = forms.CharField(
        label="Why pause?",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: Lily is in hospital; Nan is away for a fortnight.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "pause_%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("pause_from"), cleaned.get("pause_to")
        if start and end and end < start:
            self.add_error("pause_to", "The pause must end on or after the day it starts.")
        return cleaned


class SafetyAnswersForm(Form):
    """One answer and its detail for each safety prompt the package raises (`prompts`: payees.Prompt)."""

    def __init__(self, *args, prompts=(), **kwargs):
        kwargs.setdefault("auto_id", "safety_%s")
        super().__init__(*args, **kwargs)
        self.prompts = list(prompts)
        for number, prompt in enumerate(self.prompts):
            answered = prompt.answer
            self.fields[f"answer_{number}"] = forms.ChoiceField(
                label=prompt.question,
                choices=[("", "Choose an answer"), *[(a, SafetyAnswer(a).label) for a in prompt.answers]],
                required=False,
                initial=answered.answer if answered else "",
            )
            self.fields[f"detail_{number}"] = forms.CharField(
                label="Detail",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=answered.detail if answered else "",
                help_text="The Ofsted registration number, why they are exempt, when the council was notified, "
                "or why it is not private fostering.",
            )

    def answers(self) -> list[dict]:
        """The prompts answered in this form (an answer chosen)."""
        found = []
        for number, prompt in enumerate(self.prompts):
            answer = self.cleaned_data.get(f"answer_{number}")
            if answer:
                found.append(
                    {
                        "prompt": prompt.prompt,
                        "member_id": getattr(prompt.member, "pk", None),
                        "supplier_id": getattr(prompt.supplier, "pk", None),
                        "answer": answer,
                        "detail": self.cleaned_data.get(f"detail_{number}", ""),
                    }
                )
        return found


class PayeeFactsForm(Form):
    date_of_birth = date_field("Date of birth", required=False, help_text="Nobody under 18 is paid.")
    lives_with_child_since = date_field(
        "The child lives with them since",
        required=False,
        help_text="Someone not a relative who has the child living with them for 28 days or more is privately "
        "fostering: the council must be notified.",
    )
    kinship_order = forms.ChoiceField(
        label="Kinship carer under a court order",
        choices=[("", "No court order"), *KinshipOrder.choices],
        required=False,
        help_text="A holder of parental responsibility is paid only as a kinship carer under a court order, "
        "if the council's payee policy allows.",
    )


class PayeeCheckForm(Form):
    kind = forms.ChoiceField(label="Check", choices=CheckKind.choices)
    outcome = forms.ChoiceField(label="Outcome", choices=CheckOutcome.choices, widget=forms.RadioSelect)
    checked_on = date_field("Checked on")
    reference = forms.CharField(label="Reference (optional)", required=False, max_length=100)
    notes = forms.CharField(label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "check_%s")
        super().__init__(*args, **kwargs)
