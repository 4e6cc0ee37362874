from django.db import models
from django.utils.translation import gettext_lazy as _

# Dossier codes: <AGENCY CODE>-<YYMMDD>-<6 characters>. The alphabet leaves out 0/O, 1/I/L so a
# code read aloud over the phone or copied from paper cannot be mistyped into another one;
# 31**6 ≈ 887 million codes per agency and day, drawn with ``secrets``.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_RANDOM_LENGTH = 6


class DossierStatus(models.TextChoices):
    """The whole lifecycle; the transitions between them live in ``dossiers.workflow``."""

    DRAFT = "draft", _("Not sent")
    SENT = "sent", _("Sent")
    RECEIVED = "received", _("Received")
    REFUSED = "refused", _("Not accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    FINISHED = "finished", _("Result available")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ResultDelivery(models.TextChoices):
    """How the citizen wants the result (Decree 42: at the counter, by public post, or online)."""

    COUNTER = "counter", _("Collect at the agency's counter")
    POST = "post", _("By post to an address")
    ONLINE = "online", _("Online, on this portal")


class AttachmentKind(models.TextChoices):
    APPLICANT = "applicant", _("Applicant's document")
    SUPPLEMENT = "supplement", _("Supplement")
    RESULT = "result", _("Result")


class WizardStep(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    FORM = "form", _("Declaration form")
    ATTACHMENTS = "attachments", _("Documents")
    REVIEW = "review", _("Review and send")


class ListTab(models.TextChoices):
    """The tabs of "My dossiers" ("Phân loại hồ sơ"); each groups one or more statuses."""

    ALL = "all", _("All")
    DRAFTS = "drafts", _("Not sent")
    SENT = "sent", _("Sent")
    IN_PROGRESS = "in_progress", _("In progress")
    SUPPLEMENT = "supplement", _("Supplement requested")
    FINISHED = "finished", _("Result available")
    REJECTED = "rejected", _("Not accepted / rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


TAB_STATUSES: dict[str, tuple[str, ...]] = {
    ListTab.DRAFTS: (DossierStatus.DRAFT,),
    ListTab.SENT: (DossierStatus.SENT, DossierStatus.RECEIVED),
    ListTab.IN_PROGRESS: (DossierStatus.IN_PROGRESS,),
    ListTab.SUPPLEMENT: (DossierStatus.SUPPLEMENT_REQUESTED,),
    ListTab.FINISHED: (DossierStatus.FINISHED,),
    ListTab.REJECTED: (DossierStatus.REFUSED, DossierStatus.REJECTED),
    ListTab.WITHDRAWN: (DossierStatus.WITHDRAWN,),
}


# --- Back office (issue 5) ----------------------------------------------------------------

# Statuses in which the processing clock runs: the due date counts, a dossier can be overdue.
# While a supplement is requested the clock is stopped (see docs/backoffice.md).
CLOCK_RUNNING_STATUSES: tuple[str, ...] = (DossierStatus.RECEIVED, DossierStatus.IN_PROGRESS)
# Statuses an agency still has to act on (the clock may be stopped).
OPEN_STATUSES: tuple[str, ...] = (*CLOCK_RUNNING_STATUSES, DossierStatus.SUPPLEMENT_REQUESTED)


class StaffRole(models.TextChoices):
    """An officer's role in one agency. Each role is a Django group holding the permissions below;
    ``dossiers.permissions`` checks the role the officer has in the dossier's agency."""

    RECEIVER = "receiver", _("Receiving officer")
    PROCESSOR = "processor", _("Processing officer")
    LEADER = "leader", _("Leader")


# Group name of each role (Vietnamese: the group list in admin is read by Vietnamese operators).
ROLE_GROUPS: dict[str, str] = {
    StaffRole.RECEIVER: "Cán bộ tiếp nhận hồ sơ",
    StaffRole.PROCESSOR: "Chuyên viên xử lý hồ sơ",
    StaffRole.LEADER: "Lãnh đạo đơn vị",
}

# Custom permissions on Dossier (Meta.permissions); the app label is "dossiers".
PERM_RECEIVE = "receive_dossier"  # receive or refuse a sent dossier
PERM_PROCESS = "process_dossier"  # start, ask for a supplement, finish, reject
PERM_APOLOGISE = "apologise_dossier"  # apology letter with a new appointment date
_VIEW = ("view_dossier", "view_holiday")
# What each role's group is given when it is created (operators may change it in admin).
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    StaffRole.RECEIVER: (*_VIEW, PERM_RECEIVE),
    StaffRole.PROCESSOR: (*_VIEW, PERM_PROCESS),
    StaffRole.LEADER: (*_VIEW, PERM_RECEIVE, PERM_PROCESS, PERM_APOLOGISE),
}


class Timeliness(models.TextChoices):
    """How a decided dossier kept its due date (the statistics' trước hạn / đúng hạn / trễ hạn)."""

    EARLY = "early", _("Before the due date")
    ON_TIME = "on_time", _("On the due date")
    LATE = "late", _("Late")


class DayKind(models.TextChoices):
    OFF = "off", _("Public holiday (day off)")
    WORKING = "working", _("Make-up working day")


class HolidaySource(models.TextChoices):
    IMPORTED = "imported", _("Imported from the holidays calendar")
    MANUAL = "manual", _("Entered by hand")


# --- Electronic results and the document store (issue 22) -----------------------------------

# A result's code is the dossier's code, this marker and the result's number in the dossier.
RESULT_CODE_MARKER = "-KQ"


class ResultStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")


class StoreSource(models.TextChoices):
    """Where a document in the citizen's store ("Kho giấy tờ") came from."""

    RESULT = "result", _("Result issued by an agency")
    DOSSIER = "dossier", _("Kept from a dossier")


class AccessorRole(models.TextChoices):
    """Who opened a citizen's file, as the citizen is told (never the person's name)."""

    RECEIVER = "receiver", _("Receiving officer")
    PROCESSOR = "processor", _("Processing officer")
    LEADER = "leader", _("Leader")
    ADMINISTRATOR = "administrator", _("Portal administrator")


class ReasonKind(models.TextChoices):
    """What a ready-made reason is for (the back office's reason lists, one per agency)."""

    SUPPLEMENT = "supplement", _("Supplement request")
    REFUSAL = "refusal", _("Not accepted at reception")
    REJECTION = "rejection", _("Rejection")
    TRANSFER = "transfer", _("Transfer to another agency")


class Queue(models.TextChoices):
    """The officer's work queues on the admin home; each is a filter of the dossier list."""

    WAITING = "waiting", _("Waiting to be received")
    MINE = "mine", _("Assigned to me")
    UNASSIGNED = "unassigned", _("Unassigned in my agency")
    DUE_SOON = "due_soon", _("Due within 2 working days")
    OVERDUE = "overdue", _("Overdue")
    ANSWERED = "answered", _("Supplement answered")


# Statuses in which a dossier can be given to (or taken by) a processing officer.
ASSIGNABLE_STATUSES: tuple[str, ...] = (DossierStatus.SENT, *OPEN_STATUSES)
