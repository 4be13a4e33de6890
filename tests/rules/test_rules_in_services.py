"""Rules that used to live only in Django admin now live in services that admin calls (issue 11):
team membership, approval limits and their tier order, budgets. Each rule is shown from the service
(as the shell, a page or the API would call it) and through the admin change form: bad input is
refused with a field error and changes nothing, a non-administrator is refused, and the good path
leaves exactly one domain event.
"""

import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import DomainEvent, LogEntry
from core.exceptions import NotPermitted, RuleBroken
from core.roles import Role
from fgdm.models import Team
from fgdm.services import team_create, team_update
from network_packages.constants import ApprovalTier
from network_packages.models import ApprovalLimit, Budget
from network_packages.selectors import financial_year_of
from network_packages.services import approval_limit_set, budget_set
from tests import scenario
from tests.factories import LocalityFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def this_year() -> int:
    return financial_year_of(timezone.localdate())


def state() -> tuple:
    """Everything these rules guard, and the trails: equal before and after a refusal."""
    teams = [
        (
            team.code,
            team.name,
            sorted(team.localities.values_list("code", flat=True)),
            sorted(team.members.values_list("username", flat=True)),
            sorted(team.managers.values_list("username", flat=True)),
        )
        for team in Team.objects.order_by("code")
    ]
    limits = sorted(ApprovalLimit.objects.values_list("tier", "max_amount"))
    budgets = sorted(Budget.objects.values_list("locality__code", "financial_year", "amount"))
    return teams, limits, budgets, DomainEvent.objects.count(), LogEntry.objects.count()


def events_since(last_id: int) -> list[DomainEvent]:
    return list(DomainEvent.objects.filter(id__gt=last_id).order_by("id"))


def last_event_id() -> int:
    return DomainEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.fixture
def administrator(world):
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def clerk(world):
    """Staff, not a superuser, but given admin's model permissions on the reference data: admin lets
    them open and post the forms, so only the services stand in the way."""
    user = UserFactory(username="clerk", is_staff=True)
    codenames = [
        f"{verb}_{model}" for verb in ("view", "add", "change") for model in ("team", "approvallimit", "budget")
    ]
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def admin_page(client, administrator):
    client.force_login(administrator)
    return client


def form_errors(response) -> dict:
    assert response.status_code == 200, response.status_code  # the form again, not a redirect
    return response.context["adminform"].form.errors


# -- team membership ---------------------------------------------------------------------------


def team_form(team, **overrides) -> dict:
    data = {
        "name": team.name,
        "code": team.code,
        "localities": list(team.localities.values_list("pk", flat=True)),
        "members": list(team.members.values_list("pk", flat=True)),
        "managers": list(team.managers.values_list("pk", flat=True)),
    }
    return data | overrides


