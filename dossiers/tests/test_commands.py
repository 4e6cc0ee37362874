"""The operators' commands: --help for each, what they change, --dry-run changing nothing."""

import csv
import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.constants import EmailStatus
from accounts.models import OutgoingEmail, User
from dossiers import workflow
from dossiers.constants import DayKind, HolidaySource, StaffRole, Timeliness
from dossiers.models import AgencyMembership, Attachment, Dossier, Holiday, OfficerDigest
from dossiers.tests.factories import AgencyFactory, AttachmentFactory, DossierFactory, officer

pytestmark = pytest.mark.django_db

COMMANDS = ["create_agency_staff", "import_holidays", "requeue_emails", "purge_drafts", "dossier_stats"]


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(name, capsys):
    with pytest.raises(SystemExit) as exc:
        call_command(name, "--help")
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "usage:" in text
    if name in ("import_holidays", "requeue_emails", "purge_drafts"):
        assert "--dry-run" in text


# --- create_agency_staff -------------------------------------------------------------------


def test_create_agency_staff_creates_an_officer_who_can_log_in(monkeypatch, client):
    agency = AgencyFactory(code="SGDDT-HN", name="Sở Giáo dục và Đào tạo Hà Nội")
    monkeypatch.setattr("sys.stdin", io.StringIO("Can-bo-mat-khau-2026\n"))
    out = run(
        "create_agency_staff", "Can.Bo@Example.vn", "SGDDT-HN", "receiver", "--name", "Lê Văn Cán", "--password-stdin"
    )
    assert "Created can.bo@example.vn: receiver of SGDDT-HN" in out
    user = User.objects.get(email="can.bo@example.vn")
    assert user.is_staff and not user.is_superuser and user.full_name == "Lê Văn Cán"
    assert AgencyMembership.objects.get(user=user).role == StaffRole.RECEIVER
    assert user.groups.get().name == "Cán bộ tiếp nhận hồ sơ"
    assert user.has_perm("dossiers.receive_dossier") and not user.has_perm("dossiers.process_dossier")
    assert client.login(email="can.bo@example.vn", password="Can-bo-mat-khau-2026")
    assert client.get("/admin/dossiers/dossier/").status_code == 200
    # Again with another role: the role changes, nothing is duplicated.
    out = run("create_agency_staff", "can.bo@example.vn", "SGDDT-HN", "leader")
    assert "Updated" in out
    assert AgencyMembership.objects.get(user=user).role == StaffRole.LEADER
    assert [g.name for g in user.groups.all()] == ["Lãnh đạo đơn vị"]
    assert agency.memberships.count() == 1


def test_create_agency_staff_without_password_leaves_it_unusable():
    AgencyFactory(code="UBND-X")
    out = run("create_agency_staff", "moi@example.vn", "UBND-X", "processor")
    assert "changepassword" in out
    assert not User.objects.get(email="moi@example.vn").has_usable_password()


def test_create_agency_staff_refuses_unknown_agency_and_role():
    with pytest.raises(CommandError, match="No agency"):
        run("create_agency_staff", "a@example.vn", "KHONG-CO", "leader")
    AgencyFactory(code="UBND-Y")
    with pytest.raises(CommandError):
        run("create_agency_staff", "a@example.vn", "UBND-Y", "king")
    assert not User.objects.filter(email="a@example.vn").exists()


# --- import_holidays -----------------------------------------------------------------------


def test_import_holidays_is_idempotent_and_keeps_manual_days():
    out = run("import_holidays", "2026", "--dry-run")
    assert "[dry run] 2026: 15 created" in out
    assert not Holiday.objects.exists()
    out = run("import_holidays", "2026", "2027")
    assert "2026: 15 created" in out
    assert Holiday.objects.get(date=dt.date(2026, 8, 22)).kind == DayKind.WORKING
    assert Holiday.objects.filter(date__year=2026, kind=DayKind.OFF).count() == 14
    manual = Holiday.objects.get(date=dt.date(2026, 9, 1))
    manual.name, manual.source = "Quốc khánh (sửa tay)", HolidaySource.MANUAL
    manual.save()
    stale = Holiday.objects.create(date=dt.date(2026, 7, 7), name="Cũ", source=HolidaySource.IMPORTED)
    count = Holiday.objects.count()
    out = run("import_holidays", "2026")
    assert "0 created, 0 updated, 14 unchanged, 1 removed, 1 entered by hand kept" in out
    assert Holiday.objects.count() == count - 1
    assert not Holiday.objects.filter(pk=stale.pk).exists()
    assert Holiday.objects.get(date=dt.date(2026, 9, 1)).name == "Quốc khánh (sửa tay)"


