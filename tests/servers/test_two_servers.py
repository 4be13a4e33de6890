"""Two app servers on one PostgreSQL (issue 18, "Several machines"): two gunicorn servers, separate
OS processes with two workers each, on the test database; every step of six cases is sent to both at
the same moment, as two people would (pages with sign-in and CSRF for the allocation, API tokens for
the rest). Exactly one of each pair wins, the other gets a clean 4xx, never a 5xx; each workflow
task is done once, each domain event written once, every case ends where it should; the audit
trail verifies. The machinery is bench/many_servers.py, which runs the same by hand at any size.
"""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command, get_commands
from django.db import connection

from bench.many_servers import People, check, run
from core.roles import Role
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="several app servers on one database is a PostgreSQL layout"
    ),
    # transaction=True: the servers see only committed data; the migrations' data come back after.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CASES = 6


@pytest.fixture
def people(world):
    manager_b = UserFactory(username="tm.east2", roles=[Role.TEAM_MANAGER])
    world.team_east.managers.add(manager_b)
    assert Group.objects.filter(name=Role.TEAM_MANAGER).exists()
    return People(
        manager_a=world.u.tm_east,
        manager_b=manager_b,
        lead_a=world.u.prac_east,
        lead_b=world.u.prac_east2,
        fin_a=world.u.fin1,
        fin_b=world.u.fin2,
        password="pw",
    )


class TestTwoServersOnTheSameCases:
    def test_each_step_sent_to_both_is_done_once_and_none_is_lost(self, servers, people, world):
        steps, cases, batches = run(
            servers, people=people, locality=world.east, cases=CASES, clients=3, batch_size=2, log=lambda _: None
        )

        answers = [answer for step in steps for answer in step.answers]
        assert [a for a in answers if a.error] == [], "no 5xx, no dropped connection"
        assert check(steps, cases, batches) == [], "one winner a pair, each step once, every case where it should be"
        for step in steps:
            assert len(step.pairs) == (CASES // 2 if "batch" in step.name else CASES)
            losers = [a for pair in step.pairs for a in pair if not a.won]
            assert {a.status for a in losers} <= {400, 403, 404, 409}, (step.name, {a.status for a in losers})
        won_on = {a.server for a in answers if a.won}
        assert won_on == {"server1", "server2"}, "both servers did real work"
        for server in servers:
            assert "Traceback" not in server.output(), server.output()[-3000:]

        if "seal_audit" in get_commands():  # an audit trail sealed a moment after writing, if so built
            call_command("seal_audit", verbosity=0)
        call_command("verify_audit", verbosity=0)  # exits non-zero (SystemExit) on a broken chain
