from pathlib import Path

import pytest

from procedures.importing import Importer, read_file

DEMO = Path(__file__).resolve().parents[1] / "demo" / "catalogue.json"


@pytest.fixture
def demo_catalogue(db):
    """The shipped demo catalogue, without rendering its template PDFs (fast)."""
    report = Importer(base_dir=DEMO.parent, templates=False).import_source(read_file(DEMO))
    assert not report.rejected, report.rejected
    return report
