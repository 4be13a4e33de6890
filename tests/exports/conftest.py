import pytest
from django.conf import settings


@pytest.fixture(autouse=True)
def prepared_files_dir(settings, tmp_path):
    """Each test keeps its prepared files in its own empty directory."""
    from config.settings.base import prepared_files_storage

    settings.STORAGES = {
        **settings.STORAGES,
        "prepared_files": prepared_files_storage({"FGDM_EXPORTS_DIR": str(tmp_path)}),
    }
    return tmp_path


@pytest.fixture(autouse=True)
def empty_queue():
    """Each test starts with an empty queue (Redis keeps its jobs between tests; the database not)."""
    if settings.FGDM_TASKS_BACKEND == "rq":
        import django_rq

        django_rq.get_connection("default").flushdb()
    yield
