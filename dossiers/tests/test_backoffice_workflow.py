"""The agency's transitions: every one from every status, roles, deadlines, history and emails."""

import datetime as dt

import pytest
from django.core import mail

from accounts.models import OutgoingEmail
from dossiers import workflow
from dossiers.constants import OPEN_STATUSES, AttachmentKind, DossierStatus, ResultDelivery, StaffRole, Timeliness
from dossiers.files import check_upload
from dossiers.models import Apology, Attachment, History
from dossiers.tests.conftest import upload
from dossiers.tests.factories import AgencyFactory, DossierFactory, officer, real_pdf_bytes
from dossiers.tests.test_workflow import TRAITS

pytestmark = pytest.mark.django_db

AGENCY_SOURCES = {
    "receive": {DossierStatus.SENT},
    "refuse": {DossierStatus.SENT},
    "start": {DossierStatus.RECEIVED},
    "request_supplement": {DossierStatus.IN_PROGRESS},
    "finish": {DossierStatus.IN_PROGRESS},
    "reject": {DossierStatus.IN_PROGRESS},
    "apologise": {DossierStatus.IN_PROGRESS},
    # Issue 20: the officers' own moves.
    "assign": {DossierStatus.SENT, *OPEN_STATUSES},
    "reassign": {DossierStatus.SENT, *OPEN_STATUSES},
    "take": {DossierStatus.SENT, *OPEN_STATUSES},
    "transfer": {DossierStatus.SENT, DossierStatus.RECEIVED, DossierStatus.IN_PROGRESS},
}
TARGETS = {
    "receive": DossierStatus.RECEIVED,
    "refuse": DossierStatus.REFUSED,
    "start": DossierStatus.IN_PROGRESS,
    "request_supplement": DossierStatus.SUPPLEMENT_REQUESTED,
    "finish": DossierStatus.FINISHED,
    "reject": DossierStatus.REJECTED,
    "apologise": DossierStatus.IN_PROGRESS,
    "assign": None,  # the status stays
    "reassign": None,
    "take": None,
    "transfer": DossierStatus.SENT,
}
EMAIL_SUBJECTS = {
    "receive": "đã được tiếp nhận",
    "refuse": "không được tiếp nhận",
    "request_supplement": "yêu cầu bổ sung",
    "finish": "đã có kết quả",
    "reject": "bị từ chối",
    "apologise": "xin lỗi",
    "transfer": "chuyển",
}


def far() -> dt.date:
    """A reply-by date far enough, and a working day (the workflow refuses a day off)."""
    return next_working_day_after(40)


def next_working_day_after(days: int) -> dt.date:
    from dossiers.deadlines import WorkingCalendar

    return WorkingCalendar.from_database().add_working_days(dt.date.today(), days)


def run(name: str, dossier, user, **overrides):
    kwargs = {
        "receive": {"note": "Hồ sơ hợp lệ.", "internal_note": "Kiểm tra bản gốc."},
        "refuse": {"reason": "Không thuộc thẩm quyền."},
        "start": {},
        "request_supplement": {"request": "Bổ sung bản chụp CCCD.", "reply_by": far()},
        "finish": {"pickup_date": dt.date.today()},
        "reject": {"reason": "Không đủ điều kiện."},
        "apologise": {"new_due_date": next_working_day_after(30), "reason": "Cần xác minh thêm."},
        "assign": {"assignee": user},
        "take": {},
        "transfer": {"to_agency": AgencyFactory(), "reason": "Không thuộc thẩm quyền."},
    }[name]
    kwargs.update(overrides)
    return workflow.AGENCY_FUNCTIONS[name](dossier=dossier, user=user, **kwargs)


def test_the_table_has_the_agency_transitions():
    agency = {n: set(t.sources) for n, t in workflow.TRANSITIONS.items() if t.actor == workflow.AGENCY}
    assert agency == AGENCY_SOURCES
    assert {n: workflow.TRANSITIONS[n].target for n in AGENCY_SOURCES} == TARGETS
    assert set(workflow.AGENCY_FUNCTIONS) == set(AGENCY_SOURCES)


