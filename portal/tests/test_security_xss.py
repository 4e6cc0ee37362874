"""A script payload typed into any free-text field comes back escaped on every page that shows it.

Validation refuses markup in names and addresses; these tests write the payload straight into the
database (as an import, an admin edit or an older row could) to prove the pages escape it anyway.
"""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from dossiers.models import History, Rating
from dossiers.tests.factories import DossierFactory, procedure_with_form
from procedures.tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db

PAYLOAD = '"><script>alert("xss")</script><img src=x onerror=alert(1)>'
RAW_MARKERS = ("<script>alert(", "<img src=x onerror")


def assert_escaped(html: str, where: str) -> None:
    for marker in RAW_MARKERS:
        assert marker not in html, f"unescaped payload on {where}"


@pytest.fixture
def hostile_dossier():
    owner = UserFactory(full_name=PAYLOAD, address=PAYLOAD, phone="0912345678")
    procedure = procedure_with_form(name=PAYLOAD, description=PAYLOAD, steps=PAYLOAD, legal_basis=PAYLOAD)
    dossier = DossierFactory(
        owner=owner,
        procedure=procedure,
        finished=True,
        applicant_name=PAYLOAD,
        applicant_address=PAYLOAD,
        result_address=PAYLOAD,
        form_data={"truong": PAYLOAD, "ly-do": PAYLOAD, "nam-tot-nghiep": "2008", "xep-loai": "Khá"},
    )
    History.objects.filter(dossier=dossier).update(note=PAYLOAD, internal_note=PAYLOAD)
    Rating.objects.create(dossier=dossier, score=4, comment=PAYLOAD)
    return dossier


def test_citizen_pages_escape_free_text(client, hostile_dossier):
    client.force_login(hostile_dossier.owner)
    pages = {
        "home": reverse("home"),
        "profile": reverse("accounts:profile"),
        "my dossiers": reverse("dossiers:list"),
        "detail": reverse("dossiers:detail", kwargs={"code": hostile_dossier.code}),
        "receipt": reverse("dossiers:receipt", kwargs={"code": hostile_dossier.code}),
    }
    for where, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, where
        assert_escaped(response.content.decode(), where)


def test_catalogue_pages_escape_free_text(client):
    procedure = ProcedureFactory(name=PAYLOAD, description=PAYLOAD, steps=PAYLOAD, result=PAYLOAD)
    for where, url in {
        "list": reverse("procedures:list") + "?q=script",
        "detail": reverse("procedures:detail", kwargs={"code": procedure.code}),
        "agency": reverse("procedures:agency", kwargs={"code": procedure.agency.code}),
        "search echo": reverse("procedures:list") + "?q=" + PAYLOAD,
    }.items():
        response = client.get(url)
        assert response.status_code == 200, where
        assert_escaped(response.content.decode(), where)


def test_public_lookup_escapes_history_notes(client, captcha_ok, hostile_dossier):
    html = client.post(reverse("lookup:lookup"), {"code": hostile_dossier.code, **captcha_ok}).content.decode()
    assert "alert(" in html  # the note is shown …
    assert_escaped(html, "lookup")  # … escaped


def test_back_office_pages_escape_free_text(client, hostile_dossier):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for where, url in {
        "changelist": reverse("admin:dossiers_dossier_changelist"),
        "dossier page": reverse("admin:dossiers_dossier_change", args=[hostile_dossier.pk]),
        "user": reverse("admin:accounts_user_change", args=[hostile_dossier.owner.pk]),
        "procedure": reverse("admin:procedures_procedure_change", args=[hostile_dossier.procedure.pk]),
    }.items():
        response = client.get(url)
        assert response.status_code == 200, where
        assert_escaped(response.content.decode(), where)
