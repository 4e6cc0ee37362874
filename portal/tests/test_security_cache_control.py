"""Pages and files with personal data say ``Cache-Control: private, no-store`` (issue 23, item 7).

Reproduction: in production ``/dossiers/<code>/`` and the receipt PDF (CCCD, phone, address) came
without Cache-Control, so a shared proxy or a browser on a shared computer could keep them.
``core.middleware.PrivateUnlessPublicMiddleware`` marks every answer that is not declared public.
"""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from dossiers.tests.factories import AttachmentFactory, DossierFactory

from .test_security_urls import OWNED

pytestmark = pytest.mark.django_db

# Pages of one's own, without an id in the address.
PERSONAL = ["dossiers:list", "accounts:profile", "account_email", "account_change_password"]


def private_no_store(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives and "public" not in directives


def owned_urls(owner) -> list[str]:
    urls = []
    for name, build in OWNED.items():
        kwargs = build()
        if "code" in kwargs:  # hand the object to our citizen
            from dossiers.models import Dossier

            Dossier.objects.filter(code=kwargs["code"]).update(owner=owner)
        elif name.startswith("dossiers:store"):  # a document of the citizen's store
            from dossiers.models import StoredDocument

            StoredDocument.objects.filter(pk=kwargs["pk"]).update(owner=owner)
        urls.append(reverse(name, kwargs=kwargs))
    return urls


def test_every_citizen_page_and_file_is_private_and_not_stored(client):
    owner = UserFactory()
    client.force_login(owner)
    urls = owned_urls(owner) + [reverse(name) for name in PERSONAL]
    answers = {url: client.get(url) for url in urls}
    statuses = {url: r.status_code for url, r in answers.items()}
    assert set(statuses.values()) <= {200, 302, 405}, statuses  # 405: the rating form takes POSTs only
    assert sum(r.status_code == 200 for r in answers.values()) >= 10
    assert [url for url, r in answers.items() if not private_no_store(r)] == []


def test_the_reproduction_dossier_page_and_receipt_pdf_are_not_stored(client):
    owner = UserFactory(citizen_id="001190099999", phone="0911222333")
    dossier = DossierFactory(owner=owner, sent=True)
    client.force_login(owner)
    page = client.get(reverse("dossiers:detail", args=[dossier.code]))
    assert page.status_code == 200
    assert private_no_store(page)
    pdf = client.get(reverse("dossiers:receipt_pdf", args=[dossier.code]))
    assert pdf.status_code == 200
    assert private_no_store(pdf)


def test_a_file_download_keeps_its_private_no_store(client):
    attachment = AttachmentFactory(dossier=DossierFactory(sent=True))
    client.force_login(attachment.dossier.owner)
    response = client.get(reverse("dossiers:download", args=[attachment.dossier.code, attachment.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_the_back_office_is_not_stored(client):
    client.force_login(UserFactory(staff=True, is_superuser=True))
    response = client.get(reverse("admin:dossiers_dossier_changelist"))
    assert response.status_code == 200
    assert private_no_store(response)


def test_a_logged_in_users_catalogue_page_is_not_stored_but_an_anonymous_one_is_public(client):
    anonymous = client.get(reverse("home"))
    assert "public" in anonymous["Cache-Control"]
    client.force_login(UserFactory())
    personal = client.get(reverse("home"))  # the header shows the citizen's name
    assert private_no_store(personal)


def test_a_lookup_answer_and_a_failed_signup_are_not_stored(client):
    assert private_no_store(client.post(reverse("lookup:lookup"), {"code": "X"}))
    assert private_no_store(client.post(reverse("account_signup"), {"citizen_id": "001190012345"}))
