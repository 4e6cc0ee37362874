"""A result sent by post (issue 21, toàn trình): the officer records the postal tracking number
when finishing, and the citizen sees it on the dossier page and in the email."""

import uuid

import pytest
from django.urls import reverse

from accounts.models import OutgoingEmail
from dossiers import workflow
from dossiers.constants import DossierStatus, ResultDelivery
from dossiers.forms import FinishForm
from dossiers.tests.factories import DossierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def posted(citizen, procedure):
    return DossierFactory(
        owner=citizen,
        procedure=procedure,
        in_progress=True,
        result_delivery=ResultDelivery.POST,
        result_address="Số 5 Hàng Bài, Hoàn Kiếm, Hà Nội",
    )


def test_finishing_a_posted_result_needs_the_tracking_number(posted, agency_officer):
    form = FinishForm({"note": "Đã gửi", "token": str(uuid.uuid4())}, dossier=posted)
    assert not form.is_valid()
    assert "mã bưu gửi" in form.errors["tracking_number"][0]
    with pytest.raises(workflow.TransitionError):
        workflow.dossier_finish(dossier=posted, user=agency_officer)
    posted.refresh_from_db()
    assert posted.status == DossierStatus.IN_PROGRESS


def test_the_citizen_sees_the_tracking_number(posted, agency_officer, citizen_client):
    form = FinishForm({"tracking_number": " EL123456789VN ", "token": str(uuid.uuid4())}, dossier=posted)
    assert form.is_valid(), form.errors
    workflow.dossier_finish(dossier=posted, user=agency_officer, **form.transition_kwargs())
    posted.refresh_from_db()
    assert posted.status == DossierStatus.FINISHED and posted.postal_tracking_number == "EL123456789VN"
    page = citizen_client.get(reverse("dossiers:detail", args=[posted.code])).content.decode()
    assert "Mã bưu gửi" in page and "EL123456789VN" in page
    assert "EL123456789VN" in OutgoingEmail.objects.latest("pk").body_text
