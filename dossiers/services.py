"""Writes for dossiers other than status changes (those live in ``dossiers.workflow``)."""

import datetime
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from procedures.models import Agency, Procedure, RequiredDocument

from . import deadlines
from .constants import (
    CODE_ALPHABET,
    CODE_RANDOM_LENGTH,
    PERM_PROCESS,
    ROLE_GROUPS,
    ROLE_PERMISSIONS,
    AccessorRole,
    AttachmentKind,
    DossierStatus,
    HolidaySource,
    ResultStatus,
    StaffRole,
    StoreSource,
    WizardStep,
)
from .files import CheckedFile, FileRejected
from .models import (
    AgencyMembership,
    Attachment,
    Dossier,
    FileAccess,
    Holiday,
    Rating,
    Result,
    StoredDocument,
)
from .permissions import has_agency_permission

logger = logging.getLogger(__name__)

CODE_ATTEMPTS = 8
APPLICANT_FIELDS = (
    "applicant_type",
    "applicant_name",
    "applicant_id_number",
    "applicant_date_of_birth",
    "applicant_gender",
    "applicant_representative",
    "applicant_phone",
    "applicant_email",
    "applicant_address",
    "applicant_province",
    "applicant_commune",
    "applicant_street",
    "result_delivery",
    "result_address",
    "result_province",
    "result_commune",
    "result_street",
)


