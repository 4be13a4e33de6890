"""Indexes for the payment lists at scale (issue 18, part 4), plain SQL so that they are not part
of the model's state.

- `payment_due_order`: the payments list and API, oldest due first (payments.selectors.payment_list
  orders by due date and id): a page of them reads the index in order and stops at its LIMIT
  instead of sorting every payment.
- `payment_case_due_order`: one case's payments in the same order (the case page's page of them).
"""

from django.db import migrations

INDEXES = [
    ("payment_due_order", '"payments_payment" ("due_on", "id")'),
    ("payment_case_due_order", '"payments_payment" ("case_id", "due_on", "id")'),
]


class Migration(migrations.Migration):
    dependencies = [("payments", "0006_ascii_digit_bank_details")]

    operations = [
        migrations.RunSQL(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON {definition}', f'DROP INDEX IF EXISTS "{name}"', elidable=False
        )
        for name, definition in INDEXES
    ]
