"""Test suite: fast hashing, no debug."""

import tempfile

from config.settings.base import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Off by default so tests can sign in with Client.login(); the lockout tests switch it on.
AXES_ENABLED = False
# Each test run anchors the audit chains in its own empty directory, never in var/ of the checkout.
AUDIT_ANCHOR_DIR = tempfile.mkdtemp(prefix="fgdm-test-anchors-")
