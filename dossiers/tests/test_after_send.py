"""Receipt (page and PDF with QR code), supplement from the citizen's side, idempotent sending."""

import threading
import uuid

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import OutgoingEmail
from accounts.tests.factories import PASSWORD
from dossiers.constants import AttachmentKind, DossierStatus, WizardStep
from dossiers.models import Attachment, Dossier, History
from dossiers.receipts import receipt_pdf
from dossiers.tests.conftest import complete_draft, upload
from dossiers.tests.factories import (
    AttachmentFactory,
    DossierFactory,
    DossierFormFieldFactory,
    DossierProcedureFactory,
    DossierRequiredDocumentFactory,
    pdf_bytes,
    png_bytes,
    procedure_with_form,
)

pytestmark = pytest.mark.django_db


def review_url(dossier):
    return reverse("dossiers:step", args=[dossier.code, WizardStep.REVIEW])


# --- Receipt ------------------------------------------------------------------------------


def test_receipt_page_is_printable_with_a_qr_code_to_the_lookup(citizen_client, citizen, procedure):
    dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    AttachmentFactory(dossier=dossier, name="don-de-nghi.pdf")
    response = citizen_client.get(reverse("dossiers:receipt", args=[dossier.code]))
    html = response.content.decode()
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in html
    assert dossier.code in html
    assert "don-de-nghi.pdf" in html
    assert "<svg" in html
    assert f"http://testserver/lookup/?code={dossier.code}" in html
    assert "5 ngày làm việc kể từ ngày tiếp nhận" in html


def test_the_receipt_qr_code_scales_with_its_box_instead_of_being_cut():
    """Regression: the SVG had a fixed width/height and no viewBox, so on a phone, where the CSS
    shrinks its box, the right and bottom of the code were cut off (and it could not be scanned)."""
    from dossiers.receipts import qr_svg

    svg = qr_svg("https://dichvucong.example.vn/lookup/?code=SGDDT-HN-261123-AB3CDE")
    opening = svg[: svg.index(">") + 1]
    assert "viewBox=" in opening
    assert "width=" not in opening and "height=" not in opening