def test_import_holidays_refuses_a_silly_year():
    with pytest.raises(CommandError):
        run("import_holidays", "20266")


# --- purge_drafts --------------------------------------------------------------------------


def test_purge_drafts_deletes_only_old_drafts(django_capture_on_commit_callbacks):
    old = timezone.now() - dt.timedelta(days=100)
    old_draft = DossierFactory()
    old_file = AttachmentFactory(dossier=old_draft)
    new_draft = DossierFactory()
    old_sent = DossierFactory(sent=True)
    Dossier.objects.filter(pk__in=[old_draft.pk, old_sent.pk]).update(updated_at=old)
    out = run("purge_drafts", "--older-than", "90", "--dry-run")
    assert old_draft.code in out and "1 draft(s) would be deleted" in out
    assert Dossier.objects.count() == 3
    storage, name = old_file.file.storage, old_file.file.name
    with django_capture_on_commit_callbacks(execute=True):
        out = run("purge_drafts", "--older-than", "90")
    assert "Deleted 1 draft(s)" in out
    assert set(Dossier.objects.values_list("pk", flat=True)) == {new_draft.pk, old_sent.pk}
    assert not Attachment.objects.filter(pk=old_file.pk).exists()
    assert not storage.exists(name)


def test_purge_drafts_needs_a_positive_age():
    with pytest.raises(CommandError):
        run("purge_drafts", "--older-than", "0")


# --- requeue_emails ------------------------------------------------------------------------


def test_requeue_emails_sends_failed_and_stuck_emails_once(django_capture_on_commit_callbacks):
    def outbox_row(subject, status, minutes_ago):
        row = OutgoingEmail.objects.create(
            to=["a@example.vn"], subject=subject, body_text="x", from_email="no-reply@example.vn", status=status
        )
        OutgoingEmail.objects.filter(pk=row.pk).update(created_at=timezone.now() - dt.timedelta(minutes=minutes_ago))
        return row

    failed = outbox_row("Thất bại", EmailStatus.FAILED, 60)
    outbox_row("Kẹt", EmailStatus.PENDING, 60)
    fresh = outbox_row("Mới", EmailStatus.PENDING, 1)
    sent = outbox_row("Đã gửi", EmailStatus.SENT, 60)
    out = run("requeue_emails", "--stuck-minutes", "15", "--dry-run")
    assert "Thất bại" in out and "Kẹt" in out and "Mới" not in out and "2 email(s)" in out
    out = run("requeue_emails", "--stuck-minutes", "15", "--pending-only", "--dry-run")
    assert "Thất bại" not in out and "Kẹt" in out and "1 email(s)" in out
    assert OutgoingEmail.objects.get(pk=failed.pk).status == EmailStatus.FAILED
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        out = run("requeue_emails", "--stuck-minutes", "15")
    assert "Queued 2 email(s)" in out
    assert sorted(m.subject for m in mail.outbox) == ["Kẹt", "Thất bại"]
    assert OutgoingEmail.objects.get(pk=fresh.pk).status == EmailStatus.PENDING
    assert OutgoingEmail.objects.get(pk=sent.pk).status == EmailStatus.SENT
    with django_capture_on_commit_callbacks(execute=True):
        run("requeue_emails", "--stuck-minutes", "15")
    assert len(mail.outbox) == 2  # nothing left to send


