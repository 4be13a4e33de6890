"""The fake Notify, and running the queued tasks on whichever backend the settings chose."""

import pytest
from django.conf import settings

from tests.notifications.fake_notify import API_KEY, FakeNotify


@pytest.fixture
def fake_notify(settings):
    """A live fake of Notify's API, with the settings pointing the client at it (not the outbox)."""
    fake = FakeNotify().start()
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_BASE_URL = fake.base_url
    settings.NOTIFY_RETRY_BACKOFF = 0
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def empty_queue():
    """Each test starts with an empty queue (Redis keeps its jobs between tests; the database not)."""
    if settings.FGDM_TASKS_BACKEND == "rq":
        import django_rq

        django_rq.get_connection("default").flushdb()
    yield


def run_tasks() -> int:
    """Run every task that is due, as a worker would, until none is left. Returns how many ran."""
    from django_tasks.signals import task_finished

    finished = []

    def count(sender, task_result, **kwargs):
        finished.append(task_result.id)

    task_finished.connect(count)
    try:
        _run_due_tasks()
    finally:
        task_finished.disconnect(count)
    return len(finished)


def _run_due_tasks() -> None:
    if settings.FGDM_TASKS_BACKEND == "rq":
        import django_rq
        from django_tasks_rq import Job
        from rq import SimpleWorker

        queue = django_rq.get_queue("default", job_class=Job)
        worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
        while queue.count:
            worker.work(burst=True)
        return
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    while (
        result := DBTaskResult.objects.ready().filter(backend_name="default").order_by("enqueued_at").first()
    ) is not None:
        result.claim("test-worker")
        worker.run_task(result)
