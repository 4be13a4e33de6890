"""The world the permission matrix runs in: one East case (an FGC, coordinated by `coord`) and one
West case, each taken to authorised payments, a referral waiting for allocation on each side, and
one batch. "in" objects are East's (in scope for prac.east, coord, tm.east); "out" objects are West's."""

from types import SimpleNamespace

from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audit.models import SubjectAccessItem
from core import notify
from core.sar_services import sar_log
from family import services as family_services
from fgdm import services as case_services
from fgdm.models import ChildOutcome
from network_packages import services as package_services
from payments import services as payment_services
from tests import scenario
from tests.factories import UserFactory


class _Catch:
    """Catches the url of the link announced (the token is nowhere else)."""

    url = ""

    def announce(self, *, event, key, details):
        self.url = details.get("url", self.url)


def _family_link(member_id, prac):
    """A live link to the plan for the payee (who agreed to e-mails): its id and its token."""
    case_services.member_update(member_id=member_id, by=prac, email="nan@example.org")
    case_services.member_messages_set(member_id=member_id, by=prac, messages="email")
    previous, catch = notify._notifier, _Catch()
    notify.register(catch)
    try:
        link = family_services.family_link_issue(member_id=member_id, by=prac)
    finally:
        notify.register(previous)
    return link.pk, catch.url.rstrip("/").rsplit("/", 1)[-1]


def side(world, *, locality, prac, manager, model):
    package = scenario.payments_authorised(world, model=model, by=prac, locality=locality, approver=manager)
    case = package.case
    family_link, family_token = _family_link(package.items.first().payee_id, prac)
    referral = scenario.referral(world, by=prac, locality=locality)
    child = case.children.first()
    offer = case_services.advocacy_offer_record(child_id=child.pk, by=prac, offered_on=timezone.localdate())
    # An outcome check due today, stored directly: closing the case would end its packages.
    outcome = ChildOutcome.objects.create(
        case=case, child=child, checkpoint="closure", closed_on=timezone.localdate(), due_on=timezone.localdate()
    )
    # The case file (issue 17): a note and an uploaded document.
    note = case_services.case_note_write(case_id=case.pk, by=prac, text="Home visit")
    document = case_services.case_document_upload(
        case_id=case.pk, by=prac, kind="consent_form", content=b"%PDF-1.4\n%%EOF\n", file_name="consent.pdf"
    )
    return SimpleNamespace(
        note=note.pk,
        document=document.pk,
        offer=offer.pk,
        outcome=outcome.pk,
        case=case.pk,
        meeting=case.meetings.get().pk,
        plan=case.plans.get().pk,
        action=case.plans.get().actions.first().pk,
        child=case.children.first().pk,
        package=package.pk,
        member=package.items.first().payee_id,
        family_link=family_link,
        family_token=family_token,
        payment=package.payments.first().pk,
        task=Task.objects.get(process__case=referral, status=STATUS.NEW, flow_task_type="HUMAN").pk,
    )


def build(world):
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    world.u.admin = admin
    inside = side(world, locality=world.east, prac=world.u.prac_east, manager=world.u.tm_east, model="fgc")
    outside = side(world, locality=world.west, prac=world.u.prac_west, manager=world.u.tm_west, model="fnm")
    batch = payment_services.batch_create(by=world.u.fin1, payment_ids=[inside.payment])
    payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
    payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1)
    inside.batch = outside.batch = batch.pk
    # Suppliers are on one council-wide register: both have bank details waiting to be verified,
    # "in" entered by fin1 (who therefore cannot verify them), "out" by fin2.
    for scope, name, officer in ((inside, "Portland Taxis Ltd", world.u.fin1), (outside, "Wessex Beds", world.u.fin2)):
        supplier = package_services.supplier_create(by=officer, name=name)
        payment_services.supplier_bank_account_set(
            supplier_id=supplier.pk, by=officer, account_name=name, sort_code="089999", account_number="66374958"
        )
        scope.supplier = supplier.pk
    # Subject access requests: one log for the council, handled by the auditor role.
    for scope, name in ((inside, "Margaret Hardy"), (outside, "Sarah Hardy")):
        scope.sar = sar_log(by=world.u.auditor, received_on=timezone.localdate(), requester=name, subject_name=name).pk
        # An item of its answer, stored directly: gathering needs a subject and an identity check.
        scope.sar_item = SubjectAccessItem.objects.create(
            request_id=scope.sar, position=1, section="Network", record=name, label="Name", value=name
        ).pk
    # A file prepared in the background, ready: "in" asked for by tm.east, "out" by sm.
    for scope, user in ((inside, world.u.tm_east), (outside, world.u.sm)):
        scope.prepared_file = ready_prepared_file(user).pk
    return {"in": inside, "out": outside}


def ready_prepared_file(user):
    """A ready return prepared for `user` (core.exports), its bytes in the prepared-files storage."""
    import datetime

    from django.core.files.base import ContentFile

    from core.exports import storage
    from core.models import PreparedFile, PreparedFileStatus

    now = timezone.now()
    name = storage().save("matrix.csv", ContentFile(b"a,b\r\n"))
    return PreparedFile.objects.create(
        requested_by=user,
        kind="return",
        parameters={"name": "meetings", "format": "csv", "from": "2026-04-01", "to": "2027-03-31", "locality": ""},
        title="Meetings return (CSV)",
        status=PreparedFileStatus.READY,
        storage_name=name,
        file_name="meetings.csv",
        content_type="text/csv",
        size=5,
        ready_at=now,
        expires_at=now + datetime.timedelta(days=7),
    )
