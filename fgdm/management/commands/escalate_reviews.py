"""Escalate review tasks left open too long after the review date to the team managers."""

from audit.commands import AuditedCommand
from audit.locks import OneCopyAtATime
from fgdm.services import reviews_escalate_overdue


class Command(OneCopyAtATime, AuditedCommand):
    help = (
        "Escalate open review tasks more than FGDM_REVIEW_ESCALATION_WORKING_DAYS working days past the "
        "review date to the case's team managers. Run it on a schedule, after workflow_timers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--working-days", type=int, help="Override FGDM_REVIEW_ESCALATION_WORKING_DAYS")

    def handle(self, *args, working_days=None, **options):
        escalated = reviews_escalate_overdue(by=self.actor, working_days=working_days)
        for escalation in escalated:
            self.stdout.write(
                f"{escalation.case.reference}: review due {escalation.review_due_on}, "
                f"{escalation.working_days_overdue} working days overdue — escalated"
            )
        self.stdout.write(f"{len(escalated)} review(s) escalated.")