@pytest.mark.parametrize("name", sorted(set(AGENCY_SOURCES) - {"reassign"}))  # reassign: test_officer_workspace
@pytest.mark.parametrize("status", sorted(DossierStatus.values))
def test_every_agency_transition_from_every_status(
    name, status, citizen, procedure, agency_officer, django_capture_on_commit_callbacks
):
    dossier = DossierFactory(owner=citizen, procedure=procedure, **TRAITS[status])
    before = History.objects.filter(dossier=dossier).count()
    emails_before = OutgoingEmail.objects.count()
    if status in AGENCY_SOURCES[name]:
        with django_capture_on_commit_callbacks(execute=True):
            result = run(name, dossier, agency_officer)
        assert result.status == (TARGETS[name] or status)
        entries = History.objects.filter(dossier=dossier)
        assert entries.count() == before + 1
        entry = entries.latest("pk")
        assert (entry.action, entry.from_status, entry.to_status, entry.actor) == (
            name,
            status,
            TARGETS[name] or status,
            agency_officer,
        )
        if name in EMAIL_SUBJECTS:
            assert OutgoingEmail.objects.count() == emails_before + 1
            assert EMAIL_SUBJECTS[name] in mail.outbox[-1].subject
            assert mail.outbox[-1].to == [citizen.email]
        else:
            assert OutgoingEmail.objects.count() == emails_before
    else:
        with pytest.raises(workflow.TransitionError) as exc:
            run(name, dossier, agency_officer)
        assert "“" in exc.value.message  # names the current status, in Vietnamese
        dossier.refresh_from_db()
        assert dossier.status == status
        assert History.objects.filter(dossier=dossier).count() == before
        assert OutgoingEmail.objects.count() == emails_before


def test_refusal_message_is_clear_vietnamese(citizen, procedure, agency_officer):
    dossier = DossierFactory(owner=citizen, procedure=procedure, finished=True)
    with pytest.raises(workflow.TransitionError) as exc:
        workflow.dossier_receive(dossier=dossier, user=agency_officer)
    assert exc.value.message == "Chỉ tiếp nhận được hồ sơ đã gửi; hồ sơ này đang ở trạng thái “Đã có kết quả”."


ROLE_CAN = {
    StaffRole.RECEIVER: {"receive", "refuse"},
    StaffRole.PROCESSOR: {"start", "request_supplement", "finish", "reject"},
    StaffRole.LEADER: set(AGENCY_SOURCES),
}  # the issue-20 moves (several sources each) are tested in test_officer_workspace


@pytest.mark.parametrize("role", StaffRole.values)
@pytest.mark.parametrize("name", sorted(n for n, sources in AGENCY_SOURCES.items() if len(sources) == 1))
def test_roles_decide_who_may_act(role, name, citizen, procedure):
    user = officer(procedure.agency, role)
    (status,) = AGENCY_SOURCES[name]
    dossier = DossierFactory(owner=citizen, procedure=procedure, **TRAITS[status])
    if name in ROLE_CAN[role]:
        assert run(name, dossier, user).status == TARGETS[name]
    else:
        with pytest.raises(workflow.TransitionError, match="Vai trò của bạn"):
            run(name, dossier, user)
        dossier.refresh_from_db()
        assert dossier.status == status


def test_an_officer_of_another_agency_or_the_citizen_cannot_act(citizen, procedure):
    dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    other = officer(AgencyFactory(), "leader")
    for user in (other, citizen, None):
        with pytest.raises(workflow.TransitionError):
            workflow.dossier_receive(dossier=dossier, user=user)
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SENT


def test_a_role_in_one_agency_gives_nothing_in_another(citizen, procedure):
    """Receiver here, processor there: cannot process here."""
    user = officer(procedure.agency, StaffRole.RECEIVER)
    from dossiers.services import membership_grant

    membership_grant(user=user, agency=AgencyFactory(), role=StaffRole.PROCESSOR)
    dossier = DossierFactory(owner=citizen, procedure=procedure, received=True)
    with pytest.raises(workflow.TransitionError):
        workflow.dossier_start(dossier=dossier, user=user)


