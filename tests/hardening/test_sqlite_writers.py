"""SQLite, the embedded default, queues concurrent writers instead of answering 500 "database is
locked" (issue 14, finding 10): IMMEDIATE transactions and a busy timeout."""

import threading

import pytest
from django.conf import settings
from django.db import connection, connections
from rest_framework.test import APIClient

from fgdm.models import Case

WRITERS = 10


def test_sqlite_settings_queue_writers():
    database = settings.DATABASES["default"]
    if connection.vendor != "sqlite":
        pytest.skip("SQLite settings only")
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert database["OPTIONS"]["timeout"] >= 5


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # needs the migrations' data back
def test_ten_concurrent_writers_all_succeed(world):
    """Ten practitioners open a referral each at the same moment through the API: every one is
    created, none answers 500."""
    answers, errors = [], []
    start = threading.Barrier(WRITERS)

    def write(n):
        try:
            client = APIClient()
            client.force_authenticate(world.u.prac_east)
            start.wait()
            response = client.post(
                "/api/v1/cases/",
                {
                    "family_name": f"Writer{n}",
                    "locality": "east",
                    "stage": "family_help",
                    "referral_reason": "Concurrent referral.",
                    "child_lives_with": "Mother",
                    "children": [{"first_name": "Lily", "last_name": f"Writer{n}", "date_of_birth": "2017-03-09"}],
                },
                format="json",
            )
            answers.append(response.status_code)
        except Exception as exc:  # "database is locked" surfaces here when the test client re-raises
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert answers == [201] * WRITERS
    connection.close()
    assert Case.objects.filter(family_name__startswith="Writer").count() == WRITERS
