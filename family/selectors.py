"""Reads of the family app: a link by its token (what the family page shows, for that member only)
and the links of a member (for the case's staff)."""

import re
from dataclasses import dataclass, field

from django.http import Http404
from django.utils import timezone

from family.links import looks_like_token, token_hash
from family.models import FamilyLink
from fgdm.constants import MEETING_ARRANGED, ActionStatus, ExclusionStatus, MeetingStatus, PlanStatus
from fgdm.models import FamilyPlan, NetworkMember
from fgdm.selectors import member_get
from network_packages.constants import PackageStatus
from network_packages.models import PackageItem, SupportPackage
from payments.constants import PaymentStatus
from payments.models import Payment

SOMEONE_ELSE = "another family member"


def link_by_token(token: str) -> FamilyLink | None:
    """The working link with this token, or None: unknown, revoked, expired, or its member since
    removed from the network or excluded for safety (or an exclusion proposed)."""
    if not looks_like_token(token):
        return None
    link = (
        FamilyLink.objects.select_related("member", "member__case")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if link is None:
        return None
    member = link.member
    if member.removed_at is not None or member.excluded_from_meetings:
        return None
    if member.exclusion_status == ExclusionStatus.PROPOSED:
        return None
    return link


def member_links(member: NetworkMember) -> list[FamilyLink]:
    """The links sent to a member, newest first (for the case's staff; never their tokens)."""
    return list(FamilyLink.objects.filter(member=member).select_related("created_by", "revoked_by"))


def link_get(*, user, link_id) -> FamilyLink:
    """A link to the plan of a member this person may see (404 otherwise)."""
    try:
        link = FamilyLink.objects.get(pk=link_id)
    except (FamilyLink.DoesNotExist, ValueError, TypeError):
        raise Http404("No such link.")
    link.member = member_get(user=user, member_id=link.member_id)
    return link


# -- what the family page shows ---------------------------------------------------------------------


class _Redactor:
    """Takes other people's names out of free text typed by staff (an action, the contingency):
    each other member's full name, and their first name, become "another family member" ("Another
    family member" where a sentence begins), so "Joanne's sister" reads "another family member's sister"."""

    def __init__(self, others: list[str]):
        full = sorted({" ".join(name.split()) for name in others if name and name.strip()}, key=len, reverse=True)
        first = sorted({name.split()[0] for name in full if len(name.split()[0]) >= 3}, key=len, reverse=True)
        parts = [r"\s+".join(re.escape(word) for word in name.split()) for name in full]
        self.full = re.compile(r"\b(" + "|".join(parts) + r")\b", re.IGNORECASE) if parts else None
        self.first = re.compile(r"\b(" + "|".join(re.escape(n) for n in first) + r")\b") if first else None

    @staticmethod
    def _replace(match: re.Match) -> str:
        before = match.string[: match.start()].rstrip()
        return SOMEONE_ELSE[0].upper() + SOMEONE_ELSE[1:] if not before or before[-1] in ".!?:" else SOMEONE_ELSE

    def __call__(self, text: str) -> str:
        text = text or ""
        for pattern in (self.full, self.first):
            if pattern is not None:
                text = pattern.sub(self._replace, text)
        return text


@dataclass
class FamilyView:
    first_name: str
    plan: dict | None = None
    my_actions: list = field(default_factory=list)
    meetings_upcoming: list = field(default_factory=list)
    meetings_held: list = field(default_factory=list)
    items: list = field(default_factory=list)
    payments: list = field(default_factory=list)


def _action_status(action) -> str:
    if action.status == ActionStatus.DONE:
        return f"Done{f' on {action.done_on:%-d %B %Y}' if action.done_on else ''}"
    return "To do"


def _payment_status(payment) -> str:
    if payment.status == PaymentStatus.PAID:
        when = timezone.localdate(payment.paid_at) if payment.paid_at else None
        return f"Paid{f' on {when:%-d %B %Y}' if when else ''}"
    if payment.status == PaymentStatus.RETURNED:
        return "Not paid: the bank sent it back. The council will be in touch."
    return "Not paid yet"


def family_view(link: FamilyLink) -> FamilyView:
    """What the family page shows the member of this link, in plain words: the current plan (other
    people's names taken out), their own actions, the meeting dates and venues, and what the support
    package pays them. Never another member's details, bank details, bottom lines, exclusion reasons,
    notes or children's details."""
    member = link.member
    case = member.case
    others = list(NetworkMember.objects.filter(case=case).exclude(pk=member.pk).values_list("full_name", flat=True))
    redact = _Redactor(others)
    view = FamilyView(first_name=(member.full_name.split() or [""])[0])

    plan = (
        FamilyPlan.objects.filter(case=case, status__in=[PlanStatus.AGREED, PlanStatus.ACCEPTED])
        .order_by("-version")
        .prefetch_related("actions")
        .first()
    )
    if plan is not None:
        actions = []
        for action in plan.actions.all():
            mine = action.owner_member_id == member.pk
            if mine:
                who = "You"
            elif action.owner_member_id:
                who = SOMEONE_ELSE.capitalize()
            else:
                who = redact(action.owner_text) or "A professional"
            row = {
                "what": redact(action.description),
                "who": who,
                "mine": mine,
                "due_by": action.due_by,
                "status": _action_status(action),
            }
            actions.append(row)
            if mine:
                view.my_actions.append(row)
        view.plan = {
            "accepted": plan.status == PlanStatus.ACCEPTED,
            "agreed_on": plan.agreed_on,
            "review_by": plan.review_by,
            "contingency": redact(plan.contingency),
            "actions": actions,
        }

    now = timezone.now()
    for meeting in case.meetings.exclude(status=MeetingStatus.CANCELLED).order_by("scheduled_for"):
        row = {"kind": meeting.get_model_display(), "when": meeting.scheduled_for, "venue": meeting.venue}
        if meeting.status == MeetingStatus.HELD:
            row["held_on"] = meeting.held_on
            view.meetings_held.append(row)
        elif meeting.status in MEETING_ARRANGED and meeting.scheduled_for >= now:
            view.meetings_upcoming.append(row)

    package = (
        SupportPackage.objects.filter(case=case, status=PackageStatus.APPROVED).order_by("-version", "-id").first()
    )
    if package is not None:
        items = list(PackageItem.objects.filter(package=package, payee=member).order_by("id"))
        for item in items:
            how_often = item.get_frequency_display()
            if item.instalments > 1:
                how_often = f"{how_often}, {item.instalments} times"
            view.items.append(
                {"what": redact(item.description), "amount": item.amount, "how_often": how_often, "total": item.total}
            )
        payments = (
            Payment.objects.filter(item__in=items, payee=member)
            .exclude(status=PaymentStatus.CANCELLED)
            .order_by("due_on", "instalment")
        )
        view.payments = [
            {
                "due_on": p.due_on,
                "amount": p.amount,
                "paid": p.status == PaymentStatus.PAID,
                "status": _payment_status(p),
            }
            for p in payments
        ]
    return view