def test_removing_the_group_removes_the_ability(citizen, procedure):
    user = officer(procedure.agency, StaffRole.RECEIVER)
    user.groups.clear()
    dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    with pytest.raises(workflow.TransitionError):
        workflow.dossier_receive(dossier=dossier, user=user)


def test_a_superuser_may_do_everything(citizen, procedure):
    from accounts.tests.factories import UserFactory

    admin = UserFactory(staff=True, is_superuser=True)
    dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    assert workflow.dossier_receive(dossier=dossier, user=admin).status == DossierStatus.RECEIVED


# --- Deadlines through the transitions ----------------------------------------------------


def test_receive_sets_the_due_date_in_working_days_skipping_the_weekend(
    citizen, procedure, agency_officer, frozen_now, django_capture_on_commit_callbacks
):
    frozen_now(dt.datetime(2026, 3, 13, 10, 30))  # Friday
    dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True)  # 5 working days
    with django_capture_on_commit_callbacks(execute=True):
        received = workflow.dossier_receive(dossier=dossier, user=agency_officer, note="Đã nhận đủ.")
    assert received.due_date == dt.date(2026, 3, 20)
    assert received.received_at.date() == dt.date(2026, 3, 13)
    message = mail.outbox[-1]
    assert "20/03/2026" in message.body
    assert "5 ngày làm việc" in message.body
    assert "Đã nhận đủ." in message.body


def test_receive_over_tet(citizen, procedure, agency_officer, frozen_now):
    from dossiers import services

    services.holidays_import(year=2026)
    frozen_now(dt.datetime(2026, 2, 12, 9, 0))  # Thursday before Tết
    dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    assert workflow.dossier_receive(dossier=dossier, user=agency_officer).due_date == dt.date(2026, 2, 26)


def test_received_late_in_the_evening_counts_the_vietnamese_day(citizen, procedure, agency_officer, frozen_now):
    frozen_now(dt.datetime(2026, 3, 13, 23, 30))  # Friday 23:30 in Hà Nội is 16:30 UTC
    dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True, processing_days=1)
    assert workflow.dossier_receive(dossier=dossier, user=agency_officer).due_date == dt.date(2026, 3, 16)


def test_supplement_stops_the_clock_and_resubmission_recomputes_the_due_date(
    citizen, procedure, agency_officer, frozen_now, django_capture_on_commit_callbacks
):
    frozen_now(dt.datetime(2026, 3, 9, 9, 0))  # Monday
    dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    dossier = workflow.dossier_receive(dossier=dossier, user=agency_officer)
    assert dossier.due_date == dt.date(2026, 3, 16)
    dossier = workflow.dossier_start(dossier=dossier, user=agency_officer)
    frozen_now(dt.datetime(2026, 3, 11, 15, 0))  # Wednesday: Thu, Fri, Mon left
    with django_capture_on_commit_callbacks(execute=True):
        dossier = workflow.dossier_request_supplement(
            dossier=dossier, user=agency_officer, request="Bổ sung bản chụp CCCD.", reply_by=dt.date(2026, 3, 25)
        )
    assert dossier.paused_remaining_days == 3
    assert dossier.supplement_due == dt.date(2026, 3, 25)
    assert "Bổ sung bản chụp CCCD." in mail.outbox[-1].body
    assert "25/03/2026" in mail.outbox[-1].body
    frozen_now(dt.datetime(2026, 3, 19, 8, 0))  # the citizen answers the next Thursday
    Attachment.objects.create(
        dossier=dossier,
        kind=AttachmentKind.SUPPLEMENT,
        file="x.pdf",
        original_name="x.pdf",
        name="x.pdf",
        size=10,
        content_type="application/pdf",
        sha256="0" * 64,
    )
    with django_capture_on_commit_callbacks(execute=True):
        dossier = workflow.dossier_resubmit(dossier=dossier, user=citizen, note="Đã bổ sung.")
    assert dossier.status == DossierStatus.IN_PROGRESS
    assert dossier.due_date == dt.date(2026, 3, 24)  # Fri 20, Mon 23, Tue 24
    assert dossier.paused_remaining_days is None
    assert "24/03/2026" in mail.outbox[-1].body


