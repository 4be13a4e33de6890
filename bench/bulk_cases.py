"""Fill a database with many realistic cases, fast, to measure the report pages against.

    .venv/bin/python bench/bulk_cases.py --cases 50000 --database-url postgres://postgres@127.0.0.1:5432/bench_h4
    .venv/bin/python bench/bulk_cases.py --cases 50          # the database DATABASE_URL names (SQLite by default)

or, from Python with Django set up: `generate(cases=30, seed=1)`.

It first loads the demo reference data (process.demo: localities, hubs, teams, budgets, suppliers and
the demo users), then adds practitioners and coordinators so each practitioner has a realistic
caseload, then writes the cases in chunks (one COPY a table and chunk on PostgreSQL, `Copier`;
`bulk_create` on SQLite): children, family networks, meetings (held, cancelled, scheduled), family plans with versions and actions, pre-proceedings with offers,
support packages with items, approvals and payments in monthly batches, closures with the
children's outcome checks, declared conflicts and the per-case grants of lead practitioners and
coordinators. Cases are spread over the last three years, every locality, team and stage, and their
state follows their age: recent referrals are still being worked, old ones are mostly closed.

This is NOT how the application writes: the services (locks, checks, audit events, workflow tasks)
would take hours for 50,000 cases. So by itself it writes no audit trail and no viewflow process
(Case.process stays empty), which the figures and the caseload do not need; with `--trail` (and
always from `manage.py bulk_data`) bench/bulk_trail.py adds each case's process and tasks and its
chained audit events and field history. Every row still keeps the database's constraints. Never run it against a real council's
database: it writes made-up families.
"""

import argparse
import datetime
import os
import random
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

# Runnable as a script from the checkout: the project's packages sit one folder up.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

YEARS = 3
TWO_PLACES = Decimal("0.01")

FIRST_NAMES = [
    "Lily", "Alfie", "Amelia", "Noah", "Isla", "Leo", "Ava", "Oscar", "Freya", "Jack", "Poppy", "Harry",
    "Ruby", "George", "Evie", "Charlie", "Grace", "Theo", "Rosie", "Archie", "Millie", "Finley", "Sophie",
    "Jacob", "Ella", "Mason", "Daisy", "Logan", "Maya", "Riley",
]  # fmt: skip
ADULT_NAMES = [
    "Margaret", "Susan", "Paul", "David", "Karen", "Mark", "Julie", "Steven", "Claire", "Gary", "Tracey",
    "Darren", "Nicola", "Lee", "Emma", "Craig", "Joanne", "Wayne", "Dawn", "Shaun",
]  # fmt: skip
FAMILY_NAMES = [
    "Pearce", "Bennett", "Hollis", "Galpin", "Nowak", "Tizzard", "Samways", "Guppy", "Hansford", "Whitcombe",
    "Legg", "Dibben", "Cake", "Frampton", "Lovell", "Stickland", "Bartlett", "Chubb", "Dyer", "Foot",
    "Hardy", "Loder", "Mullins", "Orchard", "Pitman", "Rabbetts", "Score", "Trent", "Vincent", "Wareham",
]  # fmt: skip
REASONS = [
    "Parents separated; mother struggling with the children's routines and school attendance.",
    "Concerns about neglect; the family has a wide network willing to help.",
    "Domestic abuse in the home; the grandparents have offered support.",
    "Mother in hospital for several weeks; someone must look after the children.",
    "Father's drinking; the school raised concerns about the children's care.",
    "The family is at risk of losing its home; older sibling caring for the younger ones.",
]
ACTIONS = [
    "Take the children to school on weekday mornings",
    "Give the children their tea on Tuesdays and Thursdays",
    "Have the children for a sleepover every other weekend",
    "Go with mum to her GP appointment",
    "Check in with the family by phone every evening",
    "Help sort out the rent arrears with the housing officer",
    "Take the children to football practice",
    "Attend the school review meeting",
]
# Category: (frequencies, lowest, highest amount per instalment, most instalments)
CATEGORIES = {
    "household_goods": (["one_off"], 40, 400, 1),
    "furniture_and_bedding": (["one_off"], 80, 700, 1),
    "childcare": (["weekly"], 20, 120, 26),
    "transport": (["weekly", "monthly", "one_off"], 8, 90, 12),
    "food_and_meals": (["weekly"], 15, 60, 12),
    "activities": (["one_off", "monthly"], 20, 150, 6),
    "bought_in_support": (["weekly"], 40, 200, 12),
    "lost_earnings": (["one_off", "weekly"], 50, 300, 6),
    "housing_deposit": (["one_off"], 400, 1500, 1),
    "other": (["one_off"], 20, 300, 1),
}
CATEGORY_WEIGHTS = [14, 12, 14, 16, 12, 10, 6, 6, 3, 7]
RELATIONSHIPS = [
    ("grandparent", 26),
    ("aunt_uncle", 20),
    ("adult_sibling", 8),
    ("other_relative", 10),
    ("friend", 14),
    ("neighbour", 8),
    ("faith_community", 3),
    ("community_volunteer", 3),
    ("other", 4),
]
DEFAULT_LIMITS = {"team_manager": Decimal("500.00"), "service_manager": Decimal("5000.00")}


