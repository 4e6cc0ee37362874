"""The state machine: allowed and refused transitions, history in the same transaction, emails after commit,
replays recognised, codes drawn safely."""

import datetime
import re
import uuid

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import OutgoingEmail
from accounts.tests.factories import UserFactory
from dossiers import services, workflow
from dossiers.constants import CODE_ALPHABET, AttachmentKind, DossierStatus
from dossiers.models import Dossier, History
from dossiers.tests.conftest import complete_draft
from dossiers.tests.factories import AttachmentFactory, DossierFactory, DossierProcedureFactory

pytestmark = pytest.mark.django_db

CITIZEN_TRANSITIONS = {
    "send": DossierStatus.DRAFT,
    "withdraw": DossierStatus.SENT,
    "resubmit": DossierStatus.SUPPLEMENT_REQUESTED,
}
TRAITS = {
    DossierStatus.DRAFT: {},
    DossierStatus.SENT: {"sent": True},
    DossierStatus.RECEIVED: {"received": True},
    DossierStatus.REFUSED: {"refused": True},
    DossierStatus.IN_PROGRESS: {"in_progress": True},
    DossierStatus.SUPPLEMENT_REQUESTED: {"supplement_requested": True},
    DossierStatus.FINISHED: {"finished": True},
    DossierStatus.REJECTED: {"rejected": True},
    DossierStatus.WITHDRAWN: {"withdrawn": True},
}


def run(name, dossier, user):
    if name == "send":
        return workflow.dossier_send(dossier=dossier, user=user)
    if name == "withdraw":
        return workflow.dossier_withdraw(dossier=dossier, user=user)
    return workflow.dossier_resubmit(dossier=dossier, user=user, note="Đã bổ sung bản chụp.")


def test_the_table_covers_the_citizen_transitions_and_every_status_exists():
    assert {n: set(t.sources) for n, t in workflow.TRANSITIONS.items() if t.actor == workflow.OWNER} == {
        n: {s} for n, s in CITIZEN_TRANSITIONS.items()
    }
    assert set(TRAITS) == set(DossierStatus.values)


@pytest.mark.parametrize("name", sorted(CITIZEN_TRANSITIONS))
@pytest.mark.parametrize("status", sorted(DossierStatus.values))
def test_every_citizen_transition_from_every_status(name, status, citizen, procedure):
    if status == DossierStatus.DRAFT:
        dossier = complete_draft(citizen, procedure)
    else:
        dossier = DossierFactory(owner=citizen, procedure=procedure, **TRAITS[status])
    before = History.objects.filter(dossier=dossier).count()
    if CITIZEN_TRANSITIONS[name] == status:
        result = run(name, dossier, citizen)
        assert result.status == workflow.TRANSITIONS[name].target
        entry = History.objects.filter(dossier=dossier).latest("pk")
        assert (entry.from_status, entry.to_status, entry.action, entry.actor) == (
            status,
            workflow.TRANSITIONS[name].target,
            name,
            citizen,
        )
        assert History.objects.filter(dossier=dossier).count() == before + 1
    else:
        with pytest.raises(workflow.TransitionError) as exc:
            run(name, dossier, citizen)
        assert exc.value.message  # a sentence for people, in Vietnamese
        assert "“" in exc.value.message
        dossier.refresh_from_db()
        assert dossier.status == status
        assert History.objects.filter(dossier=dossier).count() == before


def test_refusal_messages_are_vietnamese(citizen, procedure):
    dossier = DossierFactory(owner=citizen, procedure=procedure, received=True)
    with pytest.raises(workflow.TransitionError) as exc:
        workflow.dossier_withdraw(dossier=dossier, user=citizen)
    assert (
        exc.value.message == "Chỉ rút được hồ sơ mà cơ quan chưa tiếp nhận; hồ sơ này đang ở trạng thái “Đã tiếp nhận”."
    )


def test_only_the_owner_can_move_their_dossier(citizen, procedure):
    dossier = complete_draft(citizen, procedure)
    with pytest.raises(workflow.TransitionError):
        workflow.dossier_send(dossier=dossier, user=UserFactory())
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.DRAFT


def test_send_freezes_the_snapshot_and_queues_one_email_after_commit(
    citizen, procedure, django_capture_on_commit_callbacks
):
    dossier = complete_draft(citizen, procedure, applicant_email="")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sent = workflow.dossier_send(dossier=dossier, user=citizen)
        assert OutgoingEmail.objects.count() == 1  # in the outbox, same transaction
        assert mail.outbox == []  # not delivered before the commit
    assert len(callbacks) == 1
    for callback in callbacks:
        callback()
    assert sent.applicant_email == citizen.email
    assert sent.processing_days == procedure.processing_days
    assert sent.sent_at is not None
    citizen.full_name = "Tên Đã Đổi"
    citizen.save()
    sent.refresh_from_db()
    assert sent.applicant_name == "Nguyễn Thị Hoa"  # the snapshot does not follow the profile
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [citizen.email]
    assert dossier.code in message.subject
    assert "đã được gửi" in message.subject
    assert "5 ngày làm việc" in message.body
    assert f"/lookup/?code={dossier.code}" in message.body


def test_email_is_in_the_owners_language(citizen, procedure, django_capture_on_commit_callbacks):
    citizen.language = "en"
    citizen.save()
    dossier = complete_draft(citizen, procedure)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.dossier_send(dossier=dossier, user=citizen)
    assert mail.outbox[0].subject == f"Dossier {dossier.code} has been sent"


