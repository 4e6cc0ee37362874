"""Nothing typed is lost: "← Quay lại" and the step buttons save what was typed, valid or not;
dates are typed as text the Vietnamese way; sending needs the declaration."""

import pytest
from django.urls import reverse

from dossiers.constants import WizardStep
from dossiers.models import Attachment, Dossier
from dossiers.tests.conftest import upload
from dossiers.tests.factories import DossierFactory, pdf_bytes, png_bytes
from dossiers.tests.test_wizard import answers_post, applicant_post, step_url

pytestmark = pytest.mark.django_db


def test_back_with_a_valid_step_saves_it_and_goes_back(citizen_client, citizen, procedure):
    draft = DossierFactory(owner=citizen, procedure=procedure)
    response = citizen_client.post(step_url(draft, WizardStep.FORM), answers_post(action="", goto="applicant"))
    assert response["Location"] == step_url(draft, WizardStep.APPLICANT)
    draft.refresh_from_db()
    assert draft.form_data["truong"] == "THPT Chu Văn An"
    assert draft.typed_input == {}


def test_back_with_invalid_answers_keeps_them_marked_and_does_not_block(citizen_client, citizen, procedure):
    draft = DossierFactory(owner=citizen, procedure=procedure)
    typed = answers_post(action="", goto="applicant", **{"q_nam-tot-nghiep": "hai nghìn", "q_truong": "Chu Văn An"})
    response = citizen_client.post(step_url(draft, WizardStep.FORM), typed, follow=True)
    assert response.redirect_chain[-1][0] == step_url(draft, WizardStep.APPLICANT)
    assert "đã được giữ lại" in response.content.decode()
    draft.refresh_from_db()
    assert draft.form_data == {}  # nothing invalid reaches the answers
    assert draft.typed_input["form"]["q_nam-tot-nghiep"] == ["hai nghìn"]

    # Back on the step: everything as typed, the wrong value marked with its message.
    html = citizen_client.get(step_url(draft, WizardStep.FORM)).content.decode()
    assert 'value="hai nghìn"' in html and 'value="Chu Văn An"' in html
    assert "Năm tốt nghiệp" in html and 'aria-invalid="true"' in html
    assert "data-error-summary" in html

    # The review says what blocks the send, and where.
    review = citizen_client.get(step_url(draft, WizardStep.REVIEW)).content.decode()
    assert "Sửa tờ khai: một số câu trả lời bạn đã nhập chưa hợp lệ." in review

    # Corrected and saved: the kept input goes.
    citizen_client.post(step_url(draft, WizardStep.FORM), answers_post())
    draft.refresh_from_db()
    assert draft.typed_input == {} and WizardStep.FORM in draft.steps_done


def test_the_step_buttons_save_the_applicant_step_even_when_it_is_invalid(citizen_client, citizen, procedure):
    draft = DossierFactory(owner=citizen, procedure=procedure, steps_done=["applicant"])
    typed = applicant_post(action="", goto="attachments", applicant_phone="12", applicant_street="Số 5 Tràng Tiền")
    response = citizen_client.post(step_url(draft, WizardStep.APPLICANT), typed)
    assert response["Location"] == step_url(draft, WizardStep.ATTACHMENTS)
    draft.refresh_from_db()
    assert draft.typed_input["applicant"]["applicant_street"] == ["Số 5 Tràng Tiền"]
    assert "applicant" not in draft.steps_done  # not complete until corrected
    html = citizen_client.get(step_url(draft, WizardStep.APPLICANT)).content.decode()
    assert 'value="Số 5 Tràng Tiền"' in html and 'value="12"' in html


def test_the_progress_steps_are_buttons_of_the_step_form(citizen_client, citizen, procedure):
    draft = DossierFactory(owner=citizen, procedure=procedure)
    html = citizen_client.get(step_url(draft, WizardStep.FORM)).content.decode()
    assert 'form="step-form" name="goto" value="applicant"' in html
    assert 'id="step-form"' in html
    assert 'name="goto" value="applicant" class="button button-secondary" formnovalidate' in html  # ← Quay lại


