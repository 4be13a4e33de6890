"""Objects of a case are scoped on their case's row (fgdm.visibility.case_scope with a path uses
case_row_scope): packages and payments, children, network members, meetings, plans, actions,
outcome checks, advocacy offers, notes, documents, escalations and bank details hold the same rows
as the cases each person sees (or sees in full) — their team's localities, cases they lead, their
grants — never a case they declared a conflict in, and, for what needs the case in full, not a case
someone sees only as its FGC coordinator."""

from types import SimpleNamespace

import pytest
from django.db.models import Q
from django.utils import timezone

from core.roles import Role, has_role
from fgdm import services as case_services
from fgdm.models import (
    AdvocacyOffer,
    Case,
    CaseDocument,
    CaseNote,
    Child,
    ChildOutcome,
    DeclaredConflict,
    FamilyPlan,
    Meeting,
    NetworkMember,
    PlanAction,
    ReviewEscalation,
)
from fgdm.visibility import (
    action_scope,
    bank_account_scope,
    case_scope,
    child_scope,
    grant_case_access,
    meeting_scope,
    member_scope,
    outcome_scope,
    package_scope,
    payment_scope,
    plan_scope,
    whole_case_scope,
)
from network_packages.models import SupportPackage
from payments.models import BankAccount, Payment
from tests import scenario

PEOPLE = ["prac_east", "prac_east2", "prac_west", "coord", "tm_east", "tm_west", "sm", "hos", "auditor"]


def _seen_in_full(user):
    return set(Case.objects.filter(whole_case_scope(user)).values_list("pk", flat=True))


@pytest.mark.django_db
def test_packages_and_payments_are_those_of_cases_seen_in_full(world):
    east = scenario.payments_authorised(world)
    west = scenario.package_approved(world, locality=world.west, approver=world.u.tm_west)
    # A conflict declared by the East manager, on a second East case with its own package.
    conflicted = scenario.package_submitted(world)
    DeclaredConflict.objects.create(case=conflicted.case, user=world.u.tm_east, reason="my neighbour's family")
    assert {east.case_id, west.case_id, conflicted.case_id} <= set(Case.objects.values_list("pk", flat=True))

    for who in PEOPLE:
        user = getattr(world.u, who)
        cases = _seen_in_full(user)
        packages = set(SupportPackage.objects.filter(package_scope(user)).values_list("pk", flat=True))
        assert packages == set(SupportPackage.objects.filter(case_id__in=cases).values_list("pk", flat=True)), who
        payments = set(Payment.objects.filter(payment_scope(user)).values_list("pk", flat=True))
        assert payments == set(Payment.objects.filter(case_id__in=cases).values_list("pk", flat=True)), who
        # One package asked for alone (the approval's and the notification's check) answers the same.
        for package in (east, west, conflicted):
            assert SupportPackage.objects.filter(package_scope(user), pk=package.pk).exists() == (
                package.case_id in cases
            ), (who, package.case_id)

    tm_east = world.u.tm_east
    assert SupportPackage.objects.filter(package_scope(tm_east), pk=east.pk).exists()
    assert not SupportPackage.objects.filter(package_scope(tm_east), pk=conflicted.pk).exists()
    assert not SupportPackage.objects.filter(package_scope(tm_east), pk=west.pk).exists()


# -- every scope through a path to the case: the row form, the same rows as the case's own scope ----
# case_scope(user, path) with a path tests each object's case row (case_row_scope); a Case queryset
# itself (path "") keeps the UNION. Each scope below must hold exactly the rows of the cases that the
# Case querysets' scopes (case_scope, whole_case_scope) give the same person, for every role: team
# members and managers, leads, per-case grants, an FGC coordinator who sees a case only for its
# conference, finance officers (payees), roles that see every locality, declared conflicts.

EVERYONE = [*PEOPLE, "fin1", "fin2"]


@pytest.fixture
def casework(world):
    """Cases seen in every way: an East case paid (its payee banked), a West one, an FGC case
    coordinated by `coord` (its notes, an advocate offered), a closed case (its outcome checks), an
    East case the East manager and fin1 declared a conflict in (a document on it), an East case the
    West practitioner was granted and one of the FGC case's team declared a conflict in; an overdue
    review escalated on each."""
    u = world.u
    paid = scenario.payments_authorised(world)
    west = scenario.package_approved(world, locality=world.west, approver=u.tm_west)
    fgc, _, _ = scenario.plan_accepted(world, model="fgc")
    closed = scenario.closed_case(world)
    conflicted = scenario.package_submitted(world)
    for person in (u.tm_east, u.fin1):
        DeclaredConflict.objects.create(case=conflicted.case, user=person, reason="my neighbour's family")
    DeclaredConflict.objects.create(case=fgc, user=u.prac_east2, reason="my cousin's family")
    grant_case_access(u.prac_west, paid.case)
    case_services.case_note_write(case_id=fgc.pk, by=u.prac_east, text="Nan will have Lily")
    case_services.case_note_write(case_id=west.case_id, by=u.prac_west, text="Dad is back")
    case_services.case_document_upload(
        case_id=conflicted.case_id, by=u.prac_east, kind="consent_form", content=b"%PDF-1.4\n%%EOF\n", file_name="c.pdf"
    )
    case_services.advocacy_offer_record(by=u.prac_east, offered_on=timezone.localdate(), child_id=fgc.children.get().pk)
    cases = [paid.case, west.case, fgc, closed, conflicted.case]
    for number, case in enumerate(cases):
        ReviewEscalation.objects.create(
            case=case, task_id=900 + number, review_due_on=timezone.localdate(), working_days_overdue=3
        )
    assert ChildOutcome.objects.filter(case=closed).exists()
    assert BankAccount.objects.filter(member__case=paid.case).exists()
    return SimpleNamespace(fgc=fgc, paid=paid.case, conflicted=conflicted.case, west=west.case, closed=closed)


