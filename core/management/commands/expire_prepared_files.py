"""Delete prepared files past their day (FGDM_EXPORT_KEEP_DAYS after they were ready). Run daily."""

from django.core.management.base import BaseCommand

from core.exports import prepared_files_expire


class Command(BaseCommand):
    help = "Delete from the storage every prepared export past its expiry (core.exports). Run it daily."

    def handle(self, *args, **options):
        count = prepared_files_expire()
        self.stdout.write(f"{count} prepared file{'s' if count != 1 else ''} expired and deleted.")
