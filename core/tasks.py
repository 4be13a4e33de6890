"""The kernel's background task (Django's tasks API, django-tasks): preparing a large export."""

from django_tasks import task

from core import exports


@task()
def build_prepared_file(prepared_file_id: int) -> str:
    """Build one asked-for file, at most once (core.exports.prepared_file_build)."""
    return exports.prepared_file_build(prepared_file_id)
