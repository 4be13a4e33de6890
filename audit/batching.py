"""A step's audit records written together: one multi-row INSERT per audit table, in its transaction.

A service's audit records (field history, domain events, access records, redactions: every
ChainedRecord) are not written one INSERT each. Inside a transaction they wait in a list kept on the
database connection and are written, a multi-row INSERT per table (`bulk_create`), just before the
transaction commits — in the transaction, never after COMMIT. The database backends of
`audit.backends` (settings DATABASES ENGINE) do it: they subclass Django's PostgreSQL and SQLite
backends and add `AuditBatching`'s hooks on COMMIT, ROLLBACK and the savepoints.

The rules, and why they are safe:

- **Only inside an atomic block.** In autocommit (no transaction) a record is written at once, as
  before. The outer blocks of a test case (`TestCase`, pytest-django: `_from_testcase`) do not count:
  there the service's own block is a savepoint, and its records are written when it is released.
- **Written before COMMIT**, in the same transaction: a failed INSERT fails the commit and the
  transaction rolls back (an error that is not a database error is raised as one, so Django's
  atomic rolls back).
- **Dropped on ROLLBACK** and on a rollback to a savepoint: a record made inside a savepoint that
  rolls back is never written, while the records made before the savepoint are kept. To make that
  exact, the records waiting are written before a new savepoint is taken (they belong to the block
  outside it), so every record waiting was made after the innermost open savepoint began.
- **Read your own writes.** Any statement that names an audit table with records waiting (a read of
  the trail, the sealer, `verify_audit`, a bulk append) writes that table's records first, so code
  reading the trail inside the transaction sees them, and ids follow the order records were made.
- **A record's id** is known once it is written: asking a waiting record for its `pk` writes the
  records of its table waiting then (a caller that needs the id, e.g. as a notification's key, gets
  it, at the cost of a second INSERT for that table if the step makes more records afterwards).

pre_save is sent when the record is made (auditlog's request context sets the field history's actor
and address there); post_save is not sent for records written together (nothing listens to it).
"""

from django.db import DatabaseError, connections, models, router
from django.db.models.signals import pre_save

DEFERRED = "_audit_deferred"


def _in_transaction(connection) -> bool:
    """Inside an atomic block that will commit or release (not only a test case's own blocks)."""
    if not connection.in_atomic_block or connection.needs_rollback:
        return False
    return any(not block._from_testcase for block in connection.atomic_blocks)


def waits(connection) -> bool:
    """Whether a record saved now on this connection waits to be written with its transaction's."""
    return getattr(connection, "audit_pending", None) is not None and _in_transaction(connection)


def defer(record, using: str | None = None) -> bool:
    """Keep a new record to be written with the others of its transaction; False (write it now)
    outside a transaction or on a connection whose backend does not batch."""
    using = using or router.db_for_write(type(record), instance=record)
    connection = connections[using]
    if not waits(connection):
        return False
    cls = type(record)
    pre_save.send(sender=cls._meta.concrete_model, instance=record, raw=False, using=using, update_fields=None)
    record._state.db = using
    record.__dict__[DEFERRED] = using
    connection.audit_pending.append(record)
    connection.audit_tables.add(cls._meta.db_table)
    return True


def write_pending(connection, tables: set[str] | None = None) -> int:
    """Write the records waiting on this connection (only those of `tables`, if given): one INSERT
    per table, the records in the order they were made. Returns how many."""
    pending = connection.audit_pending
    if tables is None:
        records, kept = list(pending), []
    else:
        records = [record for record in pending if type(record)._meta.db_table in tables]
        kept = [record for record in pending if type(record)._meta.db_table not in tables]
    if not records:
        return 0
    pending[:] = kept
    connection.audit_tables = {type(record)._meta.db_table for record in kept}
    by_model: dict[type, list] = {}
    for record in records:
        record.__dict__.pop(DEFERRED, None)
        by_model.setdefault(type(record), []).append(record)
    for model, group in by_model.items():
        # The records were prepared when made (unsealed, masked, naming the command run): the plain
        # QuerySet's bulk_create writes them as they are.
        models.QuerySet(model=model, using=connection.alias).bulk_create(group)
    return len(records)


def write_id(record) -> None:
    """The record waits to be written: write it, and the others waiting, now (to know its id)."""
    using = record.__dict__.get(DEFERRED)
    if using is not None:
        connections[using].audit_write({type(record)._meta.db_table})


def write_waiting(connection, model) -> None:
    """Write the records of `model`'s table waiting on this connection (before a statement that the
    backend does not see, such as COPY, writes to that table)."""
    if getattr(connection, "audit_pending", None):
        connection.audit_write({model._meta.db_table})


class AuditBatching:
    """Mixin for a Django DatabaseWrapper: the hooks that write and drop the records waiting."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.audit_pending: list = []
        self.audit_tables: set[str] = set()
        self.execute_wrappers.append(self._audit_write_before)

    def audit_write(self, tables: set[str] | None = None) -> None:
        """Write the records waiting (those of `tables`, if given). An error that is not the
        database's is raised as one, so that the atomic block around it rolls back."""
        if not self.audit_pending:
            return
        try:
            write_pending(self, tables)
        except DatabaseError:
            raise
        except Exception as error:
            raise DatabaseError(f"The audit records of this transaction could not be written: {error}") from error

    def _audit_write_before(self, execute, sql, params, many, context):
        if self.audit_tables:
            if not isinstance(sql, str):
                self.audit_write()
            else:
                named = {table for table in self.audit_tables if table in sql}
                if named:
                    self.audit_write(named)
        return execute(sql, params, many, context)

    def _commit(self):
        self.audit_write()
        return super()._commit()

    def _rollback(self):
        self._audit_drop()
        return super()._rollback()

    def _savepoint(self, sid):
        self.audit_write()  # made outside the new savepoint: written there, kept if it rolls back
        return super()._savepoint(sid)

    def _savepoint_rollback(self, sid):
        self._audit_drop()  # all made after the innermost open savepoint began
        return super()._savepoint_rollback(sid)

    def _savepoint_commit(self, sid):
        if all(block._from_testcase for block in self.atomic_blocks):
            self.audit_write()  # a test's own transaction never commits: written at the service's end
        return super()._savepoint_commit(sid)

    def connect(self):
        self._audit_drop()
        return super().connect()

    def close(self):
        self._audit_drop()
        return super().close()

    def _audit_drop(self) -> None:
        for record in self.audit_pending:
            record.__dict__.pop(DEFERRED, None)
        self.audit_pending.clear()
        self.audit_tables.clear()
