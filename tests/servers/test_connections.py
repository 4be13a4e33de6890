"""The database connection settings for several app processes (config/settings/base.py): each
process keeps its connection and checks it before reuse, so a connection closed under it (a
restart, a failover, a pooler) costs no failed request; an optional statement timeout; loading
the app opens no connection, so gunicorn's --preload shares none between its workers."""

import json
import os
import subprocess
import sys

import pytest
import requests
from django.db import connection

from bench.many_servers import ROOT, database_url

PRINT_DATABASE = """
import django, json
django.setup()
from django.conf import settings
from django.db import connection
db = settings.DATABASES["default"]
print(json.dumps({key: db.get(key) for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "DISABLE_SERVER_SIDE_CURSORS")}))
"""


def run_python(code: str, **env) -> str:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


class TestSettings:
    def test_connections_are_kept_and_checked_before_reuse(self):
        assert json.loads(run_python(PRINT_DATABASE)) == {
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "DISABLE_SERVER_SIDE_CURSORS": False,
        }

    def test_behind_pgbouncer_in_transaction_mode(self):
        settings = json.loads(
            run_python(PRINT_DATABASE, DATABASE_CONN_MAX_AGE="0", DATABASE_DISABLE_SERVER_SIDE_CURSORS="true")
        )
        assert settings["CONN_MAX_AGE"] == 0 and settings["DISABLE_SERVER_SIDE_CURSORS"] is True

    def test_loading_the_app_opens_no_connection_so_preload_is_safe(self):
        code = (
            "from django.core.wsgi import get_wsgi_application\n"
            "get_wsgi_application()\n"
            "from django.db import connections\n"
            "print([alias for alias in connections if connections[alias].connection is not None])\n"
        )
        assert run_python(code).strip() == "[]"


postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL settings")


@postgresql_only
@pytest.mark.django_db
class TestStatementTimeout:
    def test_off_unless_set(self):
        code = "import django; django.setup()\nfrom django.db import connection\nc = connection.cursor()\nc.execute('SHOW statement_timeout'); print(c.fetchone()[0])"
        assert run_python(code, DATABASE_URL=database_url(connection.settings_dict)).strip() == "0"

    def test_a_statement_over_the_timeout_is_cancelled(self):
        code = (
            "import django; django.setup()\n"
            "from django.db import connection, OperationalError\n"
            "c = connection.cursor()\n"
            "c.execute('SHOW statement_timeout'); print(c.fetchone()[0])\n"
            "try:\n    c.execute('SELECT pg_sleep(3)'); print('finished')\n"
            "except OperationalError as exc:\n    print(type(exc.__cause__).__name__)\n"
        )
        out = run_python(code, DATABASE_URL=database_url(connection.settings_dict), DATABASE_STATEMENT_TIMEOUT="1")
        assert out.split() == ["1s", "QueryCanceled"]


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestAConnectionClosedUnderAServer:
    def test_the_next_requests_succeed(self, servers):
        for server in servers:  # every worker opens its connection and keeps it
            for _ in range(8):
                assert requests.get(f"{server.base}/healthz", timeout=30).status_code == 200
        with connection.cursor() as cursor:  # the server closes them all, as a restart or failover does
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert cursor.fetchone()[0] >= len(servers), "the servers' workers had kept their connections"
        answers = [
            requests.get(f"{server.base}/healthz", timeout=30).status_code for server in servers for _ in range(8)
        ]
        assert answers == [200] * len(answers)


@postgresql_only
@pytest.mark.django_db
class TestJit:
    """PostgreSQL's JIT compiled a home-page query for 4.2 s at 50,000 cases: off unless asked for."""

    CODE = "import django; django.setup()\nfrom django.db import connection\nc = connection.cursor()\nc.execute('SHOW jit'); print(c.fetchone()[0])"

    def test_off_for_the_app(self):
        assert run_python(self.CODE, DATABASE_URL=database_url(connection.settings_dict)).strip() == "off"

    def test_left_to_the_server_with_database_jit(self):
        out = run_python(self.CODE, DATABASE_URL=database_url(connection.settings_dict), DATABASE_JIT="true")
        assert out.strip() == "on"  # the server's default here; a council's DBA may set it on the role
