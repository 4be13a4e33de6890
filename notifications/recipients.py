"""Who is told of each event, with which template and what in it. One function per event.

Staff hear of work waiting for them; network members, only through `member_contact`, of their
meetings, their actions and their payments. Nothing here names bank details, a child's details, or
anything of the plan beyond what the member owns; a family link's `url` is a secret the sending
withholds once it has gone (notifications.delivery.SECRET_FIELDS).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from core.roles import Role, has_role, read_permissions
from fgdm.models import Case, NetworkMember
from fgdm.visibility import package_scope
from notifications.constants import Kind
from notifications.messages import Message, on

User = get_user_model()


def site_url(path: str) -> str:
    return settings.FGDM_SITE_URL.rstrip("/") + path


def _money(amount) -> str:
    return f"£{amount:,.2f}"


# --- staff ----------------------------------------------------------------------------------------


@on("task_assigned")
def task_assigned(details: dict) -> list[Message]:
    """The person a task was handed to."""
    user = User.objects.filter(pk=details["user_id"], is_active=True).first()
    if user is None:
        return []
    if "case_reference" in details:  # the flow knows it already
        case_id, reference = details.get("case_id"), details["case_reference"]
    else:
        case = Case.objects.filter(pk=details.get("case_id")).first()
        case_id, reference = (case.pk, case.reference) if case else (None, "")
    return [
        Message(
            template="task_assigned",
            user=user,
            to_role="assignee",
            kind=Kind.TASK_ASSIGNED,
            case_id=case_id,
            personalisation={
                "name": user.get_full_name() or user.get_username(),
                "task": details.get("task", ""),
                "case_reference": reference,
                "link": site_url(reverse("process:home")),
            },
        )
    ]


@on("package_awaiting_approval")
def package_awaiting_approval(details: dict) -> list[Message]:
    """The managers of the tier the package now waits at who may decide on it: they see its case
    in full, have no conflict in it, and neither drafted nor submitted it.

    Three reads whatever their number: the managers of the tier (the package's tier and authors
    read with them), their permissions (core.roles.read_permissions), then the package and its case
    with, for each of them, whether their scope (fgdm.visibility.package_scope) holds it."""
    from network_packages.models import SupportPackage

    row = SupportPackage.objects.filter(pk=details["package_id"])
    authors = [row.filter(**{f"{who}__isnull": False}).values(who) for who in ("created_by", "submitted_by")]
    people = list(
        User.objects.filter(is_active=True, groups__name=Subquery(row.values("current_tier")[:1]))
        .exclude(pk__in=authors[0])
        .exclude(pk__in=authors[1])
        .distinct()
    )
    if not people:
        return []
    read_permissions(people)  # what their scopes ask of their roles, for all of them at once
    sees = {
        f"sees_{user.pk}": Exists(SupportPackage.objects.filter(package_scope(user), pk=OuterRef("pk")))
        for user in people
    }
    package = row.select_related("case").annotate(**sees).get()
    tier = package.current_tier
    messages = []
    for user in people:
        if not getattr(package, f"sees_{user.pk}"):
            continue
        messages.append(
            Message(
                template="package_approval",
                user=user,
                to_role=tier,
                kind=Kind.PACKAGE_APPROVAL,
                case_id=package.case_id,
                personalisation={
                    "name": user.get_full_name() or user.get_username(),
                    "case_reference": package.case.reference,
                    "total": _money(package.total),
                    "link": site_url(reverse("network_packages:package_detail", args=[package.pk])),
                },
            )
        )
    return messages


@on("batch_awaiting_approval")
def batch_awaiting_approval(details: dict) -> list[Message]:
    """Finance officers other than the batch's creator (a second officer approves it)."""
    from payments.models import PaymentBatch

    batch = PaymentBatch.objects.get(pk=details["batch_id"])
    people = User.objects.filter(is_active=True, groups__name=Role.FINANCE_OFFICER).exclude(pk=batch.created_by_id)
    return [
        Message(
            template="batch_approval",
            user=user,
            to_role=Role.FINANCE_OFFICER,
            kind=Kind.BATCH_APPROVAL,
            personalisation={
                "name": user.get_full_name() or user.get_username(),
                "batch": str(batch),
                "link": site_url(reverse("payments:batch_detail", args=[batch.pk])),
            },
        )
        for user in people.distinct()
        if has_role(user, Role.FINANCE_OFFICER)
    ]


@on("review_due")
def review_due(details: dict) -> list[Message]:
    """The case's lead practitioner, that the plan's review is due (send_reminders)."""
    case = Case.objects.select_related("lead_practitioner").get(pk=details["case_id"])
    user = case.lead_practitioner
    if user is None or not user.is_active:
        return []
    return [
        Message(
            template="review_due",
            user=user,
            to_role=Role.PRACTITIONER,
            kind=Kind.REVIEW_DUE,
            case_id=case.pk,
            about_plan=True,
            personalisation={
                "name": user.get_full_name() or user.get_username(),
                "case_reference": case.reference,
                "review_by": details["review_by"],
                "link": site_url(reverse("fgdm:case_detail", args=[case.pk])),
            },
        )
    ]


