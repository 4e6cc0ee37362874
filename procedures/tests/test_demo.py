import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from procedures.models import Agency, Field, Procedure, RequiredDocument

pytestmark = pytest.mark.django_db
DEMO = Path(__file__).resolve().parents[1] / "demo"


def test_demo_catalogue_file_meets_the_brief():
    data = json.loads((DEMO / "catalogue.json").read_text(encoding="utf-8"))
    assert len(data["procedures"]) >= 40
    assert len({p["agency"] for p in data["procedures"]}) >= 6
    assert len({p["field"] for p in data["procedures"]}) >= 8
    names = {p["name"] for p in data["procedures"]}
    assert "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc" in names


def test_load_demo_catalogue_once_with_template_pdfs(client):
    out = io.StringIO()
    call_command("load_demo_catalogue", stdout=out)
    assert Procedure.objects.count() >= 40 and Agency.objects.count() >= 6 and Field.objects.count() >= 8
    documents = RequiredDocument.objects.exclude(template="")
    assert documents.count() >= 5
    document = documents.select_related("procedure").first()
    with document.template.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    import pypdf

    text = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()  # text, not a picture of it
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    response = client.get(f"/procedures/{document.procedure.code}/templates/{document.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"

    out = io.StringIO()
    call_command("load_demo_catalogue", stdout=out)
    assert "already" in out.getvalue()
    assert RequiredDocument.objects.exclude(template="").count() == documents.count()


def test_acceptance_search_on_the_home_page_flow(client, demo_catalogue):
    html = client.get("/", {}).content.decode()
    assert "Tìm thủ tục hành chính" in html
    html = client.get("/procedures/", {"q": "cap ban sao bang tot nghiep"}).content.decode()
    first = re.search(r'class="procedure-card">\s*<h3><a href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert first.group(2) == "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc"
    assert client.get(first.group(1), follow=True).status_code == 200  # counted, then the procedure
