"""Test suite: fast hashing, no debug."""

import os
import tempfile

from config.settings.base import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Off by default so tests can sign in with Client.login(); the lockout tests switch it on.
AXES_ENABLED = False
# High enough that the suite (the permission matrix posts hundreds of times as one person) is never
# throttled; the throttling tests set their own low rates.
FGDM_THROTTLE_RATES = {"sign_in": "100000/minute", "write": "100000/minute", "family_link": "100000/minute"}
WHITENOISE_USE_FINDERS = True  # serve static files without collectstatic

if DATABASES["default"]["ENGINE"].endswith(".sqlite3"):  # noqa: F405
    # A file, not Django's shared-cache in-memory database: that one locks whole tables and fails
    # at once ("database table is locked"), so concurrency tests would test something that never
    # runs. pytest-django creates and removes it; one per run, so two runs side by side don't meet.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")}  # noqa: F405
    # A throwaway database: a commit need not wait for the disk (migrations, the tests that commit).
    DATABASES["default"]["OPTIONS"]["init_command"] += "PRAGMA synchronous=OFF;"  # noqa: F405
elif DATABASES["default"]["ENGINE"].endswith(".postgresql"):  # noqa: F405
    # A throwaway database: a commit need not wait for the server to flush its log (the migrations
    # of each test database, the tests that commit). Only this connection's setting, never fsync.
    _options = DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
    _options["options"] = f"{_options.get('options', '')} -c synchronous_commit=off".strip()
# Each test run anchors the audit chains in its own empty directory, never in var/ of the checkout.
AUDIT_ANCHOR_DIR = tempfile.mkdtemp(prefix="fgdm-test-anchors-")
# Case documents go to a directory of this run's own, never var/ of the checkout.
STORAGES = {  # noqa: F405
    **STORAGES,  # noqa: F405
    "case_documents": case_documents_storage(  # noqa: F405
        {"FGDM_DOCUMENTS_DIR": tempfile.mkdtemp(prefix="fgdm-test-documents-")}
    ),
    "prepared_files": prepared_files_storage(  # noqa: F405
        {"FGDM_EXPORTS_DIR": tempfile.mkdtemp(prefix="fgdm-test-exports-")}
    ),
}

# Background work in tests: the database backend, or (FGDM_TASKS_BACKEND=rq, as `.ci/run` does
# for the task tests) Redis, one database number per xdist worker so two workers never share a queue.
if FGDM_TASKS_BACKEND == "rq":  # noqa: F405
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or "0"
    RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:6379/{10 + int(_worker) % 5}", "DEFAULT_TIMEOUT": 60}}
NOTIFY_API_KEY = ""  # the outbox, unless a test points NOTIFY_BASE_URL at the fake Notify with a key
NOTIFY_TEMPLATES = {name: f"tmpl-{name}" for name in NOTIFY_TEMPLATE_NAMES}  # noqa: F405
