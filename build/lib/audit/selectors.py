"""Reading the audit trail."""

from django.db.models import QuerySet

from audit.models import DomainEvent


def case_trail(*, case_id: int) -> QuerySet[DomainEvent]:
    """The case's domain events, newest first. Callers check that the case is visible first."""
    return DomainEvent.objects.filter(case_id=case_id).order_by("-at", "-id")
