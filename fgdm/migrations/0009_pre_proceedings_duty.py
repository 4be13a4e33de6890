"""The pre-proceedings duty rebuilt (Children Act 1989 s.31ZA, inserted by s.1 of the Children's
Wellbeing and Schools Act 2026): the council's intention to apply for an order, one offer per person
and their answer. Existing records are carried over:

- the intention: a care order (the only order the old record spoke of), decided on the day of the
  letter before proceedings (or the day the record was last changed), at the case's stage;
- the letter becomes one offer by letter to each parent and holder of parental responsibility in the
  case's network (or, with none recorded, to the people named as declining, or "the people named in
  the letter before proceedings"); if everyone declined, each offer is answered "declined" that day;
- "declined by everyone" becomes "offered" (the answers say it now); "a conference was held" becomes
  "a meeting was held"; an application already made was made before the duty came into force.

The old columns go in 0010 (a separate transaction: PostgreSQL refuses to alter a table with row
changes still to check)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def carry_over(apps, schema_editor):
    PreProceedings = apps.get_model("fgdm", "PreProceedings")
    Offer = apps.get_model("fgdm", "PreProceedingsOffer")
    NetworkMember = apps.get_model("fgdm", "NetworkMember")
    for record in PreProceedings.objects.select_related("case").order_by("pk"):
        record.order_kind = "care"
        record.intended_on = record.letter_sent_on or record.updated_at.date()
        record.stage_at_intention = record.case.stage
        record.intention_recorded_by_id = record.offer_recorded_by_id
        everyone_declined = record.status == "declined" or record.application_basis == "declined"
        record.status = {"not_offered": "intended", "declined": "offered"}.get(record.status, record.status)
        if record.application_basis == "conference_held":
            record.application_basis = "meeting_held"
        if record.status == "application_made":
            record.duty_in_force = False
        record.save()
        if record.letter_sent_on is None:
            continue
        answer = (
            {"answer": "declined", "answered_on": record.declined_on or record.letter_sent_on}
            if everyone_declined
            else {}
        )
        offer = dict(
            record=record, method="letter", offered_on=record.letter_sent_on, offered_by_id=record.offer_recorded_by_id
        )
        members = NetworkMember.objects.filter(case_id=record.case_id, removed_at__isnull=True).filter(
            models.Q(is_parent=True) | models.Q(has_parental_responsibility=True)
        )
        if members:
            for member in members:
                Offer.objects.create(
                    member=member,
                    capacity="parent" if member.is_parent else "parental_responsibility",
                    **offer,
                    **answer,
                )
        else:
            name = " ".join(record.declined_by.split())[:200] or "The people named in the letter before proceedings"
            Offer.objects.create(name=name, capacity="parent", **offer, **answer)


class Migration(migrations.Migration):
    dependencies = [
        ("fgdm", "0008_case_closing"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="preproceedings",
            name="order_kind",
            field=models.CharField(
                choices=[
                    ("care", "Care order"),
                    ("supervision", "Supervision order"),
                    ("interim_care", "Interim care order"),
                    ("interim_supervision", "Interim supervision order"),
                ],
                default="care",
                max_length=20,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="preproceedings",
            name="intended_on",
            field=models.DateField(null=True, help_text="When the council decided it intends to apply to court"),
        ),
        migrations.AddField(
            model_name="preproceedings",
            name="stage_at_intention",
            field=models.CharField(
                choices=[
                    ("family_help", "Family help"),
                    ("child_protection", "Child protection"),
                    ("pre_proceedings", "Pre-proceedings"),
                    ("kinship", "Kinship care"),
                ],
                default="pre_proceedings",
                max_length=20,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="preproceedings",
            name="intention_recorded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="preproceedings",
            name="duty_in_force",
            field=models.BooleanField(
                blank=True, help_text="Whether s.31ZA was in force on the day of the application", null=True
            ),
        ),
        migrations.CreateModel(
            name="PreProceedingsOffer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(blank=True, help_text="Someone not in the family's network", max_length=200)),
                (
                    "capacity",
                    models.CharField(
                        choices=[("parent", "Parent"), ("parental_responsibility", "Holds parental responsibility")],
                        max_length=24,
                    ),
                ),
                (
                    "method",
                    models.CharField(
                        choices=[
                            ("letter", "Letter (the letter before proceedings)"),
                            ("in_person", "In person"),
                            ("phone", "Phone"),
                            ("email", "Email"),
                            ("text_message", "Text message"),
                            ("video_call", "Video call"),
                        ],
                        max_length=16,
                    ),
                ),
                ("offered_on", models.DateField()),
                (
                    "answer",
                    models.CharField(
                        choices=[
                            ("pending", "No answer yet"),
                            ("accepted", "Accepted"),
                            ("declined", "Declined"),
                            ("no_reply", "No reply by the date"),
                        ],
                        default="pending",
                        max_length=10,
                    ),
                ),
                (
                    "answered_on",
                    models.DateField(
                        blank=True,
                        help_text="When they accepted or declined; for no reply, the date it was due by",
                        null=True,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "answer_recorded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "member",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="pre_proceedings_offers",
                        to="fgdm.networkmember",
                    ),
                ),
                (
                    "offered_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "record",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="offers", to="fgdm.preproceedings"
                    ),
                ),
            ],
            options={
                "ordering": ["offered_on", "id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("member__isnull", False), ("name", ""))
                        | models.Q(("member__isnull", True), models.Q(("name", ""), _negated=True)),
                        name="preproceedings_offer_names_one_person",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("member__isnull", False)),
                        fields=("record", "member"),
                        name="preproceedings_offer_once_per_member",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("answer", "pending"), ("answered_on__isnull", False), _connector="OR"),
                        name="preproceedings_offer_answer_has_date",
                    ),
                ],
            },
        ),
        migrations.RunPython(carry_over, migrations.RunPython.noop),
    ]
