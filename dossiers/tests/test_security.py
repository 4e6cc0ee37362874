"""Every dossier URL: a stranger (another citizen) gets 404, an anonymous visitor the login page,
and nothing changes."""

import pytest
from django.urls import reverse

from accounts.tests.factories import PASSWORD
from dossiers.constants import AttachmentKind, DossierStatus
from dossiers.models import Attachment, Dossier, History, Rating
from dossiers.tests.factories import AttachmentFactory, DossierFactory, pdf_bytes

pytestmark = pytest.mark.django_db


def _dossier_for(kind, owner, procedure):
    traits = {
        "draft": {},
        "sent": {"sent": True},
        "supplement": {"supplement_requested": True},
        "finished": {"finished": True},
    }[kind]
    dossier = DossierFactory(owner=owner, procedure=procedure, **traits)
    AttachmentFactory(dossier=dossier, document=procedure.documents.first())
    if kind == "finished":
        AttachmentFactory(dossier=dossier, kind=AttachmentKind.RESULT, name="ket-qua.pdf")
    return dossier


# (label, dossier kind, method, url builder, post data)
CASES = [
    ("detail", "sent", "get", lambda d, a: reverse("dossiers:detail", args=[d.code]), None),
    ("resume", "draft", "get", lambda d, a: reverse("dossiers:resume", args=[d.code]), None),
    ("step applicant", "draft", "get", lambda d, a: reverse("dossiers:step", args=[d.code, "applicant"]), None),
    ("step form", "draft", "get", lambda d, a: reverse("dossiers:step", args=[d.code, "form"]), None),
    ("step attachments", "draft", "get", lambda d, a: reverse("dossiers:step", args=[d.code, "attachments"]), None),
    ("step review", "draft", "get", lambda d, a: reverse("dossiers:step", args=[d.code, "review"]), None),
    (
        "edit applicant",
        "draft",
        "post",
        lambda d, a: reverse("dossiers:step", args=[d.code, "applicant"]),
        {"applicant_name": "Kẻ Gian", "action": "save"},
    ),
    (
        "edit answers",
        "draft",
        "post",
        lambda d, a: reverse("dossiers:step", args=[d.code, "form"]),
        {"truong": "Kẻ Gian", "action": "save"},
    ),
    (
        "upload",
        "draft",
        "post",
        lambda d, a: reverse("dossiers:step", args=[d.code, "attachments"]),
        {"action": "upload", "delete": "ATT"},
    ),
    (
        "send",
        "draft",
        "post",
        lambda d, a: reverse("dossiers:step", args=[d.code, "review"]),
        {
            "action": "send",
            "declaration": "on",
            "captcha_0": "k",
            "captcha_1": "PASSED",
            "token": "6f1c2b1e-1111-4b7a-9e0e-1234567890ab",
        },
    ),
    (
        "save on review",
        "draft",
        "post",
        lambda d, a: reverse("dossiers:step", args=[d.code, "review"]),
        {"action": "save"},
    ),
    ("unknown step", "draft", "get", lambda d, a: reverse("dossiers:step", args=[d.code, "nonsense"]), None),
    ("delete page", "draft", "get", lambda d, a: reverse("dossiers:delete", args=[d.code]), None),
    ("delete", "draft", "post", lambda d, a: reverse("dossiers:delete", args=[d.code]), {}),
    ("withdraw page", "sent", "get", lambda d, a: reverse("dossiers:withdraw", args=[d.code]), None),
    (
        "withdraw",
        "sent",
        "post",
        lambda d, a: reverse("dossiers:withdraw", args=[d.code]),
        {"token": "6f1c2b1e-1111-4b7a-9e0e-1234567890ab"},
    ),
    ("success page", "sent", "get", lambda d, a: reverse("dossiers:sent", args=[d.code]), None),
    ("receipt", "sent", "get", lambda d, a: reverse("dossiers:receipt", args=[d.code]), None),
    ("receipt pdf", "sent", "get", lambda d, a: reverse("dossiers:receipt_pdf", args=[d.code]), None),
    ("download", "sent", "get", lambda d, a: reverse("dossiers:download", args=[d.code, a.pk]), None),
    ("download result", "finished", "get", lambda d, a: reverse("dossiers:download", args=[d.code, a.pk]), None),
    ("supplement page", "supplement", "get", lambda d, a: reverse("dossiers:supplement", args=[d.code]), None),
    (
        "supplement send",
        "supplement",
        "post",
        lambda d, a: reverse("dossiers:supplement", args=[d.code]),
        {"action": "send", "declaration": "on", "note": "x", "token": "6f1c2b1e-1111-4b7a-9e0e-1234567890ab"},
    ),
    (
        "supplement upload",
        "supplement",
        "post",
        lambda d, a: reverse("dossiers:supplement", args=[d.code]),
        {"action": "upload", "delete": "ATT"},
    ),
    ("rate", "finished", "post", lambda d, a: reverse("dossiers:rate", args=[d.code]), {"score": "1"}),
]


def _request(client, method, url, data, attachment):
    if data and data.get("delete") == "ATT":
        data = {**data, "delete": str(attachment.pk)}
    if method == "get":
        return client.get(url)
    return client.post(url, data or {})


