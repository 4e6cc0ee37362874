from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .constants import AgencyLevel, FormFieldType, ServiceLevel

agency_code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9\-]{0,39}$", _("Use capital letters, digits and hyphens (e.g. SGDDT-HN).")
)
procedure_code_validator = RegexValidator(r"^\d\.\d{6}$", _("A national procedure code looks like 1.001234."))


class Agency(models.Model):
    """A body that receives dossiers: ministry → province → department / district → commune."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[agency_code_validator])
    name = models.CharField(_("name"), max_length=255)
    level = models.CharField(_("level"), max_length=20, choices=AgencyLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("procedures:agency", kwargs={"code": self.code})


class Field(models.Model):
    """A field of administration (lĩnh vực), e.g. Hộ tịch, Giáo dục và đào tạo."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=255)

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProcedureQuerySet(models.QuerySet):
    def published(self) -> "ProcedureQuerySet":
        return self.filter(is_published=True)


class Procedure(models.Model):
    """An administrative procedure (thủ tục hành chính) as published in the catalogue.

    ``search_*`` columns are derived data written only by ``services.procedure_refresh_search``
    (called by every write path: services, import, admin), never edited by hand.
    """

    code = models.CharField(_("code"), max_length=20, unique=True, validators=[procedure_code_validator])
    name = models.CharField(_("name"), max_length=500)
    agency = models.ForeignKey(
        Agency, verbose_name=_("executing agency"), on_delete=models.PROTECT, related_name="procedures"
    )
    field = models.ForeignKey(Field, verbose_name=_("field"), on_delete=models.PROTECT, related_name="procedures")
    service_level = models.CharField(_("service level"), max_length=20, choices=ServiceLevel.choices)
    description = models.TextField(_("description"), blank=True)
    steps = models.TextField(_("steps"), blank=True)
    submission_methods = models.TextField(_("how to submit"), blank=True)
    processing_days = models.PositiveSmallIntegerField(
        _("processing time (working days)"), validators=[MinValueValidator(0)]
    )
    fee_amount = models.PositiveIntegerField(_("fee (VND)"), default=0)
    fee_text = models.CharField(_("fee details"), max_length=500, blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    eligible_applicants = models.TextField(_("who may apply"), blank=True)
    result = models.TextField(_("result issued"), blank=True)
    is_published = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Search columns. GIN indexes on them are created by migration 0002 on PostgreSQL only.
    search_name = models.CharField(_("normalised name"), max_length=500, blank=True, editable=False)
    search_name_written = models.CharField(
        _("name in lower case, accents kept"), max_length=500, blank=True, editable=False
    )
    search_text = models.TextField(_("normalised search text"), blank=True, editable=False)
    search_vector = SearchVectorField(_("search vector"), null=True, blank=True, editable=False)

    objects = ProcedureQuerySet.as_manager()

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["is_published", "name"], name="procedure_published_name"),
            models.Index(fields=["agency", "field", "is_published"], name="procedure_agency_field"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("procedures:detail", kwargs={"code": self.code})


class RequiredDocument(models.Model):
    """One document of the dossier (thành phần hồ sơ); the dossier wizard gives it an upload slot."""

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.CASCADE, related_name="documents"
    )
    name = models.CharField(_("name"), max_length=500)
    originals = models.PositiveSmallIntegerField(_("originals"), default=0)
    copies = models.PositiveSmallIntegerField(_("copies"), default=0)
    is_required = models.BooleanField(_("required"), default=True)
    template = models.FileField(_("template file"), upload_to="procedure_templates/", blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class FormField(models.Model):
    """One question of the procedure's electronic declaration form (tờ khai điện tử)."""

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.CASCADE, related_name="form_fields"
    )
    key = models.SlugField(_("key"), max_length=60)
    label = models.CharField(_("label"), max_length=255)
    field_type = models.CharField(_("type"), max_length=20, choices=FormFieldType.choices, default=FormFieldType.TEXT)
    is_required = models.BooleanField(_("required"), default=False)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    help_text = models.CharField(_("help text"), max_length=500, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["procedure", "key"], name="formfield_unique_key")]

    def __str__(self) -> str:
        return self.label