class TestTeamRules:
    @pytest.mark.parametrize(
        "change, field",
        [
            (lambda w: {"members": [w.u.prac_east, w.u.prac_east2, w.u.fin1]}, "members"),  # finance sees no casework
            (lambda w: {"members": [w.u.prac_east, w.u.prac_east2, w.u.auditor]}, "members"),
            (lambda w: {"managers": [w.u.tm_east, w.u.prac_west]}, "managers"),  # a practitioner manages nobody
            (lambda w: {"localities": []}, "localities"),
            (lambda w: {"code": "West"}, "code"),  # taken, whatever the case
            (lambda w: {"code": "east team"}, "code"),
            (lambda w: {"name": "  "}, "name"),
        ],
        ids=[
            "finance-member",
            "auditor-member",
            "practitioner-manager",
            "no-locality",
            "code-taken",
            "bad-code",
            "no-name",
        ],
    )
    def test_service_refuses_bad_input_and_changes_nothing(self, world, administrator, change, field):
        before = state()
        with pytest.raises(RuleBroken) as refused:
            team_update(team_id=world.team_east.pk, by=administrator, **change(world))
        assert refused.value.field == field
        assert state() == before

    def test_an_inactive_person_cannot_join(self, world, administrator):
        leaver = UserFactory(username="prac.leaver", roles=[Role.PRACTITIONER], is_active=False)
        before = state()
        with pytest.raises(RuleBroken, match="not active") as refused:
            team_update(team_id=world.team_east.pk, by=administrator, members=[world.u.prac_east, leaver])
        assert refused.value.field == "members"
        assert state() == before

    def test_open_cases_are_not_stranded(self, world, administrator):
        """Who sees a case follows the localities a team serves; its lead must be in its team."""
        scenario.allocated(world)  # an open East case, led by prac.east
        before = state()
        with pytest.raises(RuleBroken, match="still holds open cases in East") as refused:
            team_update(team_id=world.team_east.pk, by=administrator, localities=[world.west])
        assert refused.value.field == "localities"
        with pytest.raises(RuleBroken, match="prac.east still lead") as refused:
            team_update(team_id=world.team_east.pk, by=administrator, members=[world.u.prac_east2])
        assert refused.value.field == "members"
        assert state() == before

    @pytest.mark.parametrize("who", ["tm_east", "hos", "prac_east", "clerk"])
    def test_only_an_administrator(self, world, clerk, who):
        by = clerk if who == "clerk" else getattr(world.u, who)
        before = state()
        with pytest.raises(NotPermitted, match="Only an administrator can change teams"):
            team_update(team_id=world.team_east.pk, by=by, members=[world.u.prac_east])
        with pytest.raises(NotPermitted):
            team_create(by=by, name="Purbeck team", code="purbeck", localities=[world.east])
        assert state() == before

    def test_good_path_leaves_one_event_with_before_and_after(self, world, administrator):
        newcomer = UserFactory(username="prac.new", roles=[Role.PRACTITIONER])
        last = last_event_id()
        team = team_update(
            team_id=world.team_east.pk,
            by=administrator,
            members=[world.u.prac_east, world.u.prac_east2, newcomer],
            managers=[world.u.tm_east, world.u.sm],  # a higher manager may manage a team too
        )
        assert team.members.filter(pk=newcomer.pk).exists()
        [event] = events_since(last)
        assert (event.action, event.actor, event.object_id, event.case_id) == (
            "team_changed",
            administrator,
            team.pk,
            None,
        )
        assert event.changes == {
            "members": [["prac.east", "prac.east2"], ["prac.east", "prac.east2", "prac.new"]],
            "managers": [["tm.east"], ["sm", "tm.east"]],
        }

    def test_create_leaves_one_event(self, world, administrator):
        purbeck = LocalityFactory(code="purbeck", name="Purbeck")
        last = last_event_id()
        team = team_create(
            by=administrator,
            name="Purbeck team",
            code="purbeck",
            localities=[purbeck],
            members=[world.u.coord],
            managers=[world.u.tm_west],
        )
        [event] = events_since(last)
        assert (event.action, event.object_id) == ("team_created", team.pk)
        assert event.changes == {
            "localities": [[], ["purbeck"]],
            "members": [[], ["coord"]],
            "managers": [[], ["tm.west"]],
        }

    def test_admin_shows_the_rule_as_a_form_error(self, world, admin_page):
        """Admin offers every active user; before, it saved a finance officer into a team (who then
        saw the team's case notes). Now the service refuses, on the field."""
        team = world.team_east
        before = state()
        data = team_form(team, members=[world.u.prac_east.pk, world.u.fin1.pk])
        errors = form_errors(admin_page.post(url(Team, "change", team.pk), data))
        assert "fin1 cannot be a team member" in str(errors["members"])
        assert state() == before

    def test_admin_refuses_a_non_administrator(self, world, client, clerk):
        client.force_login(clerk)
        team = world.team_east
        before = state()
        data = team_form(team, members=[world.u.prac_east.pk, world.u.prac_east2.pk, world.u.coord.pk])
        errors = form_errors(client.post(url(Team, "change", team.pk), data))
        assert "Only an administrator can change teams." in str(errors["__all__"])
        assert state() == before

    def test_admin_good_path_leaves_one_event(self, world, admin_page, administrator):
        team = world.team_east
        last = last_event_id()
        data = team_form(team, members=[world.u.prac_east.pk, world.u.prac_east2.pk, world.u.coord.pk])
        response = admin_page.post(url(Team, "change", team.pk), data)
        assert response.status_code == 302
        [event] = events_since(last)
        assert (event.action, event.actor) == ("team_changed", administrator)
        assert event.changes == {"members": [["prac.east", "prac.east2"], ["coord", "prac.east", "prac.east2"]]}

    def test_admin_add_leaves_one_event(self, world, admin_page):
        purbeck = LocalityFactory(code="purbeck", name="Purbeck")
        last = last_event_id()
        data = {"name": "Purbeck team", "code": "purbeck", "localities": [purbeck.pk], "members": [], "managers": []}
        response = admin_page.post(url(Team, "add"), data)
        assert response.status_code == 302
        [event] = events_since(last)
        assert (event.action, event.object_id) == ("team_created", Team.objects.get(code="purbeck").pk)
        assert event.changes == {"localities": [[], ["purbeck"]]}