def _snapshot():
    return (
        list(Dossier.objects.order_by("pk").values_list("pk", "status", "applicant_name")),
        Attachment.objects.count(),
        History.objects.count(),
        Rating.objects.count(),
    )


@pytest.mark.parametrize(("label", "kind", "method", "url", "data"), CASES, ids=[c[0] for c in CASES])
def test_stranger_gets_404(client, citizen, stranger, procedure, label, kind, method, url, data):
    dossier = _dossier_for(kind, citizen, procedure)
    attachment = dossier.attachments.order_by("-pk").first()
    client.login(email=stranger.email, password=PASSWORD)
    before = _snapshot()
    response = _request(client, method, url(dossier, attachment), data, attachment)
    assert response.status_code == 404
    assert _snapshot() == before


@pytest.mark.parametrize(("label", "kind", "method", "url", "data"), CASES, ids=[c[0] for c in CASES])
def test_anonymous_is_sent_to_login(client, citizen, procedure, label, kind, method, url, data):
    dossier = _dossier_for(kind, citizen, procedure)
    attachment = dossier.attachments.order_by("-pk").first()
    before = _snapshot()
    response = _request(client, method, url(dossier, attachment), data, attachment)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert _snapshot() == before


def test_the_owner_can_download_and_the_file_is_sent_as_an_attachment(citizen_client, citizen, procedure):
    dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    attachment = AttachmentFactory(dossier=dossier, name="Đơn đề nghị.pdf", size=3000)
    response = citizen_client.get(reverse("dossiers:download", args=[dossier.code, attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment;" in response["Content-Disposition"]
    assert "filename*=utf-8''%C4%90%C6%A1n" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == pdf_bytes(3000)


def test_an_attachment_of_another_dossier_is_404_even_with_my_code(citizen_client, citizen, stranger, procedure):
    mine = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    theirs = AttachmentFactory(dossier=DossierFactory(owner=stranger, procedure=procedure, sent=True))
    assert citizen_client.get(reverse("dossiers:download", args=[mine.code, theirs.pk])).status_code == 404


def test_uploaded_files_have_no_public_url(client, citizen, procedure):
    attachment = AttachmentFactory(dossier=DossierFactory(owner=citizen, procedure=procedure))
    assert client.get(attachment.file.url).status_code == 404


def test_list_shows_only_my_dossiers(citizen_client, citizen, stranger, procedure):
    mine = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    theirs = DossierFactory(owner=stranger, procedure=procedure, sent=True)
    html = citizen_client.get(reverse("dossiers:list")).content.decode()
    assert mine.code in html
    assert theirs.code not in html
    response = citizen_client.get(reverse("dossiers:list"), {"q": theirs.code})
    assert list(response.context["dossiers"]) == []
    assert "Không có hồ sơ nào khớp" in response.content.decode()


def test_a_sent_dossier_cannot_be_edited_or_deleted_by_its_owner(citizen_client, citizen, procedure):
    dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    response = citizen_client.post(
        reverse("dossiers:step", args=[dossier.code, "applicant"]), {"applicant_name": "Đổi", "action": "save"}
    )
    assert response["Location"] == reverse("dossiers:detail", args=[dossier.code])
    citizen_client.post(reverse("dossiers:delete", args=[dossier.code]))
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SENT
    assert dossier.applicant_name != "Đổi"


@pytest.mark.parametrize("name", ["step", "supplement"])
def test_upload_views_still_check_csrf(citizen, procedure, name):
    """The upload views swap Django's upload handlers, which needs csrf_exempt outside: CSRF is
    enforced again inside (csrf_protect), so a cross-site POST is refused."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.login(email=citizen.email, password=PASSWORD)
    if name == "step":
        dossier = DossierFactory(owner=citizen, procedure=procedure)
        url = reverse("dossiers:step", args=[dossier.code, "applicant"])
    else:
        dossier = DossierFactory(owner=citizen, procedure=procedure, supplement_requested=True)
        url = reverse("dossiers:supplement", args=[dossier.code])
    response = client.post(url, {"applicant_name": "Kẻ Gian", "action": "save", "note": "x"})
    assert response.status_code == 403
    dossier.refresh_from_db()
    assert dossier.applicant_name != "Kẻ Gian"


def test_download_is_handed_to_nginx_in_nginx_mode(client, settings):
    """With PRIVATE_FILE_SERVING=nginx the checked download becomes an X-Accel-Redirect."""
    from accounts.tests.factories import UserFactory
    from dossiers.tests.factories import AttachmentFactory, DossierFactory

    settings.PRIVATE_FILE_SERVING = "nginx"
    owner = UserFactory()
    attachment = AttachmentFactory(dossier=DossierFactory(owner=owner, sent=True))
    client.force_login(owner)
    response = client.get(f"/dossiers/{attachment.dossier.code}/files/{attachment.pk}/")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"].startswith("/_protected_media/")
    client.force_login(UserFactory())
    assert client.get(f"/dossiers/{attachment.dossier.code}/files/{attachment.pk}/").status_code == 404