def setup_django(database_url: str | None = None) -> None:
    """Settings for a command-line run: the test settings (DEBUG off, fast hashing) on the database
    `database_url` or DATABASE_URL names."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


@contextmanager
def dates_as_given(models):
    """Let this script set `auto_now` / `auto_now_add` dates itself (a package approved two years ago
    was created two years ago), then put the fields back as they were."""
    switched = []
    for model in models:
        for field in model._meta.concrete_fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                switched.append((field, field.auto_now, field.auto_now_add))
                field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in switched:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


class Ids:
    """Primary keys handed out here rather than by the database, so a chunk's rows can point at each
    other before any is saved, with one INSERT per table and chunk on SQLite and PostgreSQL alike.
    `reset_sequences` then moves PostgreSQL's sequences past them."""

    def __init__(self, models):
        from django.db.models import Max

        self.models = list(models)
        self.next = {model: (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1 for model in self.models}

    def __call__(self, model) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value

    def reset_sequences(self) -> None:
        from django.core.management.color import no_style
        from django.db import connection

        statements = connection.ops.sequence_reset_sql(no_style(), self.models)
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


class Maker:
    """Model instances without `Model.__init__` (about half the cost of building a chunk's rows at
    scale): each field's value set straight into the instance, a related object cached as the
    descriptor would cache it, the other fields at their defaults. The instances behave like those
    `Model(**values)` makes for everything this script and bulk_trail do with them (attributes,
    related objects, `.pk`, `bulk_create`). A model with `post_init` receivers or a one-to-one field
    (whose descriptor also fills the other side's cache) is built the ordinary way."""

    def __init__(self):
        self.plans = {}

    def _plan(self, model):
        from django.db.models import ForeignObjectRel, OneToOneField, signals

        fields, ordinary = [], signals.post_init.has_listeners(model)
        for field in model._meta.concrete_fields:
            if isinstance(field, OneToOneField):
                ordinary = True
            related = isinstance(field.remote_field, ForeignObjectRel)
            if field.has_default() and callable(field.default):
                fields.append((field.name, field.attname, related, True, field.get_default))
            else:
                fields.append((field.name, field.attname, related, False, field.get_default()))
        names = {name for name, *_ in fields} | {attname for _, attname, *_ in fields}
        plan = (model._meta.pk.attname, fields, names, ordinary)
        self.plans[model] = plan
        return plan

    def __call__(self, model, pk, values: dict):
        from django.db.models.base import ModelState

        pk_attname, fields, names, ordinary = self.plans.get(model) or self._plan(model)
        if ordinary:
            return model(pk=pk, **values)
        unknown = values.keys() - names
        if unknown:
            raise TypeError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
        data, cache = {}, {}
        for name, attname, related, call, default in fields:
            if related and name in values:
                value = values[name]
                cache[name] = value
                data[attname] = None if value is None else value.pk
            elif attname in values:
                data[attname] = values[attname]
            else:
                data[attname] = default() if call else default
        data[pk_attname] = pk
        obj = model.__new__(model)
        state = ModelState()
        state.fields_cache = cache
        obj._state = state
        obj.__dict__.update(data)
        return obj


class Copier:
    """Writes model instances with PostgreSQL's COPY (one stream a table and chunk) instead of
    `bulk_create`, which spends most of its time preparing each value through the model's fields and
    binding long parameter lists. A value goes to COPY as it is when its field stores it unchanged
    (numbers, text, dates, booleans, foreign keys' ids); other fields (JSON, arrays, viewflow's
    references and tokens) go through the field's own `get_db_prep_save`, so the rows are the same
    as `bulk_create` writes. Auto-created primary keys left empty are left to the database."""

    PLAIN = {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "CharField",
        "TextField",
        "EmailField",
        "SlugField",
        "BooleanField",
        "DateField",
        "DateTimeField",
        "DecimalField",
    }

    def __init__(self, connection):
        self.connection = connection
        self.plans = {}

    def _plan(self, model):
        from django.db import models

        columns = []
        for field in model._meta.concrete_fields:
            plain = type(field) in (models.ForeignKey,) or (
                type(field).__module__.startswith("django.db.models") and type(field).__name__ in self.PLAIN
            )
            if isinstance(field, models.ForeignKey):
                plain = type(field.target_field).__name__ in self.PLAIN and type(field) is models.ForeignKey
            columns.append((field.column, field.attname, None if plain else field, field.primary_key))
        self.plans[model] = columns
        return columns

    def write(self, model, rows) -> None:
        from psycopg import sql

        columns = self.plans.get(model) or self._plan(model)
        if getattr(rows[0], model._meta.pk.attname) is None:
            columns = [column for column in columns if not column[3]]
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(model._meta.db_table), sql.SQL(", ").join(sql.Identifier(c[0]) for c in columns)
        )
        connection = self.connection
        prepared = [(attname, field) for _, attname, field, _ in columns]
        with connection.cursor() as cursor:
            with cursor.cursor.copy(statement) as copy:
                for row in rows:
                    values = row.__dict__
                    copy.write_row(
                        [
                            values[attname] if field is None else field.get_db_prep_save(values[attname], connection)
                            for attname, field in prepared
                        ]
                    )