def test_supplement_reply_by_must_be_in_the_future(citizen, procedure, agency_officer):
    dossier = DossierFactory(owner=citizen, procedure=procedure, in_progress=True)
    with pytest.raises(workflow.TransitionError, match="sau ngày hôm nay"):
        workflow.dossier_request_supplement(dossier=dossier, user=agency_officer, request="x", reply_by=dt.date.today())
    with pytest.raises(workflow.TransitionError):
        workflow.dossier_request_supplement(dossier=dossier, user=agency_officer, request="  ", reply_by=far())


@pytest.mark.parametrize(
    ("finished_on", "expected"),
    [
        (dt.date(2026, 3, 19), Timeliness.EARLY),
        (dt.date(2026, 3, 20), Timeliness.ON_TIME),
        (dt.date(2026, 3, 23), Timeliness.LATE),
    ],
)
def test_finish_records_timeliness(citizen, procedure, agency_officer, frozen_now, finished_on, expected):
    frozen_now(dt.datetime.combine(finished_on, dt.time(10, 0)))
    dossier = DossierFactory(owner=citizen, procedure=procedure, in_progress=True, due_date=dt.date(2026, 3, 20))
    result = workflow.dossier_finish(dossier=dossier, user=agency_officer, pickup_date=finished_on)
    assert result.timeliness == expected
    assert result.finished_on_time is (expected != Timeliness.LATE)
    assert result.finished_at is not None