# -- approval limits and their tier order --------------------------------------------------------


class TestApprovalLimitRules:
    @pytest.mark.parametrize(
        "tier, amount, shown",
        [
            (ApprovalTier.TEAM_MANAGER, Decimal("6000.00"), "A service manager limit of £5,000.00 does not fit"),
            (ApprovalTier.TEAM_MANAGER, None, "A service manager limit of £5,000.00 does not fit"),
            (ApprovalTier.SERVICE_MANAGER, Decimal("499.99"), "A team manager limit of £500.00 does not fit"),
        ],
    )
    def test_tier_order_holds_from_the_shell(self, world, administrator, tier, amount, shown):
        """Before, only admin's form checked the order: any other caller could break it."""
        before = state()
        with pytest.raises(RuleBroken, match=shown) as refused:
            approval_limit_set(tier=tier, by=administrator, max_amount=amount)
        assert refused.value.field == "max_amount"
        assert "a higher tier must be able to approve at least as much as a lower one" in refused.value.message
        assert state() == before

    def test_a_head_of_service_limit_must_cover_the_service_managers(self, world, administrator):
        before = state()
        with pytest.raises(RuleBroken, match="service manager limit of £5,000.00"):
            approval_limit_set(tier=ApprovalTier.HEAD_OF_SERVICE, by=administrator, max_amount=Decimal("4000.00"))
        assert state() == before
        approval_limit_set(tier=ApprovalTier.HEAD_OF_SERVICE, by=administrator, max_amount=Decimal("5000.00"))

    @pytest.mark.parametrize(
        "amount, message",
        [
            (750.0, "pounds and pence"),  # a float is never money
            ("750.00", "pounds and pence"),
            (Decimal("750.005"), "two decimal places"),
            (Decimal("-1.00"), "negative"),
            (Decimal("NaN"), "pounds and pence"),
        ],
    )
    def test_money_rule(self, world, administrator, amount, message):
        before = state()
        with pytest.raises(RuleBroken, match=message) as refused:
            approval_limit_set(tier=ApprovalTier.TEAM_MANAGER, by=administrator, max_amount=amount)
        assert refused.value.field == "max_amount"
        assert state() == before

    def test_an_unknown_tier(self, world, administrator):
        with pytest.raises(RuleBroken) as refused:
            approval_limit_set(tier="finance_officer", by=administrator, max_amount=Decimal("1.00"))
        assert refused.value.field == "tier"

    @pytest.mark.parametrize("who", ["hos", "sm", "fin1", "clerk"])
    def test_only_an_administrator(self, world, clerk, who):
        by = clerk if who == "clerk" else getattr(world.u, who)
        before = state()
        with pytest.raises(NotPermitted, match="Only an administrator can set approval limits"):
            approval_limit_set(tier=ApprovalTier.TEAM_MANAGER, by=by, max_amount=Decimal("750.00"))
        assert state() == before

    def test_good_path_leaves_one_event(self, world, administrator):
        last = last_event_id()
        limit = approval_limit_set(tier=ApprovalTier.TEAM_MANAGER, by=administrator, max_amount=Decimal("750"))
        assert ApprovalLimit.objects.get(tier=ApprovalTier.TEAM_MANAGER).max_amount == Decimal("750.00")
        [event] = events_since(last)
        assert (event.action, event.actor, event.object_id, event.reason) == (
            "approval_limit_changed",
            administrator,
            limit.pk,
            "Team manager",
        )
        assert event.changes == {"max_amount": ["500.00", "750.00"]}

    def test_admin_shows_the_tier_order_on_the_field(self, world, admin_page):
        limit = ApprovalLimit.objects.get(tier=ApprovalTier.TEAM_MANAGER)
        before = state()
        errors = form_errors(admin_page.post(url(ApprovalLimit, "change", limit.pk), {"max_amount": "6000.00"}))
        assert "higher tier must be able to approve at least as much" in str(errors["max_amount"])
        assert state() == before

    def test_admin_refuses_a_non_administrator(self, world, client, clerk):
        """Before, any staff user given admin's change permission could set a limit."""
        client.force_login(clerk)
        limit = ApprovalLimit.objects.get(tier=ApprovalTier.TEAM_MANAGER)
        before = state()
        errors = form_errors(client.post(url(ApprovalLimit, "change", limit.pk), {"max_amount": "750.00"}))
        assert "Only an administrator can set approval limits." in str(errors["__all__"])
        assert state() == before

    def test_admin_good_path_leaves_one_event(self, world, admin_page, administrator):
        limit = ApprovalLimit.objects.get(tier=ApprovalTier.SERVICE_MANAGER)
        last = last_event_id()
        response = admin_page.post(url(ApprovalLimit, "change", limit.pk), {"max_amount": "6000.00"})
        assert response.status_code == 302
        [event] = events_since(last)
        assert (event.action, event.actor) == ("approval_limit_changed", administrator)
        assert event.changes == {"max_amount": ["5000.00", "6000.00"]}

    def test_saving_it_unchanged_records_nothing(self, world, admin_page):
        limit = ApprovalLimit.objects.get(tier=ApprovalTier.SERVICE_MANAGER)
        before = state()
        assert admin_page.post(url(ApprovalLimit, "change", limit.pk), {"max_amount": "5000.00"}).status_code == 302
        assert state()[:4] == before[:4]