@on("export_ready")
def export_ready(details: dict) -> list[Message]:
    """The person who asked for a file to be prepared (core.exports): a link to its page, never to the
    file itself, which they download there once signed in."""
    from core.models import PreparedFile

    prepared = PreparedFile.objects.select_related("requested_by").filter(pk=details["prepared_file_id"]).first()
    if prepared is None or not prepared.requested_by.is_active:
        return []
    user = prepared.requested_by
    return [
        Message(
            template="export_ready",
            user=user,
            to_role="requester",
            kind=Kind.EXPORT_READY,
            personalisation={
                "name": user.get_full_name() or user.get_username(),
                "file": prepared.title,
                "expires_on": timezone.localtime(prepared.expires_at).strftime("%-d %B %Y")
                if prepared.expires_at
                else "",
                "link": site_url(reverse("exports:detail", args=[prepared.pk])),
            },
        )
    ]


# --- network members ------------------------------------------------------------------------------


def _member(member_id) -> NetworkMember | None:
    return NetworkMember.objects.select_related("case").filter(pk=member_id).first()


@on("family_link_issued")
def family_link_issued(details: dict) -> list[Message]:
    """The member the link is for (only through member_contact, like every message to a member)."""
    member = _member(details["member_id"])
    if member is None:
        return []
    return [
        Message(
            template="family_link",
            member=member,
            case_id=member.case_id,
            personalisation={
                "name": member.full_name,
                "url": details["url"],
                "expires_on": details["expires_on"],
            },
        )
    ]


def _when(moment) -> str:

    local = timezone.localtime(moment)
    return local.strftime("%A %-d %B %Y at %-I:%M%p").replace("AM", "am").replace("PM", "pm")


def _meeting_messages(details: dict, template: str) -> list[Message]:
    """Every member of the family's network (member_contact leaves out whoever is excluded or did
    not agree): the date, the time and the place, nothing else of the case."""
    from fgdm.constants import MeetingModel

    # One read: the members, each with the meeting (none: nothing more to read).
    members = (
        NetworkMember.objects.filter(case__meetings__pk=details["meeting_id"], removed_at__isnull=True)
        .annotate(
            meeting_model=F("case__meetings__model"),
            meeting_at=F("case__meetings__scheduled_for"),
            meeting_venue=F("case__meetings__venue"),
        )
        .order_by("pk")
    )
    return [
        Message(
            template=template,
            member=member,
            case_id=member.case_id,
            personalisation={
                "name": member.full_name,
                "meeting": MeetingModel(member.meeting_model).label,
                "when": _when(member.meeting_at),
                "venue": member.meeting_venue,
            },
        )
        for member in members
    ]


@on("meeting_scheduled")
def meeting_scheduled(details: dict) -> list[Message]:
    return _meeting_messages(details, "meeting_invitation")


@on("meeting_rescheduled")
def meeting_rescheduled(details: dict) -> list[Message]:
    return _meeting_messages(details, "meeting_changed")


@on("meeting_cancelled")
def meeting_cancelled(details: dict) -> list[Message]:
    return _meeting_messages(details, "meeting_cancelled")


@on("actions_due")
def actions_due(details: dict) -> list[Message]:
    """The member who owns an action of the plan, that it is due (send_reminders): what and by when."""
    from fgdm.models import PlanAction

    action = PlanAction.objects.select_related("owner_member", "plan").get(pk=details["action_id"])
    if action.owner_member is None:
        return []
    return [
        Message(
            template="actions_due",
            member=action.owner_member,
            case_id=action.plan.case_id,
            about_plan=True,
            personalisation={
                "name": action.owner_member.full_name,
                "action": action.description[:500],
                "due_by": action.due_by.strftime("%-d %B %Y") if action.due_by else "",
            },
        )
    ]


@on("payment_made")
def payment_made(details: dict) -> list[Message]:
    """The network member paid: the amount and the day, never bank details (nor a supplier: not a member)."""
    from payments.models import Payment

    payment = Payment.objects.select_related("payee").get(pk=details["payment_id"])
    if payment.payee is None:
        return []
    paid = payment.paid_at

    return [
        Message(
            template="payment_made",
            member=payment.payee,
            case_id=payment.case_id,
            personalisation={
                "name": payment.payee.full_name,
                "amount": _money(payment.amount),
                "paid_on": timezone.localtime(paid).strftime("%-d %B %Y") if paid else "",
            },
        )
    ]
