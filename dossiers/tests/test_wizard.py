"""The wizard: prefill, each step saved to the draft, resume, uploads checked at the slot, review and send."""

import pytest
from django.urls import reverse

from accounts.tests.factories import PASSWORD, UserFactory
from dossiers.constants import AttachmentKind, DossierStatus, WizardStep
from dossiers.models import Attachment, Dossier
from dossiers.tests.conftest import complete_draft, upload
from dossiers.tests.factories import (
    VALID_ANSWERS,
    AttachmentFactory,
    DossierFactory,
    DossierProcedureFactory,
    DossierRequiredDocumentFactory,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
)

pytestmark = pytest.mark.django_db


def step_url(dossier, step):
    return reverse("dossiers:step", args=[dossier.code, step])


def applicant_post(**overrides):
    data = {
        "applicant_name": "Nguyễn Thị Hoa",
        "applicant_id_number": "001190012345",
        "applicant_date_of_birth": "17/05/1990",
        "applicant_gender": "female",
        "applicant_phone": "0912 345 678",
        "applicant_email": "hoa@example.vn",
        "applicant_province": "01",
        "applicant_commune": "00070",
        "applicant_street": "12 Lý Thái Tổ",
        "result_delivery": "counter",
        "result_province": "",
        "result_commune": "",
        "result_street": "",
        "action": "next",
    }
    data.update(overrides)
    return data


def answers_post(**overrides):
    data = {
        "q_truong": "THPT Chu Văn An",
        "q_nam-tot-nghiep": "2008",
        "q_ngay-cap": "20/06/2008",
        "q_xep-loai": "Khá",
        "q_ban-goc-mat": "yes",
        "q_ly-do": "Bản gốc bị mất khi chuyển nhà.",
        "q_email-lien-he": "",
        "q_dien-thoai": "",
        "action": "next",
    }
    data.update(overrides)
    return data


# --- Step 1 -------------------------------------------------------------------------------


def test_new_dossier_requires_login(client, procedure):
    url = reverse("dossiers:new", args=[procedure.code])
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_unknown_or_unpublished_procedure_gives_404(citizen_client):
    hidden = DossierProcedureFactory(is_published=False)
    assert citizen_client.get(reverse("dossiers:new", args=["9.999999"])).status_code == 404
    assert citizen_client.get(reverse("dossiers:new", args=[hidden.code])).status_code == 404


