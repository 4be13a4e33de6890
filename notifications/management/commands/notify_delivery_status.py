"""Queue a check with GOV.UK Notify of every message sent in the last week not yet delivered or failed."""

from django.core.management.base import BaseCommand

from audit.locks import OneCopyAtATime
from notifications.delivery import awaiting_delivery
from notifications.tasks import refresh_delivery


class Command(OneCopyAtATime, BaseCommand):
    help = "Fetch the delivery status of sent messages from Notify (run it every few minutes)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, days, **options):
        ids = list(awaiting_delivery(within_days=days).values_list("pk", flat=True))
        for pk in ids:
            refresh_delivery.enqueue(pk)
        self.stdout.write(f"Queued {len(ids)} delivery checks.")
