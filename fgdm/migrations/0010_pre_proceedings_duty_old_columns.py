"""The pre-proceedings record's old columns go: 0009 carried them over into the intention, the
offers and their answers."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("fgdm", "0009_pre_proceedings_duty"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="preproceedings", name="preproceedings_offer_has_letter"),
        migrations.RemoveConstraint(model_name="preproceedings", name="preproceedings_application_has_basis"),
        migrations.RemoveField(model_name="preproceedings", name="letter_sent_on"),
        migrations.RemoveField(model_name="preproceedings", name="offer_recorded_by"),
        migrations.RemoveField(model_name="preproceedings", name="declined_on"),
        migrations.RemoveField(model_name="preproceedings", name="declined_by"),
        migrations.AlterField(
            model_name="preproceedings",
            name="intended_on",
            field=models.DateField(help_text="When the council decided it intends to apply to court"),
        ),
        migrations.AlterField(
            model_name="preproceedings",
            name="application_basis",
            field=models.CharField(
                blank=True,
                choices=[
                    ("declined", "Everyone offered declined or did not reply"),
                    ("meeting_held", "A family group decision-making meeting was held after the offer"),
                    ("exemption", "Best-interests exemption"),
                    ("not_in_force", "Duty not yet in force: recorded as good practice"),
                ],
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="preproceedings",
            name="status",
            field=models.CharField(
                choices=[
                    ("intended", "Intention to apply recorded: no offer yet"),
                    ("offered", "Meeting offered"),
                    ("exempt", "Not offered: best-interests exemption"),
                    ("application_made", "Application to court made"),
                ],
                default="intended",
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="preproceedings",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "application_made"), _negated=True),
                    models.Q(
                        ("application_made_on__isnull", False),
                        models.Q(("application_basis", ""), _negated=True),
                        ("duty_in_force__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="preproceedings_application_has_basis",
            ),
        ),
        migrations.AddConstraint(
            model_name="preproceedings",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("application_basis", "not_in_force"), _negated=True),
                    ("duty_in_force", False),
                    _connector="OR",
                ),
                name="preproceedings_unmet_only_before_commencement",
            ),
        ),
    ]
