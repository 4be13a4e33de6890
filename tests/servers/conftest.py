"""Two gunicorn servers on this run's test database, started once for every test of tests/servers that
asks (a pair takes seconds to start: one pair, not one per module)."""

import pytest
from django.db import connection

from bench.many_servers import database_url, start_servers


@pytest.fixture(scope="package")
def servers(django_db_setup):
    """Two gunicorn servers (2 workers each, their own free ports) on this run's test database."""
    started = start_servers(2, db_url=database_url(connection.settings_dict), workers=2)
    yield started
    for server in started:
        server.stop()
