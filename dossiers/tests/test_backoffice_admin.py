"""The back office in Django admin: scoping (list, page, actions, downloads), the action forms, query counts."""

import datetime as dt
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from dossiers.constants import AttachmentKind, DossierStatus, ResultDelivery, StaffRole
from dossiers.models import Attachment, Dossier, History
from dossiers.tests.factories import (
    VALID_ANSWERS,
    AgencyFactory,
    AttachmentFactory,
    DossierFactory,
    DossierProcedureFactory,
    officer,
    real_pdf_bytes,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:dossiers_dossier_changelist")


def change_url(dossier) -> str:
    return reverse("admin:dossiers_dossier_change", args=[dossier.pk])


def action_url(dossier, name) -> str:
    return reverse("admin:dossiers_dossier_transition", args=[dossier.pk, name])


@pytest.fixture
def other_agency_dossier(db):
    """A dossier of another agency, with a file and a history."""
    procedure = DossierProcedureFactory(agency=AgencyFactory(code="UBND-KHAC", name="UBND Phường Khác"))
    dossier = DossierFactory(procedure=procedure, sent=True, applicant_name="Người Của Cơ Quan Khác")
    AttachmentFactory(dossier=dossier)
    return dossier


@pytest.fixture
def mine(citizen, procedure):
    dossier = DossierFactory(
        owner=citizen, procedure=procedure, sent=True, form_data=dict(VALID_ANSWERS), applicant_name="Nguyễn Thị Hoa"
    )
    AttachmentFactory(dossier=dossier, document=procedure.documents.first(), name="don-de-nghi.pdf")
    return dossier


@pytest.fixture
def officer_client(client, agency_officer):
    client.force_login(agency_officer)
    return client


# --- Scope -----------------------------------------------------------------------------------


def test_the_list_shows_only_my_agencys_sent_dossiers(officer_client, mine, other_agency_dossier, citizen, procedure):
    draft = DossierFactory(owner=citizen, procedure=procedure)
    html = officer_client.get(CHANGELIST).content.decode()
    assert mine.code in html
    assert other_agency_dossier.code not in html
    assert draft.code not in html
    response = officer_client.get(CHANGELIST, {"q": other_agency_dossier.code})
    assert list(response.context["cl"].result_list) == []
    response = officer_client.get(CHANGELIST, {"agency": str(other_agency_dossier.agency_id)})
    assert list(response.context["cl"].result_list) == []


def test_another_agencys_dossier_is_404_by_url(officer_client, other_agency_dossier):
    assert officer_client.get(change_url(other_agency_dossier)).status_code == 404
    history_url = reverse("admin:dossiers_dossier_history", args=[other_agency_dossier.pk])
    assert officer_client.get(history_url).status_code == 404
    assert officer_client.get(reverse("admin:dossiers_dossier_change", args=["abc"])).status_code == 404
    assert officer_client.get(reverse("admin:dossiers_dossier_change", args=[987654])).status_code == 404


@pytest.mark.parametrize("name", ["receive", "refuse"])
def test_another_agencys_dossier_cannot_be_acted_on(officer_client, other_agency_dossier, name):
    assert officer_client.get(action_url(other_agency_dossier, name)).status_code == 404
    response = officer_client.post(action_url(other_agency_dossier, name), {"token": str(uuid.uuid4()), "reason": "x"})
    assert response.status_code == 404
    other_agency_dossier.refresh_from_db()
    assert other_agency_dossier.status == DossierStatus.SENT
    assert not History.objects.filter(dossier=other_agency_dossier, action=name).exists()


def test_bulk_actions_ignore_another_agencys_dossiers(officer_client, mine, other_agency_dossier):
    ids = [str(mine.pk), str(other_agency_dossier.pk)]
    officer_client.post(CHANGELIST, {"action": "receive_selected", "_selected_action": ids, "confirm": "yes"})
    mine.refresh_from_db()
    other_agency_dossier.refresh_from_db()
    assert mine.status == DossierStatus.RECEIVED
    assert other_agency_dossier.status == DossierStatus.SENT
    response = officer_client.post(CHANGELIST, {"action": "export_csv", "_selected_action": ids})
    text = response.content.decode("utf-8-sig")
    assert mine.code in text and other_agency_dossier.code not in text
    assert text.splitlines()[0].startswith("Mã hồ sơ,")


def test_downloads_follow_the_scope(officer_client, mine, other_agency_dossier, citizen, procedure):
    own = mine.attachments.get()
    response = officer_client.get(reverse("dossiers:download", args=[mine.code, own.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    theirs = other_agency_dossier.attachments.get()
    assert (
        officer_client.get(reverse("dossiers:download", args=[other_agency_dossier.code, theirs.pk])).status_code == 404
    )
    assert officer_client.get(reverse("dossiers:download", args=[mine.code, theirs.pk])).status_code == 404
    draft = DossierFactory(owner=citizen, procedure=procedure)
    draft_file = AttachmentFactory(dossier=draft)
    assert officer_client.get(reverse("dossiers:download", args=[draft.code, draft_file.pk])).status_code == 404


def test_a_superuser_sees_every_agency(client, mine, other_agency_dossier):
    client.force_login(UserFactory(staff=True, is_superuser=True))
    html = client.get(CHANGELIST).content.decode()
    assert mine.code in html and other_agency_dossier.code in html
    assert client.get(change_url(other_agency_dossier)).status_code == 200


def test_citizens_and_staff_without_membership_see_nothing(client, mine):
    client.force_login(mine.owner)
    assert client.get(CHANGELIST).status_code == 302  # to the admin login
    staff = UserFactory(staff=True)
    client.force_login(staff)
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(change_url(mine)).status_code == 403


def test_memberships_are_managed_by_superusers_only(officer_client):
    assert officer_client.get(reverse("admin:dossiers_agencymembership_changelist")).status_code == 403


# --- The dossier page ------------------------------------------------------------------------


def test_the_page_shows_applicant_answers_files_history_and_actions(officer_client, mine):
    html = officer_client.get(change_url(mine)).content.decode()
    assert "Nguyễn Thị Hoa" in html
    assert "THPT Chu Văn An" in html  # an e-form answer
    own = mine.attachments.get()
    assert reverse("dossiers:download", args=[mine.code, own.pk]) in html
    assert "Quá trình xử lý" in html
    assert action_url(mine, "receive") in html and action_url(mine, "refuse") in html
    assert action_url(mine, "finish") not in html  # not allowed from "sent"
    assert 'name="status"' not in html  # never edited by hand


def test_the_status_cannot_be_posted(officer_client, mine):
    response = officer_client.post(change_url(mine), {"status": DossierStatus.FINISHED})
    assert response.status_code == 405
    mine.refresh_from_db()
    assert mine.status == DossierStatus.SENT


def test_the_internal_note_is_for_staff_only(officer_client, citizen, mine, agency_officer):
    from django.test import Client

    from dossiers import workflow

    citizen_client = Client()
    citizen_client.force_login(citizen)

    workflow.dossier_receive(dossier=mine, user=agency_officer, note="Đã nhận.", internal_note="Bí mật nội bộ")
    assert "Bí mật nội bộ" in officer_client.get(change_url(mine)).content.decode()
    assert "Bí mật nội bộ" not in citizen_client.get(reverse("dossiers:detail", args=[mine.code])).content.decode()


def test_receive_through_the_page_shows_the_due_date(officer_client, mine, frozen_now):
    frozen_now(dt.datetime(2026, 3, 13, 9, 0))  # Friday; 5 working days → Friday 20/03
    token = str(uuid.uuid4())
    response = officer_client.post(action_url(mine, "receive"), {"token": token, "note": "Hồ sơ hợp lệ."})
    assert response.status_code == 302 and response["Location"] == change_url(mine)
    html = officer_client.get(change_url(mine)).content.decode()
    assert "Tiếp nhận: đã thực hiện cho hồ sơ" in html
    assert "20/03/2026" in html
    # The same form posted again (double click): one transition, a calm message.
    response = officer_client.post(action_url(mine, "receive"), {"token": token}, follow=True)
    assert "Thao tác này đã được ghi nhận trước đó." in response.content.decode()
    assert History.objects.filter(dossier=mine, action="receive").count() == 1


def test_an_illegal_transition_by_url_is_refused_clearly(officer_client, mine):
    response = officer_client.post(action_url(mine, "finish"), {"token": str(uuid.uuid4())}, follow=True)
    assert (
        "Chỉ trả kết quả được cho hồ sơ đang xử lý; hồ sơ này đang ở trạng thái “Đã gửi”." in response.content.decode()
    )
    mine.refresh_from_db()
    assert mine.status == DossierStatus.SENT
    assert officer_client.get(action_url(mine, "withdraw")).status_code == 404  # the citizen's
    assert officer_client.get(action_url(mine, "nonsense")).status_code == 404


def test_a_role_without_the_permission_gets_403(client, citizen, procedure):
    receiver = officer(procedure.agency, StaffRole.RECEIVER)
    dossier = DossierFactory(owner=citizen, procedure=procedure, in_progress=True)
    client.force_login(receiver)
    html = client.get(change_url(dossier)).content.decode()
    assert action_url(dossier, "finish") not in html
    assert 'id="action-finish"' not in html  # a receiver may still assign or transfer it (issue 20)
    assert client.post(action_url(dossier, "finish"), {"token": str(uuid.uuid4())}).status_code == 403
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.IN_PROGRESS


def test_form_errors_keep_what_was_typed(officer_client, citizen, procedure):
    dossier = DossierFactory(owner=citizen, procedure=procedure, in_progress=True)
    response = officer_client.post(
        action_url(dossier, "request_supplement"),
        {"token": str(uuid.uuid4()), "request": "", "reply_by": "32/13/2026", "internal_note": "Ghi chú của tôi"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Trường này là bắt buộc" in html or "bắt buộc" in html
    assert "Nhập ngày hợp lệ" in html
    assert "Ghi chú của tôi" in html
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.IN_PROGRESS


def test_supplement_then_finish_with_a_result_file(officer_client, citizen, procedure):
    from django.test import Client

    citizen_client = Client()
    citizen_client.force_login(citizen)
    dossier = DossierFactory(
        owner=citizen, procedure=procedure, in_progress=True, result_delivery=ResultDelivery.ONLINE
    )
    reply_by = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    response = officer_client.post(
        action_url(dossier, "request_supplement"),
        {"token": str(uuid.uuid4()), "request": "Bổ sung bản chụp CCCD rõ nét.", "reply_by": reply_by},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUPPLEMENT_REQUESTED
    html = officer_client.get(change_url(dossier)).content.decode()
    assert "Tạm dừng" in html
    # Back in progress (the citizen resubmitted), the officer finishes with a file.
    Dossier.objects.filter(pk=dossier.pk).update(status=DossierStatus.IN_PROGRESS)
    missing = officer_client.post(action_url(dossier, "finish"), {"token": str(uuid.uuid4())})
    assert "trực tuyến" in missing.content.decode()
    wrong = SimpleUploadedFile("ket-qua.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    response = officer_client.post(action_url(dossier, "finish"), {"token": str(uuid.uuid4()), "result_files": wrong})
    assert response.status_code == 200 and "trang web (HTML)" in response.content.decode()
    good = SimpleUploadedFile("ket-qua.pdf", real_pdf_bytes(), content_type="application/pdf")
    response = officer_client.post(action_url(dossier, "finish"), {"token": str(uuid.uuid4()), "result_files": good})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.FINISHED
    result = Attachment.objects.get(dossier=dossier, kind=AttachmentKind.RESULT)
    download = citizen_client.get(reverse("dossiers:download", args=[dossier.code, result.pk]))
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    assert content.startswith(real_pdf_bytes()) and b"/ETSI.CAdES.detached" in content  # the signed copy


def test_apology_through_the_page(officer_client, citizen, procedure):
    from dossiers.deadlines import WorkingCalendar

    dossier = DossierFactory(owner=citizen, procedure=procedure, in_progress=True)
    new_date = WorkingCalendar.from_database().add_working_days(dossier.due_date, 3)
    response = officer_client.post(
        action_url(dossier, "apologise"),
        {"token": str(uuid.uuid4()), "new_due_date": new_date.strftime("%d/%m/%Y"), "reason": "Chờ xác minh."},
    )
    assert response.status_code == 302
    html = officer_client.get(change_url(dossier)).content.decode()
    assert "Phiếu xin lỗi đã ban hành" in html
    assert new_date.strftime("%d/%m/%Y") in html


# --- Filters and search ----------------------------------------------------------------------


def test_filters_and_search(officer_client, citizen, procedure):
    today = dt.date.today()
    overdue = DossierFactory(
        owner=citizen, procedure=procedure, in_progress=True, due_date=today - dt.timedelta(days=3)
    )
    soon = DossierFactory(owner=citizen, procedure=procedure, received=True, due_date=today)
    later = DossierFactory(owner=citizen, procedure=procedure, in_progress=True, due_date=today + dt.timedelta(days=40))
    paused = DossierFactory(owner=citizen, procedure=procedure, supplement_requested=True)
    other_procedure = DossierProcedureFactory(agency=procedure.agency)
    elsewhere = DossierFactory(owner=citizen, procedure=other_procedure, sent=True, applicant_name="Trần Văn Bảy")

    def codes(**params):
        response = officer_client.get(CHANGELIST, params)
        assert response.status_code == 200
        return {d.code for d in response.context["cl"].result_list}

    assert codes(deadline="overdue") == {overdue.code}
    assert codes(deadline="due_soon") == {soon.code}
    assert codes(deadline="paused") == {paused.code}
    assert codes(deadline="on_track") == {soon.code, later.code}
    assert codes(due="today") == {soon.code}
    assert soon.code in codes(due="this_week")
    assert codes(status="supplement_requested") == {paused.code}
    assert codes(procedure=str(other_procedure.pk)) == {elsewhere.code}
    assert elsewhere.code in codes(field=str(other_procedure.field_id))
    assert codes(q="Trần Văn Bảy") == {elsewhere.code}
    assert codes(q=elsewhere.code[-6:]) == {elsewhere.code}
    html = officer_client.get(CHANGELIST).content.decode()
    assert "Quá hạn" in html and "Sắp đến hạn" in html


# --- Speed -----------------------------------------------------------------------------------


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_changelist_has_a_constant_number_of_queries(officer_client, citizen, procedure):
    DossierFactory.create_batch(3, owner=citizen, procedure=procedure, in_progress=True)
    officer_client.get(CHANGELIST)  # warm the session and permission caches as a real officer has them
    few = _count_queries(officer_client, CHANGELIST)
    DossierFactory.create_batch(30, owner=citizen, procedure=procedure, received=True)
    many = _count_queries(officer_client, CHANGELIST)
    assert few == many
    assert many <= 12  # 11; one more when the due-soon window crosses into the next year


def test_the_dossier_page_has_a_constant_number_of_queries(officer_client, citizen, procedure, agency_officer):
    from dossiers import workflow

    # Same status (the actions shown, each with its form, depend on it), different sizes.
    small = DossierFactory(owner=citizen, procedure=procedure, in_progress=True)
    AttachmentFactory(dossier=small)
    big = DossierFactory(owner=citizen, procedure=procedure, in_progress=True, form_data=dict(VALID_ANSWERS))
    for _ in range(8):
        AttachmentFactory(dossier=big, document=procedure.documents.first())
    workflow.dossier_apologise(
        dossier=big,
        user=agency_officer,
        new_due_date=workflow.deadlines.WorkingCalendar.from_database().add_working_days(big.due_date, 2),
        reason="Chậm.",
    )
    officer_client.get(change_url(small))
    assert _count_queries(officer_client, change_url(small)) == _count_queries(officer_client, change_url(big))
    # 12 before issue 20; +5 for the forms it added (the agency's ready-made reasons once, the
    # officers to assign to, the agencies to transfer to, the calendar for the reply-by default,
    # the agency's permissions for "receive and start"); +1 across the new year.
    assert _count_queries(officer_client, change_url(big)) <= 18


# --- Memberships, holidays, citizen pages for staff ----------------------------------------


def test_a_superuser_grants_a_role_in_admin_and_the_group_follows(client, procedure):
    from dossiers.models import AgencyMembership

    client.force_login(UserFactory(staff=True, is_superuser=True))
    user = UserFactory()
    response = client.post(
        reverse("admin:dossiers_agencymembership_add"),
        {"user": user.pk, "agency": procedure.agency.pk, "role": StaffRole.PROCESSOR},
    )
    assert response.status_code == 302
    assert AgencyMembership.objects.get(user=user).role == StaffRole.PROCESSOR
    assert [g.name for g in user.groups.all()] == ["Chuyên viên xử lý hồ sơ"]
    membership = AgencyMembership.objects.get(user=user)
    client.post(reverse("admin:dossiers_agencymembership_delete", args=[membership.pk]), {"post": "yes"})
    assert not user.groups.exists()


def test_a_holiday_edited_in_admin_is_kept_by_the_next_import(client):
    from dossiers import services
    from dossiers.constants import HolidaySource
    from dossiers.models import Holiday

    services.holidays_import(year=2026)
    client.force_login(UserFactory(staff=True, is_superuser=True))
    day = Holiday.objects.get(date=dt.date(2026, 9, 2))
    response = client.post(
        reverse("admin:dossiers_holiday_change", args=[day.pk]),
        {"date": "2026-09-02", "name": "Quốc khánh (đã sửa)", "kind": "off", "source": "imported"},
    )
    assert response.status_code == 302
    services.holidays_import(year=2026)
    day.refresh_from_db()
    assert (day.name, day.source) == ("Quốc khánh (đã sửa)", HolidaySource.MANUAL)


def test_a_date_typed_day_first_in_admin_is_that_day(client):
    """Regression: with no Vietnamese input formats, admin read "02/09/2027" as the 9th of February."""
    from dossiers.models import Holiday

    client.force_login(UserFactory(staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:dossiers_holiday_add"),
        {"date": "02/09/2027", "name": "Quốc khánh", "kind": "off", "source": "manual"},
    )
    assert response.status_code == 302
    day = Holiday.objects.get(name="Quốc khánh")
    assert day.date == dt.date(2027, 9, 2)
    page = client.get(reverse("admin:dossiers_holiday_change", args=[day.pk])).content.decode()
    assert 'value="02/09/2027"' in page  # shown the way it is typed


def test_officers_may_read_their_agencys_receipt_but_not_anothers(officer_client, mine, other_agency_dossier):
    assert officer_client.get(reverse("dossiers:receipt", args=[mine.code])).status_code == 200
    assert officer_client.get(reverse("dossiers:receipt", args=[other_agency_dossier.code])).status_code == 404
    assert officer_client.get(reverse("dossiers:detail", args=[other_agency_dossier.code])).status_code == 404
    # Reading is all: the citizen's own actions stay the citizen's.
    response = officer_client.post(reverse("dossiers:withdraw", args=[mine.code]), {"token": str(uuid.uuid4())})
    assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.status == DossierStatus.SENT
