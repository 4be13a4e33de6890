"""Load Dorset's localities, family hubs and Local Alliance Groups (as load_reference_data does),
demo users for every role and a few demo cases.

For a developer's machine and demonstrations only: it refuses to run when DEBUG is off unless
--force is given. Safe to run again: what already exists is left as it is.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from viewflow.workflow.models import Task

from core.workflow import OPEN_STATUSES
from fgdm.models import FamilyHub, LocalAllianceGroup, Locality, Team
from network_packages.models import Supplier
from payments.models import PaymentBatch
from process import demo, labels


class Command(BaseCommand):
    help = (
        "Create demo data: Dorset localities and family hubs, teams, role groups, demo users "
        "(password from DEMO_PASSWORD) and demo cases at different steps. Never in production."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off (e.g. a test or training server). Never in production.",
        )
        parser.add_argument("--no-cases", action="store_true", help="Reference data and users only, no demo cases")

    def handle(self, *args, force=False, no_cases=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like a production server. seed_demo creates users with a known "
                "password and made-up families. Use --force only on a test or training server."
            )
        if not settings.DEBUG:
            self.stderr.write(self.style.WARNING("DEBUG is off; seeding demo data because --force was given."))
        with transaction.atomic():
            reference = demo.seed_reference()
            users = demo.seed_users()
            reference["budgets"] = demo.seed_budgets(users)
            reference["suppliers"] = demo.seed_suppliers(users)
        created_cases = [] if no_cases else demo.seed_cases(users)
        if not no_cases:
            demo.seed_subject_access(users)
        self._summary(reference, created_cases)

    def _summary(self, reference: dict, created_cases: list[str]) -> None:
        out = self.stdout.write
        out(self.style.MIGRATE_HEADING("FGDM demo data"))
        out(
            f"  Localities: {Locality.objects.count()} (new {reference['localities']}); "
            f"family hubs and network points: {FamilyHub.objects.count()} (new {reference['hubs']}); "
            f"Local Alliance Groups: {LocalAllianceGroup.objects.count()} (new {reference['alliance_groups']})"
        )
        for team in Team.objects.prefetch_related("localities", "members", "managers"):
            out(
                f"  {team.name}: serves {', '.join(loc.name for loc in team.localities.all())}; "
                f"practitioners {', '.join(u.username for u in team.members.all()) or '-'}; "
                f"managers {', '.join(u.username for u in team.managers.all()) or '-'}"
            )
        out(
            f"  Suppliers on the register: {Supplier.objects.count()} (new {reference['suppliers']}); "
            f"bank details waiting to be verified: "
            f"{', '.join(Supplier.objects.filter(bank_account__verified_at__isnull=True).values_list('name', flat=True)) or '-'}"
        )
        out(
            self.style.MIGRATE_HEADING("Demo cases")
            + (f" (new: {', '.join(created_cases)})" if created_cases else " (nothing new)")
        )
        for case in demo.demo_cases():
            waiting = [
                labels.task_line(task)
                for task in Task.objects.filter(
                    process_id=case.process_id, status__in=OPEN_STATUSES, flow_task_type="HUMAN"
                )
                .select_related("owner")
                .order_by("id")
            ]
            out(
                f"  {case.reference}  {case.family_name:<10} {case.locality.name:<10} {case.get_status_display():<32}"
                f" waiting for: {'; '.join(waiting) or 'no one now (a date or a message)'}"
            )
        for batch in PaymentBatch.objects.filter(status="open").order_by("id"):
            out(
                f"  Payment batch {batch.reference}: {batch.payment_count} payment(s), £{batch.total:,.2f}, "
                f"{batch.get_status_display().lower()} — waiting for a second finance officer to approve"
            )
        out(self.style.MIGRATE_HEADING("Demo logins") + f" (password: {settings.DEMO_PASSWORD!s})")
        for spec in demo.DEMO_USERS:
            role = spec.role.label if spec.role else "Administrator (superuser)"
            out(f"  {spec.username:<10} {role:<26} {spec.try_this}")
