"""Django's SQLite backend with the audit records of a transaction written together."""

from django.db.backends.sqlite3 import base

from audit.batching import AuditBatching


class DatabaseWrapper(AuditBatching, base.DatabaseWrapper):
    pass
