import uuid
from pathlib import PurePosixPath
from urllib.parse import urlencode

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from accounts.constants import AccountType, Gender
from procedures.models import Agency, Procedure, RequiredDocument

from .constants import (
    OPEN_STATUSES,
    AccessorRole,
    AttachmentKind,
    DayKind,
    DossierStatus,
    HolidaySource,
    ReasonKind,
    ResultDelivery,
    ResultStatus,
    StaffRole,
    StoreSource,
    Timeliness,
    WizardStep,
)


class Dossier(models.Model):
    """A citizen's application (hồ sơ) for one procedure, from draft to result.

    The code is given when the draft is created, not at sending: the wizard's URLs, the "resume"
    link and a bookmark all keep working through the whole life of the dossier, and the random
    part makes a code useless for guessing another. Its date part is the day the dossier was opened;
    the receipt shows the sending time separately.

    The applicant fields are the snapshot the citizen confirmed in step 1 (prefilled from the
    profile); they are frozen when the dossier is sent, so later profile edits never rewrite what
    the agency received. ``status`` is changed only by ``dossiers.workflow``.
    """

    code = models.CharField(_("dossier code"), max_length=60, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="dossiers"
    )
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="dossiers"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("receiving agency"), on_delete=models.PROTECT, related_name="dossiers"
    )
    status = models.CharField(
        _("status"), max_length=30, choices=DossierStatus.choices, default=DossierStatus.DRAFT, editable=False
    )

    # Applicant snapshot (step 1)
    applicant_type = models.CharField(
        _("kind of applicant"), max_length=20, choices=AccountType.choices, default=AccountType.PERSONAL
    )
    applicant_name = models.CharField(_("applicant name"), max_length=255, blank=True)
    applicant_id_number = models.CharField(_("citizen ID or tax code"), max_length=14, blank=True)
    applicant_date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    applicant_gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    applicant_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    applicant_phone = models.CharField(_("phone"), max_length=15, blank=True)
    applicant_email = models.EmailField(_("email"), blank=True)
    # Addresses: province and commune codes (core.admin_units) and the street line, and the full
    # address composed from them when the step was saved (what the agency receives, frozen with the
    # dossier); ``*_legacy`` keeps a text of the old three tiers that ``convert_addresses`` rewrote.
    applicant_address = models.CharField(_("address"), max_length=255, blank=True)
    applicant_province = models.CharField(_("province or city"), max_length=2, blank=True)
    applicant_commune = models.CharField(_("commune, ward or special zone"), max_length=5, blank=True)
    applicant_street = models.CharField(_("house number, street or village"), max_length=255, blank=True)
    applicant_address_legacy = models.CharField(
        _("address before 1 July 2025"), max_length=255, blank=True, editable=False
    )

    # Electronic declaration form (step 2): {FormField.key: JSON value}, validated against the
    # procedure's FormFields by dossiers.eform.
    form_data = models.JSONField(_("declaration form answers"), default=dict, blank=True)

    result_delivery = models.CharField(
        _("how to receive the result"), max_length=20, choices=ResultDelivery.choices, default=ResultDelivery.COUNTER
    )
    result_address = models.CharField(_("postal address for the result"), max_length=255, blank=True)
    result_province = models.CharField(_("province or city"), max_length=2, blank=True)
    result_commune = models.CharField(_("commune, ward or special zone"), max_length=5, blank=True)
    result_street = models.CharField(_("house number, street or village"), max_length=255, blank=True)
    result_address_legacy = models.CharField(
        _("postal address before 1 July 2025"), max_length=255, blank=True, editable=False
    )
    # A result sent by post: the number the post office gave, recorded by the officer at finishing.
    postal_tracking_number = models.CharField(_("postal tracking number"), max_length=40, blank=True)

    # Wizard progress: the step last opened (to return to it) and the steps completed with "Next".
    current_step = models.CharField(
        _("current step"), max_length=20, choices=WizardStep.choices, default=WizardStep.APPLICANT
    )
    steps_done = models.JSONField(_("completed steps"), default=list, blank=True)
    # What was typed on a step that did not validate when the citizen moved to another step
    # ({step: {field name: [values]}}): kept so nothing typed is lost, shown again (marked) on the
    # step, and blocking the send until corrected. Cleared when the step is saved valid.
    typed_input = models.JSONField(_("input not yet valid"), default=dict, blank=True)

    # Supplement request (set by the agency's transition, shown to the citizen).
    supplement_request = models.TextField(_("supplement requested"), blank=True)
    # What the request asks per document ({document pk: what is missing}) and which declaration
    # answers it reopens (form field keys): the citizen's supplement page shows only those.
    supplement_documents = models.JSONField(_("documents asked for"), default=dict, blank=True)
    supplement_fields = models.JSONField(_("answers reopened"), default=list, blank=True)
    supplement_requested_at = models.DateTimeField(_("supplement requested at"), null=True, blank=True)
    supplement_due = models.DateField(_("supplement due by"), null=True, blank=True)

    processing_days = models.PositiveSmallIntegerField(_("processing time (working days)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    # The appointment date for the result (ngày hẹn trả kết quả), in working days from reception;
    # moved by a resubmitted supplement and by an apology. See dossiers.deadlines.
    due_date = models.DateField(_("due date"), null=True, blank=True)
    # The time of the agency's decision: the result (finished) or a rejection.
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Back office (issue 5): what the statistics and the clock need, written by the workflow only.
    timeliness = models.CharField(
        _("timeliness"), max_length=10, choices=Timeliness.choices, blank=True, default="", editable=False
    )
    paused_remaining_days = models.PositiveSmallIntegerField(
        _("working days left when the clock stopped"), null=True, blank=True, editable=False
    )
    apology_count = models.PositiveSmallIntegerField(_("apologies issued"), default=0, editable=False)
    result_pickup_date = models.DateField(_("result ready for pickup on"), null=True, blank=True)
    # Back office (issue 20): the processing officer the dossier is given to (``workflow.dossier_assign``),
    # and the reception deadline, 8 working hours after sending (``deadlines.reception_deadline``).
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_dossiers",
        editable=False,
    )
    reception_due_at = models.DateTimeField(_("to be received by"), null=True, blank=True, editable=False)
    reception_late = models.BooleanField(_("received after the reception deadline"), default=False, editable=False)

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["owner", "status"], name="dossier_owner_status_idx"),
            models.Index(fields=["agency", "status"], name="dossier_agency_status_idx"),
            # Statistics per agency and month, and the overdue / due-soon filters.
            models.Index(fields=["agency", "received_at"], name="dossier_agency_received_idx"),
            models.Index(fields=["agency", "finished_at"], name="dossier_agency_finished_idx"),
            models.Index(fields=["status", "due_date"], name="dossier_status_due_idx"),
            # The officers' queues: "assigned to me" and the load per officer.
            models.Index(
                fields=["assigned_to", "status"],
                condition=models.Q(assigned_to__isnull=False),
                name="dossier_assigned_status_idx",
            ),
            # Public statistics over a million dossiers (dossiers.stats, docs/benchmarks/lookup.md):
            # covering indexes keyed on the agency and the month in Vietnam time, so each figure is
            # an index-only scan grouped in index order. The month expression must stay the one
            # dossiers.stats.local_month() builds, or PostgreSQL cannot match it.
            models.Index(
                models.F("agency"),
                TruncMonth("received_at", output_field=models.DateField()),
                include=["procedure", "received_at", "reception_late"],
                name="dossier_received_month_idx",
            ),
            models.Index(
                models.F("agency"),
                TruncMonth("received_at", output_field=models.DateField()),
                include=["status", "due_date", "procedure", "received_at"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="dossier_open_month_idx",
            ),
            models.Index(
                models.F("agency"),
                TruncMonth("finished_at", output_field=models.DateField()),
                models.F("status"),
                models.F("timeliness"),
                include=["procedure", "finished_at", "id"],
                name="dossier_decided_month_idx",
            ),
            models.Index(
                fields=["id"],
                include=["agency", "procedure"],
                condition=models.Q(apology_count__gt=0),
                name="dossier_apologised_idx",
            ),
        ]
        permissions = [
            ("receive_dossier", _("Can receive or refuse sent dossiers")),
            ("process_dossier", _("Can process dossiers (start, ask for a supplement, finish, reject)")),
            ("apologise_dossier", _("Can issue an apology with a new appointment date")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=DossierStatus.DRAFT) | models.Q(sent_at__isnull=True),
                name="dossier_draft_not_sent",
            ),
            models.CheckConstraint(
                condition=models.Q(status=DossierStatus.DRAFT) | models.Q(sent_at__isnull=False),
                name="dossier_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_draft(self) -> bool:
        return self.status == DossierStatus.DRAFT

    @property
    def supplement_asks(self) -> list[tuple[str, str]]:
        """(document name, what is missing) for each document the supplement request names, in
        the procedure's order (its documents are prefetched by the pages that show this)."""
        asked = self.supplement_documents or {}
        return [(d.name, asked[str(d.pk)]) for d in self.procedure.documents.all() if str(d.pk) in asked]

    @property
    def is_organisation(self) -> bool:
        return self.applicant_type == AccountType.ORGANISATION

    @property
    def finished_on_time(self) -> bool | None:
        """True when decided by the due date (early or on the day), None while undecided."""
        if not self.timeliness:
            return None
        return self.timeliness != Timeliness.LATE


def attachment_upload_to(instance: "Attachment", filename: str) -> str:
    """A random name under the dossier's folder: the citizen's file name never reaches the disk."""
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"{settings.DOSSIER_UPLOAD_DIR}/{instance.dossier.code}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """One file of a dossier: a document of the applicant, a supplement, or a result.

    Stored in the default storage under a random name; ``name`` is the sanitised file name shown
    and used for downloads, ``content_type`` was detected from the content, not the extension.
    """

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="attachments"
    )
    document = models.ForeignKey(
        RequiredDocument,
        verbose_name=_("required document"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AttachmentKind.choices, default=AttachmentKind.APPLICANT)
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    name = models.CharField(_("file name"), max_length=120)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=50)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # Chosen from the citizen's document store ("Chọn từ kho giấy tờ"): the file is the stored
    # document's, attached by reference; the store owns it, so removing this row never deletes it.
    stored = models.ForeignKey(
        "StoredDocument",
        verbose_name=_("from the document store"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(size__gt=0), name="attachment_not_empty")]

    def __str__(self) -> str:
        return self.name

    @property
    def owns_file(self) -> bool:
        """Whether deleting this row must delete its file (a file from the store is the store's)."""
        return self.stored_id is None


class History(models.Model):
    """One status change of a dossier ("Quá trình xử lý"), written by the transition itself.

    ``note`` is shown to the citizen; ``internal_note`` only to agency staff. ``request_token``
    identifies the form submission that caused it, so a replayed request is recognised (unique per
    dossier) instead of being applied twice.
    """

    dossier = models.ForeignKey(Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="history")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=30, choices=DossierStatus.choices)
    to_status = models.CharField(_("to"), max_length=30, choices=DossierStatus.choices)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    note = models.TextField(_("note for the citizen"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)
    request_token = models.UUIDField(_("request token"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "request_token"],
                condition=models.Q(request_token__isnull=False),
                name="history_unique_request_token",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.from_status} → {self.to_status}"

    @property
    def title(self) -> str:
        return history_title(self.action, self.to_status)


# Steps only the agency's staff see: who works on the dossier is not the citizen's business.
INTERNAL_ACTIONS: tuple[str, ...] = ("assign", "reassign", "take")

_EVENT_TITLES = {
    "apologise": _("Apology and new appointment date"),
    "assign": _("Assigned to an officer"),
    "reassign": _("Reassigned to another officer"),
    "take": _("Taken by an officer"),
    "transfer": _("Transferred to another agency"),
}


def history_title(action: str, to_status: str) -> str:
    """What a timeline shows for a step: the new status, or the event when the status stays (an
    apology, an assignment) or says more (a transfer); for the history as a model and as the public
    lookup reads it (plain values)."""
    if action in _EVENT_TITLES:
        return str(_EVENT_TITLES[action])
    return str(_STATUS_LABELS.get(to_status, to_status))


_STATUS_LABELS = dict(DossierStatus.choices)  # lazy labels: translated when shown


class Rating(models.Model):
    """The owner's one rating of how the dossier was handled, once it is finished."""

    dossier = models.OneToOneField(Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField(_("score"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="rating_score_1_5")]
        # The statistics' ratings of a period, read without touching the table (dossiers.stats).
        indexes = [models.Index(fields=["created_at"], include=["dossier", "score"], name="rating_created_idx")]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.score}"


class AgencyMembership(models.Model):
    """A staff user's role in one agency: what scopes the back office and the actions allowed.

    The role's permissions come from the Django group of the role (``constants.ROLE_GROUPS``); the
    user is put in that group when the membership is created (``services.membership_grant``).
    A user may belong to several agencies, with a role in each.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff user"), on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=StaffRole.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("agency membership")
        verbose_name_plural = _("agency memberships")
        ordering = ["agency__name", "user__email"]
        constraints = [models.UniqueConstraint(fields=["user", "agency"], name="membership_unique_user_agency")]

    def __str__(self) -> str:
        return f"{self.user} — {self.agency} ({self.get_role_display()})"


class Holiday(models.Model):
    """A day that breaks the Monday–Friday rule: a public holiday off, or a make-up working day.

    Filled by ``manage.py import_holidays YEAR`` from the ``holidays`` package (Vietnam) and
    editable in admin; ``dossiers.deadlines`` counts working days from these rows.
    """

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices, default=DayKind.OFF)
    source = models.CharField(_("source"), max_length=10, choices=HolidaySource.choices, default=HolidaySource.MANUAL)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"


class Apology(models.Model):
    """ "Phiếu xin lỗi và hẹn lại ngày trả kết quả": the agency will be late and gives a new date.

    A dossier with an apology counts as late in the statistics, whenever it is finished.
    """

    dossier = models.ForeignKey(Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="apologies")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    previous_due_date = models.DateField(_("previous appointment date"), null=True)
    new_due_date = models.DateField(_("new appointment date"))
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("apology")
        verbose_name_plural = _("apologies")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["created_at"], include=["dossier"], name="apology_created_cover_idx")]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.new_due_date}"


class OfficerDigest(models.Model):
    """One daily digest sent to one officer: the row makes a second run of the task the same day harmless."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("officer"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    dossier_count = models.PositiveIntegerField(_("dossiers listed"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("officer digest")
        verbose_name_plural = _("officer digests")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_unique_user_day")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"


# --- Electronic results and the document store (issue 22) ------------------------------------


class Result(models.Model):
    """An electronic result (kết quả điện tử): a result PDF signed by the agency, with a code.

    The signed file is the result attachment's file; ``sha256`` is the hash of exactly those
    bytes, which anyone handed a copy compares on the verification page. A result is never
    deleted nor changed, only revoked (with the date and a reason kept for the agency).
    """

    code = models.CharField(_("result code"), max_length=80, unique=True, editable=False)
    dossier = models.ForeignKey(Dossier, verbose_name=_("dossier"), on_delete=models.PROTECT, related_name="results")
    number = models.PositiveSmallIntegerField(_("number in the dossier"))
    attachment = models.OneToOneField(
        Attachment, verbose_name=_("signed file"), on_delete=models.PROTECT, related_name="result"
    )
    agency = models.ForeignKey(Agency, verbose_name=_("issuing agency"), on_delete=models.PROTECT, related_name="+")
    signer = models.CharField(_("signed by (certificate)"), max_length=255)
    sha256 = models.CharField(_("SHA-256 of the issued file"), max_length=64)
    timestamped = models.BooleanField(_("timestamped by a timestamp authority"), default=False)
    issued_at = models.DateTimeField(_("issued at"))
    status = models.CharField(
        _("status"), max_length=10, choices=ResultStatus.choices, default=ResultStatus.VALID, editable=False
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    revocation_reason = models.TextField(_("reason for revocation"), blank=True, editable=False)
    # Set by ``purge_drafts`` when the agency's retention period is over and the file is removed
    # from storage; the record (code, agency, dates, hash) stays, so a copy can still be verified.
    file_removed_at = models.DateTimeField(_("file removed at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("electronic result")
        verbose_name_plural = _("electronic results")
        ordering = ["dossier", "number"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "number"], name="result_unique_number"),
            models.CheckConstraint(
                condition=models.Q(status=ResultStatus.VALID, revoked_at__isnull=True)
                | models.Q(status=ResultStatus.REVOKED, revoked_at__isnull=False),
                name="result_revoked_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_revoked(self) -> bool:
        return self.status == ResultStatus.REVOKED

    @property
    def verify_path(self) -> str:
        """The public verification page for this result (the QR code's address, without the host)."""
        return f"{settings.RESULT_VERIFY_PATH}?{urlencode({'code': self.code})}"


def store_upload_to(instance: "StoredDocument", filename: str) -> str:
    """A random name in the store's folder: the citizen's file name never reaches the disk."""
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"{settings.DOSSIER_UPLOAD_DIR}/store/{uuid.uuid4().hex}{suffix}"


class StoredDocument(models.Model):
    """One document in a citizen's store ("Kho giấy tờ"): a result issued to them, or a file they
    kept from one of their dossiers, reusable in a new dossier without uploading it again.

    A kept file is a copy the store owns (the dossier may be deleted, the store keeps it); a
    result's entry points at the result's signed file, which the dossier keeps for ever. When the
    citizen deletes an entry it disappears at once (``deleted_at``); ``purge_drafts`` removes the
    row and its file once no dossier attaches it any more. A result's entry cannot be deleted.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="stored_documents"
    )
    source = models.CharField(_("source"), max_length=10, choices=StoreSource.choices)
    kind = models.CharField(_("kind of document"), max_length=255)
    document = models.ForeignKey(
        RequiredDocument,
        verbose_name=_("required document"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    result = models.OneToOneField(
        Result, verbose_name=_("result"), null=True, blank=True, on_delete=models.PROTECT, related_name="stored"
    )
    dossier = models.ForeignKey(
        Dossier, verbose_name=_("from dossier"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dossier_code = models.CharField(_("from dossier (code)"), max_length=60)
    file = models.FileField(_("file"), upload_to=store_upload_to, max_length=255)
    name = models.CharField(_("file name"), max_length=120)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=50)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("stored document")
        verbose_name_plural = _("stored documents")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "deleted_at"], name="store_owner_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(source=StoreSource.RESULT)
                | models.Q(result__isnull=False, deleted_at__isnull=True),
                name="store_result_kept",
            ),
            models.UniqueConstraint(
                fields=["owner", "sha256", "dossier_code"],
                condition=models.Q(deleted_at__isnull=True),
                name="store_unique_live_file",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def owns_file(self) -> bool:
        """A kept copy is the store's own file; a result's entry borrows the dossier's."""
        return self.source == StoreSource.DOSSIER


class FileAccess(models.Model):
    """Someone other than the owner opened one of the owner's files (a dossier's attachment,
    perhaps chosen from the store). The owner is told the agency and the role, never the name;
    the person stays recorded for the agency's own audit."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="file_accesses"
    )
    attachment = models.ForeignKey(
        Attachment, verbose_name=_("file"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    stored = models.ForeignKey(
        StoredDocument, verbose_name=_("stored document"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(_("file name"), max_length=120)
    dossier_code = models.CharField(_("dossier code"), max_length=60)
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), null=True, on_delete=models.SET_NULL, related_name="+")
    role = models.CharField(_("role"), max_length=20, choices=AccessorRole.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    accessed_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    class Meta:
        verbose_name = _("file access")
        verbose_name_plural = _("file accesses")
        ordering = ["-accessed_at", "-pk"]
        indexes = [models.Index(fields=["owner", "-accessed_at"], name="file_access_owner_idx")]

    def __str__(self) -> str:
        return f"{self.file_name} {self.accessed_at:%Y-%m-%d %H:%M}"


class AgencyReason(models.Model):
    """A ready-made reason an agency's officers pick when asking for a supplement, refusing,
    rejecting or transferring; kept by the agency's leaders in admin."""

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="reasons")
    kind = models.CharField(_("used for"), max_length=20, choices=ReasonKind.choices)
    text = models.TextField(_("text"), max_length=2000)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("ready-made reason")
        verbose_name_plural = _("ready-made reasons")
        ordering = ["agency", "kind", "position", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


# Fee payments (issue 21) live in their own package; imported here so Django registers them.
from .payments.models import AgencyPaymentAccount, BankStatementLine, Payment, PaymentEvent  # noqa: E402, F401