def test_receipt_pdf_is_a_pdf_with_the_font_and_the_qr_image(citizen_client, citizen, procedure):
    dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True, applicant_name="Nguyễn Thị Hoa")
    response = citizen_client.get(reverse("dossiers:receipt_pdf", args=[dossier.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"giay-tiep-nhan-{dossier.code}.pdf" in response["Content-Disposition"]
    content = response.content
    assert content.startswith(b"%PDF-")
    assert b"%%EOF" in content[-64:]
    assert b"DejaVu" in content  # the embedded font that has the Vietnamese letters
    assert b"/Subtype /Image" in content  # the QR code


def test_receipt_pdf_text_is_vietnamese(citizen, procedure):
    """The text extracted from the PDF is the Vietnamese we wrote (font with the glyphs, NFC)."""
    import io

    import pypdf

    dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True, applicant_name="Trần Thị Bích Ngọc")
    AttachmentFactory(dossier=dossier, name="Giấy khai sinh.pdf")
    content = receipt_pdf(dossier, lookup_url=f"http://testserver/lookup/?code={dossier.code}")
    text = pypdf.PdfReader(io.BytesIO(content)).pages[0].extract_text()
    for expected in (
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        f"Mã hồ sơ: {dossier.code}",
        "Trần Thị Bích Ngọc",
        "Thời hạn giải quyết",
        "5 ngày làm việc kể từ ngày tiếp nhận",
        "Giấy khai sinh.pdf",
        "Quét mã QR",
    ):
        assert expected in text


def test_no_receipt_for_a_draft(citizen_client, citizen, procedure):
    draft = DossierFactory(owner=citizen, procedure=procedure)
    assert citizen_client.get(reverse("dossiers:receipt", args=[draft.code])).status_code == 404
    assert citizen_client.get(reverse("dossiers:receipt_pdf", args=[draft.code])).status_code == 404
    assert citizen_client.get(reverse("dossiers:sent", args=[draft.code])).status_code == 404


# --- Supplement ---------------------------------------------------------------------------


def test_supplement_request_is_shown_and_answered(
    citizen_client, citizen, mailoutbox, django_capture_on_commit_callbacks
):
    procedure = procedure_with_form()
    dossier = DossierFactory(
        owner=citizen,
        procedure=procedure,
        supplement_requested=True,
        form_data={"truong": "THPT Chu Văn An", "nam-tot-nghiep": "2008", "xep-loai": "Khá", "ban-goc-mat": True},
        supplement_fields=["truong", "nam-tot-nghiep", "xep-loai", "ban-goc-mat"],  # the answers reopened
    )
    detail = citizen_client.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()
    assert "Cơ quan yêu cầu bổ sung hồ sơ" in detail
    assert "Đề nghị bổ sung bản chụp rõ nét căn cước công dân." in detail
    url = reverse("dossiers:supplement", args=[dossier.code])
    page = citizen_client.get(url)
    assert "Đề nghị bổ sung bản chụp rõ nét căn cước công dân." in page.content.decode()
    document = procedure.documents.all()[1]

    # A bad file: message at its slot, the typed answers kept, the good file stored.
    data = {
        "q_truong": "THPT Chu Văn An (Hà Nội)",
        "q_nam-tot-nghiep": "2008",
        "q_xep-loai": "Khá",
        "q_ban-goc-mat": "yes",
        "note": "Gửi bản chụp rõ hơn.",
        "token": page.context["form"]["token"].initial,
        f"slot-{document.pk}": [upload("cccd.png", png_bytes()), upload("gia.pdf", png_bytes())],
        "action": "send",
        "declaration": "on",
    }
    response = citizen_client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "có đuôi .pdf nhưng nội dung là tệp PNG" in html
    assert "THPT Chu Văn An (Hà Nội)" in html
    assert Attachment.objects.filter(dossier=dossier, kind=AttachmentKind.SUPPLEMENT).count() == 1

    data.pop(f"slot-{document.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        response = citizen_client.post(url, data)
        replay = citizen_client.post(url, data)
    assert response["Location"] == reverse("dossiers:detail", args=[dossier.code])
    assert replay.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.IN_PROGRESS
    assert dossier.form_data["truong"] == "THPT Chu Văn An (Hà Nội)"
    entries = list(History.objects.filter(dossier=dossier).order_by("pk").values_list("to_status", "note"))
    assert entries[-2] == (DossierStatus.SUPPLEMENT_REQUESTED, "Đề nghị bổ sung bản chụp rõ nét căn cước công dân.")
    assert entries[-1] == (DossierStatus.IN_PROGRESS, "Gửi bản chụp rõ hơn.")
    assert len(mailoutbox) == 1
    html = citizen_client.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()
    assert "cccd.png" in html and "Gửi bản chụp rõ hơn." in html


def test_supplement_page_redirects_when_nothing_is_asked(citizen_client, citizen, procedure):
    dossier = DossierFactory(owner=citizen, procedure=procedure, in_progress=True)
    response = citizen_client.get(reverse("dossiers:supplement", args=[dossier.code]))
    assert response["Location"] == reverse("dossiers:detail", args=[dossier.code])


def test_supplement_files_sent_earlier_cannot_be_removed(citizen, procedure):
    import datetime

    from django.utils import timezone

    from dossiers import services

    dossier = DossierFactory(owner=citizen, procedure=procedure, supplement_requested=True)
    old = AttachmentFactory(dossier=dossier, kind=AttachmentKind.SUPPLEMENT)
    Attachment.objects.filter(pk=old.pk).update(uploaded_at=timezone.now() - datetime.timedelta(days=3))
    original = AttachmentFactory(dossier=dossier, kind=AttachmentKind.APPLICANT)
    for attachment in (old, original):
        with pytest.raises(services.DossierLocked):
            services.attachment_delete(dossier=dossier, attachment_id=attachment.pk, user=citizen)


# --- Sending is idempotent ----------------------------------------------------------------


def test_double_click_and_replay_after_success_send_once(
    citizen_client, ready_draft, captcha_ok, django_capture_on_commit_callbacks
):
    token = str(uuid.uuid4())
    data = {"action": "send", "declaration": "on", "token": token, **captcha_ok}
    with django_capture_on_commit_callbacks(execute=True):
        first = citizen_client.post(review_url(ready_draft), data)
        second = citizen_client.post(review_url(ready_draft), data)  # double click
        replay = citizen_client.post(review_url(ready_draft), data)  # back button + resubmit
    sent_page = reverse("dossiers:sent", args=[ready_draft.code])
    assert first["Location"] == second["Location"] == replay["Location"] == sent_page
    assert Dossier.objects.get(pk=ready_draft.pk).status == DossierStatus.SENT
    assert History.objects.filter(dossier=ready_draft).count() == 1
    assert OutgoingEmail.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_second_tab_sending_the_same_draft_is_told_it_is_already_sent(citizen_client, ready_draft, captcha_ok):
    citizen_client.post(
        review_url(ready_draft), {"action": "send", "declaration": "on", "token": str(uuid.uuid4()), **captcha_ok}
    )
    other_tab = citizen_client.post(
        review_url(ready_draft),
        {"action": "send", "declaration": "on", "token": str(uuid.uuid4()), **captcha_ok},
        follow=True,
    )
    assert "Hồ sơ này đã được gửi (trạng thái: “Đã gửi”)." in other_tab.content.decode()  # the workflow's refusal
    assert History.objects.filter(dossier=ready_draft).count() == 1
    assert OutgoingEmail.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_tabs_sending_at_the_same_moment_give_one_sent_dossier(citizen, captcha_ok):
    procedure = procedure_with_form()
    draft = complete_draft(citizen, procedure)
    barrier = threading.Barrier(4)
    results = []

    def send(token):
        client = Client()
        client.login(email=citizen.email, password=PASSWORD)
        barrier.wait()
        try:
            response = client.post(
                review_url(draft), {"action": "send", "declaration": "on", "token": token, **captcha_ok}
            )
            results.append(response.status_code)
        finally:
            connection.close()

    same = str(uuid.uuid4())
    threads = [threading.Thread(target=send, args=(t,)) for t in (same, same, str(uuid.uuid4()), str(uuid.uuid4()))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [302, 302, 302, 302]
    assert Dossier.objects.get(pk=draft.pk).status == DossierStatus.SENT
    assert History.objects.filter(dossier=draft).count() == 1
    assert OutgoingEmail.objects.count() == 1
    assert len(mail.outbox) == 1


# --- Query counts of the wizard -----------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize("step", ["applicant", "form", "attachments", "review"])
def test_each_wizard_step_runs_a_constant_number_of_queries(
    citizen_client, citizen, step, django_assert_max_num_queries
):
    small = DossierProcedureFactory()
    DossierRequiredDocumentFactory(procedure=small)
    DossierFormFieldFactory(procedure=small)
    big = procedure_with_form()
    for _ in range(6):
        DossierRequiredDocumentFactory(procedure=big)
        DossierFormFieldFactory(procedure=big, is_required=False)
    few = complete_draft(citizen, small)
    many = complete_draft(citizen, big)
    for document in big.documents.all():
        AttachmentFactory.create_batch(2, dossier=many, document=document)
    _queries(citizen_client, reverse("dossiers:step", args=[few.code, step]))  # current step recorded once
    _queries(citizen_client, reverse("dossiers:step", args=[many.code, step]))
    counts = [
        _queries(citizen_client, reverse("dossiers:step", args=[few.code, step])),
        _queries(citizen_client, reverse("dossiers:step", args=[many.code, step])),
    ]
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(9):
        citizen_client.get(reverse("dossiers:step", args=[many.code, step]))


def test_new_dossier_page_runs_a_constant_number_of_queries(citizen_client, citizen, django_assert_max_num_queries):
    big = procedure_with_form()
    DossierFactory.create_batch(3, owner=citizen, procedure=big)
    with django_assert_max_num_queries(8):
        assert citizen_client.get(reverse("dossiers:new", args=[big.code])).status_code == 200


def test_uploaded_files_are_streamed_to_disk(citizen_client, citizen, procedure, settings):
    """Even a 3 MB file goes through a temporary file (LimitedUploadHandler), never a memory buffer."""
    from django.core.files.uploadedfile import TemporaryUploadedFile

    from dossiers import files

    seen = []
    original = files.check_upload

    def spy(upload_file):
        seen.append(type(upload_file))
        return original(upload_file)

    files_module_check = "dossiers.forms.check_upload"
    import unittest.mock

    draft = DossierFactory(owner=citizen, procedure=procedure)
    with unittest.mock.patch(files_module_check, spy):
        citizen_client.post(
            reverse("dossiers:step", args=[draft.code, "attachments"]),
            {f"slot-{procedure.documents.first().pk}": [upload("a.pdf", pdf_bytes(3_000_000))], "action": "upload"},
        )
    assert seen == [TemporaryUploadedFile]
    assert Attachment.objects.get(dossier=draft).size == 3_000_000


def test_email_links_are_built_from_the_configured_site_address(settings):
    """Emails sent by the workflow or Celery have no request: their links come from SITE_URL
    (under `make run` they pointed to the placeholder Site domain "dichvucong.local")."""
    from dossiers.notifications import absolute_url, lookup_url

    settings.SITE_URL = "https://dichvucong.example.gov.vn"
    assert absolute_url("/dossiers/X/") == "https://dichvucong.example.gov.vn/dossiers/X/"
    assert lookup_url("SGDDT-HN-1").startswith("https://dichvucong.example.gov.vn/lookup/?code=")
