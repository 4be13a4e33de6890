"""Field history without reading the row again before each save.

auditlog's own `pre_save` receiver reads the row (`SELECT … WHERE pk = …`) before every save of an
audited model, to diff the old values against the new. Yet a service has just loaded that row,
usually under its lock. So each audited instance remembers the values it was loaded with
(`from_db`, wrapped for every registered model, Django's documented pattern for "the values an
instance was loaded with"), and our receiver diffs against those with auditlog's own
`model_instance_diff`: the LogEntry written is the same, without the read.

After a save the instance remembers what it wrote, where the value is one the database gives back
unchanged (text, whole numbers, yes/no, dates, aware times, decimals within their places);
otherwise that field is forgotten. The row is read as before when the instance was not loaded from
the database, lacks a field the diff needs (deferred, or forgotten), or when another instance of the
same row has been saved or deleted in this thread since (`_saved`). A `QuerySet.update()` is not
seen: STYLE.md already rules it out on audited models.
"""

import copy
import datetime
import decimal
import itertools
import threading
import uuid

from auditlog import get_logentry_model
from auditlog.models import _get_manager_from_settings
from auditlog.receivers import _create_log_entry, check_disable
from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.db.models.base import ModelState
from django.db.models.signals import post_delete, post_save, pre_save

LOADED = "_audit_loaded"  # attname -> value as in the database; with the serial it was taken at
_serial = itertools.count(1)
_local = threading.local()
_KEEP_AT_MOST = 10_000  # rows remembered as saved, per thread, before starting afresh


def _saved() -> dict:
    saved = getattr(_local, "saved", None)
    if saved is None:
        saved = _local.saved = {}
        _local.floor = 0
    return saved


def _mark_saved(model, pk) -> int:
    saved = _saved()
    serial = next(_serial)
    if len(saved) >= _KEEP_AT_MOST:
        saved.clear()
        _local.floor = serial
    saved[(model._meta.label_lower, pk)] = serial
    return serial


def _as_loaded(value):
    """A copy the instance cannot change in place (a JSON dict or list)."""
    return copy.deepcopy(value) if isinstance(value, dict | list) else value


def _remember(instance, values: dict) -> None:
    instance.__dict__[LOADED] = (next(_serial), values)


def _as_stored(field, value):
    """(True, value) as the database gives it back, or (False, None) when that is not certain."""
    if value is None:
        return True, None
    if hasattr(value, "resolve_expression"):
        return False, None
    if isinstance(field, models.DateTimeField):
        ok = isinstance(value, datetime.datetime) and value.tzinfo is not None
        return ok, value if ok else None
    if isinstance(field, models.DateField):
        ok = type(value) is datetime.date
        return ok, value if ok else None
    if isinstance(field, models.DecimalField):
        if type(value) is not decimal.Decimal or not value.is_finite():
            return False, None
        if value.as_tuple().exponent < -field.decimal_places:
            return False, None  # the database rounds it
        return True, value.quantize(decimal.Decimal(1).scaleb(-field.decimal_places))
    if isinstance(field, models.BooleanField):
        return type(value) is bool, value
    if isinstance(field, models.CharField | models.TextField):
        return (True, str(value)) if isinstance(value, str) else (False, None)
    if isinstance(field, models.IntegerField | models.AutoField | models.ForeignKey):
        target = field.target_field if isinstance(field, models.ForeignKey) else field
        if isinstance(target, models.IntegerField | models.AutoField):
            return type(value) is int, value
        return False, None
    if isinstance(field, models.UUIDField):
        return isinstance(value, uuid.UUID), value
    return False, None


def _wrap(model) -> None:
    """Make `model` remember the values its instances are loaded with (idempotent)."""
    if model.__dict__.get("_audit_remembers"):
        return
    loading = model.from_db.__func__
    refreshing = model.refresh_from_db

    def from_db(cls, db, field_names, values):
        instance = loading(cls, db, field_names, values)
        _remember(instance, {name: _as_loaded(value) for name, value in zip(field_names, values, strict=True)})
        return instance

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        refreshing(self, using=using, fields=fields, from_queryset=from_queryset)
        known = self.__dict__.get(LOADED)
        values = dict(known[1]) if known else {}
        for field in self._meta.concrete_fields:
            if (fields is None or field.name in fields or field.attname in fields) and field.attname in self.__dict__:
                values[field.attname] = _as_loaded(self.__dict__[field.attname])
        _remember(self, values)

    model.from_db = classmethod(from_db)
    model.refresh_from_db = refresh_from_db
    model._audit_remembers = True


