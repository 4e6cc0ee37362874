from importlib import import_module
from pathlib import Path

import pytest

from procedures.importing import Importer, read_file

DEMO = Path(__file__).resolve().parents[1] / "demo" / "catalogue.json"


def ensure_default_synonyms() -> None:
    """The default synonym dictionary (migration 0007) even when a transactional test of an
    earlier run emptied the tables (--reuse-db keeps the database between runs)."""
    from procedures.models import Synonym

    migration = import_module("procedures.migrations.0007_default_synonyms")
    Synonym.objects.bulk_create(
        [Synonym(term=t, meaning=m, key=migration._normalise(t)) for t, m in migration.SYNONYMS],
        ignore_conflicts=True,
    )


@pytest.fixture
def default_synonyms(db):
    ensure_default_synonyms()


@pytest.fixture
def demo_catalogue(db):
    """The shipped demo catalogue and synonym dictionary, without rendering its template PDFs (fast)."""
    ensure_default_synonyms()
    report = Importer(base_dir=DEMO.parent, templates=False).import_source(read_file(DEMO))
    assert not report.rejected, report.rejected
    return report