def test_a_replayed_token_is_applied_once(citizen, procedure, django_capture_on_commit_callbacks):
    dossier = complete_draft(citizen, procedure)
    token = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.dossier_send(dossier=dossier, user=citizen, token=token)
        again = workflow.dossier_send(dossier=dossier, user=citizen, token=token)
    assert again.status == DossierStatus.SENT
    assert History.objects.filter(dossier=dossier).count() == 1
    assert OutgoingEmail.objects.count() == 1
    assert len(mail.outbox) == 1
    with pytest.raises(workflow.TransitionError):  # another request (new token) is refused
        workflow.dossier_send(dossier=dossier, user=citizen, token=uuid.uuid4())


def test_send_refuses_an_incomplete_draft_and_says_what_is_missing(citizen, procedure):
    dossier = DossierFactory(owner=citizen, procedure=procedure)
    with pytest.raises(workflow.DossierIncomplete) as exc:
        workflow.dossier_send(dossier=dossier, user=citizen)
    steps = {p.step for p in exc.value.problems}
    assert steps == {"form", "attachments"}
    assert any("Đính kèm “" in m for m in exc.value.messages)
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.DRAFT
    assert not History.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_resubmit_needs_something_new_and_records_it(citizen, procedure):
    dossier = DossierFactory(owner=citizen, procedure=procedure, supplement_requested=True, form_data={"truong": "A"})
    with pytest.raises(workflow.TransitionError) as exc:
        workflow.dossier_resubmit(dossier=dossier, user=citizen)
    assert "Hãy thêm tệp" in exc.value.message
    AttachmentFactory(dossier=dossier, kind=AttachmentKind.SUPPLEMENT)
    result = workflow.dossier_resubmit(dossier=dossier, user=citizen, answers={"truong": "B"}, note="Đã bổ sung.")
    assert result.status == DossierStatus.IN_PROGRESS
    assert result.form_data == {"truong": "B"}
    last = History.objects.filter(dossier=dossier).latest("pk")
    assert (last.from_status, last.to_status, last.note) == (
        DossierStatus.SUPPLEMENT_REQUESTED,
        DossierStatus.IN_PROGRESS,
        "Đã bổ sung.",
    )


def test_allowed_transitions_list_the_buttons_for_a_status(citizen, procedure):
    owner = workflow.OWNER
    assert [t.name for t in workflow.allowed_transitions(DossierFactory(owner=citizen, sent=True), actor=owner)] == [
        "withdraw"
    ]
    assert workflow.allowed_transitions(DossierFactory(owner=citizen, finished=True)) == []


# --- Codes --------------------------------------------------------------------------------


def test_code_is_agency_date_and_six_unambiguous_characters(citizen):
    procedure = DossierProcedureFactory(agency__code="SGDDT-HN")
    dossier = services.dossier_create_draft(owner=citizen, procedure=procedure, applicant={"applicant_name": "A"})
    match = re.fullmatch(r"SGDDT-HN-(\d{6})-([A-Z0-9]{6})", dossier.code)
    assert match
    local_day = timezone.localtime(dossier.created_at).date()  # the date in Vietnam, not UTC
    assert datetime.datetime.strptime(match.group(1), "%y%m%d").date() == local_day
    assert set(match.group(2)) <= set(CODE_ALPHABET)
    assert not set("01OIL") & set(CODE_ALPHABET)


def test_codes_are_random_not_sequential():
    codes = {services.new_dossier_code(agency_code="X", day=datetime.date(2026, 1, 2)) for _ in range(200)}
    assert len(codes) == 200


def test_a_code_collision_is_retried(citizen, monkeypatch):
    procedure = DossierProcedureFactory(agency__code="UBND")
    taken = DossierFactory(procedure=procedure, code="UBND-260102-AAAAAA")
    draws = iter(["UBND-260102-AAAAAA", "UBND-260102-AAAAAA", "UBND-260102-BBBBBB"])
    monkeypatch.setattr(services, "new_dossier_code", lambda **kwargs: next(draws))
    dossier = services.dossier_create_draft(owner=citizen, procedure=procedure, applicant={"applicant_name": "A"})
    assert dossier.code == "UBND-260102-BBBBBB"
    assert Dossier.objects.filter(code=taken.code).count() == 1


def test_deleting_a_draft_removes_its_files_after_commit(citizen, procedure, django_capture_on_commit_callbacks):
    dossier = DossierFactory(owner=citizen, procedure=procedure)
    attachment = AttachmentFactory(dossier=dossier)
    storage, name = attachment.file.storage, attachment.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_delete_draft(dossier=dossier, user=citizen)
    assert not Dossier.objects.filter(pk=dossier.pk).exists()
    assert not storage.exists(name)


def test_a_sent_dossier_is_never_deleted(citizen, procedure):
    dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    with pytest.raises(services.DossierLocked):
        services.dossier_delete_draft(dossier=dossier, user=citizen)
    assert Dossier.objects.filter(pk=dossier.pk).exists()


def test_database_refuses_a_sent_dossier_without_sent_time(citizen, procedure):
    from django.db import IntegrityError, transaction

    dossier = DossierFactory(owner=citizen, procedure=procedure)
    with pytest.raises(IntegrityError), transaction.atomic():
        Dossier.objects.filter(pk=dossier.pk).update(status=DossierStatus.SENT)