def _old_instance(sender, instance, update_fields):
    """A stand-in for the row as it is in the database, from what the instance was loaded with; or
    None when that is not known for every field the diff looks at."""
    known = instance.__dict__.get(LOADED)
    if known is None:
        return None
    serial, values = known
    saved = _saved()
    if serial < getattr(_local, "floor", 0) or saved.get((sender._meta.label_lower, instance.pk), 0) > serial:
        return None  # the row was written by someone else since
    if values.get(sender._meta.pk.attname) != instance.pk:
        return None
    old = sender.__new__(sender)
    state = old.__dict__
    state["_state"] = ModelState()
    state["_state"].adding = False
    state["_state"].db = instance._state.db
    for field in sender._meta.fields:
        if update_fields and field.name not in update_fields and field.attname not in update_fields:
            continue
        if field.attname not in values:
            return None
        state[field.attname] = values[field.attname]
    state[sender._meta.pk.attname] = instance.pk
    return old


@check_disable
def log_update(sender, instance, **kwargs):
    """auditlog's `log_update`, diffing against the values the instance was loaded with."""
    if instance._state.adding or instance.pk is None:
        return
    _wrap(sender)
    update_fields = kwargs.get("update_fields", None)
    old = _old_instance(sender, instance, update_fields)
    if old is None:
        old = _get_manager_from_settings(sender).filter(pk=instance.pk).first()
    _create_log_entry(
        action=get_logentry_model().Action.UPDATE,
        instance=instance,
        sender=sender,
        diff_old=old,
        diff_new=instance,
        fields_to_check=update_fields,
        use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
    )


def _after_save(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if not sender.__dict__.get("_audit_remembers") or raw or instance.pk is None:
        return
    serial = _mark_saved(sender, instance.pk)
    known = instance.__dict__.get(LOADED)
    values = {} if created or known is None else dict(known[1])
    for field in sender._meta.concrete_fields:
        if update_fields and field.name not in update_fields and field.attname not in update_fields:
            continue
        ok, value = _as_stored(field, instance.__dict__.get(field.attname))
        if ok and field.attname in instance.__dict__:
            values[field.attname] = value
        else:
            values.pop(field.attname, None)
    instance.__dict__[LOADED] = (serial, values)


def _after_delete(sender, instance, **kwargs):
    if sender.__dict__.get("_audit_remembers") and instance.pk is not None:
        _mark_saved(sender, instance.pk)


def create_all(model, instances: list, *, using: str | None = None) -> list:
    """Insert new rows of an audited model with one INSERT, each with the field history a `save()`
    would give it: pre_save and post_save are sent for each row as `save()` sends them, so auditlog
    writes the same LogEntry (which waits with the step's other audit records: audit.batching).
    Where the database cannot return the new ids of a multi-row INSERT, each row is saved."""
    from django.db import connections, router

    using = using or router.db_for_write(model)
    if not instances:
        return instances
    if not connections[using].features.can_return_rows_from_bulk_insert:
        for instance in instances:
            instance.save(using=using)
        return instances
    for instance in instances:
        pre_save.send(sender=model, instance=instance, raw=False, using=using, update_fields=None)
    model._default_manager.db_manager(using).bulk_create(instances)
    for instance in instances:
        post_save.send(sender=model, instance=instance, created=True, update_fields=None, raw=False, using=using)
    return instances


def install() -> None:
    """Put our `log_update` in place of auditlog's for every model registered now or later
    (AuditConfig.ready())."""
    from auditlog.receivers import log_update as auditlog_update

    for model in auditlog.get_models():
        pre_save.disconnect(sender=model, dispatch_uid=auditlog._dispatch_uid(pre_save, auditlog_update))
        pre_save.connect(log_update, sender=model, dispatch_uid=auditlog._dispatch_uid(pre_save, log_update))
        _wrap(model)
    if auditlog._signals.get(pre_save) is auditlog_update:
        auditlog._signals[pre_save] = log_update  # models registered after this (notifications' ready())
    post_save.connect(_after_save, dispatch_uid="audit.history.after_save")
    post_delete.connect(_after_delete, dispatch_uid="audit.history.after_delete")