class World:
    """The people and places every case draws from."""

    def __init__(self, *, practitioners_per_team: int, coordinators: int, log):
        from django.contrib.auth import get_user_model

        from core.roles import Role, ensure_roles
        from fgdm.models import FamilyHub, Locality, Team
        from network_packages.models import ApprovalLimit, Supplier
        from process import demo

        demo.seed_reference()
        users = demo.seed_users()
        demo.seed_budgets(users)
        demo.seed_suppliers(users)
        groups = ensure_roles()
        User = get_user_model()
        made = 0

        def person(username, first, last, role):
            nonlocal made
            user, new = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"}
            )
            if new:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                made += 1
            user.groups.add(groups[role])
            return user

        self.teams = list(Team.objects.prefetch_related("localities").order_by("id"))
        for team in self.teams:
            for number in range(1, practitioners_per_team + 1):
                first = ADULT_NAMES[number % len(ADULT_NAMES)]
                team.members.add(
                    person(f"bench.prac.{team.code}.{number:02d}", first, f"Bench{number:02d}", Role.PRACTITIONER)
                )
        for number in range(1, coordinators + 1):
            person(f"bench.coord.{number:02d}", "Coordinator", f"Bench{number:02d}", Role.COORDINATOR)
        log(f"  people: {made} bench practitioners and coordinators added")

        self.practitioners = {
            team.pk: list(team.members.filter(groups__name=Role.PRACTITIONER).order_by("id")) for team in self.teams
        }
        self.managers = {team.pk: list(team.managers.order_by("id")) for team in self.teams}
        self.coordinators = list(User.objects.filter(groups__name=Role.COORDINATOR).order_by("id"))
        self.service_manager = list(User.objects.filter(groups__name=Role.SERVICE_MANAGER).order_by("id"))
        self.heads = list(User.objects.filter(groups__name=Role.HEAD_OF_SERVICE).order_by("id"))
        finance = list(User.objects.filter(groups__name=Role.FINANCE_OFFICER).order_by("id"))
        if not all(self.practitioners.values()) or not all(self.managers.values()) or len(finance) < 2:
            raise SystemExit(
                "The demo data has a team without a practitioner or manager, or fewer than two finance officers."
            )
        self.finance_in, self.finance_check = finance[0], finance[1]
        self.team_of_locality = {}
        for team in self.teams:
            for locality in team.localities.all():
                self.team_of_locality.setdefault(locality.pk, team)
        self.localities = [loc for loc in Locality.objects.order_by("id") if loc.pk in self.team_of_locality]
        hubs = defaultdict(list)
        for hub in FamilyHub.objects.order_by("id"):
            hubs[hub.locality_id].append(hub)
        self.hubs = hubs
        self.suppliers = list(Supplier.objects.filter(active=True).order_by("id"))
        limits = {row.tier: row.max_amount for row in ApprovalLimit.objects.all()}
        self.limits = {tier: limits.get(tier, default) for tier, default in DEFAULT_LIMITS.items()}
        self.everyone = (
            [u for people in self.practitioners.values() for u in people]
            + [u for people in self.managers.values() for u in people]
            + self.service_manager
        )


def _models():
    from fgdm.models import (
        Case,
        CaseUserObjectPermission,
        Child,
        ChildOutcome,
        DeclaredConflict,
        FamilyPlan,
        Meeting,
        NetworkMember,
        PlanAction,
        PreProceedings,
        PreProceedingsOffer,
        StageChange,
    )
    from network_packages.models import Approval, PackageItem, SupportPackage
    from payments.models import BankAccount, Payment, PaymentBatch

    # In the order they are inserted: every row's foreign keys point at rows already written.
    return [
        Case,
        StageChange,
        Child,
        NetworkMember,
        Meeting,
        FamilyPlan,
        PlanAction,
        PreProceedings,
        PreProceedingsOffer,
        DeclaredConflict,
        ChildOutcome,
        CaseUserObjectPermission,
        SupportPackage,
        PackageItem,
        Approval,
        BankAccount,
        PaymentBatch,
        Payment,
    ]


def _status_for_age(rng: random.Random, age: int) -> str:
    """A realistic state for a case opened `age` days ago: recent ones are being worked, old ones closed."""
    if age < 10:
        table = [("referred", 55), ("allocated", 38), ("declined", 7)]
    elif age < 45:
        table = [("allocated", 20), ("meeting_planned", 45), ("plan_agreed", 15), ("declined", 6), ("closed", 14)]
    elif age < 180:
        table = [
            ("meeting_planned", 8),
            ("plan_agreed", 7),
            ("plan_returned", 4),
            ("plan_accepted", 51),
            ("closed", 27),
            ("declined", 3),
        ]
    elif age < 365:
        table = [("plan_accepted", 30), ("closed", 65), ("declined", 5)]
    else:
        table = [("plan_accepted", 3), ("closed", 91), ("declined", 6)]
    return rng.choices([s for s, _ in table], weights=[w for _, w in table])[0]


