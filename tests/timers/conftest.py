"""The queue emptied before each test (Redis keeps jobs between tests), as in tests/notifications."""

import pytest
from django.conf import settings


@pytest.fixture(autouse=True)
def empty_queue():
    if settings.FGDM_TASKS_BACKEND == "rq":
        import django_rq

        django_rq.get_connection("default").flushdb()
    yield


@pytest.fixture(autouse=True)
def anchors(settings, tmp_path):
    """anchor_audit, one of the jobs, writes its files here."""
    settings.AUDIT_ANCHOR_DIR = str(tmp_path / "anchors")
    return tmp_path / "anchors"


def queued_tasks() -> int:
    """Tasks waiting in the queue, on whichever backend the settings chose."""
    if settings.FGDM_TASKS_BACKEND == "rq":
        import django_rq

        return django_rq.get_queue("default").count
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(status="READY").count()


def lose_queued_tasks() -> None:
    """What a broker restarted without its data does: every waiting task is gone."""
    if settings.FGDM_TASKS_BACKEND == "rq":
        import django_rq

        django_rq.get_connection("default").flushdb()
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()