# -- budgets -------------------------------------------------------------------------------------


class TestBudgetRules:
    @pytest.mark.parametrize(
        "change, field, message",
        [
            ({"amount": Decimal("-0.01")}, "amount", "negative"),
            ({"amount": Decimal("1000.001")}, "amount", "two decimal places"),
            ({"amount": 1000.0}, "amount", "pounds and pence"),
            ({"financial_year": 1999}, "financial_year", "from 2000"),
            ({"financial_year": "2026"}, "financial_year", "the year the financial year starts in"),
            ({"financial_year": "ahead"}, "financial_year", "the year the financial year starts in"),
            ({"locality_id": 0}, "locality", "exists"),
        ],
        ids=["negative", "three-places", "float", "too-early", "year-as-text", "not-a-year", "no-locality"],
    )
    def test_service_refuses_bad_input_and_changes_nothing(self, world, administrator, change, field, message):
        budget_set(by=administrator, locality_id=world.east.pk, financial_year=this_year(), amount=Decimal("900.00"))
        before = state()
        arguments = {"locality_id": world.east.pk, "financial_year": this_year(), "amount": Decimal("1000.00")}
        with pytest.raises(RuleBroken, match=message) as refused:
            budget_set(by=administrator, **arguments | change)
        assert refused.value.field == field
        assert state() == before

    def test_not_more_than_five_years_ahead(self, world, administrator):
        budget_set(by=administrator, locality_id=world.east.pk, financial_year=this_year() + 5, amount=Decimal("1.00"))
        with pytest.raises(RuleBroken, match=f"to {this_year() + 5}") as refused:
            budget_set(
                by=administrator, locality_id=world.east.pk, financial_year=this_year() + 6, amount=Decimal("1.00")
            )
        assert refused.value.field == "financial_year"

    @pytest.mark.parametrize("who", ["fin1", "sm", "hos", "auditor", "clerk"])
    def test_only_an_administrator(self, world, clerk, who):
        by = clerk if who == "clerk" else getattr(world.u, who)
        before = state()
        with pytest.raises(NotPermitted, match="Only an administrator can set budgets"):
            budget_set(by=by, locality_id=world.east.pk, financial_year=this_year(), amount=Decimal("1000.00"))
        assert state() == before

    def test_one_budget_per_locality_and_year_one_event_each_time(self, world, administrator):
        year = this_year()
        last = last_event_id()
        first = budget_set(by=administrator, locality_id=world.east.pk, financial_year=year, amount=Decimal("1000"))
        [created] = events_since(last)
        assert (created.action, created.actor, created.object_id) == ("budget_set", administrator, first.pk)
        assert created.changes == {"amount": [None, "1000.00"]}
        assert created.reason == f"East {year}-{(year + 1) % 100:02d}"
        last = created.pk
        again = budget_set(by=administrator, locality_id=world.east.pk, financial_year=year, amount=Decimal("1200.50"))
        assert again.pk == first.pk and Budget.objects.count() == 1
        [changed] = events_since(last)
        assert (changed.action, changed.changes) == ("budget_changed", {"amount": ["1000.00", "1200.50"]})

    def test_admin_refuses_a_year_far_ahead(self, world, admin_page):
        """Admin accepted any year to 2100 before; the service allows at most five ahead."""
        before = state()
        data = {"locality": world.east.pk, "financial_year": this_year() + 20, "amount": "1000.00"}
        errors = form_errors(admin_page.post(url(Budget, "add"), data))
        assert "Give a financial year from 2000" in str(errors["financial_year"])
        assert state() == before

    def test_admin_refuses_a_non_administrator(self, world, client, clerk):
        """Before, any staff user given admin's add permission could set a budget."""
        client.force_login(clerk)
        before = state()
        data = {"locality": world.east.pk, "financial_year": this_year(), "amount": "1000.00"}
        errors = form_errors(client.post(url(Budget, "add"), data))
        assert "Only an administrator can set budgets." in str(errors["__all__"])
        assert state() == before

    def test_admin_good_path_leaves_one_event(self, world, admin_page, administrator):
        last = last_event_id()
        data = {"locality": world.east.pk, "financial_year": this_year(), "amount": "12000.00"}
        assert admin_page.post(url(Budget, "add"), data).status_code == 302
        budget = Budget.objects.get()
        [event] = events_since(last)
        assert (event.action, event.actor, event.object_id) == ("budget_set", administrator, budget.pk)
        # Changing it: the locality and the year are the budget's own (read-only); only the amount moves.
        last = event.pk
        data = {"locality": world.west.pk, "financial_year": 2001, "amount": "15000.00"}
        assert admin_page.post(url(Budget, "change", budget.pk), data).status_code == 302
        budget.refresh_from_db()
        assert (budget.locality, budget.financial_year, budget.amount) == (world.east, this_year(), Decimal("15000.00"))
        [event] = events_since(last)
        assert (event.action, event.changes) == ("budget_changed", {"amount": ["12000.00", "15000.00"]})

    def test_admin_refuses_a_negative_amount_on_the_field(self, world, admin_page, administrator):
        budget = budget_set(
            by=administrator, locality_id=world.east.pk, financial_year=this_year(), amount=Decimal("100.00")
        )
        before = state()
        errors = form_errors(admin_page.post(url(Budget, "change", budget.pk), {"amount": "-5.00"}))
        assert "amount" in errors
        assert state() == before


def test_the_demo_sets_its_budgets_through_the_service(db):
    """seed_demo's budgets are set by the demo administrator through budget_set: one event each."""
    call_command("seed_demo", force=True, no_cases=True, stdout=io.StringIO())
    events = DomainEvent.objects.filter(action="budget_set")
    assert events.count() == Budget.objects.count() == 6
    assert set(events.values_list("actor__username", flat=True)) == {"admin"}
    assert set(Budget.objects.values_list("financial_year", "amount")) == {(this_year(), Decimal("20000.00"))}
    call_command("seed_demo", force=True, no_cases=True, stdout=io.StringIO())
    assert DomainEvent.objects.filter(action="budget_set").count() == 6  # run again: nothing new