class Builder:
    """Builds the rows of one chunk of cases in memory (nothing is saved here)."""

    def __init__(
        self, world: World, ids: Ids, rng: random.Random, today: datetime.date, batches: dict, banked: set, make
    ):
        from django.contrib.auth.models import Permission
        from django.utils import timezone

        self.w, self.ids, self.rng, self.today, self.make = world, ids, rng, today, make
        self.tz = timezone.get_current_timezone()
        self.rows = defaultdict(list)
        self.batches = batches  # (year, month) -> PaymentBatch, shared across chunks
        self.banked = banked  # network members given bank details, across chunks
        self.granted = set()
        self.perm = {
            codename: Permission.objects.get(content_type__app_label="fgdm", codename=codename)
            for codename in ("view_case", "work_case", "coordinate_conference")
        }

    # -- small helpers ----------------------------------------------------------------------

    def add(self, table, /, **values):
        obj = self.make(table, self.ids(table), values)
        self.rows[table].append(obj)
        return obj

    def at(self, day: datetime.date, hour: int = 10) -> datetime.datetime:
        """`timezone.make_aware(...)` in the current time zone, which is looked up once a chunk."""
        return datetime.datetime.combine(day, datetime.time(hour, self.rng.randrange(60)), tzinfo=self.tz)

    def upto_today(self, day: datetime.date) -> datetime.date:
        return min(day, self.today)

    def later(self, day: datetime.date, low: int, high: int) -> datetime.date:
        return self.upto_today(day + datetime.timedelta(days=self.rng.randint(low, high)))

    def money(self, low: int, high: int) -> Decimal:
        return (Decimal(self.rng.randint(low * 100, high * 100)) / 100).quantize(TWO_PLACES)

    # -- one case ---------------------------------------------------------------------------

    def case(self, number: int) -> None:
        from fgdm.models import Case, StageChange

        rng, today = self.rng, self.today
        locality = self.w.localities[number % len(self.w.localities)]
        team = self.w.team_of_locality[locality.pk]
        hubs = self.w.hubs.get(locality.pk) or [None]
        opened = today - datetime.timedelta(days=rng.randrange(YEARS * 365))
        age = (today - opened).days
        status = _status_for_age(rng, age)
        stage = rng.choices(
            ["family_help", "child_protection", "pre_proceedings", "kinship"], weights=[50, 25, 10, 15]
        )[0]
        practitioners = self.w.practitioners[team.pk]
        lead = None if status in ("referred", "declined") else rng.choice(practitioners)
        manager = rng.choice(self.w.managers[team.pk])
        family = rng.choice(FAMILY_NAMES)
        consent = rng.random() < 0.9
        case = self.add(
            Case,
            reference="",
            family_name=family,
            locality=locality,
            hub=rng.choice(hubs),
            team=team,
            lead_practitioner=lead,
            referred_by=rng.choice(practitioners + [manager]),
            stage=stage,
            status=status,
            referral_reason=rng.choice(REASONS),
            consent_to_refer=consent,
            consent_to_share=consent,
            consent_given_by=f"{rng.choice(ADULT_NAMES)} {family} (mother)" if consent else "",
            consent_recorded_at=self.at(opened, 9) if consent else None,
            child_lives_with="Mother" if rng.random() < 0.7 else "Grandmother",
            opened_on=opened,
            created_at=self.at(opened, 9),
            updated_at=self.at(opened, 9),
        )
        case.reference = f"FGDM-{opened.year}-{case.pk:06d}"  # as fgdm.services.case_create makes it
        self.add(
            StageChange,
            case=case,
            from_stage="",
            to_stage=stage,
            changed_on=opened,
            changed_by=case.referred_by,
            changed_at=self.at(opened, 9),
        )
        children = self.children(case, family)
        members = self.members(case, family)
        if lead is not None:
            self.grant(lead, case, "view_case", "work_case")

        if rng.random() < 0.006:
            self.conflict(case, members, lead, manager)
        if status == "declined":
            case.closed_on = self.later(opened, 1, 6)
            case.closed_by = manager
            case.close_note = "Needs better met by another service."
            return
        if status == "referred":
            return  # waiting for a manager to allocate it

        # Where the work got to, and when: a case closed early never held a meeting.
        reached = status
        if status == "closed":
            reached = rng.choices(["allocated", "cancelled", "plan_accepted"], weights=[20, 8, 72])[0]
        ends_on = None
        last = opened
        plan = None
        if reached in ("allocated", "cancelled") or status == "meeting_planned":
            if reached == "cancelled" or rng.random() < 0.08:
                self.meeting(case, lead, day=self.later(opened, 7, 30), status="cancelled")
            if status == "meeting_planned":
                self.meeting(case, lead, day=today + datetime.timedelta(days=rng.randint(1, 21)), status="scheduled")
        else:
            if rng.random() < 0.06:
                self.meeting(case, lead, day=self.later(opened, 5, 20), status="cancelled")
            held = self.later(opened, 8, 40)
            meeting = self.meeting(case, lead, day=held, status="held")
            plan_status = {"plan_agreed": "agreed", "plan_returned": "returned"}.get(reached, "accepted")
            plan = self.plan(case, meeting, lead, members, version=1, status=plan_status, agreed=held)
            last = held
            # A third of the plans in place came back to a review meeting and a revised plan.
            if plan_status == "accepted" and (today - held).days > 70 and rng.random() < 0.33:
                review = self.later(held, 42, 70)
                plan.status = "superseded"
                meeting = self.meeting(case, lead, day=review, status="held", purpose="review")
                plan = self.plan(case, meeting, lead, members, version=2, status="accepted", agreed=review)
                last = review
        if status == "closed":
            ends_on = self.later(last, 20, 200) if plan else self.later(last, 5, 40)
            self.close(case, children, lead or manager, ends_on, early=plan is None)
        if case.stage == "pre_proceedings":
            self.pre_proceedings(case, members, manager, lead)
        if plan is not None and plan.status == "accepted" and rng.random() < 0.45:
            self.package(case, plan, members, lead, manager, ends_on)

    def grant(self, user, case, *codenames):
        from fgdm.models import CaseUserObjectPermission

        for codename in codenames:
            if (user.pk, case.pk, codename) in self.granted:
                continue  # a coordinator of two conferences of the case holds each grant once
            self.granted.add((user.pk, case.pk, codename))
            self.add(CaseUserObjectPermission, user=user, content_object=case, permission=self.perm[codename])

    def children(self, case, family):
        from fgdm.models import Child

        rng, made = self.rng, []
        for _ in range(rng.choices([1, 2, 3], weights=[50, 35, 15])[0]):
            unborn = rng.random() < 0.03
            born = None if unborn else case.opened_on - datetime.timedelta(days=rng.randint(30, 17 * 365))
            wishes = "" if unborn else "Wants to stay at home and see Nan more."
            made.append(
                self.add(
                    Child,
                    case=case,
                    first_name="" if unborn else rng.choice(FIRST_NAMES),
                    last_name=family,
                    date_of_birth=born,
                    expected_on=case.opened_on + datetime.timedelta(days=rng.randint(20, 200)) if unborn else None,
                    wishes_and_feelings=wishes,
                    participation="" if unborn else rng.choice(["attends", "writes", "sends_someone", "advocate", ""]),
                    wishes_recorded_at=self.at(case.opened_on, 11) if wishes else None,
                    wishes_recorded_by=case.referred_by if wishes else None,
                )
            )
        return made

    def members(self, case, family):
        from fgdm.models import NetworkMember

        rng, made = self.rng, []
        total = rng.randint(3, 8)
        parents = rng.choice([1, 2]) if total > 3 else 1
        for index in range(total):
            parent = index < parents
            relationship = "parent" if parent else rng.choices(*zip(*RELATIONSHIPS, strict=True))[0]
            excluded = not parent and rng.random() < 0.03
            made.append(
                self.add(
                    NetworkMember,
                    case=case,
                    full_name=f"{rng.choice(ADULT_NAMES)} {family if relationship != 'friend' else rng.choice(FAMILY_NAMES)}",
                    relationship=relationship,
                    is_parent=parent,
                    has_parental_responsibility=parent,
                    lives_with_child=parent and index == 0,
                    date_of_birth=datetime.date(rng.randint(1950, 2000), rng.randint(1, 12), rng.randint(1, 28)),
                    phone=f"07700 9{rng.randint(0, 99999):05d}",
                    preparation_status=rng.choice(["not_contacted", "contacted", "prepared", "invited"]),
                    excluded_from_meetings=excluded,
                    exclusion_reason="A risk to the child's mother." if excluded else "",
                    exclusion_status="signed_off" if excluded else "",
                    added_by=case.referred_by,
                    created_at=self.at(case.opened_on, 12),
                )
            )
        return made

    def meeting(self, case, lead, *, day, status, purpose="first"):
        from fgdm.models import Meeting

        rng = self.rng
        fgc = case.stage == "pre_proceedings" or rng.random() < 0.4
        coordinator = rng.choice(self.w.coordinators) if fgc else None
        if coordinator is not None:
            self.grant(coordinator, case, "view_case", "coordinate_conference")
        held = status == "held"
        cancelled = status == "cancelled"
        return self.add(
            Meeting,
            case=case,
            model="fgc" if fgc else "fnm",
            status=status,
            purpose=purpose,
            scheduled_for=self.at(day, 10),
            venue=case.hub.name if case.hub else "The family's home",
            coordinator=coordinator,
            held_on=day if held else None,
            attendees="Mum, Nan, Uncle Paul, the school's family support worker" if held else "",
            child_participation="Lily drew a picture of her week" if held else "",
            private_family_time=held,
            private_family_time_minutes=rng.randint(30, 90) if held else None,
            recorded_by=(coordinator or lead) if held else None,
            cancelled_at=self.at(day, 9) if cancelled else None,
            cancelled_by=lead if cancelled else None,
            cancel_reason="The family asked to move it: Nan was ill." if cancelled else "",
            created_at=self.at(case.opened_on + datetime.timedelta(days=3), 14),
        )

    def plan(self, case, meeting, lead, members, *, version, status, agreed):
        from fgdm.models import FamilyPlan, PlanAction

        rng = self.rng
        decided = self.later(agreed, 1, 10) if status != "agreed" else None
        plan = self.add(
            FamilyPlan,
            case=case,
            meeting=meeting,
            version=version,
            status=status,
            contingency="If Nan is ill, Aunt Julie steps in.",
            monitoring="A weekly call with the practitioner.",
            review_by=agreed + datetime.timedelta(weeks=6),
            agreed_on=agreed,
            decided_by=lead if decided else None,
            decided_at=self.at(decided, 15) if decided else None,
            return_reason="The plan does not say who takes the children to school." if status == "returned" else "",
            created_at=self.at(agreed, 16),
        )
        owners = [m for m in members if not m.excluded_from_meetings]
        plan.bench_actions = []
        for _ in range(rng.randint(1, 6)):
            due = agreed + datetime.timedelta(days=rng.randint(7, 60))
            done = due <= self.today and rng.random() < 0.7
            by_member = rng.random() < 0.8
            action = self.add(
                PlanAction,
                plan=plan,
                description=rng.choice(ACTIONS),
                owner_member=rng.choice(owners) if by_member else None,
                owner_text="" if by_member else "The school's family support worker",
                due_by=due,
                checked_by="The lead practitioner",
                status="done" if done else "open",
                done_on=self.upto_today(due - datetime.timedelta(days=rng.randint(0, 5))) if done else None,
            )
            plan.bench_actions.append(action)
        return plan

    def close(self, case, children, by, closed_on, *, early):
        from fgdm.models import ChildOutcome

        rng = self.rng
        if early:
            reason = rng.choice(["no_network", "family_declined", "moved_away", "stepped_up"])
            outcome = ""
        else:
            reason = rng.choices(
                ["needs_met", "stepped_up", "entered_care", "moved_away", "other"], weights=[70, 10, 5, 7, 8]
            )[0]
            outcome = {
                "entered_care": "entered_care",
                "needs_met": rng.choice(["remained_at_home", "kinship_care", "cp_plan_ended"]),
            }.get(reason, "")
        case.status = "closed"
        case.closed_on = closed_on
        case.closed_by = by
        case.close_reason = reason
        case.close_note = "Moved to another council's area with the grandparents." if reason == "other" else ""
        case.outcome = outcome
        case.updated_at = self.at(closed_on, 16)
        living = {"entered_care": "in_care", "kinship_care": "kin"}.get(outcome, "at_home")
        for child in children:
            for checkpoint, months in (("closure", 0), ("six_months", 6), ("twelve_months", 12)):
                due = closed_on + datetime.timedelta(days=round(months * 30.44))
                recorded = due <= self.today and rng.random() < 0.85
                drift = living if rng.random() < 0.85 else rng.choice(["at_home", "kin", "in_care", "other"])
                self.add(
                    ChildOutcome,
                    case=case,
                    child=child,
                    checkpoint=checkpoint,
                    closed_on=closed_on,
                    due_on=due,
                    living_with=drift if recorded else "",
                    on_child_protection_plan=(rng.random() < 0.1) if recorded else None,
                    proceedings_issued=(drift == "in_care") if recorded else None,
                    entered_care=(drift == "in_care") if recorded else None,
                    recorded_at=self.at(self.later(due, 0, 14), 11) if recorded else None,
                    recorded_by=by if recorded else None,
                    created_at=self.at(closed_on, 16),
                )

    def pre_proceedings(self, case, members, manager, lead):
        from fgdm.models import PreProceedings, PreProceedingsOffer

        rng = self.rng
        intended = self.later(case.opened_on, 0, 5)
        status = rng.choices(["intended", "offered", "exempt", "application_made"], weights=[15, 45, 10, 30])[0]
        basis = rng.choice(["meeting_held", "declined", "exemption"]) if status == "application_made" else ""
        exempt = status == "exempt" or basis == "exemption"
        record = self.add(
            PreProceedings,
            case=case,
            status=status,
            order_kind=rng.choice(["care", "supervision", "interim_care", "interim_supervision"]),
            intended_on=intended,
            stage_at_intention=rng.choice(["child_protection", "pre_proceedings"]),
            intention_recorded_by=manager,
            exemption_reason="An urgent risk: no time for a meeting first." if exempt else "",
            exemption_decided_by=manager if exempt else None,
            exemption_decided_on=self.later(intended, 1, 10) if exempt else None,
            application_made_on=self.later(intended, 20, 90) if basis else None,
            application_basis=basis,
            duty_in_force=True if basis else None,
            updated_at=self.at(intended, 12),
        )
        if status == "intended" or (status == "exempt" and rng.random() < 0.5):
            return
        for member in (m for m in members if m.is_parent):
            answer = rng.choices(["accepted", "declined", "no_reply", "pending"], weights=[60, 15, 10, 15])[0]
            offered = self.later(intended, 1, 7)
            self.add(
                PreProceedingsOffer,
                record=record,
                member=member,
                capacity="parent",
                method=rng.choice(["letter", "in_person", "phone"]),
                offered_on=offered,
                offered_by=lead or manager,
                answer=answer,
                answered_on=self.later(offered, 1, 14) if answer != "pending" else None,
                answer_recorded_by=(lead or manager) if answer != "pending" else None,
                created_at=self.at(offered, 11),
            )

    def conflict(self, case, members, lead, manager):
        from fgdm.models import DeclaredConflict

        pool = [u for u in self.w.everyone if u != lead]
        # Some of them are the team's own manager: their figures must leave the case out.
        who = manager if self.rng.random() < 0.4 else self.rng.choice(pool)
        self.add(
            DeclaredConflict,
            user=who,
            case=case,
            member=self.rng.choice(members),
            reason="A relative of someone in the family's network.",
            declared_at=self.at(case.opened_on, 13),
        )

    # -- support packages and payments ------------------------------------------------------

    def package(self, case, plan, members, lead, manager, ends_on):
        rng = self.rng
        agreed = plan.agreed_on
        if ends_on is not None:
            status = rng.choices(["ended", "withdrawn"], weights=[80, 20])[0]
        else:
            status = rng.choices(
                ["approved", "submitted", "draft", "returned", "withdrawn", "ended"], weights=[55, 12, 9, 7, 5, 12]
            )[0]
        previous = None
        # Some approved packages were changed after approval: version 1 ended, version 2 approved again.
        if status in ("approved", "ended") and rng.random() < 0.12:
            previous = self._one_package(case, plan, members, lead, manager, "ended", 1, None, agreed, ends_on)
            agreed = self.later(agreed, 20, 60)
        version = 2 if previous else 1
        self._one_package(case, plan, members, lead, manager, status, version, previous, agreed, ends_on)

    def _tier(self, total: Decimal) -> str:
        if total <= self.w.limits["team_manager"]:
            return "team_manager"
        limit = self.w.limits["service_manager"]
        if limit is None or total <= limit:
            return "service_manager"
        return "head_of_service"

    def _one_package(self, case, plan, members, lead, manager, status, version, previous, agreed, ends_on):
        from network_packages.models import Approval, PackageItem, SupportPackage

        rng = self.rng
        signed = self.later(agreed, 2, 14)
        submitted = status not in ("draft",) and not (status == "withdrawn" and rng.random() < 0.5)
        decided_on = self.later(signed, 1, 10) if status in ("approved", "ended", "returned") else None
        package = self.add(
            SupportPackage,
            case=case,
            plan=plan,
            version=version,
            previous=previous,
            status=status,
            justification="Keeps the children at home while mum recovers; the network does the rest.",
            other_funding_checked=True,
            other_funding_sources=["universal_credit"],
            agreement_signed_on=signed,
            review_by=signed + datetime.timedelta(weeks=12),
            created_by=lead,
            created_at=self.at(agreed, 15),
            submitted_by=lead if submitted else None,
            submitted_at=self.at(signed, 11) if submitted else None,
            return_reason="Say which other funding was checked for the childcare." if status == "returned" else "",
        )
        eligible = [m for m in members if not m.is_parent and not m.has_parental_responsibility]
        actions = plan.bench_actions
        items = []
        for _ in range(rng.choices([1, 2, 3, 4], weights=[40, 35, 17, 8])[0]):
            category = rng.choices(list(CATEGORIES), weights=CATEGORY_WEIGHTS)[0]
            frequencies, low, high, most = CATEGORIES[category]
            frequency = rng.choice(frequencies)
            instalments = 1 if frequency == "one_off" else rng.randint(2, max(2, most))
            supplier = None
            payee = rng.choice(eligible) if eligible else None
            if payee is None or (
                self.w.suppliers and category in ("household_goods", "furniture_and_bedding") and rng.random() < 0.4
            ):
                supplier, payee = rng.choice(self.w.suppliers), None
            items.append(
                self.add(
                    PackageItem,
                    package=package,
                    plan_action=rng.choice(actions) if actions and rng.random() < 0.8 else None,
                    category=category,
                    description=f"{category.replace('_', ' ').capitalize()} for the family",
                    payee=payee,
                    supplier=supplier,
                    amount=self.money(low, high),
                    frequency=frequency,
                    instalments=instalments,
                    starts_on=signed,
                    hours_per_day=Decimal("3.0") if category == "childcare" else None,
                )
            )
        package.total = sum((item.amount * item.instalments for item in items), Decimal("0.00"))
        tier = self._tier(package.total)
        package.required_tier = tier if submitted else ""
        chain = ["team_manager", "service_manager", "head_of_service"]
        approvers = {
            "team_manager": manager,
            "service_manager": rng.choice(self.w.service_manager),
            "head_of_service": rng.choice(self.w.heads),
        }
        if status in ("approved", "ended"):
            package.current_tier = tier
            for step in chain[: chain.index(tier) + 1]:
                self.add(
                    Approval,
                    package=package,
                    approver=approvers[step],
                    tier=step,
                    amount=package.total,
                    package_version=version,
                    decision="approved" if step == tier else "escalated",
                    note="",
                    at=self.at(decided_on, 12 + chain.index(step)),
                )
            package.decided_by = approvers[tier]
            package.decided_at = self.at(decided_on, 15)
            stops = ends_on
            if status == "ended" and stops is None:
                stops = self.later(decided_on, 30, 180)
            self.payments(case, package, items, stopped_on=stops if status == "ended" else None)
        elif status == "submitted":
            # Waiting at the team manager, or already endorsed and waiting higher up.
            package.current_tier = "team_manager"
            if tier != "team_manager" and rng.random() < 0.5:
                self.add(
                    Approval,
                    package=package,
                    approver=manager,
                    tier="team_manager",
                    amount=package.total,
                    package_version=version,
                    decision="escalated",
                    at=self.at(self.later(signed, 1, 5), 12),
                )
                package.current_tier = "service_manager"
        elif status == "returned":
            package.current_tier = "team_manager"
            package.decided_by = manager
            package.decided_at = self.at(decided_on, 15)
        return package

    def payments(self, case, package, items, *, stopped_on):
        from dateutil.relativedelta import relativedelta

        from payments.models import BankAccount, Payment

        rng = self.rng
        for item in items:
            if item.payee is not None and item.payee.pk not in self.banked:
                self.banked.add(item.payee.pk)
                entered = self.at(item.starts_on, 9)
                self.add(
                    BankAccount,
                    member=item.payee,
                    account_name=item.payee.full_name[:100],
                    sort_code=f"{rng.randint(100000, 999999)}",
                    account_number=f"{rng.randint(10000000, 99999999)}",
                    entered_by=self.w.finance_in,
                    entered_at=entered,
                    verified_by=self.w.finance_check,
                    verified_at=entered + datetime.timedelta(hours=3),
                )
            for instalment in range(1, item.instalments + 1):
                steps = instalment - 1
                due = item.starts_on + (
                    relativedelta(months=steps) if item.frequency == "monthly" else datetime.timedelta(weeks=steps)
                )
                values = {"status": "scheduled"}
                if stopped_on is not None and due > stopped_on:
                    values = {"status": "cancelled"}
                elif due <= self.today - datetime.timedelta(days=7):
                    batch = self.batch_for(due)
                    values = {
                        "status": "paid",
                        "batch": batch,
                        "paid_at": batch.confirmed_at,
                        "authorised_by": self.w.finance_in,
                        "authorised_at": self.at(due - datetime.timedelta(days=3), 9),
                    }
                elif due <= self.today:
                    values = {
                        "status": "authorised",
                        "authorised_by": self.w.finance_in,
                        "authorised_at": self.at(due - datetime.timedelta(days=2), 9),
                    }
                self.add(
                    Payment,
                    item=item,
                    package=package,
                    case=case,
                    payee=item.payee,
                    supplier=item.supplier,
                    instalment=instalment,
                    amount=item.amount,
                    due_on=due,
                    created_at=package.decided_at,
                    **values,
                )

    def batch_for(self, due: datetime.date):
        """The month's finance run that paid a payment due on `due` (one confirmed batch a month)."""
        from payments.models import PaymentBatch

        key = (due.year, due.month)
        if key not in self.batches:
            run = datetime.date(due.year, due.month, 1)
            batch = PaymentBatch(
                pk=self.ids(PaymentBatch),
                reference=f"BENCH-{due.year}-{due.month:02d}",
                status="confirmed",
                created_by=self.w.finance_in,
                created_at=self.at(run, 9),
                approved_by=self.w.finance_check,
                approved_at=self.at(run, 11),
                exported_by=self.w.finance_check,
                exported_at=self.at(run, 12),
                export_format="csv",
                confirmed_by=self.w.finance_in,
                confirmed_at=self.at(run + datetime.timedelta(days=3), 10),
            )
            self.batches[key] = batch
            self.rows[PaymentBatch].append(batch)
        return self.batches[key]