class DossierLocked(Exception):
    """The dossier is no longer in a state where this change is allowed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def new_dossier_code(*, agency_code: str, day: datetime.date) -> str:
    """``<AGENCY>-<YYMMDD>-<6 random characters>``: typed from paper, read aloud, never guessed."""
    random_part = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_RANDOM_LENGTH))
    return f"{agency_code}-{day:%y%m%d}-{random_part}"


def _mark_done(dossier: Dossier, step: str) -> None:
    done = list(dossier.steps_done or [])
    if step not in done:
        done.append(step)
    dossier.steps_done = done
    dossier.typed_input = {k: v for k, v in (dossier.typed_input or {}).items() if k != step}


def _apply_applicant(dossier: Dossier, data: dict) -> None:
    for name in APPLICANT_FIELDS:
        if name in data:
            value = data[name]
            setattr(dossier, name, value if value is not None or name == "applicant_date_of_birth" else "")
    if dossier.result_delivery != "post":
        dossier.result_address = dossier.result_province = dossier.result_commune = dossier.result_street = ""


def dossier_create_draft(*, owner: User, procedure: Procedure, applicant: dict) -> Dossier:
    """Open a draft with step 1 saved; the code is drawn with ``secrets`` and redrawn on a collision.

    Each attempt runs in its own savepoint so a collision (unique code) costs one retry, not the
    request. Eight collisions in a row among 887 million codes a day means something else is wrong.
    """
    today = timezone.localdate()
    for _attempt in range(CODE_ATTEMPTS):
        dossier = Dossier(
            code=new_dossier_code(agency_code=procedure.agency.code, day=today),
            owner=owner,
            procedure=procedure,
            agency=procedure.agency,
            current_step=WizardStep.APPLICANT,
        )
        _apply_applicant(dossier, applicant)
        _mark_done(dossier, WizardStep.APPLICANT)
        dossier.full_clean(exclude=["code", "owner", "procedure", "agency"], validate_constraints=False)
        try:
            with transaction.atomic():
                dossier.save()
        except IntegrityError:
            if Dossier.objects.filter(code=dossier.code).exists():
                continue
            raise
        return dossier
    raise RuntimeError("Could not draw a free dossier code")


def _require_draft(dossier: Dossier) -> None:
    if dossier.status != DossierStatus.DRAFT:
        raise DossierLocked(_("This dossier has been sent and can no longer be edited here."))


@transaction.atomic
def dossier_save_applicant(*, dossier: Dossier, data: dict) -> Dossier:
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    _require_draft(locked)
    _apply_applicant(locked, data)
    _mark_done(locked, WizardStep.APPLICANT)
    locked.full_clean(exclude=["owner", "procedure", "agency"], validate_unique=False, validate_constraints=False)
    locked.save()
    return locked


@transaction.atomic
def dossier_save_answers(*, dossier: Dossier, answers: dict) -> Dossier:
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    _require_draft(locked)
    locked.form_data = answers
    _mark_done(locked, WizardStep.FORM)
    locked.save(update_fields=["form_data", "steps_done", "typed_input", "updated_at"])
    return locked


@transaction.atomic
def dossier_mark_step_done(*, dossier: Dossier, step: str) -> Dossier:
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    _require_draft(locked)
    _mark_done(locked, step)
    locked.save(update_fields=["steps_done", "typed_input", "updated_at"])
    return locked


@transaction.atomic
def dossier_keep_typed_input(*, dossier: Dossier, step: str, typed: dict[str, list[str]]) -> Dossier:
    """Keep what was typed on ``step`` although it does not validate yet (the citizen moved to
    another step): nothing typed is lost; the step counts as not complete until it is corrected."""
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    _require_draft(locked)
    locked.typed_input = {**(locked.typed_input or {}), step: typed}
    locked.steps_done = [s for s in (locked.steps_done or []) if s != step]
    locked.save(update_fields=["typed_input", "steps_done", "updated_at"])
    return locked


def dossier_set_current_step(*, dossier: Dossier, step: str) -> None:
    """Remember the step the citizen opened, to bring them back to it after logging in again."""
    if dossier.current_step != step:
        Dossier.objects.filter(pk=dossier.pk, status=DossierStatus.DRAFT).update(current_step=step)
        dossier.current_step = step


def _upload_allowed(dossier: Dossier, kind: str) -> None:
    if kind == AttachmentKind.APPLICANT and dossier.status != DossierStatus.DRAFT:
        raise DossierLocked(_("This dossier has been sent: its documents can no longer be changed."))
    if kind == AttachmentKind.SUPPLEMENT and dossier.status != DossierStatus.SUPPLEMENT_REQUESTED:
        raise DossierLocked(_("The agency is not waiting for a supplement to this dossier."))


def _check_dossier_limits(locked: Dossier, *, name: str, size: int) -> None:
    stats = locked.attachments.aggregate(total=Sum("size"), count=Count("pk"))
    total, count = stats["total"] or 0, stats["count"] or 0
    if total + size > settings.DOSSIER_MAX_TOTAL_SIZE:
        raise FileRejected(
            _("“%(name)s” was not added: the dossier's files together may not exceed %(max)s.")
            % {"name": name, "max": filesizeformat(settings.DOSSIER_MAX_TOTAL_SIZE)}
        )
    if count >= settings.DOSSIER_MAX_FILES_PER_DOSSIER:
        raise FileRejected(
            _("“%(name)s” was not added: a dossier may have at most %(max)s files.")
            % {"name": name, "max": settings.DOSSIER_MAX_FILES_PER_DOSSIER}
        )


@transaction.atomic
def attachment_add(
    *,
    dossier: Dossier,
    checked: CheckedFile,
    user: User,
    kind: str = AttachmentKind.APPLICANT,
    document: RequiredDocument | None = None,
) -> Attachment:
    """Store one checked file. The dossier row is locked so two uploads cannot both pass the total limit."""
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    _upload_allowed(locked, kind)
    if document is not None and document.procedure_id != locked.procedure_id:
        raise FileRejected(_("This document does not belong to the dossier's procedure."))
    _check_dossier_limits(locked, name=checked.name, size=checked.size)
    attachment = Attachment(
        dossier=locked,
        document=document,
        kind=kind,
        original_name=checked.original_name,
        name=checked.name,
        size=checked.size,
        content_type=checked.content_type,
        sha256=checked.sha256,
        uploaded_by=user,
    )
    attachment.file.save(checked.name, checked.upload, save=False)
    try:
        attachment.full_clean(exclude=["dossier", "document", "uploaded_by", "file"], validate_constraints=False)
        attachment.save()
        Dossier.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    except BaseException:
        # Django has no rollback hook: remove the stored file ourselves so no orphan stays on disk.
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


@transaction.atomic
def attachment_add_from_store(
    *,
    dossier: Dossier,
    stored_id: int,
    user: User,
    kind: str = AttachmentKind.APPLICANT,
    document: RequiredDocument | None = None,
) -> Attachment:
    """ "Chọn từ kho giấy tờ": attach a document of the citizen's store by reference, without a new
    upload. The file stays the store's; from now on the dossier's access rules apply to it too
    (the receiving agency's officers may open it through this dossier, and only through it).

    Only the dossier owner's own live documents can be chosen: any other id is refused with the
    same message as one that does not exist.
    """
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    _upload_allowed(locked, kind)
    if locked.owner_id != user.pk:
        raise DossierLocked(_("Only the applicant can attach documents to this dossier."))
    if document is not None and document.procedure_id != locked.procedure_id:
        raise FileRejected(_("This document does not belong to the dossier's procedure."))
    stored = StoredDocument.objects.filter(owner=user, deleted_at__isnull=True, pk=stored_id).first()
    if stored is None:
        raise FileRejected(_("This document is not in your document store. Choose another one or upload the file."))
    if locked.attachments.filter(stored=stored, document=document, kind=kind).exists():
        return locked.attachments.get(stored=stored, document=document, kind=kind)  # chosen twice: once
    _check_dossier_limits(locked, name=stored.name, size=stored.size)
    attachment = Attachment(
        dossier=locked,
        document=document,
        kind=kind,
        file=stored.file.name,
        original_name=stored.name,
        name=stored.name,
        size=stored.size,
        content_type=stored.content_type,
        sha256=stored.sha256,
        uploaded_by=user,
        stored=stored,
    )
    attachment.full_clean(exclude=["dossier", "document", "uploaded_by", "file", "stored"], validate_constraints=False)
    attachment.save()
    Dossier.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    return attachment


@transaction.atomic
def attachment_delete(*, dossier: Dossier, attachment_id: int, user: User) -> bool:
    """Remove one of the citizen's own files while it can still change (draft or open supplement)."""
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    attachment = locked.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        return False
    if attachment.kind == AttachmentKind.RESULT:
        raise DossierLocked(_("Result files cannot be removed."))
    _upload_allowed(locked, attachment.kind)
    sent_before = locked.supplement_requested_at and attachment.uploaded_at < locked.supplement_requested_at
    if attachment.kind == AttachmentKind.SUPPLEMENT and sent_before:
        raise DossierLocked(_("Files already sent to the agency cannot be removed."))
    name, storage, owns_file = attachment.file.name, attachment.file.storage, attachment.owns_file
    attachment.delete()
    if owns_file:  # a file chosen from the store stays in the store
        transaction.on_commit(lambda: storage.delete(name))
    return True


@transaction.atomic
def dossier_delete_draft(*, dossier: Dossier, user: User) -> None:
    """Delete a draft and its files (after commit). A sent dossier is a record: never deleted here."""
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if locked.owner_id != user.pk:
        raise DossierLocked(_("Only the applicant can delete this dossier."))
    if locked.status != DossierStatus.DRAFT:
        raise DossierLocked(_("Only a dossier that has not been sent can be deleted."))
    files = [(a.file.storage, a.file.name) for a in locked.attachments.all() if a.owns_file]
    locked.delete()

    def remove_files() -> None:
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(remove_files)


@transaction.atomic
def rating_create(*, dossier: Dossier, user: User, score: int, comment: str = "") -> Rating:
    """The owner rates a finished dossier once; a second rating is refused, not overwritten."""
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if locked.owner_id != user.pk:
        raise DossierLocked(_("Only the applicant can rate this dossier."))
    if locked.status != DossierStatus.FINISHED:
        raise DossierLocked(_("A dossier can be rated once it is finished."))
    if Rating.objects.filter(dossier=locked).exists():
        raise DossierLocked(_("You have already rated this dossier."))
    rating = Rating(dossier=locked, score=score, comment=comment.strip())
    try:
        rating.full_clean(exclude=["dossier"])
    except ValidationError as exc:
        raise DossierLocked(" ".join(exc.messages)) from exc
    rating.save()
    return rating


# --- Back office (issue 5) ----------------------------------------------------------------


def role_groups_ensure() -> dict[str, Group]:
    """The Django group of each staff role, created with its default permissions when missing.

    Runs after every ``migrate`` (post_migrate) and before granting a role. An existing group is
    left as operators configured it: only a group created here gets the defaults.
    """
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    create_permissions(apps.get_app_config("dossiers"), verbosity=0)
    groups = {}
    for role, name in ROLE_GROUPS.items():
        group, created = Group.objects.get_or_create(name=name)
        if created:
            group.permissions.set(
                Permission.objects.filter(content_type__app_label="dossiers", codename__in=ROLE_PERMISSIONS[role])
            )
        groups[role] = group
    return groups


@transaction.atomic
def membership_grant(*, user: User, agency: Agency, role: str) -> AgencyMembership:
    """Make ``user`` an officer of ``agency`` with ``role`` (one role per agency; granting again changes it).

    The user becomes staff (can log into admin) and joins the role's group, which carries the
    permissions; a role group the user no longer needs for any agency is left.
    """
    if role not in StaffRole.values:
        raise ValidationError(_("Unknown role “%(role)s”.") % {"role": role})
    membership, _created = AgencyMembership.objects.update_or_create(user=user, agency=agency, defaults={"role": role})
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    membership_sync_groups(user=user)
    return membership


@transaction.atomic
def membership_sync_groups(*, user: User) -> None:
    """Put ``user`` in the group of each role they hold in some agency, and out of the others."""
    groups = role_groups_ensure()
    held = set(AgencyMembership.objects.filter(user=user).values_list("role", flat=True))
    user.groups.add(*[groups[r] for r in StaffRole.values if r in held])
    user.groups.remove(*[groups[r] for r in StaffRole.values if r not in held])


@dataclass
class HolidayImport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    kept_manual: int = 0


@transaction.atomic
def holidays_import(*, year: int, dry_run: bool = False) -> HolidayImport:
    """Store the ``holidays`` package's Vietnam calendar for ``year`` (idempotent).

    Rows entered by hand are never overwritten; imported rows that the package no longer lists for
    that year are removed, so running it again after a package update corrects the calendar.
    """
    result = HolidayImport()
    wanted = {day: (name[:200], kind) for day, name, kind in deadlines.vietnam_calendar(year)}
    existing = {h.date: h for h in Holiday.objects.select_for_update().filter(date__year=year)}
    for day, (name, kind) in wanted.items():
        row = existing.get(day)
        if row is None:
            result.created += 1
            if not dry_run:
                Holiday.objects.create(date=day, name=name, kind=kind, source=HolidaySource.IMPORTED)
        elif row.source == HolidaySource.MANUAL:
            result.kept_manual += 1
        elif (row.name, row.kind) == (name, kind):
            result.unchanged += 1
        else:
            result.updated += 1
            if not dry_run:
                row.name, row.kind = name, kind
                row.save(update_fields=["name", "kind"])
    stale = [h.pk for d, h in existing.items() if d not in wanted and h.source == HolidaySource.IMPORTED]
    result.removed = len(stale)
    if stale and not dry_run:
        Holiday.objects.filter(pk__in=stale).delete()
    return result


def drafts_to_purge(*, older_than_days: int):
    """Drafts untouched for ``older_than_days`` days; a sent dossier is never among them."""
    cutoff = timezone.now() - datetime.timedelta(days=older_than_days)
    return Dossier.objects.filter(status=DossierStatus.DRAFT, sent_at__isnull=True, updated_at__lt=cutoff)


def drafts_purge(*, older_than_days: int, batch_size: int = 500) -> int:
    """Delete abandoned drafts and their files (files after each batch commits). Returns how many."""
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    total = 0
    while True:
        with transaction.atomic():
            batch = list(
                drafts_to_purge(older_than_days=older_than_days)
                .select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not batch:
                return total
            files = [
                (a.file.storage, a.file.name)
                for a in Attachment.objects.filter(dossier_id__in=batch, stored__isnull=True).only("file", "dossier_id")
            ]
            # Re-check the status inside the lock: a draft sent meanwhile is not deleted.
            Dossier.objects.filter(pk__in=batch, status=DossierStatus.DRAFT).delete()

            def remove_files(files=files) -> None:
                for storage, name in files:
                    storage.delete(name)

            transaction.on_commit(remove_files)
        total += len(batch)


# --- Electronic results and the document store (issue 22) ----------------------------------


class ResultRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@transaction.atomic
def result_revoke(*, result: Result, user: User, reason: str) -> Result:
    """An officer of the issuing agency (with the processing permission) revokes a result: the
    verification page says so from now on, with the date. The reason stays with the agency."""
    reason = (reason or "").strip()
    if not reason:
        raise ResultRefused(_("Give the reason the result is revoked."))
    locked = Result.objects.select_for_update().get(pk=result.pk)
    if not has_agency_permission(user, locked.agency_id, PERM_PROCESS):
        raise ResultRefused(_("Your role in the issuing agency does not allow this action."))
    if locked.status == ResultStatus.REVOKED:
        raise ResultRefused(_("This result was already revoked."))
    locked.status = ResultStatus.REVOKED
    locked.revoked_at = timezone.now()
    locked.revoked_by = user
    locked.revocation_reason = reason
    locked.save(update_fields=["status", "revoked_at", "revoked_by", "revocation_reason"])
    return locked


def _copy_to_store(attachment: Attachment) -> str:
    """A copy of the attachment's file under the store's folder; returns its storage name."""
    from .models import store_upload_to

    storage = attachment.file.storage
    with storage.open(attachment.file.name, "rb") as handle:
        return storage.save(store_upload_to(None, attachment.file.name), handle)


@transaction.atomic
def store_keep(*, attachment: Attachment, user: User) -> StoredDocument:
    """Keep one of the citizen's own dossier files in their document store (a copy the store owns,
    so deleting the draft later does not take it). Keeping the same file twice keeps it once."""
    if attachment.dossier.owner_id != user.pk or attachment.kind == AttachmentKind.RESULT:
        raise DossierLocked(_("Only your own documents can be kept in your document store."))
    if attachment.stored_id is not None:
        return attachment.stored  # it came from the store
    existing = StoredDocument.objects.filter(
        owner=user, sha256=attachment.sha256, dossier_code=attachment.dossier.code, deleted_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    name = _copy_to_store(attachment)
    try:
        stored = StoredDocument(
            owner=user,
            source=StoreSource.DOSSIER,
            kind=(attachment.document.name if attachment.document else str(_("Other documents")))[:255],
            document=attachment.document,
            dossier=attachment.dossier,
            dossier_code=attachment.dossier.code,
            file=name,
            name=attachment.name,
            size=attachment.size,
            content_type=attachment.content_type,
            sha256=attachment.sha256,
        )
        with transaction.atomic():
            stored.save()
    except IntegrityError:  # kept by a second click at the same moment: that one counts
        attachment.file.storage.delete(name)
        return StoredDocument.objects.get(
            owner=user, sha256=attachment.sha256, dossier_code=attachment.dossier.code, deleted_at__isnull=True
        )
    except BaseException:
        attachment.file.storage.delete(name)
        raise
    return stored


@transaction.atomic
def store_delete(*, stored: StoredDocument, user: User) -> None:
    """The citizen removes a kept file from their store: gone from the list at once, its file
    removed by ``store_purge`` once no dossier attaches it. A result stays (an issued record)."""
    locked = StoredDocument.objects.select_for_update().get(pk=stored.pk)
    if locked.owner_id != user.pk:
        raise DossierLocked(_("This document is not in your document store."))
    if locked.source == StoreSource.RESULT:
        raise DossierLocked(_("A result issued by an agency stays in your store as an issued record."))
    if locked.deleted_at is None:
        locked.deleted_at = timezone.now()
        locked.save(update_fields=["deleted_at"])


def store_purge(*, batch_size: int = 500) -> int:
    """Remove from storage the files the citizens deleted from their stores, once no dossier
    attaches them any more (an attached file belongs to the dossier's record). Returns how many."""
    total = 0
    while True:
        with transaction.atomic():
            batch = list(
                StoredDocument.objects.filter(
                    source=StoreSource.DOSSIER, deleted_at__isnull=False, attachments__isnull=True
                )
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return total
            files = [(s.file.storage, s.file.name) for s in batch]
            StoredDocument.objects.filter(pk__in=[s.pk for s in batch]).delete()

            def remove_files(files=files) -> None:
                for storage, name in files:
                    storage.delete(name)

            transaction.on_commit(remove_files)
        total += len(batch)


def accessor_role(user: User, agency_id: int | None) -> str:
    """The role the citizen is told for someone who opened their file (1 query)."""
    if user.is_superuser:
        return AccessorRole.ADMINISTRATOR
    role = AgencyMembership.objects.filter(user=user, agency_id=agency_id).values_list("role", flat=True).first()
    return role or AccessorRole.ADMINISTRATOR


def file_access_record(*, attachment: Attachment, user: User) -> FileAccess | None:
    """Record that ``user`` opened ``attachment`` when they are not its dossier's owner (an
    officer, through a dossier of their agency). The owner sees the agency and the role."""
    dossier = attachment.dossier
    if dossier.owner_id == user.pk:
        return None
    return FileAccess.objects.create(
        owner_id=dossier.owner_id,
        attachment=attachment,
        stored_id=attachment.stored_id,
        file_name=attachment.name,
        dossier_code=dossier.code,
        agency_id=dossier.agency_id,
        role=accessor_role(user, dossier.agency_id),
        user=user,
    )


def results_past_retention(*, now: datetime.datetime | None = None) -> QuerySet[Result]:
    """Results whose file is still stored although their agency's retention period is over
    (``RESULT_RETENTION_YEARS``, per agency ``RESULT_RETENTION_YEARS_<CODE>``)."""
    from .results import key_name

    now = now or timezone.now()
    overrides = settings.RESULT_RETENTION_YEARS_BY_AGENCY

    def cutoff(years: int) -> datetime.datetime:
        return now - datetime.timedelta(days=365 * years + years // 4)

    overridden = {
        agency.pk: overrides[key_name(agency.code)]
        for agency in Agency.objects.only("pk", "code")
        if key_name(agency.code) in overrides
    }
    expired = Q(issued_at__lt=cutoff(settings.RESULT_RETENTION_YEARS)) & ~Q(agency_id__in=list(overridden))
    for agency_id, years in overridden.items():
        expired |= Q(agency_id=agency_id, issued_at__lt=cutoff(years))
    return Result.objects.filter(expired, file_removed_at__isnull=True)


def results_purge(*, now: datetime.datetime | None = None) -> int:
    """Remove from storage the files of results kept for their agency's whole retention period.
    The record stays: its code still verifies, by the hash, a copy someone kept."""
    total = 0
    for result in results_past_retention(now=now).select_related("attachment").order_by("pk").iterator():
        with transaction.atomic():
            updated = Result.objects.filter(pk=result.pk, file_removed_at__isnull=True).update(
                file_removed_at=timezone.now()
            )
            if updated:
                file = result.attachment.file
                transaction.on_commit(lambda storage=file.storage, name=file.name: storage.delete(name))
                total += 1
    return total
