"""Demo data for `manage.py seed_demo`: Dorset's localities and family hubs, teams, one person in
every role, this year's budgets and a handful of cases at different steps of the flow.

Reference data and people are created with get_or_create. Every demo case is driven along the
path through the domain services — the same calls the pages and the API make — so its workflow
tasks, audit events, payments and batch exist exactly as they would in real use. A case is
created only if no case of that family, referred by the same demo user, exists yet, so running
the command again changes nothing.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.roles import Role, ensure_roles
from family import services as family_services
from fgdm import services as case_services
from fgdm.constants import (
    AdvocacyAnswer,
    ChildParticipation,
    CloseReason,
    CoordinatorRequest,
    LivingWith,
    MeetingModel,
    OfferAnswer,
    OfferCapacity,
    OfferMethod,
    OrderKind,
    OutcomeCheckpoint,
    PreparationStatus,
    Relationship,
    Stage,
)
from fgdm.models import Case, ChildOutcome, FamilyHub, Locality, Team
from fgdm.services import ActionInput, ChildInput
from network_packages import services as package_services
from network_packages.constants import (
    Category,
    CheckKind,
    CheckOutcome,
    Frequency,
    OtherFunding,
    SafetyAnswer,
    SafetyPrompt,
)
from network_packages.models import Budget, Supplier
from network_packages.selectors import financial_year_of
from network_packages.services import ItemInput, SafetyAnswerInput
from payments import services as payment_services
from process import reference_data

HUBS_CSV = reference_data.HUBS_CSV

# Code, name — in the order Dorset Council lists them (process/reference/dorset_localities.csv).
LOCALITIES = [(row["code"], row["name"]) for row in reference_data.read_csv(reference_data.LOCALITIES_CSV)]

# Two family help teams cover the county between them, split east/west, so that a referral in
# any locality reaches a team with a practitioner and a manager. A council running one team per
# locality adds them in admin (Teams) and moves localities across.
TEAMS = [
    ("east", "East team", ["east", "purbeck", "north"]),
    ("west", "West team", ["west", "dorchester", "chesil"]),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str | None  # None: the superuser
    member_of: str | None = None  # team code, as practitioner
    manages: str | None = None  # team code, as team manager
    try_this: str = ""


DEMO_USERS = [
    DemoUser(
        "prac.east",
        "Hannah",
        "Moore",
        Role.PRACTITIONER,
        member_of="east",
        try_this="Map the Pearce network, accept the Bennett plan, open a referral",
    ),
    DemoUser(
        "prac.west",
        "Tom",
        "Ashworth",
        Role.PRACTITIONER,
        member_of="west",
        try_this="Cases in West, Dorchester and Chesil; enter the Tizzard neighbour's bank details; hold the "
        "Guppy meeting (moved once)",
    ),
    DemoUser(
        "coord",
        "Priya",
        "Shah",
        Role.COORDINATOR,
        try_this="Prepare the Hollis and Galpin families' Family Group Conferences, then record them",
    ),
    DemoUser(
        "tm.east",
        "Claire",
        "Jennings",
        Role.TEAM_MANAGER,
        manages="east",
        try_this="Allocate the Whitcombe referral; approve packages up to £500, endorse larger ones up",
    ),
    DemoUser(
        "tm.west",
        "Gareth",
        "Price",
        Role.TEAM_MANAGER,
        manages="west",
        try_this="Approve the Hansford package change (version 2); reopen the declined Samways referral",
    ),
    DemoUser(
        "sm",
        "Rachel",
        "Okafor",
        Role.SERVICE_MANAGER,
        try_this="Approve the Nowak bus pass package (£780, above a team manager's limit)",
    ),
    DemoUser(
        "hos", "David", "Whitfield", Role.HEAD_OF_SERVICE, try_this="Approve packages above £5,000; sees every locality"
    ),
    DemoUser(
        "fin1",
        "Sunita",
        "Patel",
        Role.FINANCE_OFFICER,
        try_this="Enter bank details, authorise the Tizzard payments, export a batch",
    ),
    DemoUser(
        "fin2",
        "Mark",
        "Ellis",
        Role.FINANCE_OFFICER,
        try_this="Verify bank details fin1 entered (the Blandford breakfast club's too); approve the open sofa bed batch",
    ),
    DemoUser(
        "auditor",
        "Joanne",
        "Fry",
        Role.AUDITOR,
        try_this="Read any case and its audit trail; handle the subject access request in progress",
    ),
    DemoUser("admin", "System", "Administrator", None, try_this="/admin/: localities, hubs, teams, approval limits"),
]


# -- reference data ------------------------------------------------------------------------


def read_hubs(path: Path = HUBS_CSV) -> list[dict]:
    """The rows of the family hubs CSV (locality, name, kind, lead_organisation, designated, status…)."""
    return reference_data.read_csv(path)


DEMO_BUDGET = Decimal("20000.00")


def seed_reference() -> dict:
    """Localities, family hubs and Local Alliance Groups (the same loader as production's
    `load_reference_data`), then the demo teams. Returns how many of each were created."""
    loaded = reference_data.load_reference_data()
    created = {**loaded.created, "teams": 0}
    localities = {locality.code: locality for locality in Locality.objects.all()}
    for code, name, served in TEAMS:
        team, new = Team.objects.get_or_create(code=code, defaults={"name": name})
        created["teams"] += new
        if new:
            team.localities.add(*(localities[c] for c in served))
    return created


def seed_users() -> dict:
    """The role groups and the demo users. A user's password is set only when it is created."""
    groups = ensure_roles()
    teams = {team.code: team for team in Team.objects.all()}
    User = get_user_model()
    users = {}
    for spec in DEMO_USERS:
        user, new = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@example.org",
                "is_staff": spec.role is None,
                "is_superuser": spec.role is None,
            },
        )
        if new:
            user.set_password(settings.DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if spec.role:
            user.groups.add(groups[spec.role])
        if spec.member_of and spec.member_of in teams:
            teams[spec.member_of].members.add(user)
        if spec.manages and spec.manages in teams:
            teams[spec.manages].managers.add(user)
        users[spec.username] = get_user_model().objects.get(pk=user.pk)  # fresh permission caches
    return users


def seed_budgets(users: dict) -> int:
    """A support-package budget for each locality this financial year, so approvers see the budget:
    set by the demo administrator through the budget service. A budget already set is left as it
    is. Returns how many were set."""
    year = financial_year_of(timezone.localdate())
    added = 0
    for locality in Locality.objects.filter(code__in=[code for code, _ in LOCALITIES]).order_by("pk"):
        if Budget.objects.filter(locality=locality, financial_year=year).exists():
            continue
        package_services.budget_set(by=users["admin"], locality_id=locality.pk, financial_year=year, amount=DEMO_BUDGET)
        added += 1
    return added


# -- demo cases ----------------------------------------------------------------------------


@dataclass
class Ctx:
    """What a demo case builder needs: the people, the places and the date."""

    users: dict
    today: datetime.date
    localities: dict = field(default_factory=dict)

    def __post_init__(self):
        self.localities = {locality.code: locality for locality in Locality.objects.all()}

    def u(self, username):
        return self.users[username]

    def hub(self, locality_code, name):
        return FamilyHub.objects.get(locality__code=locality_code, name=name)

    def at(self, days: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
        day = self.today + datetime.timedelta(days=days)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

    def earlier_today(self) -> datetime.datetime:
        """A meeting time already past, and still today (the cases were opened today)."""
        start = timezone.make_aware(datetime.datetime.combine(self.today, datetime.time(0, 0)))
        return max(start, timezone.now() - datetime.timedelta(hours=2))


def _refer(
    ctx, *, by, family_name, locality, hub, stage=Stage.FAMILY_HELP, reason, children, lives_with="", consent=""
):
    case = case_services.case_create(
        by=ctx.u(by),
        family_name=family_name,
        locality=ctx.localities[locality],
        hub=ctx.hub(locality, hub),
        stage=stage,
        referral_reason=reason,
        children=[ChildInput(*child[:5]) for child in children],
        child_lives_with=lives_with,
        consent_given_by=consent,
    )
    for child, row in zip(case.children.order_by("id"), children, strict=True):
        if len(row) > 5:  # who speaks for the child
            case_services.child_record_wishes(
                child_id=child.pk,
                by=ctx.u(by),
                wishes_and_feelings=row[3],
                participation=row[4],
                participation_detail=row[5],
            )
    return case


def _allocate(ctx, case, *, manager, lead):
    return case_services.case_allocate(case_id=case.pk, by=ctx.u(manager), lead_practitioner=ctx.u(lead))


def _members(ctx, case, by, people):
    """Add network members: (full_name, relationship, extra flags). Returns them by first name."""
    added = {}
    for full_name, relationship, flags in people:
        member = case_services.member_add(
            case_id=case.pk, by=ctx.u(by), full_name=full_name, relationship=relationship, **flags
        )
        added[full_name.split()[0]] = member
    return added


PARENT = {"is_parent": True, "has_parental_responsibility": True, "lives_with_child": True}


def _hold_fnm(ctx, case, *, by, venue, attendees, actions, contingency, review_weeks=6, child_participation=""):
    meeting = case_services.meeting_schedule(
        case_id=case.pk,
        by=ctx.u(by),
        model=MeetingModel.FNM,
        scheduled_for=ctx.earlier_today(),
        venue=venue,
    )
    return case_services.meeting_record(
        meeting_id=meeting.pk,
        by=ctx.u(by),
        held_on=timezone.localtime(meeting.scheduled_for).date(),
        attendees=attendees,
        private_family_time=True,
        actions=actions,
        contingency=contingency,
        review_by=ctx.today + datetime.timedelta(weeks=review_weeks),
        child_participation=child_participation,
    )


def _offer_in_letter(ctx, case, *, by, order, accepted=(), declined=(), named=()):
    """The council intends to apply to court (s.31ZA): the letter before proceedings offers a family
    group decision-making meeting to each parent and holder of parental responsibility, today.
    `named`: (name, capacity, answer) of people not in the network."""
    case_services.pre_proceedings_record_intention(
        case_id=case.pk, by=ctx.u(by), order_kind=order, intended_on=ctx.today
    )
    answers = [(member, OfferAnswer.ACCEPTED) for member in accepted] + [
        (member, OfferAnswer.DECLINED) for member in declined
    ]
    for member, answer in answers:
        offer = case_services.pre_proceedings_record_offer(
            case_id=case.pk, by=ctx.u(by), member_id=member.pk, method=OfferMethod.LETTER, offered_on=ctx.today
        )
        case_services.pre_proceedings_record_answer(
            case_id=case.pk, by=ctx.u(by), offer_id=offer.pk, answer=answer, answered_on=ctx.today
        )
    for name, capacity, answer in named:
        offer = case_services.pre_proceedings_record_offer(
            case_id=case.pk, by=ctx.u(by), name=name, capacity=capacity, method=OfferMethod.LETTER, offered_on=ctx.today
        )
        case_services.pre_proceedings_record_answer(
            case_id=case.pk, by=ctx.u(by), offer_id=offer.pk, answer=answer, answered_on=ctx.today
        )


def _package(ctx, case, plan, *, by, justification, items, **extra):
    package = package_services.package_create(
        case_id=case.pk,
        by=ctx.u(by),
        plan_id=plan.pk,
        justification=justification,
        other_funding_checked=True,
        agreement_signed_on=ctx.today,
        review_by=plan.review_by,
        items=items,
        **extra,
    )
    return package_services.package_submit(package_id=package.pk, by=ctx.u(by))


def case_just_referred(ctx):
    """East: a referral waiting for tm.east to allocate a lead practitioner."""
    return _refer(
        ctx,
        by="prac.east",
        family_name="Whitcombe",
        locality="east",
        hub="Leigh Park Family Hub",
        reason="Mum (Gemma) has started chemotherapy at Poole Hospital and Dad works nights. School says Freya "
        "arrives late and worried about her mum. The family would like help from relatives nearby.",
        children=[
            ("Freya", "Whitcombe", datetime.date(2016, 5, 14)),
            ("Oscar", "Whitcombe", datetime.date(2019, 11, 2)),
        ],
        lives_with="Mother and father",
        consent="Gemma Whitcombe (mother)",
    )


def case_mapping_network(ctx):
    """Purbeck (East team): allocated to prac.east, consent recorded, the network being mapped."""
    case = _refer(
        ctx,
        by="prac.east",
        family_name="Pearce",
        locality="purbeck",
        hub="Wareham Family Hub",
        reason="Mum is struggling after a stay in hospital and the children have missed school. She says "
        "Grandad Derek and Aunt Sharon want to help.",
        children=[("Jayden", "Pearce", datetime.date(2014, 9, 3)), ("Mia", "Pearce", datetime.date(2018, 1, 22))],
        lives_with="Mother",
    )
    _allocate(ctx, case, manager="tm.east", lead="prac.east")
    case_services.case_record_consent(case_id=case.pk, by=ctx.u("prac.east"), given_by="Kayleigh Pearce (mother)")
    _members(
        ctx,
        case,
        "prac.east",
        [
            ("Kayleigh Pearce", Relationship.PARENT, PARENT),
            ("Derek Pearce", Relationship.GRANDPARENT, {}),
            ("Sharon Mills", Relationship.AUNT_UNCLE, {}),
        ],
    )
    return case


def case_conference_in_preparation(ctx):
    """West, referred at child protection and moved to pre-proceedings: a Family Group Conference
    booked; coord is preparing the network."""
    case = _refer(
        ctx,
        by="prac.west",
        family_name="Hollis",
        locality="west",
        hub="Bridport Children's Centre",
        stage=Stage.CHILD_PROTECTION,
        reason="On a child protection plan: concerns about neglect and school attendance; the family want to "
        "show they can keep Ruby and Kai safe at home with support from their network.",
        children=[("Ruby", "Hollis", datetime.date(2013, 4, 30)), ("Kai", "Hollis", datetime.date(2017, 10, 8))],
        lives_with="Mother",
        consent="Danielle Hollis (mother)",
    )
    _allocate(ctx, case, manager="tm.west", lead="prac.west")
    case_services.case_change_stage(
        case_id=case.pk,
        by=ctx.u("tm.west"),
        stage=Stage.PRE_PROCEEDINGS,
        reason="Legal gateway meeting: the child protection plan is not enough to keep Ruby and Kai safe; a "
        "letter before proceedings goes to their mother.",
    )
    people = _members(
        ctx,
        case,
        "prac.west",
        [
            ("Danielle Hollis", Relationship.PARENT, PARENT),
            ("Carol Hollis", Relationship.GRANDPARENT, {}),
            ("Steve Hollis", Relationship.AUNT_UNCLE, {}),
            ("Bev Turner", Relationship.FRIEND, {}),
        ],
    )
    _offer_in_letter(ctx, case, by="prac.west", accepted=[people["Danielle"]], order=OrderKind.CARE)
    case_services.meeting_schedule(
        case_id=case.pk,
        by=ctx.u("prac.west"),
        model=MeetingModel.FGC,
        scheduled_for=ctx.at(9, 10, 0),
        venue="Bridport Children's Centre",
        coordinator=ctx.u("coord"),
        coordinator_request_kind=CoordinatorRequest.GENDER,
        coordinator_request="Danielle asked for a woman coordinator",
        coordinator_request_met=True,
        bottom_lines="Ruby and Kai are not cared for by anyone under the influence of alcohol. "
        "Both children attend school every day.",
    )
    case_services.member_record_preparation(
        member_id=people["Carol"].pk,
        by=ctx.u("coord"),
        status=PreparationStatus.INVITED,
        notes="Met at her home; keen to help.",
    )
    case_services.member_record_preparation(
        member_id=people["Danielle"].pk, by=ctx.u("coord"), status=PreparationStatus.PREPARED
    )
    # Carol needs a British Sign Language interpreter at the conference (the meeting page lists it);
    # Ruby was offered an advocate and accepted.
    case_services.member_update(
        member_id=people["Carol"].pk,
        by=ctx.u("prac.west"),
        language="English",
        interpreter_needed=True,
        communication_needs="Deaf: British Sign Language interpreter",
    )
    ruby = case.children.get(first_name="Ruby")
    case_services.advocacy_offer_record(
        child_id=ruby.pk,
        by=ctx.u("prac.west"),
        offered_on=ctx.today,
        answer=AdvocacyAnswer.ACCEPTED,
        answered_on=ctx.today,
        advocate="Dorset Children's Advocacy Service",
    )
    # The case file: a note, corrected by a new one (both kept, the first marked corrected).
    first = case_services.case_note_write(
        case_id=case.pk,
        by=ctx.u("prac.west"),
        text="Phoned Carol: she can have Ruby after school on Tuesdays.",
    )
    case_services.case_note_correct(
        note_id=first.pk,
        by=ctx.u("prac.west"),
        text="Phoned Carol: she can have Ruby after school on Tuesdays and Thursdays.",
    )
    # The coordinator proposes excluding Steve for safety; tm.west signs it off (their home page).
    case_services.member_exclusion_propose(
        member_id=people["Steve"].pk,
        by=ctx.u("coord"),
        reason="Bail conditions: no contact with Danielle until his hearing.",
        how_to_contribute="A letter read out in the information stage; the coordinator phones him before.",
        how_to_challenge="Write to the West team manager, or use the council's complaints procedure.",
    )
    return case


def case_plan_to_accept(ctx):
    """North (East team): a Family Network Meeting held today; the plan waits for prac.east."""
    case = _refer(
        ctx,
        by="prac.east",
        family_name="Bennett",
        locality="north",
        hub="Blandford Children's Centre",
        reason="Mum is finding it hard to cope since Dad left; Josh (9) is anxious and not sleeping. "
        "Nan and Josh's older brother live nearby.",
        children=[
            (
                "Josh",
                "Bennett",
                datetime.date(2016, 7, 19),
                "Josh wants Mum to be less sad and to keep going to football. He likes it when Nan picks him up.",
                ChildParticipation.ATTENDS,
            )
        ],
        lives_with="Mother",
        consent="Lisa Bennett (mother)",
    )
    _allocate(ctx, case, manager="tm.east", lead="prac.east")
    people = _members(
        ctx,
        case,
        "prac.east",
        [
            ("Lisa Bennett", Relationship.PARENT, PARENT),
            ("Jean Bennett", Relationship.GRANDPARENT, {}),
            ("Aaron Bennett", Relationship.ADULT_SIBLING, {}),
        ],
    )
    _hold_fnm(
        ctx,
        case,
        by="prac.east",
        venue="Blandford Children's Centre",
        attendees="Lisa Bennett, Jean Bennett, Aaron Bennett, Josh (for the first part), Hannah Moore",
        child_participation="Josh drew his 'people who help me' picture and joined the first part",
        actions=[
            ActionInput(
                "Nan has Josh after school on Tuesdays and Thursdays",
                owner_member_id=people["Jean"].pk,
                due_by=ctx.today + datetime.timedelta(days=7),
            ),
            ActionInput("Aaron takes Josh to football on Saturday mornings", owner_member_id=people["Aaron"].pk),
            ActionInput(
                "Refer Lisa to Dorset Healthy Minds (talking therapies)",
                owner_text="Hannah Moore, family help practitioner",
                due_by=ctx.today + datetime.timedelta(days=14),
            ),
        ],
        contingency="If Nan is unwell, Aaron collects Josh and lets Lisa know by text.",
    )
    return case


def case_package_for_service_manager(ctx):
    """Chesil (West team): an aunt's bus pass, £65 a month for a year — above a team manager's limit,
    so tm.west endorses it up and it waits for the service manager."""
    case = _refer(
        ctx,
        by="prac.west",
        family_name="Nowak",
        locality="chesil",
        hub="Littlemoor Hub",
        reason="Mum starts early shifts at the hospital and cannot take the children to school. Aunt Ewa lives "
        "on Portland and can do the school run if she can afford the bus.",
        children=[
            (
                "Zofia",
                "Nowak",
                datetime.date(2015, 3, 11),
                "Zofia does not want to be late for school any more and likes Aunt Ewa.",
                ChildParticipation.ATTENDS,
            ),
            (
                "Leo",
                "Nowak",
                datetime.date(2018, 12, 5),
                "Leo drew his family and said he wants Ciocia Ewa to walk him to school.",
                ChildParticipation.WRITES,
            ),
        ],
        lives_with="Mother",
        consent="Agnieszka Nowak (mother)",
    )
    _allocate(ctx, case, manager="tm.west", lead="prac.west")
    people = _members(
        ctx,
        case,
        "prac.west",
        [
            ("Agnieszka Nowak", Relationship.PARENT, PARENT),
            ("Ewa Kowalska", Relationship.AUNT_UNCLE, {"phone": "07700 900418"}),
        ],
    )
    plan = _hold_fnm(
        ctx,
        case,
        by="prac.west",
        venue="Littlemoor Hub",
        attendees="Agnieszka Nowak, Ewa Kowalska, Zofia, Tom Ashworth",
        actions=[
            ActionInput("Aunt Ewa takes Zofia and Leo to school on weekday mornings", owner_member_id=people["Ewa"].pk)
        ],
        contingency="If Ewa cannot come, Agnieszka swaps her shift and tells the school.",
    )
    case_services.plan_accept(plan_id=plan.pk, by=ctx.u("prac.west"), support_needed=True)
    package = _package(
        ctx,
        case,
        plan,
        by="prac.west",
        justification="Ewa lives on Portland and has no car; a monthly bus pass lets her do the "
        "school run every weekday so Agnieszka can keep her job.",
        items=[
            ItemInput(
                "Monthly bus pass, Portland–Weymouth, for Aunt Ewa",
                Category.TRANSPORT,
                people["Ewa"].pk,
                Decimal("65.00"),
                Frequency.MONTHLY,
                12,
                plan.actions.first().pk,
            )
        ],
    )
    # £780 is above a team manager's £500: tm.west endorses it and it escalates to the service manager.
    package_services.package_approve(
        package_id=package.pk,
        by=ctx.u("tm.west"),
        note="Supported: keeps Mum in work and the children at school on time.",
    )
    return case


def case_sofa_bed(ctx):
    """East: a one-off £349 sofa bed so Nan can stay over while Mum is unwell — approved, its payment
    authorised and in an open batch waiting for a second finance officer."""
    case = _refer(
        ctx,
        by="prac.east",
        family_name="Dawson",
        locality="east",
        hub="The Centre, Ferndown",
        reason="Mum (Jade) needs an operation and several weeks' recovery. Nan lives in Verwood and can stay "
        "over on weeknights, but there is no bed for her.",
        children=[
            (
                "Harry",
                "Dawson",
                datetime.date(2015, 2, 21),
                "Harry wants to stay with Mum and have sleepovers at Grandma's.",
                ChildParticipation.ATTENDS,
            ),
            (
                "Poppy",
                "Dawson",
                datetime.date(2019, 8, 30),
                "Poppy's views were shared by her brother Harry.",
                ChildParticipation.SENDS_SOMEONE,
                "Harry (brother)",
            ),
        ],
        lives_with="Mother",
        consent="Jade Dawson (mother)",
    )
    _allocate(ctx, case, manager="tm.east", lead="prac.east")
    people = _members(
        ctx,
        case,
        "prac.east",
        [
            ("Jade Dawson", Relationship.PARENT, PARENT),
            ("Pauline Dawson", Relationship.GRANDPARENT, {"phone": "07700 900231"}),
        ],
    )
    plan = _hold_fnm(
        ctx,
        case,
        by="prac.east",
        venue="The Centre, Ferndown",
        attendees="Jade Dawson, Pauline Dawson, Harry, Hannah Moore",
        actions=[
            ActionInput(
                "Nan stays over on weeknights while Mum recovers from her operation",
                owner_member_id=people["Pauline"].pk,
                due_by=ctx.today + datetime.timedelta(days=10),
            )
        ],
        contingency="If Nan cannot stay, Jade's sister has the children for tea and the night, and Harry "
        "goes to breakfast club.",
    )
    case_services.plan_accept(plan_id=plan.pk, by=ctx.u("prac.east"), support_needed=True)
    package = _package(
        ctx,
        case,
        plan,
        by="prac.east",
        justification="The flat has no spare bed; a sofa bed in the living room lets Nan stay over "
        "so the children stay at home with family while Mum recovers.",
        items=[
            ItemInput(
                "Sofa bed for the living room so Nan can stay over",
                Category.FURNITURE_AND_BEDDING,
                people["Pauline"].pk,
                Decimal("349.00"),
                Frequency.ONE_OFF,
                1,
                plan.actions.first().pk,
            )
        ],
    )
    package_services.package_approve(
        package_id=package.pk, by=ctx.u("tm.east"), note="Agreed: keeps the children at home with Nan."
    )
    # Nan signed the written agreement; the practitioner recorded it (the plan's and the agreement's
    # documents are on the case and package pages).
    package_services.agreement_record_signature(
        package_id=package.pk,
        by=ctx.u("prac.east"),
        signed_by_name="Pauline Dawson",
        signed_as="grandmother",
        signed_on=ctx.today,
    )
    payment_services.bank_account_set(
        member_id=people["Pauline"].pk,
        by=ctx.u("fin1"),
        account_name="MRS P DAWSON",
        sort_code="20-32-53",
        account_number="02487365",
    )
    payment_services.bank_account_verify(member_id=people["Pauline"].pk, by=ctx.u("fin2"))
    payment_ids = list(package.payments.order_by("id").values_list("pk", flat=True))
    for payment_id in payment_ids:
        payment_services.payment_authorise(payment_id=payment_id, by=ctx.u("fin1"))
    payment_services.batch_create(by=ctx.u("fin1"), payment_ids=payment_ids)
    # Nan agreed to text messages, and was sent a link to read the plan herself: with no GOV.UK Notify
    # key the message waits in the outbox (/notifications/outbox/, admin), link and all.
    case_services.member_messages_set(member_id=people["Pauline"].pk, by=ctx.u("prac.east"), messages="sms")
    family_services.family_link_issue(member_id=people["Pauline"].pk, by=ctx.u("prac.east"))
    return case


def case_weekly_tea(ctx):
    """West: a neighbour paid £30 a week for 12 weeks to collect Alfie from school and give him tea —
    approved; 12 weekly payments scheduled, waiting for the neighbour's bank details."""
    case = _refer(
        ctx,
        by="prac.west",
        family_name="Tizzard",
        locality="west",
        hub="Lyme Regis Children's Centre",
        reason="Mum has gone back to work at a care home on late shifts; nobody can collect Alfie from school. "
        "Their neighbour Linda has offered to help.",
        children=[
            (
                "Alfie",
                "Tizzard",
                datetime.date(2017, 6, 12),
                "Alfie wants his tea at Mrs Green's on school days and to see his dad at weekends.",
                ChildParticipation.ADVOCATE,
                "Independent advocate",
            ),
            (
                "Poppy",
                "Tizzard",
                ctx.today - datetime.timedelta(days=5 * 365 + 40),
                "Poppy wants to go to Linda's with Alfie and play with the dog.",
                ChildParticipation.ATTENDS,
                "Came to the start of the meeting with Alfie",
            ),
        ],
        lives_with="Mother",
        consent="Chloe Tizzard (mother)",
    )
    _allocate(ctx, case, manager="tm.west", lead="prac.west")
    people = _members(
        ctx,
        case,
        "prac.west",
        [
            ("Chloe Tizzard", Relationship.PARENT, PARENT),
            ("Linda Cole", Relationship.NEIGHBOUR, {"phone": "07700 900562"}),
        ],
    )
    plan = _hold_fnm(
        ctx,
        case,
        by="prac.west",
        venue="Lyme Regis Children's Centre",
        attendees="Chloe Tizzard, Linda Cole, Alfie, Tom Ashworth",
        child_participation="Alfie said he likes Linda's dog and wants fish fingers on Fridays",
        actions=[
            ActionInput(
                "Linda collects Alfie from St Michael's School at 3.15pm and gives him his tea until Mum finishes work",
                owner_member_id=people["Linda"].pk,
            )
        ],
        contingency="If Linda is away, Chloe's sister in Charmouth collects Alfie.",
        review_weeks=12,
    )
    case_services.plan_accept(plan_id=plan.pk, by=ctx.u("prac.west"), support_needed=True)
    # Linda is paid for childcare: the council's policy asks for a DBS check first; she looks after
    # Poppy (5) too, for about 3 hours a day and is not a relative: the package asks about Ofsted.
    package_services.payee_check_record(
        member_id=people["Linda"].pk,
        by=ctx.u("prac.west"),
        kind=CheckKind.DBS,
        outcome=CheckOutcome.PASSED,
        checked_on=ctx.today - datetime.timedelta(days=20),
        reference="001122334455",
    )
    package = _package(
        ctx,
        case,
        plan,
        by="prac.west",
        justification="Linda collects Alfie and feeds him on school days so Chloe can keep her job; "
        "£30 a week covers her time and the food.",
        items=[
            ItemInput(
                "School collection and tea for Alfie, weekly",
                Category.CHILDCARE,
                people["Linda"].pk,
                Decimal("30.00"),
                Frequency.WEEKLY,
                12,
                plan.actions.first().pk,
                hours_per_day=Decimal("3.0"),
            )
        ],
        other_funding_sources=[OtherFunding.CHILDCARE_ENTITLEMENT, OtherFunding.UNIVERSAL_CREDIT],
        safety_answers=[
            SafetyAnswerInput(
                prompt=SafetyPrompt.OFSTED,
                member_id=people["Linda"].pk,
                answer=SafetyAnswer.OFSTED_REGISTERED,
                detail="Linda Cole is a registered childminder: Ofsted URN EY498765, checked on the Ofsted register.",
            )
        ],
    )
    package_services.package_approve(package_id=package.pk, by=ctx.u("tm.west"), note="Agreed for 12 weeks.")
    return case


def _approved_package(
    ctx,
    case,
    *,
    by,
    manager,
    members,
    venue,
    attendees,
    actions,
    contingency,
    justification,
    items,
    note,
    review_weeks=12,
):
    """Add the network, hold the Family Network Meeting, accept its plan, submit a package and have
    `manager` approve it. `members` as for `_members`; `actions(people)` and `items(people, plan)`
    build the plan's actions and the package's items from the members added. Returns the approved
    package and the members by first name."""
    people = _members(ctx, case, by, members)
    plan = _hold_fnm(
        ctx,
        case,
        by=by,
        venue=venue,
        attendees=attendees,
        actions=actions(people),
        contingency=contingency,
        review_weeks=review_weeks,
    )
    case_services.plan_accept(plan_id=plan.pk, by=ctx.u(by), support_needed=True)
    submitted = _package(ctx, case, plan, by=by, justification=justification, items=items(people, plan))
    return package_services.package_approve(package_id=submitted.pk, by=ctx.u(manager), note=note), people


def _bank_details_verified(ctx, member, *, account_name, sort_code, account_number):
    """fin1 enters a network member's bank details and fin2 verifies them."""
    payment_services.bank_account_set(
        member_id=member.pk,
        by=ctx.u("fin1"),
        account_name=account_name,
        sort_code=sort_code,
        account_number=account_number,
    )
    payment_services.bank_account_verify(member_id=member.pk, by=ctx.u("fin2"))


def case_referral_declined(ctx):
    """Dorchester (West team): a referral tm.west declined today, with the reason — still within the
    reopening period, so tm.west can reopen it."""
    case = _refer(
        ctx,
        by="prac.west",
        family_name="Samways",
        locality="dorchester",
        hub="Dorchester Library",
        reason="The school asked for help: Charlie has refused to go in most mornings since his grandad died "
        "in the spring, and Mum (Nicola) is worn out. Nicola would like her brother and Charlie's godmother to "
        "help with the mornings.",
        children=[("Charlie", "Samways", datetime.date(2014, 10, 9))],
        lives_with="Mother",
        consent="Nicola Samways (mother)",
    )
    case_services.case_decline(
        case_id=case.pk,
        by=ctx.u("tm.west"),
        reason="Charlie already has an Early Help plan led by the school's family support worker, and "
        "bereavement counselling starts next week: a family meeting now would duplicate it. Nicola agrees. "
        "Re-refer if the mornings have not improved by half term.",
    )
    return case


def case_closed_moved_away(ctx):
    """Purbeck (East team): Grandad paid £25 a week for 8 weeks for fuel to drive the children to
    school; the first payment went to the bank, then the family moved to Somerset and prac.east closed
    the case — the seven payments not yet batched were cancelled, the paid one untouched."""
    case = _refer(
        ctx,
        by="prac.east",
        family_name="Antell",
        locality="purbeck",
        hub="Swanage Library",
        reason="Mum (Stacey) has lost her licence after a medical condition and the school bus no longer "
        "stops near them. Lily and Ben are missing the start of school. Grandad Roy in Corfe Castle has a car.",
        children=[
            (
                "Lily",
                "Antell",
                datetime.date(2015, 1, 27),
                "Lily wants to get to school on time and likes the drive with Grandad.",
                ChildParticipation.ATTENDS,
            ),
            (
                "Ben",
                "Antell",
                datetime.date(2018, 6, 3),
                "Ben said he wants Grandad to take him because Grandad plays the radio.",
                ChildParticipation.SENDS_SOMEONE,
                "Lily (sister)",
            ),
        ],
        lives_with="Mother",
        consent="Stacey Antell (mother)",
    )
    _allocate(ctx, case, manager="tm.east", lead="prac.east")
    package, people = _approved_package(
        ctx,
        case,
        by="prac.east",
        manager="tm.east",
        members=[
            ("Stacey Antell", Relationship.PARENT, PARENT),
            ("Roy Antell", Relationship.GRANDPARENT, {"phone": "07700 900774"}),
        ],
        venue="Swanage Library",
        attendees="Stacey Antell, Roy Antell, Lily, Hannah Moore",
        actions=lambda people: [
            ActionInput("Grandad Roy drives Lily and Ben to school every weekday", owner_member_id=people["Roy"].pk)
        ],
        contingency="If Grandad cannot drive, Stacey walks the children to the school bus in the village.",
        justification="Roy lives twelve miles away and is on a pension; £25 a week covers his fuel for the "
        "school run until Stacey can drive again.",
        items=lambda people, plan: [
            ItemInput(
                "Fuel for Grandad Roy's school run, weekly",
                Category.TRANSPORT,
                people["Roy"].pk,
                Decimal("25.00"),
                Frequency.WEEKLY,
                8,
                plan.actions.first().pk,
            )
        ],
        note="Agreed for 8 weeks.",
    )
    _bank_details_verified(
        ctx, people["Roy"], account_name="MR R ANTELL", sort_code="20-32-53", account_number="54873133"
    )
    # The first week's payment goes to the bank: authorised, batched, approved, exported, confirmed paid.
    first = package.payments.order_by("due_on", "id").first()
    payment_services.payment_authorise(payment_id=first.pk, by=ctx.u("fin1"))
    batch = payment_services.batch_create(by=ctx.u("fin1"), payment_ids=[first.pk])
    payment_services.batch_approve(batch_id=batch.pk, by=ctx.u("fin2"))
    payment_services.batch_export(batch_id=batch.pk, by=ctx.u("fin1"))
    payment_services.batch_confirm(batch_id=batch.pk, by=ctx.u("fin1"))
    case_services.case_close(
        case_id=case.pk,
        by=ctx.u("prac.east"),
        reason=CloseReason.MOVED_AWAY,
        note="Stacey and the children have moved to her sister's in Yeovil. Somerset's family help team has "
        "the family's plan, shared with Stacey's consent.",
    )
    return case


def case_closed_months_ago(ctx):
    """East (East team): Mum and her sister sorted the mornings out between them and the family
    declined a meeting; prac.east closed the case seven months ago. The closure check of Jade's
    outcome was recorded then (at home with Mum); the 6-month check is due now, in prac.east's list."""
    case = _refer(
        ctx,
        by="prac.east",
        family_name="Loder",
        locality="east",
        hub="The Centre, Ferndown",
        reason="Jade (9) has been late or absent most Mondays this term; Mum (Kerry) works early shifts. "
        "Kerry's sister lives two streets away.",
        children=[
            (
                "Jade",
                "Loder",
                datetime.date(2016, 9, 14),
                "Jade said she likes going to Auntie Gemma's for breakfast.",
                ChildParticipation.WRITES,
            )
        ],
        lives_with="Mother",
        consent="Kerry Loder (mother)",
    )
    _allocate(ctx, case, manager="tm.east", lead="prac.east")
    case_services.case_close(
        case_id=case.pk,
        by=ctx.u("prac.east"),
        reason=CloseReason.FAMILY_DECLINED,
        note="Kerry and her sister Gemma have agreed the mornings between them; Kerry did not want a meeting.",
    )
    # Demo only: the case closed seven months ago, so its closing day and each outcome check are set
    # back to then (the services date everything today; the trail keeps today's closing).
    closed_on = ctx.today - relativedelta(months=7)
    Case.objects.filter(pk=case.pk).update(closed_on=closed_on, opened_on=closed_on - datetime.timedelta(days=30))
    for outcome in ChildOutcome.objects.filter(case=case):
        outcome.closed_on, outcome.due_on = closed_on, case_services.outcome_due_on(closed_on, outcome.checkpoint)
        outcome.save(update_fields=["closed_on", "due_on"])
    closure = ChildOutcome.objects.get(case=case, checkpoint=OutcomeCheckpoint.CLOSURE)
    case_services.outcome_record(
        outcome_id=closure.pk,
        by=ctx.u("prac.east"),
        living_with=LivingWith.AT_HOME,
        living_with_detail="With Kerry; breakfast at her sister Gemma's",
        on_child_protection_plan=False,
        proceedings_issued=False,
        entered_care=False,
    )
    return case


def case_meeting_moved(ctx):
    """Chesil (West team): a Family Network Meeting arranged, then moved a week later so Nan can come
    (the move kept in its history); it waits for prac.west to hold it."""
    case = _refer(
        ctx,
        by="prac.west",
        family_name="Guppy",
        locality="chesil",
        hub="Mulberry Children's Centre",
        reason="Mum (Leanne) has been low since she separated from the children's dad and the mornings are "
        "chaotic; Kyle has been late to school 14 times this term. Nan Sue and Uncle Dean live in Weymouth.",
        children=[
            (
                "Kyle",
                "Guppy",
                datetime.date(2017, 2, 16),
                "Kyle wants to stop being late and to have Nan round more.",
                ChildParticipation.ATTENDS,
            ),
            ("Summer", "Guppy", datetime.date(2020, 9, 1)),
        ],
        lives_with="Mother",
        consent="Leanne Guppy (mother)",
    )
    _allocate(ctx, case, manager="tm.west", lead="prac.west")
    _members(
        ctx,
        case,
        "prac.west",
        [
            ("Leanne Guppy", Relationship.PARENT, PARENT),
            ("Sue Guppy", Relationship.GRANDPARENT, {}),
            ("Dean Guppy", Relationship.AUNT_UNCLE, {}),
        ],
    )
    meeting = case_services.meeting_schedule(
        case_id=case.pk,
        by=ctx.u("prac.west"),
        model=MeetingModel.FNM,
        scheduled_for=ctx.at(6, 10, 0),
        venue="Mulberry Children's Centre",
    )
    case_services.meeting_reschedule(
        meeting_id=meeting.pk,
        by=ctx.u("prac.west"),
        scheduled_for=ctx.at(13, 16, 0),
        venue="Mulberry Children's Centre",
        reason="Nan Sue's hip operation was brought forward to that week and the family want her there; moved "
        "a week later, after school, so Kyle can join and Dean can come after his shift.",
    )
    return case


def case_escalated_to_pre_proceedings(ctx):
    """North (East team): referred at family help, a baby on the way; escalated to pre-proceedings by
    tm.east, so the Family Network Meeting arranged was cancelled and a Family Group Conference
    arranged instead, with coord."""
    case = _refer(
        ctx,
        by="prac.east",
        family_name="Galpin",
        locality="north",
        hub="Sherborne Children's Centre",
        reason="The health visitor is worried about Tyler's weight and the state of the flat, and Mum (Kirsty) "
        "is pregnant. Kirsty wants help from her mum and sister.",
        children=[("Tyler", "Galpin", datetime.date(2022, 11, 20))],
        lives_with="Mother",
        consent="Kirsty Galpin (mother)",
    )
    _allocate(ctx, case, manager="tm.east", lead="prac.east")
    kirsty = _members(
        ctx,
        case,
        "prac.east",
        [
            ("Kirsty Galpin", Relationship.PARENT, PARENT),
            ("Maureen Galpin", Relationship.GRANDPARENT, {}),
            ("Jess Galpin", Relationship.AUNT_UNCLE, {}),
        ],
    )["Kirsty"]
    fnm = case_services.meeting_schedule(
        case_id=case.pk,
        by=ctx.u("prac.east"),
        model=MeetingModel.FNM,
        scheduled_for=ctx.at(8, 10, 0),
        venue="Sherborne Children's Centre",
    )
    case_services.child_add(
        case_id=case.pk,
        by=ctx.u("prac.east"),
        last_name="Galpin",
        expected_on=ctx.today + datetime.timedelta(weeks=16),
        reason="Kirsty is 24 weeks pregnant: the family's plan must keep the baby safe from birth.",
    )
    case_services.case_change_stage(
        case_id=case.pk,
        by=ctx.u("tm.east"),
        stage=Stage.PRE_PROCEEDINGS,
        reason="Legal gateway meeting: police were called to the flat twice this month and Tyler has lost "
        "weight; pre-proceedings start now so a plan is in place before the baby is born.",
    )
    _offer_in_letter(ctx, case, by="prac.east", accepted=[kirsty], order=OrderKind.INTERIM_SUPERVISION)
    case_services.meeting_cancel(
        meeting_id=fnm.pk,
        by=ctx.u("prac.east"),
        reason="The case is now at pre-proceedings: the family meeting is run by an independent coordinator, "
        "so a Family Group Conference with coord is arranged instead.",
    )
    case_services.meeting_schedule(
        case_id=case.pk,
        by=ctx.u("prac.east"),
        model=MeetingModel.FGC,
        scheduled_for=ctx.at(15, 13, 30),
        venue="Sherborne Children's Centre",
        coordinator=ctx.u("coord"),
        bottom_lines="Tyler and the baby are never left alone with anyone under the influence of drink or "
        "drugs. Tyler goes to every health visitor appointment.",
    )
    return case


def case_pre_proceedings_conference_held(ctx):
    """East: at pre-proceedings the council intends to apply for a care order; the letter before
    proceedings offered a family meeting to the mother (accepted) and to the father, who holds
    parental responsibility and is not in the network (declined). The Family Group Conference was
    held after the letter, so the duty is met; the plan waits for prac.east."""
    case = _refer(
        ctx,
        by="prac.east",
        family_name="Kellaway",
        locality="east",
        hub="Leigh Park Family Hub",
        stage=Stage.PRE_PROCEEDINGS,
        reason="Pre-proceedings after the legal gateway meeting: Mia (4) has missed her health checks and "
        "nursery, and there is domestic abuse at home. Mum (Shona) wants her own mother and sister to help.",
        children=[("Mia", "Kellaway", datetime.date(2022, 6, 3))],
        lives_with="Mother",
        consent="Shona Kellaway (mother)",
    )
    _allocate(ctx, case, manager="tm.east", lead="prac.east")
    people = _members(
        ctx,
        case,
        "prac.east",
        [
            ("Shona Kellaway", Relationship.PARENT, PARENT),
            ("Irene Kellaway", Relationship.GRANDPARENT, {}),
            ("Nicola Kellaway", Relationship.AUNT_UNCLE, {}),
        ],
    )
    _offer_in_letter(
        ctx,
        case,
        by="prac.east",
        order=OrderKind.CARE,
        accepted=[people["Shona"]],
        named=[("Dean Price", OfferCapacity.PARENTAL_RESPONSIBILITY, OfferAnswer.DECLINED)],
    )
    meeting = case_services.meeting_schedule(
        case_id=case.pk,
        by=ctx.u("prac.east"),
        model=MeetingModel.FGC,
        scheduled_for=ctx.earlier_today(),
        venue="Leigh Park Family Hub",
        coordinator=ctx.u("coord"),
        bottom_lines="Mia goes to nursery every day and to every health check. Dean Price does not come to the home.",
    )
    for person in people.values():
        case_services.member_record_preparation(
            member_id=person.pk, by=ctx.u("coord"), status=PreparationStatus.INVITED
        )
    case_services.meeting_prepare(meeting_id=meeting.pk, by=ctx.u("coord"))
    case_services.meeting_record(
        meeting_id=meeting.pk,
        by=ctx.u("coord"),
        held_on=timezone.localtime(meeting.scheduled_for).date(),
        attendees="Shona Kellaway, Irene Kellaway, Nicola Kellaway, Hannah Moore, the coordinator",
        private_family_time=True,
        actions=[
            ActionInput(
                "Nan takes Mia to nursery on Mondays, Wednesdays and Fridays", owner_member_id=people["Irene"].pk
            ),
            ActionInput("Nicola goes with Shona and Mia to the health check", owner_member_id=people["Nicola"].pk),
            ActionInput(
                "Refer Shona to the domestic abuse service", owner_text="Hannah Moore, family help practitioner"
            ),
        ],
        contingency="If Dean comes to the flat, Shona and Mia go to Irene's and Shona calls the police.",
        review_by=ctx.today + datetime.timedelta(weeks=6),
    )
    return case


def case_package_change_to_approve(ctx):
    """West (West team): Nan's fuel for the school run, £20 a week for 10 weeks — approved, its payments
    authorised; then changed (version 2: 16 weeks and a car seat, £380) and waiting for tm.west."""
    case = _refer(
        ctx,
        by="prac.west",
        family_name="Hansford",
        locality="west",
        hub="Beaminster Library",
        reason="Dad (Mark) brings up Isla and Noah alone and starts at 6am on a dairy farm near Beaminster. "
        "Nan Pat can take the children to school and nursery if she can afford the fuel.",
        children=[
            (
                "Noah",
                "Hansford",
                datetime.date(2016, 4, 8),
                "Noah wants Dad to keep his job and likes breakfast at Nan's.",
                ChildParticipation.ATTENDS,
            ),
            (
                "Isla",
                "Hansford",
                datetime.date(2021, 12, 14),
                "Isla drew Nan's car and said she wants to sit in the front like Noah.",
                ChildParticipation.WRITES,
            ),
        ],
        lives_with="Father",
        consent="Mark Hansford (father)",
    )
    _allocate(ctx, case, manager="tm.west", lead="prac.west")
    school_run = "Nan Pat takes Noah to school and Isla to nursery on weekdays"
    package, people = _approved_package(
        ctx,
        case,
        by="prac.west",
        manager="tm.west",
        members=[
            ("Mark Hansford", Relationship.PARENT, PARENT),
            ("Pat Hansford", Relationship.GRANDPARENT, {"phone": "07700 900815"}),
        ],
        venue="Beaminster Library",
        attendees="Mark Hansford, Pat Hansford, Noah, Tom Ashworth",
        actions=lambda people: [ActionInput(school_run, owner_member_id=people["Pat"].pk)],
        contingency="If Nan is unwell, Mark starts late and makes the hours up at the weekend.",
        justification="Pat lives in Broadwindsor and drives the children to school and nursery; £20 a week "
        "covers her fuel so Mark can keep his job.",
        items=lambda people, plan: [
            ItemInput(
                "Fuel for Nan Pat's school and nursery run, weekly",
                Category.TRANSPORT,
                people["Pat"].pk,
                Decimal("20.00"),
                Frequency.WEEKLY,
                10,
                plan.actions.first().pk,
            )
        ],
        note="Agreed for 10 weeks.",
    )
    _bank_details_verified(
        ctx, people["Pat"], account_name="MRS P HANSFORD", sort_code="20-32-53", account_number="61927344"
    )
    payment_services.payments_authorise_many(
        payment_ids=list(package.payments.order_by("id").values_list("pk", flat=True)), by=ctx.u("fin1")
    )
    action_id = package.plan.actions.first().pk
    change = package_services.package_revise(
        package_id=package.pk,
        by=ctx.u("prac.west"),
        plan_id=package.plan_id,
        justification="Mark's contract now runs to the end of the summer term, so the fuel is needed for 16 "
        "weeks; Isla has outgrown her car seat and Nan's car has none that fits.",
        other_funding_checked=True,
        agreement_signed_on=ctx.today,
        review_by=package.review_by,
        items=[
            ItemInput(
                "Fuel for Nan Pat's school and nursery run, weekly",
                Category.TRANSPORT,
                people["Pat"].pk,
                Decimal("20.00"),
                Frequency.WEEKLY,
                16,
                action_id,
            ),
            ItemInput(
                "High-back booster seat for Isla in Nan's car",
                Category.TRANSPORT,
                people["Pat"].pk,
                Decimal("60.00"),
                Frequency.ONE_OFF,
                1,
                action_id,
            ),
        ],
    )
    package_services.package_submit(package_id=change.pk, by=ctx.u("prac.west"))
    return case


# The council's register of suppliers (made-up businesses): name, what they supply, bank details
# (Vocalink's published modulus test numbers, so they pass the check), and who verifies them: None
# leaves them entered by fin1 and waiting for fin2.
DEMO_SUPPLIERS = [
    (
        "Purbeck Community Furniture",
        "Reused beds, sofas and white goods, delivered across Dorset",
        ("PURBECK COMMUNITY FURN", "08-99-99", "66374958"),
        "fin2",
    ),
    (
        "Weymouth & Portland Cabs Ltd",
        "School runs and hospital journeys, Weymouth, Portland and Chesil",
        ("WEYMOUTH PORTLAND CABS", "10-79-99", "88837491"),
        "fin2",
    ),
    (
        "Blandford Breakfast Club CIC",
        "Breakfast and after-school clubs, Blandford and the north",
        ("BLANDFORD BREAKFAST CLUB", "20-29-59", "63748472"),
        None,
    ),
]


def seed_suppliers(users: dict) -> int:
    """The demo suppliers not on the register yet, each with bank details. Returns how many were added."""
    added = 0
    for name, supplies, (account_name, sort_code, account_number), verifier in DEMO_SUPPLIERS:
        if Supplier.objects.filter(name=name).exists():
            continue
        supplier = package_services.supplier_create(
            by=users["fin1"], name=name, supplies=supplies, email=f"accounts@{name.split()[0].lower()}.example"
        )
        payment_services.supplier_bank_account_set(
            supplier_id=supplier.pk,
            by=users["fin1"],
            account_name=account_name,
            sort_code=sort_code,
            account_number=account_number,
        )
        if verifier:
            payment_services.supplier_bank_account_verify(supplier_id=supplier.pk, by=users[verifier])
        added += 1
    return added


# (family name, referring demo user, builder) — the family name and referrer mark a demo case.
DEMO_CASES = [
    ("Whitcombe", "prac.east", case_just_referred),
    ("Pearce", "prac.east", case_mapping_network),
    ("Hollis", "prac.west", case_conference_in_preparation),
    ("Bennett", "prac.east", case_plan_to_accept),
    ("Nowak", "prac.west", case_package_for_service_manager),
    ("Dawson", "prac.east", case_sofa_bed),
    ("Tizzard", "prac.west", case_weekly_tea),
    ("Samways", "prac.west", case_referral_declined),
    ("Antell", "prac.east", case_closed_moved_away),
    ("Loder", "prac.east", case_closed_months_ago),
    ("Guppy", "prac.west", case_meeting_moved),
    ("Galpin", "prac.east", case_escalated_to_pre_proceedings),
    ("Kellaway", "prac.east", case_pre_proceedings_conference_held),
    ("Hansford", "prac.west", case_package_change_to_approve),
]


def seed_cases(users: dict) -> list[str]:
    """Create the demo cases that do not exist yet, each all-or-nothing. Returns the families created."""
    ctx = Ctx(users=users, today=timezone.localdate())
    created = []
    for family_name, referrer, build in DEMO_CASES:
        if Case.objects.filter(family_name=family_name, referred_by__username=referrer).exists():
            continue
        with transaction.atomic():
            build(ctx)
        created.append(family_name)
    return created


def seed_subject_access(users: dict) -> bool:
    """One subject access request in progress: the mother in the Dawson case asked for what is held
    about her; her identity is checked and what is held gathered, its items waiting for decisions.
    Returns whether it was created (once only)."""
    from audit.models import SubjectAccessRequest
    from core import sar_services
    from fgdm.models import NetworkMember

    if SubjectAccessRequest.objects.exists():
        return False
    member = (
        NetworkMember.objects.filter(case__family_name="Dawson", case__referred_by__username="prac.east")
        .order_by("pk")
        .first()
    )
    if member is None:
        return False
    auditor = users["auditor"]
    today = timezone.localdate()
    with transaction.atomic():
        request = sar_services.sar_log(
            by=auditor,
            received_on=today - datetime.timedelta(days=12),
            requester=member.full_name,
            subject_name=member.full_name,
            subject_kind="member",
            subject_id=member.pk,
            what_was_asked="Everything the council holds about me and my part in the family meeting.",
        )
        sar_services.sar_record_id_check(
            request_id=request.pk,
            by=auditor,
            method="photo_id",
            checked_on=today - datetime.timedelta(days=10),
            note="Passport seen at the Leigh Park family hub.",
        )
        sar_services.sar_gather(request_id=request.pk, by=auditor)
    return True


def demo_cases():
    """The demo cases that exist, in the order above."""
    cases = {
        (case.family_name, case.referred_by.username): case
        for case in Case.objects.filter(family_name__in=[name for name, _, _ in DEMO_CASES]).select_related(
            "locality", "referred_by", "lead_practitioner"
        )
    }
    return [cases[(name, referrer)] for name, referrer, _ in DEMO_CASES if (name, referrer) in cases]