def generate(
    *,
    cases: int,
    seed: int = 16,
    chunk: int = 2000,
    practitioners_per_team: int = 40,
    coordinators: int = 12,
    today: datetime.date | None = None,
    trail: bool = False,
    log=print,
) -> dict:
    """Write `cases` made-up cases (and everything around them) in bulk. Returns the rows written per
    table (by model label). The same seed on the same empty database gives the same data.

    With `trail`, each case also gets its viewflow process and tasks and its audit trail (events and
    field history, chained): see bench/bulk_trail.py."""
    from django.db import connection, transaction
    from django.utils import timezone

    from payments.models import PaymentBatch

    started = time.perf_counter()
    today = today or timezone.localdate()
    rng = random.Random(seed)
    log(f"Bulk cases: {cases} on {connection.vendor} ({connection.settings_dict['NAME']})")
    with transaction.atomic():
        world = World(practitioners_per_team=practitioners_per_team, coordinators=coordinators, log=log)
    models = _models()
    if trail:
        from django.contrib.contenttypes.models import ContentType

        from bench.bulk_trail import Chains, Trail, trail_models

        before, after = trail_models()
        models = before + models + after
        chains = Chains()
        content_types = {model: ContentType.objects.get_for_model(model) for model in models}
    ids = Ids([model for model in models if not model._meta.auto_created])
    written = defaultdict(int)
    # A second run adds to the monthly batches of the first.
    batches = {
        (int(b.reference[6:10]), int(b.reference[11:13])): b
        for b in PaymentBatch.objects.filter(reference__startswith="BENCH-")
    }
    banked: set = set()
    make = Maker()
    copier = Copier(connection) if connection.vendor == "postgresql" else None
    with dates_as_given(models):
        for start in range(0, cases, chunk):
            size = min(chunk, cases - start)
            builder = Builder(world, ids, rng, today, batches, banked, make)
            for number in range(start, start + size):
                builder.case(number)
            if trail:
                Trail(builder, chains, content_types).add_chunk()
            with transaction.atomic():
                for model in models:
                    rows = builder.rows.get(model, [])
                    if model is PaymentBatch:
                        rows = [b for b in rows if b._state.adding]
                    if rows:
                        if copier is not None:
                            copier.write(model, rows)
                        else:
                            model.objects.bulk_create(rows, batch_size=1000)
                        for row in rows:
                            row._state.adding = False
                            row._state.db = connection.alias
                        written[model._meta.label] += len(rows)
                if trail:
                    chains.save_heads()
            done = start + size
            elapsed = time.perf_counter() - started
            log(f"  {done:>7} / {cases} cases  {elapsed:7.1f} s  ({done / elapsed:,.0f} cases/s)")
    finish(world, ids, today, cases)
    elapsed = time.perf_counter() - started
    log(f"Done: {cases} cases in {elapsed:.1f} s; {sum(written.values()):,} rows written.")
    for label, count in sorted(written.items()):
        log(f"  {label:<34} {count:>10,}")
    return dict(written)


