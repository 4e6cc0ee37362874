"""The officer's workspace (issue 20): queues, assignment, previews, bulk confirmation, the
reception deadline, transfer between agencies, ready-made reasons; and the scope of each."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import OutgoingEmail
from dossiers import deadlines, workflow
from dossiers.constants import DossierStatus, ReasonKind
from dossiers.models import AgencyReason, Dossier, History
from dossiers.tests.factories import (
    AgencyFactory,
    AttachmentFactory,
    DossierFactory,
    DossierProcedureFactory,
    officer,
    png_bytes,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:dossiers_dossier_changelist")
INDEX = reverse("admin:index")


def change_url(dossier) -> str:
    return reverse("admin:dossiers_dossier_change", args=[dossier.pk])


def action_url(dossier, name) -> str:
    return reverse("admin:dossiers_dossier_transition", args=[dossier.pk, name])


def preview_url(dossier, attachment) -> str:
    return reverse("admin:dossiers_dossier_preview", args=[dossier.pk, attachment.pk])


@pytest.fixture
def team(procedure):
    agency = procedure.agency
    return {
        "receiver": officer(agency, "receiver", full_name="Trần Tiếp Nhận"),
        "processor": officer(agency, "processor", full_name="Phạm Xử Lý"),
        "colleague": officer(agency, "processor", full_name="Đỗ Đồng Nghiệp"),
        "leader": officer(agency, "leader", full_name="Lê Lãnh Đạo"),
    }


@pytest.fixture
def other_agency():
    return AgencyFactory(code="UBND-KHAC", name="UBND Phường Khác")


@pytest.fixture
def stranger_officer(other_agency):
    return officer(other_agency, "leader", full_name="Cán Bộ Nơi Khác")


def sent(procedure, **kwargs):
    return DossierFactory(procedure=procedure, sent=True, **kwargs)


# --- Queues ----------------------------------------------------------------------------------


def test_the_admin_home_counts_each_queue_and_links_to_it(client, procedure, team, frozen_now):
    now = frozen_now(timezone.now())
    sent(procedure, sent_at=now - dt.timedelta(hours=30))
    sent(procedure)
    DossierFactory(procedure=procedure, in_progress=True, assigned_to=team["leader"])
    DossierFactory(procedure=procedure, received=True)
    late = DossierFactory(procedure=procedure, in_progress=True, assigned_to=team["leader"])
    Dossier.objects.filter(pk=late.pk).update(due_date=deadlines.today() - dt.timedelta(days=3))
    answered = DossierFactory(procedure=procedure, in_progress=True)
    Dossier.objects.filter(pk=answered.pk).update(supplement_requested_at=now - dt.timedelta(days=2))
    client.force_login(team["leader"])
    page = client.get(INDEX).content.decode()
    assert "Chờ tiếp nhận" in page
    assert f'href="{CHANGELIST}?queue=waiting"><span class="bo-queue-count">2</span>' in page
    assert f'href="{CHANGELIST}?queue=mine"><span class="bo-queue-count">2</span>' in page
    assert f'href="{CHANGELIST}?queue=unassigned"><span class="bo-queue-count">2</span>' in page
    assert f'href="{CHANGELIST}?queue=answered"><span class="bo-queue-count">1</span>' in page
    assert "bo-queue-alert" in page  # something is overdue
    # The leader sees the load per officer, with the overdue one in red.
    assert 'id="bo-load-table"' in page
    assert "Lê Lãnh Đạo" in page and "Phạm Xử Lý" in page
    assert '<span class="bo-flag bo-flag-overdue">1</span>' in page


def test_the_admin_home_has_a_constant_number_of_queries(client, procedure, team, django_assert_max_num_queries):
    for _ in range(5):
        sent(procedure)
        DossierFactory(procedure=procedure, in_progress=True, assigned_to=team["processor"])
    client.force_login(team["leader"])
    client.get(INDEX)
    with django_assert_max_num_queries(12):
        assert client.get(INDEX).status_code == 200


def test_a_receiver_sees_no_load_table(client, procedure, team):
    client.force_login(team["receiver"])
    page = client.get(INDEX).content.decode()
    assert "bo-queues" in page and "bo-load-table" not in page


def test_the_waiting_queue_lists_the_oldest_first_with_its_waiting_time(client, procedure, team, frozen_now):
    now = frozen_now(timezone.now())
    newer = sent(procedure, sent_at=now - dt.timedelta(hours=1), applicant_name="Người Mới")
    older = sent(procedure, sent_at=now - dt.timedelta(hours=5), applicant_name="Người Cũ")
    client.force_login(team["receiver"])
    page = client.get(CHANGELIST, {"queue": "waiting"}).content.decode()
    assert page.index(older.code) < page.index(newer.code)
    assert "5" in page and ("giờ" in page or "hour" in page)


def test_the_list_shows_the_time_left_to_receive(client, procedure, team):
    waiting = sent(procedure)
    Dossier.objects.filter(pk=waiting.pk).update(reception_due_at=timezone.now() + dt.timedelta(hours=3, minutes=5))
    late = sent(procedure)
    Dossier.objects.filter(pk=late.pk).update(reception_due_at=timezone.now() - dt.timedelta(minutes=5))
    client.force_login(team["receiver"])
    page = client.get(CHANGELIST, {"queue": "waiting"}).content.decode()
    assert "còn 3" in page
    assert "Quá hạn tiếp nhận" in page


def test_the_list_flags_overdue_and_due_soon_rows_in_words(client, procedure, team):
    late = DossierFactory(procedure=procedure, in_progress=True)
    Dossier.objects.filter(pk=late.pk).update(due_date=deadlines.today() - dt.timedelta(days=1))
    soon = DossierFactory(procedure=procedure, in_progress=True)
    Dossier.objects.filter(pk=soon.pk).update(due_date=deadlines.today())
    client.force_login(team["leader"])
    page = client.get(CHANGELIST).content.decode()
    assert "bo-flag-overdue" in page and "bo-flag-due-soon" in page
    assert late.due_date is None or (deadlines.today() - dt.timedelta(days=1)).strftime("%d/%m/%Y") in page


# --- Assignment and the processors' scope ----------------------------------------------------


def test_assignment_is_a_transition_with_a_history_row(procedure, team):
    dossier = DossierFactory(procedure=procedure, received=True)
    workflow.dossier_assign(dossier=dossier, user=team["receiver"], assignee=team["processor"])
    dossier.refresh_from_db()
    assert dossier.assigned_to == team["processor"]
    assert dossier.status == DossierStatus.RECEIVED
    entry = dossier.history.get(action="assign")
    assert "Phạm Xử Lý" in entry.internal_note and entry.actor == team["receiver"]
    workflow.dossier_assign(dossier=dossier, user=team["leader"], assignee=team["colleague"])
    assert dossier.history.filter(action="reassign").exists()


def test_a_processor_cannot_assign_and_an_outsider_cannot_be_assigned(procedure, team, stranger_officer):
    dossier = DossierFactory(procedure=procedure, received=True)
    with pytest.raises(workflow.TransitionError):
        workflow.dossier_assign(dossier=dossier, user=team["processor"], assignee=team["processor"])
    with pytest.raises(workflow.TransitionError):
        workflow.dossier_assign(dossier=dossier, user=team["receiver"], assignee=stranger_officer)
    with pytest.raises(workflow.TransitionError):
        workflow.dossier_assign(dossier=dossier, user=team["receiver"], assignee=team["receiver"])


def test_the_citizen_never_sees_the_assignment(client, citizen, procedure, team):
    dossier = DossierFactory(owner=citizen, procedure=procedure, received=True)
    workflow.dossier_assign(dossier=dossier, user=team["receiver"], assignee=team["processor"])
    client.force_login(citizen)
    page = client.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()
    assert "Phạm Xử Lý" not in page
    assert "Assigned" not in page and "Đã phân công" not in page


def test_a_processor_sees_theirs_and_the_unassigned_not_a_colleagues(client, procedure, team):
    theirs = DossierFactory(procedure=procedure, received=True, assigned_to=team["processor"])
    free = DossierFactory(procedure=procedure, received=True)
    colleagues = DossierFactory(procedure=procedure, received=True, assigned_to=team["colleague"])
    client.force_login(team["processor"])
    page = client.get(CHANGELIST).content.decode()
    assert theirs.code in page and free.code in page and colleagues.code not in page
    assert client.get(change_url(colleagues)).status_code == 404
    attachment = AttachmentFactory(dossier=colleagues)
    assert client.get(preview_url(colleagues, attachment)).status_code == 404
    assert client.get(reverse("dossiers:download", args=[colleagues.code, attachment.pk])).status_code == 404


def test_a_processor_takes_an_unassigned_dossier_from_its_page(client, procedure, team):
    free = DossierFactory(procedure=procedure, received=True)
    client.force_login(team["processor"])
    page = client.get(change_url(free)).content.decode()
    assert 'id="action-take"' in page
    response = client.post(action_url(free, "take"), {"token": "7c0f5bd6-5b1f-4a39-9d44-8d4ad8b1c3a1"})
    assert response.status_code == 302
    free.refresh_from_db()
    assert free.assigned_to == team["processor"]
    assert free.history.filter(action="take").exists()


def test_starting_an_unassigned_dossier_makes_it_yours(procedure, team):
    dossier = DossierFactory(procedure=procedure, received=True)
    workflow.dossier_start(dossier=dossier, user=team["processor"])
    dossier.refresh_from_db()
    assert dossier.assigned_to == team["processor"]


# --- Bulk actions with a confirmation page ---------------------------------------------------


def test_bulk_receive_asks_for_confirmation_and_refuses_what_it_cannot(client, procedure, team):
    waiting = [sent(procedure) for _ in range(3)]
    started = DossierFactory(procedure=procedure, in_progress=True)
    client.force_login(team["receiver"])
    ids = [d.pk for d in (*waiting, started)]
    page = client.post(CHANGELIST, {"action": "receive_selected", "_selected_action": ids})
    assert page.status_code == 200
    html = page.content.decode()
    assert all(d.code in html for d in (*waiting, started))
    assert "bo-refused" in html and "Đang xử lý" in html  # the refused one says its status
    assert Dossier.objects.filter(status=DossierStatus.RECEIVED).count() == 0  # nothing done yet
    done = client.post(CHANGELIST, {"action": "receive_selected", "_selected_action": ids, "confirm": "yes"})
    assert done.status_code == 302
    assert Dossier.objects.filter(pk__in=[d.pk for d in waiting], status=DossierStatus.RECEIVED).count() == 3
    started.refresh_from_db()
    assert started.status == DossierStatus.IN_PROGRESS


def test_bulk_assign_gives_many_dossiers_to_one_processor(client, procedure, team):
    dossiers = [DossierFactory(procedure=procedure, received=True) for _ in range(3)]
    client.force_login(team["receiver"])
    ids = [d.pk for d in dossiers]
    page = client.post(CHANGELIST, {"action": "assign_selected", "_selected_action": ids}).content.decode()
    assert "Phạm Xử Lý" in page and "Trần Tiếp Nhận" not in page.split('name="assignee"')[1]
    client.post(
        CHANGELIST,
        {"action": "assign_selected", "_selected_action": ids, "confirm": "yes", "assignee": team["processor"].pk},
    )
    assert Dossier.objects.filter(pk__in=ids, assigned_to=team["processor"]).count() == 3
    assert History.objects.filter(dossier__in=ids, action="assign").count() == 3


def test_bulk_actions_never_touch_another_agencys_dossiers(client, procedure, team, other_agency):
    foreign = DossierFactory(procedure=DossierProcedureFactory(agency=other_agency), sent=True)
    client.force_login(team["receiver"])
    client.post(CHANGELIST, {"action": "receive_selected", "_selected_action": [foreign.pk], "confirm": "yes"})
    foreign.refresh_from_db()
    assert foreign.status == DossierStatus.SENT


# --- The dossier page ------------------------------------------------------------------------


def test_files_are_previewed_inline_through_the_scope(client, procedure, team, stranger_officer):
    dossier = sent(procedure)
    document = procedure.documents.first()
    pdf = AttachmentFactory(dossier=dossier, document=document, name="don.pdf")
    image = AttachmentFactory(
        dossier=dossier, document=document, name="anh.png", content_type="image/png", file=None, size=len(png_bytes())
    )
    from django.core.files.base import ContentFile

    image.file.save("anh.png", ContentFile(png_bytes()), save=True)
    client.force_login(team["leader"])
    page = client.get(change_url(dossier)).content.decode()
    assert f'<iframe class="bo-preview bo-preview-pdf" src="{preview_url(dossier, pdf)}"' in page
    assert f'<img class="bo-preview bo-preview-img" src="{preview_url(dossier, image)}"' in page
    response = client.get(preview_url(dossier, pdf))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert "sandbox" in client.get(preview_url(dossier, image))["Content-Security-Policy"]
    client.force_login(stranger_officer)
    assert client.get(preview_url(dossier, pdf)).status_code == 404


def test_a_file_of_another_dossier_is_not_previewed_through_mine(client, procedure, team, other_agency):
    mine = sent(procedure)
    foreign = DossierFactory(procedure=DossierProcedureFactory(agency=other_agency), sent=True)
    attachment = AttachmentFactory(dossier=foreign)
    client.force_login(team["leader"])
    assert client.get(preview_url(mine, attachment)).status_code == 404


def test_the_main_action_is_open_at_the_end_and_receive_can_start_at_once(client, procedure, team):
    dossier = sent(procedure)
    client.force_login(team["leader"])
    page = client.get(change_url(dossier)).content.decode()
    assert '<details class="bo-action" id="action-receive" open>' in page
    assert page.index('id="bo-files"') < page.index('id="bo-actions"')
    client.post(action_url(dossier, "receive"), {"token": "0f7c4a4e-8f2c-4a39-9d44-8d4ad8b1c3a1", "and_start": "1"})
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.IN_PROGRESS
    assert dossier.assigned_to == team["leader"]


def test_save_and_next_opens_the_next_dossier_of_the_queue(client, procedure, team, frozen_now):
    now = frozen_now(timezone.now())
    first = sent(procedure, sent_at=now - dt.timedelta(hours=3))
    second = sent(procedure, sent_at=now - dt.timedelta(hours=2))
    client.force_login(team["receiver"])
    page = client.get(change_url(first), {"_changelist_filters": "queue=waiting"}).content.decode()
    assert 'name="next"' in page
    response = client.post(
        action_url(first, "receive") + "?_changelist_filters=queue%3Dwaiting",
        {"token": "1f7c4a4e-8f2c-4a39-9d44-8d4ad8b1c3a1", "next": "1"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(change_url(second))
    last = client.post(
        action_url(second, "receive") + "?_changelist_filters=queue%3Dwaiting",
        {"token": "2f7c4a4e-8f2c-4a39-9d44-8d4ad8b1c3a1", "next": "1"},
    )
    assert last["Location"] == f"{CHANGELIST}?queue=waiting"


def test_the_reply_by_date_defaults_to_a_working_day_and_refuses_a_sunday(client, procedure, team):
    dossier = DossierFactory(procedure=procedure, in_progress=True)
    client.force_login(team["leader"])
    page = client.get(change_url(dossier)).content.decode()
    default = deadlines.supplement_reply_default()
    assert deadlines.WorkingCalendar.from_database().is_working_day(default)
    assert default.isoformat() in page or default.strftime("%d/%m/%Y") in page
    sunday = deadlines.today() + dt.timedelta(days=(6 - deadlines.today().weekday()) or 7)
    response = client.post(
        action_url(dossier, "request_supplement"),
        {"token": "3f7c4a4e-8f2c-4a39-9d44-8d4ad8b1c3a1", "request": "Bổ sung.", "reply_by": sunday.isoformat()},
    )
    assert response.status_code == 200
    assert "không phải ngày làm việc" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.IN_PROGRESS
    with pytest.raises(workflow.TransitionError):
        workflow.dossier_request_supplement(dossier=dossier, user=team["leader"], request="x", reply_by=sunday)


def test_a_ready_made_reason_fills_the_supplement_request(client, procedure, team):
    reason = AgencyReason.objects.create(
        agency=procedure.agency, kind=ReasonKind.SUPPLEMENT, text="Bản chụp căn cước công dân chưa rõ nét."
    )
    dossier = DossierFactory(procedure=procedure, in_progress=True)
    client.force_login(team["leader"])
    assert reason.text in client.get(change_url(dossier)).content.decode()
    client.post(
        action_url(dossier, "request_supplement"),
        {
            "token": "4f7c4a4e-8f2c-4a39-9d44-8d4ad8b1c3a1",
            "ready_reason": reason.pk,
            "request": "",
            "reply_by": deadlines.supplement_reply_default().isoformat(),
        },
    )
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUPPLEMENT_REQUESTED
    assert dossier.supplement_request == reason.text


def test_leaders_keep_their_agencys_reasons_and_nobody_elses(client, procedure, team, other_agency):
    mine = AgencyReason.objects.create(agency=procedure.agency, kind=ReasonKind.REFUSAL, text="Sai thẩm quyền.")
    foreign = AgencyReason.objects.create(agency=other_agency, kind=ReasonKind.REFUSAL, text="Lý do nơi khác.")
    client.force_login(team["leader"])
    listing = client.get(reverse("admin:dossiers_agencyreason_changelist")).content.decode()
    assert mine.text in listing and foreign.text not in listing
    assert client.get(reverse("admin:dossiers_agencyreason_change", args=[foreign.pk])).status_code in (302, 404)
    client.force_login(team["processor"])
    assert client.get(reverse("admin:dossiers_agencyreason_changelist")).status_code == 403


# --- Reception deadline ----------------------------------------------------------------------


def test_the_reception_deadline_counts_eight_office_hours():
    calendar = deadlines.WorkingCalendar()
    zone = timezone.get_current_timezone()
    monday_9 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=zone)
    assert deadlines.reception_deadline(monday_9, calendar=calendar) == dt.datetime(2026, 11, 24, 9, 0, tzinfo=zone)
    friday_16 = dt.datetime(2026, 11, 27, 16, 0, tzinfo=zone)
    assert deadlines.reception_deadline(friday_16, calendar=calendar) == dt.datetime(2026, 11, 30, 16, 0, tzinfo=zone)
    saturday = dt.datetime(2026, 11, 28, 10, 0, tzinfo=zone)
    assert deadlines.reception_deadline(saturday, calendar=calendar) == dt.datetime(2026, 11, 30, 17, 0, tzinfo=zone)
    evening = dt.datetime(2026, 11, 23, 20, 0, tzinfo=zone)
    assert deadlines.reception_deadline(evening, calendar=calendar) == dt.datetime(2026, 11, 24, 17, 0, tzinfo=zone)


def test_a_late_reception_is_flagged_and_counted(procedure, team, frozen_now):
    from dossiers.stats import monthly_stats

    dossier = sent(procedure)
    Dossier.objects.filter(pk=dossier.pk).update(reception_due_at=timezone.now() - dt.timedelta(hours=1))
    dossier.refresh_from_db()
    workflow.dossier_receive(dossier=dossier, user=team["receiver"])
    dossier.refresh_from_db()
    assert dossier.reception_late is True
    today = deadlines.today()
    rows = monthly_stats(start=today.replace(day=1), end=today, agency=procedure.agency)
    assert sum(row.counts["received_late"] for row in rows) == 1


def test_sending_sets_the_reception_deadline(ready_draft, citizen):
    workflow.dossier_send(dossier=ready_draft, user=citizen)
    ready_draft.refresh_from_db()
    assert ready_draft.reception_due_at > ready_draft.sent_at


# --- Transfer between agencies ---------------------------------------------------------------


def test_transfer_moves_the_dossier_to_the_other_agencys_queue_and_tells_the_citizen(
    client, citizen, procedure, team, other_agency, stranger_officer, django_capture_on_commit_callbacks
):
    dossier = DossierFactory(owner=citizen, procedure=procedure, received=True, assigned_to=team["processor"])
    client.force_login(team["receiver"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            action_url(dossier, "transfer"),
            {
                "token": "5f7c4a4e-8f2c-4a39-9d44-8d4ad8b1c3a1",
                "to_agency": other_agency.pk,
                "reason": "Thuộc thẩm quyền của UBND phường.",
            },
        )
    assert response.status_code == 302
    assert response["Location"] == CHANGELIST  # out of the sender's scope now
    dossier.refresh_from_db()
    assert dossier.agency == other_agency and dossier.status == DossierStatus.SENT
    assert dossier.assigned_to is None and dossier.due_date is None and dossier.reception_due_at
    entry = dossier.history.get(action="transfer")
    assert "UBND Phường Khác" in entry.note and "thẩm quyền" in entry.note
    assert OutgoingEmail.objects.filter(to__contains=[citizen.email], subject__contains=dossier.code).exists()
    assert client.get(change_url(dossier)).status_code == 404
    client.force_login(stranger_officer)
    assert dossier.code in client.get(CHANGELIST, {"queue": "waiting"}).content.decode()


def test_transfer_needs_another_agency_and_a_reason(procedure, team):
    dossier = DossierFactory(procedure=procedure, received=True)
    with pytest.raises(workflow.TransitionError):
        workflow.dossier_transfer(dossier=dossier, user=team["receiver"], to_agency=procedure.agency, reason="x")
    with pytest.raises(workflow.TransitionError):
        workflow.dossier_transfer(dossier=dossier, user=team["receiver"], to_agency=AgencyFactory(), reason=" ")


# --- Scope of every new view -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["assign", "reassign", "take", "transfer"])
def test_another_agencys_officer_gets_404_for_the_new_actions(client, procedure, stranger_officer, name):
    dossier = DossierFactory(procedure=procedure, received=True)
    client.force_login(stranger_officer)
    assert client.get(action_url(dossier, name)).status_code == 404
    assert client.post(action_url(dossier, name), {"token": "6f7c4a4e-8f2c-4a39-9d44-8d4ad8b1c3a1"}).status_code == 404


def test_a_processors_digest_lists_theirs_and_the_unassigned_only(procedure, team, django_capture_on_commit_callbacks):
    from django.core import mail

    from dossiers.digests import send_officer_digests

    colleagues = DossierFactory(procedure=procedure, in_progress=True, assigned_to=team["colleague"])
    free = DossierFactory(procedure=procedure, in_progress=True)
    Dossier.objects.filter(pk__in=[colleagues.pk, free.pk]).update(due_date=deadlines.today() - dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        send_officer_digests()
    (digest,) = [m for m in mail.outbox if m.to == [team["processor"].email]]
    assert free.code in digest.body and colleagues.code not in digest.body


def test_django_admins_own_strings_are_vietnamese_too(client, procedure, team):
    sent(procedure)
    client.force_login(team["leader"])
    page = client.get(CHANGELIST).content.decode()
    assert "Hiện số lượng" in page and "Show counts" not in page
    assert "Đổi giao diện (hiện tại: tự động)" in page
    english = client.get("/en" + CHANGELIST).content.decode()
    assert "Show counts" in english
