"""Load Dorset's reference data — localities, family hubs, Local Alliance Groups — from the CSVs
in process/reference/. For production as well as development: it creates no users and no cases.
Safe to run again; it never deletes a row (cases may point to it)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from process import reference_data


class Command(BaseCommand):
    help = (
        "Create or update localities, family hubs and Local Alliance Groups from the reference CSVs "
        "(process/reference/). Idempotent; deletes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--localities", type=Path, default=reference_data.LOCALITIES_CSV, help="Localities CSV")
        parser.add_argument("--hubs", type=Path, default=reference_data.HUBS_CSV, help="Family hubs CSV")
        parser.add_argument(
            "--alliance-groups", type=Path, default=reference_data.ALLIANCE_GROUPS_CSV, help="Local Alliance Groups CSV"
        )

    def handle(self, *args, localities, hubs, alliance_groups, **options):
        try:
            result = reference_data.load_reference_data(
                localities_csv=localities, hubs_csv=hubs, alliance_groups_csv=alliance_groups
            )
        except (reference_data.ReferenceDataError, OSError, KeyError) as exc:
            raise CommandError(f"Nothing loaded: {exc}")
        labels = {"localities": "Localities", "hubs": "Family hubs", "alliance_groups": "Local Alliance Groups"}
        for kind, label in labels.items():
            self.stdout.write(
                f"{label}: {result.created[kind]} created, {result.updated[kind]} updated, "
                f"{result.unchanged[kind]} unchanged"
            )
