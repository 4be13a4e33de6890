"""Daily (any scheduler: cron, a systemd timer, Kubernetes CronJob): reviews due, members' actions due."""

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from audit.locks import OneCopyAtATime
from notifications import reminders


class Command(OneCopyAtATime, BaseCommand):
    help = "Tell lead practitioners of reviews due and network members of their actions due (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", type=datetime.date.fromisoformat, default=None, help="YYYY-MM-DD (tests, catching up)"
        )

    def handle(self, *args, today=None, **options):
        today = today or timezone.localdate()
        reviews = reminders.reviews_due(today)
        actions = reminders.actions_due(today)
        self.stdout.write(f"Reviews due: {reviews} plan(s). Actions due: {actions} action(s).")