# --- dossier_stats -------------------------------------------------------------------------


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def test_dossier_stats_counts_per_agency_and_month(frozen_now, procedure, agency_officer):
    agency = procedure.agency
    other = AgencyFactory(code="ZZ-KHAC")
    frozen_now(dt.datetime(2026, 4, 10, 9, 0))

    def dossier(**fields):
        return DossierFactory(procedure=procedure, **fields)

    dossier(received=True, received_at=_at(dt.date(2026, 2, 3)), due_date=dt.date(2026, 3, 20))  # open, overdue
    dossier(
        finished=True,
        received_at=_at(dt.date(2026, 2, 5)),
        finished_at=_at(dt.date(2026, 2, 9)),
        due_date=dt.date(2026, 2, 12),
        timeliness=Timeliness.EARLY,
    )
    dossier(
        finished=True,
        received_at=_at(dt.date(2026, 3, 2)),
        finished_at=_at(dt.date(2026, 3, 9)),
        due_date=dt.date(2026, 3, 9),
        timeliness=Timeliness.ON_TIME,
    )
    dossier(
        finished=True,
        received_at=_at(dt.date(2026, 3, 2)),
        finished_at=_at(dt.date(2026, 3, 16)),
        due_date=dt.date(2026, 3, 10),
        timeliness=Timeliness.LATE,
    )
    dossier(
        rejected=True,
        received_at=_at(dt.date(2026, 3, 3)),
        finished_at=_at(dt.date(2026, 3, 4)),
        due_date=dt.date(2026, 3, 10),
        timeliness=Timeliness.EARLY,
    )
    # Received at 23:00 on 31/03 in Vietnam (16:00 UTC): counted in March.
    waiting = dossier(in_progress=True, received_at=_at(dt.date(2026, 3, 31), 23), due_date=dt.date(2026, 4, 30))
    frozen_now(dt.datetime(2026, 4, 2, 9, 0))
    workflow.dossier_apologise(dossier=waiting, user=agency_officer, new_due_date=dt.date(2026, 5, 5), reason="Chậm.")
    DossierFactory(procedure__agency=other, received=True, received_at=_at(dt.date(2026, 3, 5)))
    frozen_now(dt.datetime(2026, 4, 10, 9, 0))

    out = run("dossier_stats", "--from", "2026-02-01", "--to", "2026-04-30", "--agency", agency.code)
    rows = list(csv.DictReader(io.StringIO(out)))
    by_month = {r["month"]: r for r in rows}
    assert set(by_month) == {"2026-02", "2026-03", "2026-04"}
    assert {r["agency_code"] for r in rows} == {agency.code}
    feb, mar, apr = by_month["2026-02"], by_month["2026-03"], by_month["2026-04"]
    assert (feb["received"], feb["finished"], feb["finished_early"]) == ("2", "1", "1")
    assert (mar["received"], mar["finished"], mar["finished_on_time"], mar["finished_late"], mar["rejected"]) == (
        "4",
        "2",
        "1",
        "1",
        "1",
    )
    assert mar["overdue"] == "2"  # the open one due 20/03 and the one finished late
    assert (apr["apologies"], apr["received"]) == ("1", "0")
    everyone = run("dossier_stats", "--from", "2026-03-01", "--to", "2026-03-31")
    assert "ZZ-KHAC" in everyone


def test_dossier_stats_refuses_bad_input():
    with pytest.raises(CommandError, match="not a date"):
        run("dossier_stats", "--from", "2026-13-01", "--to", "2026-12-31")
    with pytest.raises(CommandError, match="before"):
        run("dossier_stats", "--from", "2026-12-01", "--to", "2026-01-31")
    with pytest.raises(CommandError, match="No agency"):
        run("dossier_stats", "--from", "2026-01-01", "--to", "2026-01-31", "--agency", "KHONG")


# --- The officers' daily digest (beat task) ------------------------------------------------


def test_officer_digest_lists_due_soon_and_overdue_once_a_day(procedure, django_capture_on_commit_callbacks):
    from dossiers.tasks import send_officer_digests

    today = dt.date.today()
    leader = officer(procedure.agency, StaffRole.LEADER)
    receiver = officer(procedure.agency, StaffRole.RECEIVER)
    elsewhere = officer(AgencyFactory(), StaffRole.LEADER)
    late = DossierFactory(procedure=procedure, in_progress=True, due_date=today - dt.timedelta(days=2))
    soon = DossierFactory(procedure=procedure, received=True, due_date=today)
    calm = DossierFactory(procedure=procedure, in_progress=True, due_date=today + dt.timedelta(days=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_officer_digests() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([leader.email, receiver.email])
    message = next(m for m in mail.outbox if m.to == [leader.email])
    assert "1 quá hạn, 1 sắp đến hạn" in message.subject
    assert late.code in message.body and soon.code in message.body and calm.code not in message.body
    assert f"/admin/dossiers/dossier/{late.pk}/change/" in message.body
    assert elsewhere.email not in [m.to[0] for m in mail.outbox]
    with django_capture_on_commit_callbacks(execute=True):
        assert send_officer_digests() == 0  # the same day again: nothing
    assert len(mail.outbox) == 2
    assert OfficerDigest.objects.count() == 2


def test_the_digest_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["dossier-officer-digest"]
    assert entry["task"] == "dossiers.tasks.send_officer_digests"
    assert entry["schedule"].hour == {7}