def _ids(queryset) -> set:
    return set(queryset.values_list("pk", flat=True))


def _expected(user) -> dict:
    """Each scope's rows, from the cases the Case querysets' scopes (the UNION form) give `user`."""
    seen = _ids(Case.objects.filter(case_scope(user)))
    whole = _ids(Case.objects.filter(whole_case_scope(user)))
    meetings = Meeting.objects.filter(Q(case_id__in=whole) | Q(case_id__in=seen, coordinator_id=user.pk))
    members = NetworkMember.objects.filter(case_id__in=seen)
    if has_role(user, Role.FINANCE_OFFICER):
        unconflicted = Case.objects.exclude(declared_conflicts__user=user)
        members = members | NetworkMember.objects.filter(case__in=unconflicted, package_items__isnull=False)
    if has_role(user, Role.FINANCE_OFFICER) or has_role(user, Role.AUDITOR):
        banked = BankAccount.objects.exclude(member__case__declared_conflicts__user=user)
    else:
        banked = BankAccount.objects.filter(member__case_id__in=whole)
    return {
        "child": _ids(Child.objects.filter(case_id__in=whole)),
        "member": _ids(members),
        "meeting": _ids(meetings),
        "plan": _ids(FamilyPlan.objects.filter(meeting__in=meetings)),
        "action": _ids(PlanAction.objects.filter(plan__case_id__in=seen)),
        "outcome": _ids(ChildOutcome.objects.filter(case_id__in=whole)),
        "advocacy offer": _ids(AdvocacyOffer.objects.filter(case_id__in=whole)),
        "note": _ids(CaseNote.objects.filter(case_id__in=whole)),
        "document": _ids(CaseDocument.objects.filter(case_id__in=whole)),
        "escalation": _ids(ReviewEscalation.objects.filter(case_id__in=seen)),
        "bank account": _ids(banked),
    }


def _scoped(user) -> dict:
    """Each scope as the selectors apply it."""
    return {
        "child": Child.objects.filter(child_scope(user)),
        "member": NetworkMember.objects.filter(member_scope(user)),
        "meeting": Meeting.objects.filter(meeting_scope(user)),
        "plan": FamilyPlan.objects.filter(plan_scope(user)),
        "action": PlanAction.objects.filter(action_scope(user)),
        "outcome": ChildOutcome.objects.filter(outcome_scope(user)),
        "advocacy offer": AdvocacyOffer.objects.filter(outcome_scope(user)),
        "note": CaseNote.objects.filter(whole_case_scope(user, "case__")),
        "document": CaseDocument.objects.filter(whole_case_scope(user, "case__")),
        "escalation": ReviewEscalation.objects.filter(case_scope(user, "case__")),
        "bank account": BankAccount.objects.filter(bank_account_scope(user)),
    }


@pytest.mark.django_db
def test_every_scope_through_a_case_holds_the_rows_of_the_cases_seen(world, casework):
    for user in [getattr(world.u, who) for who in EVERYONE]:
        expected = _expected(user)
        for kind, scoped in _scoped(user).items():
            everything = scoped.model.objects.all()
            assert _ids(scoped) == expected[kind], (user, kind)
            # Each one asked for alone (a page's get by id) answers the same.
            for pk in _ids(everything):
                assert scoped.filter(pk=pk).exists() == (pk in expected[kind]), (user, kind, pk)

    # The sight each arm gives, spelt out.
    u, work = world.u, casework
    fgc_meeting = Meeting.objects.get(case=work.fgc)
    assert _ids(Meeting.objects.filter(meeting_scope(u.coord))) == {fgc_meeting.pk}
    assert not Child.objects.filter(child_scope(u.coord)).exists()  # the conference, not the records
    assert not CaseNote.objects.filter(whole_case_scope(u.coord, "case__")).exists()
    assert Child.objects.filter(child_scope(u.prac_west), case=work.paid).exists()  # a grant
    assert not Child.objects.filter(child_scope(u.prac_west), case=work.closed).exists()
    assert not Child.objects.filter(child_scope(u.prac_east2), case=work.fgc).exists()  # a conflict
    assert Child.objects.filter(child_scope(u.prac_east2), case=work.paid).exists()
    assert not ReviewEscalation.objects.filter(case_scope(u.tm_east, "case__"), case=work.conflicted).exists()
    payee = NetworkMember.objects.filter(package_items__isnull=False, case=work.west).first()
    assert NetworkMember.objects.filter(member_scope(u.fin1), pk=payee.pk).exists()  # a payee, any locality
    assert not NetworkMember.objects.filter(member_scope(u.fin1), case=work.conflicted).exists()
    assert ChildOutcome.objects.filter(outcome_scope(u.prac_east), case=work.closed).exists()


@pytest.mark.django_db
def test_objects_of_a_case_are_tested_on_their_case_row_not_in_a_list_of_every_case(world):
    """For one child, member, meeting... the UNION of visible_case_ids would list every case of the
    person's localities first (98 ms for a team manager at 400,000 cases): the scopes through a
    path test the case's row. A Case queryset keeps the UNION (found by each arm's index)."""
    u = world.u
    for user in (u.prac_east, u.tm_east, u.coord, u.fin1):
        for kind, scoped in _scoped(user).items():
            assert "UNION" not in str(scoped.query).upper(), (user, kind)
    assert "UNION" in str(Case.objects.filter(case_scope(u.tm_east)).query).upper()
