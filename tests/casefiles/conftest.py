import pytest

from tests import scenario


@pytest.fixture
def case(world):
    """An East case led by prac.east (tm.east manages its team)."""
    return scenario.allocated(world)


@pytest.fixture(autouse=True)
def document_storage(settings, tmp_path):
    """Each test keeps its case documents in its own empty directory."""
    from config.settings.base import case_documents_storage

    settings.STORAGES = {
        **settings.STORAGES,
        "case_documents": case_documents_storage({"FGDM_DOCUMENTS_DIR": str(tmp_path)}),
    }
    return tmp_path