def test_finish_online_needs_result_files_and_stores_them(
    citizen, procedure, agency_officer, django_capture_on_commit_callbacks
):
    dossier = DossierFactory(
        owner=citizen, procedure=procedure, in_progress=True, result_delivery=ResultDelivery.ONLINE
    )
    with pytest.raises(workflow.TransitionError, match="trực tuyến"):
        workflow.dossier_finish(dossier=dossier, user=agency_officer, pickup_date=dt.date.today())
    original = real_pdf_bytes()
    checked = check_upload(upload("ban-sao-bang.pdf", original, "application/pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        result = workflow.dossier_finish(dossier=dossier, user=agency_officer, result_files=[checked])
    assert result.status == DossierStatus.FINISHED
    (file,) = Attachment.objects.filter(dossier=dossier, kind=AttachmentKind.RESULT)
    assert (file.name, file.uploaded_by) == ("ban-sao-bang.pdf", agency_officer)
    assert file.size > len(original)  # the signed copy: the original plus the signature
    assert file.file.storage.exists(file.file.name)
    assert "Tải kết quả" in mail.outbox[-1].body


def test_finish_at_the_counter_needs_a_pickup_date(
    citizen, procedure, agency_officer, django_capture_on_commit_callbacks
):
    dossier = DossierFactory(owner=citizen, procedure=procedure, in_progress=True)
    with pytest.raises(workflow.TransitionError):
        workflow.dossier_finish(dossier=dossier, user=agency_officer)
    pickup = next_working_day_after(1)
    with django_capture_on_commit_callbacks(execute=True):
        result = workflow.dossier_finish(dossier=dossier, user=agency_officer, pickup_date=pickup)
    assert result.result_pickup_date == pickup
    assert pickup.strftime("%d/%m/%Y") in mail.outbox[-1].body


def test_a_failed_finish_removes_the_stored_result_files(citizen, procedure, agency_officer, monkeypatch):
    dossier = DossierFactory(owner=citizen, procedure=procedure, in_progress=True)
    checked = check_upload(upload("ket-qua.pdf", real_pdf_bytes(), "application/pdf"))
    stored = []
    original = Attachment.save

    def save_then_remember(self, *args, **kwargs):
        original(self, *args, **kwargs)
        stored.append(self.file.name)

    def boom(**kwargs):
        raise RuntimeError("mail template broke")

    monkeypatch.setattr(Attachment, "save", save_then_remember)
    monkeypatch.setattr(workflow.notifications, "notify", boom)
    with pytest.raises(RuntimeError):
        workflow.dossier_finish(dossier=dossier, user=agency_officer, result_files=[checked])
    from django.core.files.storage import default_storage

    assert stored and not default_storage.exists(stored[0])
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.IN_PROGRESS
    assert not Attachment.objects.filter(dossier=dossier, kind=AttachmentKind.RESULT).exists()


def test_reject_needs_a_reason_and_is_a_timed_decision(citizen, procedure, agency_officer):
    dossier = DossierFactory(owner=citizen, procedure=procedure, in_progress=True)
    with pytest.raises(workflow.TransitionError, match="lý do"):
        workflow.dossier_reject(dossier=dossier, user=agency_officer, reason=" ")
    result = workflow.dossier_reject(dossier=dossier, user=agency_officer, reason="Không đủ điều kiện.")
    assert result.finished_at is not None and result.timeliness
    assert History.objects.filter(dossier=dossier).latest("pk").note == "Không đủ điều kiện."


def test_apology_sets_a_new_date_counts_as_late_and_the_citizen_sees_it(
    citizen, citizen_client, procedure, agency_officer, frozen_now, django_capture_on_commit_callbacks
):
    frozen_now(dt.datetime(2026, 3, 16, 9, 0))
    dossier = DossierFactory(owner=citizen, procedure=procedure, in_progress=True, due_date=dt.date(2026, 3, 20))
    with pytest.raises(workflow.TransitionError, match="sau ngày hẹn hiện tại"):
        workflow.dossier_apologise(dossier=dossier, user=agency_officer, new_due_date=dt.date(2026, 3, 19), reason="x")
    with pytest.raises(workflow.TransitionError, match="ngày làm việc"):
        workflow.dossier_apologise(dossier=dossier, user=agency_officer, new_due_date=dt.date(2026, 3, 28), reason="x")
    with django_capture_on_commit_callbacks(execute=True):
        result = workflow.dossier_apologise(
            dossier=dossier, user=agency_officer, new_due_date=dt.date(2026, 3, 27), reason="Cần xác minh với trường."
        )
    assert result.due_date == dt.date(2026, 3, 27)
    assert result.apology_count == 1
    apology = Apology.objects.get(dossier=dossier)
    assert (apology.previous_due_date, apology.new_due_date) == (dt.date(2026, 3, 20), dt.date(2026, 3, 27))
    message = mail.outbox[-1]
    assert "xin lỗi" in message.subject.lower()
    assert "27/03/2026" in message.body and "Cần xác minh với trường." in message.body
    # Finished before the new date, it is still late.
    frozen_now(dt.datetime(2026, 3, 18, 9, 0))
    finished = workflow.dossier_finish(dossier=result, user=agency_officer, pickup_date=dt.date(2026, 3, 18))
    assert finished.timeliness == Timeliness.LATE
    # The citizen sees the apology in the history.
    html = citizen_client.get(f"/dossiers/{dossier.code}/").content.decode()
    assert "Xin lỗi và hẹn lại ngày trả kết quả" in html
    assert "27/03/2026" in html


def test_emails_are_in_the_citizens_language(citizen, procedure, agency_officer, django_capture_on_commit_callbacks):
    citizen.language = "en"
    citizen.save()
    dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.dossier_receive(dossier=dossier, user=agency_officer)
    assert mail.outbox[-1].subject == f"Dossier {dossier.code} has been received"


def test_a_replayed_agency_request_is_applied_once(citizen, procedure, agency_officer):
    import uuid

    dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    token = uuid.uuid4()
    workflow.dossier_receive(dossier=dossier, user=agency_officer, token=token)
    again = workflow.dossier_receive(dossier=dossier, user=agency_officer, token=token)
    assert again.status == DossierStatus.RECEIVED
    assert History.objects.filter(dossier=dossier, action="receive").count() == 1
    assert OutgoingEmail.objects.count() == 1


def test_history_and_status_change_roll_back_together(citizen, procedure, agency_officer, monkeypatch):
    dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True)

    def boom(**kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(workflow.notifications, "notify", boom)
    with pytest.raises(RuntimeError):
        workflow.dossier_receive(dossier=dossier, user=agency_officer)
    dossier.refresh_from_db()
    assert (dossier.status, dossier.due_date) == (DossierStatus.SENT, None)
    assert not History.objects.filter(dossier=dossier, action="receive").exists()
