"""The supplement page shows, per document the agency asked for, what it asks, what was sent
before and what this supplement adds; only the answers the agency reopened can be corrected."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers import workflow
from dossiers.constants import AttachmentKind, DossierStatus
from dossiers.forms import RequestSupplementForm
from dossiers.tests.factories import VALID_ANSWERS, AttachmentFactory, DossierFactory

pytestmark = pytest.mark.django_db


def test_the_officer_says_what_is_missing_per_document_and_which_answers_to_reopen(citizen, procedure, agency_officer):
    dossier = DossierFactory(owner=citizen, procedure=procedure, in_progress=True)
    first, second = procedure.documents.all()[:2]
    form = RequestSupplementForm(
        {
            "token": "6f1c2b1e-1111-4b7a-9e0e-1234567890ab",
            "request": "Bổ sung bản chụp rõ nét.",
            "reply_by": (timezone.localdate() + dt.timedelta(days=10)).strftime("%d/%m/%Y"),
            f"document_{second.pk}": "Ảnh CCCD mặt trước bị mờ.",
            f"document_{first.pk}": "  ",
            "reopen": ["truong"],
        },
        dossier=dossier,
    )
    assert form.is_valid(), form.errors
    kwargs = form.transition_kwargs()
    assert kwargs["documents"] == {str(second.pk): "Ảnh CCCD mặt trước bị mờ."}
    assert kwargs["fields"] == ["truong"]
    dossier = workflow.dossier_request_supplement(dossier=dossier, user=agency_officer, **kwargs)
    assert dossier.status == DossierStatus.SUPPLEMENT_REQUESTED
    assert dossier.supplement_documents == {str(second.pk): "Ảnh CCCD mặt trước bị mờ."}
    assert dossier.supplement_fields == ["truong"]


def test_the_page_shows_only_what_was_asked_with_what_was_sent_before(citizen_client, citizen, procedure):
    first, second = procedure.documents.all()[:2]
    dossier = DossierFactory(
        owner=citizen,
        procedure=procedure,
        supplement_requested=True,
        form_data=dict(VALID_ANSWERS),
        supplement_documents={str(second.pk): "Ảnh CCCD mặt trước bị mờ."},
        supplement_fields=["truong"],
    )
    AttachmentFactory(dossier=dossier, document=second, name="cccd-lan-dau.png")
    AttachmentFactory(dossier=dossier, document=first, name="don-de-nghi.pdf")
    html = citizen_client.get(reverse("dossiers:supplement", args=[dossier.code])).content.decode()
    assert html.count('<section class="slot') == 2  # the document asked for and "other documents"
    assert second.name in html and f'<h3 id="id_slot-{first.pk}_title"' not in html
    assert "Ảnh CCCD mặt trước bị mờ." in html and "Cơ quan yêu cầu" in html
    assert "Đã gửi trước đây" in html and "cccd-lan-dau.png" in html
    assert "Chưa thêm tệp nào." in html and "Chưa đính kèm tệp nào" not in html
    assert f'{second.name}<span class="required"' not in html  # nothing is "required" in a supplement
    assert 'name="q_truong"' in html and 'name="q_xep-loai"' not in html  # only the reopened answer


def test_sending_replaces_only_the_reopened_answers(citizen_client, citizen, procedure):
    dossier = DossierFactory(
        owner=citizen, procedure=procedure, supplement_requested=True, form_data=dict(VALID_ANSWERS)
    )
    dossier.supplement_fields = ["truong"]
    dossier.save()
    url = reverse("dossiers:supplement", args=[dossier.code])
    token = citizen_client.get(url).context["form"]["token"].initial
    response = citizen_client.post(url, {"q_truong": "THPT Việt Đức", "note": "", "token": token, "action": "send"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.form_data == {**VALID_ANSWERS, "truong": "THPT Việt Đức"}


def test_no_document_named_means_every_document_is_offered(citizen_client, citizen, procedure):
    dossier = DossierFactory(owner=citizen, procedure=procedure, supplement_requested=True)
    html = citizen_client.get(reverse("dossiers:supplement", args=[dossier.code])).content.decode()
    assert html.count('<section class="slot') == procedure.documents.count() + 1
    assert 'name="q_' not in html  # no answer reopened: the declaration is not shown


def test_a_supplement_sent_earlier_counts_as_sent_before(citizen_client, citizen, procedure):
    first = procedure.documents.first()
    dossier = DossierFactory(owner=citizen, procedure=procedure, supplement_requested=True)
    old = AttachmentFactory(dossier=dossier, document=first, kind=AttachmentKind.SUPPLEMENT, name="lan-truoc.pdf")
    type(old).objects.filter(pk=old.pk).update(uploaded_at=dossier.supplement_requested_at - dt.timedelta(days=3))
    AttachmentFactory(dossier=dossier, document=first, kind=AttachmentKind.SUPPLEMENT, name="lan-nay.pdf")
    html = citizen_client.get(reverse("dossiers:supplement", args=[dossier.code])).content.decode()
    slot = html[html.index(f'id="id_slot-{first.pk}_title"') :]
    assert slot.index("lan-truoc.pdf") < slot.index("Bổ sung lần này") < slot.index("lan-nay.pdf")


def test_the_email_and_the_dossier_page_list_what_is_missing_per_document(
    citizen_client, citizen, procedure, agency_officer, mailoutbox, django_capture_on_commit_callbacks
):
    second = procedure.documents.all()[1]
    dossier = DossierFactory(owner=citizen, procedure=procedure, in_progress=True)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.dossier_request_supplement(
            dossier=dossier,
            user=agency_officer,
            request="Bổ sung giấy tờ.",
            reply_by=timezone.localdate() + dt.timedelta(days=10),
            documents={str(second.pk): "Ảnh CCCD mặt trước bị mờ."},
        )
    assert f"- {second.name}: Ảnh CCCD mặt trước bị mờ." in mailoutbox[-1].body
    html = citizen_client.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()
    assert f"<strong>{second.name}</strong>: Ảnh CCCD mặt trước bị mờ." in html
