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