def test_step_one_is_prefilled_from_a_personal_profile(citizen_client, citizen, procedure):
    response = citizen_client.get(reverse("dossiers:new", args=[procedure.code]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nguyễn Thị Hoa" in html
    assert 'value="001190012345"' in html
    assert "Số CCCD" in html
    assert "Mã số thuế" not in html
    assert "Thông tin người nộp" in html  # progress indicator label of step 1
    assert Dossier.objects.count() == 0  # nothing is written by opening the page


def test_step_one_is_prefilled_from_an_organisation_profile(client, procedure):
    company = UserFactory(organisation=True, phone="0243123456", address="5 Hàng Bài, Hà Nội")
    client.login(email=company.email, password=PASSWORD)
    html = client.get(reverse("dossiers:new", args=[procedure.code])).content.decode()
    assert company.organisation_name in html
    assert f'value="{company.tax_code}"' in html
    assert "Mã số thuế" in html
    assert "Người đại diện theo pháp luật" in html
    assert "Ngày sinh" not in html


def test_submitting_step_one_creates_the_draft_and_goes_to_the_form(citizen_client, citizen, procedure):
    response = citizen_client.post(reverse("dossiers:new", args=[procedure.code]), applicant_post())
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == step_url(dossier, WizardStep.FORM)
    assert dossier.owner == citizen
    assert dossier.status == DossierStatus.DRAFT
    assert dossier.agency == procedure.agency
    assert dossier.applicant_phone == "0912345678"
    assert dossier.applicant_date_of_birth.isoformat() == "1990-05-17"
    assert dossier.code.startswith(f"{procedure.agency.code}-")


def test_step_one_errors_are_shown_beside_the_field_and_input_kept(citizen_client, procedure):
    response = citizen_client.post(
        reverse("dossiers:new", args=[procedure.code]),
        applicant_post(applicant_id_number="12345", result_delivery="post", applicant_name="<b>Hoa</b>"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Số CCCD phải gồm đúng 12 chữ số." in html
    assert "Chọn tỉnh, thành phố nơi gửi kết quả qua bưu điện." in html
    assert 'value="12345"' in html
    assert "&lt;b&gt;Hoa&lt;/b&gt;" in html
    assert Dossier.objects.count() == 0


def test_online_delivery_only_for_fully_online_procedures(citizen_client):
    partial = DossierProcedureFactory(service_level="partial_online")
    response = citizen_client.post(
        reverse("dossiers:new", args=[partial.code]), applicant_post(result_delivery="online")
    )
    assert response.status_code == 200
    assert Dossier.objects.count() == 0


def test_save_on_step_one_keeps_the_draft_and_returns_to_the_list(citizen_client, procedure):
    response = citizen_client.post(reverse("dossiers:new", args=[procedure.code]), applicant_post(action="save"))
    assert response["Location"] == reverse("dossiers:list")
    assert Dossier.objects.get().status == DossierStatus.DRAFT


def test_existing_drafts_are_offered_when_starting_again(citizen_client, citizen, procedure):
    draft = DossierFactory(owner=citizen, procedure=procedure)
    html = citizen_client.get(reverse("dossiers:new", args=[procedure.code])).content.decode()
    assert draft.code in html


# --- Step 2 -------------------------------------------------------------------------------


def test_form_step_is_built_from_the_procedure_fields(citizen_client, citizen, procedure):
    draft = DossierFactory(owner=citizen, procedure=procedure)
    html = citizen_client.get(step_url(draft, WizardStep.FORM)).content.decode()
    for label in ("Tên trường đã tốt nghiệp", "Năm tốt nghiệp", "Ngày cấp bằng", "Xếp loại", "Bản gốc đã bị mất?"):
        assert label in html
    assert 'inputmode="numeric"' in html  # a date is typed as text, day/month/year
    assert 'type="radio"' in html
    assert "<textarea" in html


def test_form_answers_are_validated_by_type_and_saved(citizen_client, citizen, procedure):
    draft = DossierFactory(owner=citizen, procedure=procedure)
    bad = answers_post(**{"q_nam-tot-nghiep": "hai nghìn", "q_ngay-cap": "31/02/2008", "q_xep-loai": "Xuất sắc"})
    bad["q_email-lien-he"] = "khong-phai-email"
    bad["q_dien-thoai"] = "12"
    response = citizen_client.post(step_url(draft, WizardStep.FORM), bad)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Viết “Năm tốt nghiệp” bằng chữ số, ví dụ 3 hoặc 2,5." in html
    assert "Viết “Ngày cấp bằng” theo ngày/tháng/năm, ví dụ 25/12/1990." in html
    assert "Chọn một trong các phương án đã liệt kê." in html
    assert "Nhập địa chỉ email hợp lệ" in html
    assert "THPT Chu Văn An" in html  # what was typed is kept
    draft.refresh_from_db()
    assert draft.form_data == {}

    response = citizen_client.post(step_url(draft, WizardStep.FORM), answers_post(**{"q_nam-tot-nghiep": "2008,0"}))
    assert response["Location"] == step_url(draft, WizardStep.ATTACHMENTS)
    draft.refresh_from_db()
    assert draft.form_data == {
        "truong": "THPT Chu Văn An",
        "nam-tot-nghiep": "2008",
        "ngay-cap": "2008-06-20",
        "xep-loai": "Khá",
        "ban-goc-mat": True,
        "ly-do": "Bản gốc bị mất khi chuyển nhà.",
    }
    assert WizardStep.FORM in draft.steps_done


def test_procedure_without_form_skips_the_form_step(citizen_client):
    simple = DossierProcedureFactory()
    DossierRequiredDocumentFactory(procedure=simple)
    response = citizen_client.post(reverse("dossiers:new", args=[simple.code]), applicant_post())
    dossier = Dossier.objects.get()
    assert response["Location"] == step_url(dossier, WizardStep.ATTACHMENTS)
    assert citizen_client.get(step_url(dossier, WizardStep.FORM)).status_code == 404


# --- Resume -------------------------------------------------------------------------------


def test_resume_opens_the_first_incomplete_step(citizen_client, citizen, procedure):
    draft = DossierFactory(owner=citizen, procedure=procedure)
    resume = reverse("dossiers:resume", args=[draft.code])
    assert citizen_client.get(resume)["Location"] == step_url(draft, WizardStep.FORM)
    draft.form_data, draft.steps_done = dict(VALID_ANSWERS), ["applicant", "form"]
    draft.save()
    assert citizen_client.get(resume)["Location"] == step_url(draft, WizardStep.ATTACHMENTS)
    ready = complete_draft(citizen, procedure)
    assert citizen_client.get(reverse("dossiers:resume", args=[ready.code]))["Location"] == step_url(
        ready, WizardStep.REVIEW
    )


def test_a_required_form_field_added_later_reopens_the_form_step(citizen_client, citizen, procedure):
    from dossiers.tests.factories import DossierFormFieldFactory

    ready = complete_draft(citizen, procedure)
    DossierFormFieldFactory(procedure=procedure, key="moi", label="Câu hỏi mới", is_required=True)
    assert citizen_client.get(reverse("dossiers:resume", args=[ready.code]))["Location"] == step_url(
        ready, WizardStep.FORM
    )


def test_after_logging_in_again_the_user_is_pointed_back_to_the_step(client, citizen, procedure):
    client.login(email=citizen.email, password=PASSWORD)
    draft = DossierFactory(owner=citizen, procedure=procedure)
    client.get(step_url(draft, WizardStep.ATTACHMENTS))
    draft.refresh_from_db()
    assert draft.current_step == WizardStep.ATTACHMENTS
    client.logout()

    # Session ended on the page: the login sends them back to it.
    response = client.get(step_url(draft, WizardStep.ATTACHMENTS))
    assert response.status_code == 302
    assert "next=" in response["Location"]
    # A fresh login: a message links to the step they were on.
    response = client.post(reverse("account_login"), {"login": citizen.email, "password": PASSWORD}, follow=True)
    html = response.content.decode()
    assert step_url(draft, WizardStep.ATTACHMENTS) in html
    assert "Tiếp tục từ chỗ bạn đã dừng" in html


# --- Step 3: attachments ------------------------------------------------------------------


def test_attachments_page_has_one_slot_per_document(citizen_client, citizen, procedure):
    draft = DossierFactory(owner=citizen, procedure=procedure)
    html = citizen_client.get(step_url(draft, WizardStep.ATTACHMENTS)).content.decode()
    for document in procedure.documents.all():
        assert document.name in html
        assert f'name="slot-{document.pk}"' in html
    assert "multiple" in html
    assert 'accept=".pdf,.jpg,.jpeg,.png' in html
    assert "js/dossiers.js" in html


def test_several_files_per_slot_are_stored_outside_public_folders(citizen_client, citizen, procedure, settings):
    draft = DossierFactory(owner=citizen, procedure=procedure)
    first = procedure.documents.first()
    data = {
        f"slot-{first.pk}": [upload("../../Đơn.pdf", pdf_bytes(5000)), upload("trang2.jpg", jpeg_bytes())],
        "action": "upload",
    }
    response = citizen_client.post(step_url(draft, WizardStep.ATTACHMENTS), data)
    assert response.status_code == 302
    files = list(Attachment.objects.filter(dossier=draft).order_by("pk"))
    assert [f.name for f in files] == ["Đơn.pdf", "trang2.jpg"]
    assert [f.content_type for f in files] == ["application/pdf", "image/jpeg"]
    assert all(f.document == first and f.kind == AttachmentKind.APPLICANT for f in files)
    assert files[0].original_name == "Đơn.pdf"  # Django's parser already drops the directories
    assert files[0].file.name.startswith(f"dossiers/{draft.code}/")
    assert "Đơn" not in files[0].file.name  # the disk name is random
    assert files[0].file.path.startswith(str(settings.MEDIA_ROOT))
    assert len(files[0].sha256) == 64


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("rong.pdf", b"", "rỗng (0 byte)"),
        ("anh.pdf", png_bytes(), "có đuôi .pdf nhưng nội dung là tệp PNG"),
        ("trang.pdf", b"<html><body>Xin chao</body></html>", "trang web (HTML)"),
        ("../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n", "không phải tệp PDF, JPEG hoặc PNG"),
    ],
)
def test_bad_upload_gets_its_message_at_the_slot_and_keeps_the_good_ones(
    citizen_client, citizen, procedure, name, content, message
):
    draft = DossierFactory(owner=citizen, procedure=procedure)
    first, second = procedure.documents.all()[:2]
    data = {
        f"slot-{first.pk}": [upload(name, content)],
        f"slot-{second.pk}": [upload("cccd.png", png_bytes())],
        "action": "next",
    }
    response = citizen_client.post(step_url(draft, WizardStep.ATTACHMENTS), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert f'id="id_slot-{first.pk}_error"' in html  # the message sits at the slot
    assert list(Attachment.objects.filter(dossier=draft).values_list("name", flat=True)) == ["cccd.png"]
    assert "cccd.png" in html  # the good file is listed, nothing lost


def test_oversized_upload_is_cut_short_and_reported_at_the_slot(citizen_client, citizen, procedure, settings):
    settings.DOSSIER_MAX_FILE_SIZE = 100_000
    draft = DossierFactory(owner=citizen, procedure=procedure)
    first = procedure.documents.first()
    response = citizen_client.post(
        step_url(draft, WizardStep.ATTACHMENTS),
        {f"slot-{first.pk}": [upload("to.pdf", pdf_bytes(300_000))], "action": "upload"},
    )
    assert response.status_code == 200
    assert "lớn hơn 97,7" in response.content.decode()
    assert not Attachment.objects.exists()


def test_dossier_total_limit_is_enforced(citizen_client, citizen, procedure, settings):
    settings.DOSSIER_MAX_TOTAL_SIZE = 10_000
    draft = DossierFactory(owner=citizen, procedure=procedure)
    AttachmentFactory(dossier=draft, size=8000)
    first = procedure.documents.first()
    response = citizen_client.post(
        step_url(draft, WizardStep.ATTACHMENTS),
        {f"slot-{first.pk}": [upload("them.pdf", pdf_bytes(4000))], "action": "upload"},
    )
    assert "tổng dung lượng các tệp của hồ sơ không được vượt quá" in response.content.decode()
    assert Attachment.objects.filter(dossier=draft).count() == 1


def test_next_requires_the_required_documents(citizen_client, citizen, procedure):
    draft = DossierFactory(
        owner=citizen, procedure=procedure, form_data=VALID_ANSWERS, steps_done=["applicant", "form"]
    )
    response = citizen_client.post(step_url(draft, WizardStep.ATTACHMENTS), {"action": "next"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("Thành phần hồ sơ này là bắt buộc") == 4  # at each required slot and in the summary
    for document in procedure.documents.filter(is_required=True):
        assert f'id="id_slot-{document.pk}_error"' in html
    for document in procedure.documents.filter(is_required=True):
        AttachmentFactory(dossier=draft, document=document)
    response = citizen_client.post(step_url(draft, WizardStep.ATTACHMENTS), {"action": "next"})
    assert response["Location"] == step_url(draft, WizardStep.REVIEW)


def test_a_file_can_be_removed_from_a_draft(citizen_client, citizen, procedure, django_capture_on_commit_callbacks):
    draft = DossierFactory(owner=citizen, procedure=procedure)
    attachment = AttachmentFactory(dossier=draft)
    storage, name = attachment.file.storage, attachment.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = citizen_client.post(
            step_url(draft, WizardStep.ATTACHMENTS), {"delete": attachment.pk, "action": "upload"}
        )
    assert response.status_code == 302
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert not storage.exists(name)


@pytest.mark.parametrize("step", ["form", "attachments"])
def test_save_on_a_step_stays_on_it_with_a_message(citizen_client, citizen, procedure, step):
    draft = DossierFactory(owner=citizen, procedure=procedure)
    data = answers_post(action="save") if step == "form" else {"action": "save"}
    response = citizen_client.post(step_url(draft, step), data, follow=True)
    assert response.redirect_chain[-1][0] == step_url(draft, step)
    assert "Đã lưu. Bạn có thể tiếp tục sau" in response.content.decode()


def test_save_on_the_applicant_step_of_a_draft(citizen_client, citizen, procedure):
    draft = DossierFactory(owner=citizen, procedure=procedure)
    response = citizen_client.post(
        step_url(draft, "applicant"), applicant_post(action="save", applicant_street="Số 9 Hàng Bạc")
    )
    assert response["Location"] == step_url(draft, "applicant")
    draft.refresh_from_db()
    assert draft.applicant_address == "Số 9 Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội"
    assert (draft.applicant_province, draft.applicant_commune, draft.applicant_street) == (
        "01",
        "00070",
        "Số 9 Hàng Bạc",
    )


def test_a_stranger_cannot_remove_a_file_through_their_own_draft(citizen_client, citizen, procedure, stranger):
    mine = DossierFactory(owner=citizen, procedure=procedure)
    theirs = AttachmentFactory(dossier=DossierFactory(owner=stranger, procedure=procedure))
    citizen_client.post(step_url(mine, WizardStep.ATTACHMENTS), {"delete": theirs.pk, "action": "upload"})
    assert Attachment.objects.filter(pk=theirs.pk).exists()


# --- Step 4: review and send --------------------------------------------------------------


def test_review_lists_everything_and_what_is_missing(citizen_client, citizen, procedure):
    draft = DossierFactory(
        owner=citizen, procedure=procedure, form_data=VALID_ANSWERS, steps_done=["applicant", "form"]
    )
    html = citizen_client.get(step_url(draft, WizardStep.REVIEW)).content.decode()
    assert "THPT Chu Văn An" in html
    assert "Hồ sơ chưa thể gửi" in html
    assert "Đính kèm “Đơn đề nghị cấp bản sao văn bằng”." in html
    assert "Mã xác nhận" in html
    assert "Lưu lại" in html and "Gửi đi" in html


def test_review_shows_a_declared_date_as_vietnamese_write_it(citizen_client, citizen, procedure):
    """Regression: answers were shown 20-06-2008 (Django's "vi" short format) beside 17/05/1990."""
    draft = DossierFactory(
        owner=citizen,
        procedure=procedure,
        form_data={**VALID_ANSWERS, "ngay-cap": "2008-06-20"},
        steps_done=["applicant", "form"],
    )
    html = citizen_client.get(step_url(draft, WizardStep.REVIEW)).content.decode()
    assert "20/06/2008" in html
    assert "20-06-2008" not in html


def test_wrong_captcha_keeps_the_draft_unsent(citizen_client, ready_draft):
    response = citizen_client.post(
        step_url(ready_draft, WizardStep.REVIEW),
        {
            "action": "send",
            "declaration": "on",
            "token": "6f1c2b1e-1111-4b7a-9e0e-1234567890ab",
            "captcha_0": "x",
            "captcha_1": "WRONG",
        },
    )
    assert response.status_code == 200
    assert "Mã xác nhận không đúng" in response.content.decode()
    ready_draft.refresh_from_db()
    assert ready_draft.status == DossierStatus.DRAFT


def test_save_on_review_keeps_the_draft(citizen_client, ready_draft):
    response = citizen_client.post(step_url(ready_draft, WizardStep.REVIEW), {"action": "save"})
    assert response["Location"] == reverse("dossiers:list")
    ready_draft.refresh_from_db()
    assert ready_draft.status == DossierStatus.DRAFT


def test_send_refuses_an_incomplete_dossier(citizen_client, citizen, procedure, captcha_ok):
    draft = DossierFactory(owner=citizen, procedure=procedure, form_data={}, steps_done=["applicant"])
    response = citizen_client.post(
        step_url(draft, WizardStep.REVIEW),
        {"action": "send", "declaration": "on", "token": "6f1c2b1e-1111-4b7a-9e0e-1234567890ab", **captcha_ok},
    )
    assert response.status_code == 200
    assert "Hồ sơ chưa thể gửi" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == DossierStatus.DRAFT


def test_send_then_success_page(
    citizen_client, ready_draft, captcha_ok, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = citizen_client.post(
            step_url(ready_draft, WizardStep.REVIEW),
            {"action": "send", "declaration": "on", "token": "6f1c2b1e-1111-4b7a-9e0e-1234567890ab", **captcha_ok},
        )
    assert response["Location"] == reverse("dossiers:sent", args=[ready_draft.code])
    ready_draft.refresh_from_db()
    assert ready_draft.status == DossierStatus.SENT
    assert ready_draft.sent_at is not None
    assert ready_draft.processing_days == ready_draft.procedure.processing_days
    assert len(mailoutbox) == 1
    html = citizen_client.get(response["Location"]).content.decode()
    assert ready_draft.code in html
    assert "5 ngày làm việc" in html
    assert "Tải giấy tiếp nhận (PDF)" in html
    # Editing is over: the wizard sends the user to the detail page.
    after = citizen_client.get(step_url(ready_draft, WizardStep.APPLICANT))
    assert after["Location"] == reverse("dossiers:detail", args=[ready_draft.code])


def test_the_review_puts_the_declaration_and_send_before_the_full_dossier(citizen_client, ready_draft):
    """On a phone the whole dossier is screens long: a short summary, then the declaration and
    "Gửi đi", then everything in full with the links to change it."""
    html = citizen_client.get(step_url(ready_draft, "review")).content.decode()
    assert "Đã đính kèm" in html and "Xem toàn bộ nội dung hồ sơ" in html
    assert html.index('name="declaration"') < html.index('value="send"') < html.index('id="dossier-content"')
    assert html.index('id="dossier-content"') < html.index("Sửa thông tin người nộp")