def test_back_from_the_documents_keeps_the_files_that_passed(citizen_client, citizen, procedure):
    draft = DossierFactory(owner=citizen, procedure=procedure)
    first, second = procedure.documents.all()[:2]
    data = {
        f"slot-{first.pk}": [upload("don.pdf", pdf_bytes(3000))],
        f"slot-{second.pk}": [upload("anh.pdf", png_bytes())],
        "goto": "form",
    }
    response = citizen_client.post(step_url(draft, WizardStep.ATTACHMENTS), data, follow=True)
    assert response.redirect_chain[-1][0] == step_url(draft, WizardStep.FORM)
    assert "anh.pdf" in response.content.decode()  # the refused file is named in a message
    assert list(Attachment.objects.filter(dossier=draft).values_list("name", flat=True)) == ["don.pdf"]


def test_a_stranger_cannot_save_into_someone_elses_draft_by_moving(client, stranger, procedure, citizen):
    from accounts.tests.factories import PASSWORD

    draft = DossierFactory(owner=citizen, procedure=procedure)
    client.login(email=stranger.email, password=PASSWORD)
    response = client.post(step_url(draft, WizardStep.FORM), answers_post(goto="applicant"))
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.form_data == {} and draft.typed_input == {}


@pytest.mark.parametrize("typed", ["17/5/1990", "17/05/1990", "17-05-1990", "17.5.1990", "1990-05-17"])
def test_a_date_of_birth_is_typed_the_vietnamese_way(citizen_client, procedure, typed):
    citizen_client.post(reverse("dossiers:new", args=[procedure.code]), applicant_post(applicant_date_of_birth=typed))
    assert Dossier.objects.get().applicant_date_of_birth.isoformat() == "1990-05-17"


def test_a_date_is_a_text_box_shown_day_month_year(citizen_client, citizen, procedure):
    import datetime

    draft = DossierFactory(owner=citizen, procedure=procedure, applicant_date_of_birth=datetime.date(1992, 3, 4))
    html = citizen_client.get(step_url(draft, WizardStep.APPLICANT)).content.decode()
    assert 'type="date"' not in html
    assert 'value="04/03/1992"' in html
    assert 'inputmode="numeric"' in html
    assert "Ngày/tháng/năm, ví dụ 25/12/1990." in html


def test_a_wrong_date_says_which_field_and_how_to_write_it(citizen_client, procedure):
    html = citizen_client.post(
        reverse("dossiers:new", args=[procedure.code]), applicant_post(applicant_date_of_birth="31/02/1990")
    ).content.decode()
    assert "Viết “Ngày sinh” theo ngày/tháng/năm, ví dụ 25/12/1990." in html


def test_a_missing_answer_names_its_field(citizen_client, procedure):
    html = citizen_client.post(
        reverse("dossiers:new", args=[procedure.code]), applicant_post(applicant_phone="")
    ).content.decode()
    assert "Trường này là bắt buộc." not in html
    assert "Điền “Số điện thoại”." in html


def test_sending_needs_the_declaration(citizen_client, ready_draft, captcha_ok):
    review = citizen_client.get(step_url(ready_draft, WizardStep.REVIEW)).content.decode()
    assert "Tôi xin cam đoan" in review
    response = citizen_client.post(
        step_url(ready_draft, WizardStep.REVIEW),
        {"action": "send", "token": "6f1c2b1e-1111-4b7a-9e0e-1234567890ab", **captcha_ok},
    )
    assert response.status_code == 200
    assert "Đánh dấu vào lời cam đoan" in response.content.decode()
    ready_draft.refresh_from_db()
    assert ready_draft.is_draft


def test_a_stored_answer_date_is_shown_day_month_year(citizen_client, citizen, procedure):
    draft = DossierFactory(owner=citizen, procedure=procedure, form_data={"ngay-cap": "2008-06-20"})
    html = citizen_client.get(step_url(draft, WizardStep.FORM)).content.decode()
    assert 'value="20/06/2008"' in html and "2008-06-20" not in html


def test_a_year_asks_for_a_year(citizen_client, citizen, procedure):
    from dossiers.tests.factories import DossierFormFieldFactory

    DossierFormFieldFactory(procedure=procedure, key="nam-cap", label="Năm cấp văn bằng", field_type="year")
    draft = DossierFactory(owner=citizen, procedure=procedure)
    html = citizen_client.post(
        step_url(draft, WizardStep.FORM), answers_post(**{"q_nam-cap": "hai nghìn"})
    ).content.decode()
    assert "Viết “Năm cấp văn bằng” là năm gồm bốn chữ số, ví dụ 2008." in html
    assert "Nhập một số" not in html
    response = citizen_client.post(step_url(draft, WizardStep.FORM), answers_post(**{"q_nam-cap": "2008"}))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.form_data["nam-cap"] == "2008"