def finish(world: World, ids: Ids, today: datetime.date, cases: int) -> None:
    """After the last chunk: the sequences moved past the keys handed out (first: what follows saves
    rows the ordinary way), batch totals, budgets, the running totals (budgets', payments'), and
    fresh planner statistics on PostgreSQL."""
    from django.db import connection, transaction
    from django.db.models import Count, Sum

    from payments.models import PaymentBatch

    with transaction.atomic():
        ids.reset_sequences()
        # Each confirmed batch's count and total are those of its payments (rule 5).
        for row in PaymentBatch.objects.filter(reference__startswith="BENCH-").annotate(
            n=Count("payments"), amount=Sum("payments__amount")
        ):
            PaymentBatch.objects.filter(pk=row.pk).update(
                payment_count=row.n, total=(row.amount or Decimal("0")).quantize(TWO_PLACES)
            )
        _budgets(world, today, cases)
        # The budgets' running totals, which the services keep, recomputed for the rows written here.
        from network_packages.commitments import fill

        fill()
        # Likewise the payments' running totals per status (the payments list reads them).
        from payments import totals

        totals.fill()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _budgets(world: World, today: datetime.date, cases: int) -> None:
    """A budget for every locality and financial year the cases span that has none yet, sized to the
    spend of a locality's share of the cases (about £300 a case), so spend against budget reads true."""
    from network_packages.models import Budget
    from network_packages.selectors import financial_year_of

    per_year = Decimal(max(1, round(cases / YEARS / max(1, len(world.localities)) * 300, -3)))
    first = financial_year_of(today - datetime.timedelta(days=YEARS * 365))
    for year in range(first, financial_year_of(today) + 1):
        for locality in world.localities:
            Budget.objects.get_or_create(locality=locality, financial_year=year, defaults={"amount": per_year})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=50000)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--chunk", type=int, default=2000, help="cases built and inserted at a time")
    parser.add_argument("--practitioners-per-team", type=int, default=40)
    parser.add_argument("--coordinators", type=int, default=12)
    parser.add_argument("--database-url", help="default: DATABASE_URL, else the SQLite file beside manage.py")
    parser.add_argument("--trail", action="store_true", help="add workflow tasks and the audit trail (bulk_trail)")
    args = parser.parse_args(argv)
    setup_django(args.database_url)
    generate(
        cases=args.cases,
        seed=args.seed,
        chunk=args.chunk,
        practitioners_per_team=args.practitioners_per_team,
        coordinators=args.coordinators,
        trail=args.trail,
        log=lambda line: print(line, flush=True),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
