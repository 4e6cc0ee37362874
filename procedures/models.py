from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.collation import vietnamese_sort_key

from .constants import AgencyLevel, FormFieldType, ServiceLevel

agency_code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9\-]{0,39}$", _("Use capital letters, digits and hyphens (e.g. SGDDT-HN).")
)
procedure_code_validator = RegexValidator(r"^\d\.\d{6}$", _("A national procedure code looks like 1.001234."))


class Agency(models.Model):
    """A body that receives dossiers: ministry → province → department → commune (two tiers of
    local government since 1 July 2025: no district)."""

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
    """An administrative procedure (thủ tục hành chính) as published in the catalogue. Its search
    document is its ``SearchEntry``, written only by ``services.procedure_refresh_search`` (called by
    every write path: services, import, admin)."""

    code = models.CharField(_("code"), max_length=20, unique=True, validators=[procedure_code_validator])
    name = models.CharField(_("name"), max_length=500)
    # The name's Vietnamese alphabetical order as a string that sorts byte by byte (a ă â … d đ):
    # PostgreSQL sorts Vietnamese only with ICU, which the embedded server lacks, so the catalogue
    # orders by this column, in the "C" collation every server has. Written by ``save()``.
    name_sort = models.CharField(max_length=1000, editable=False, default="", db_collation="C")
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

    objects = ProcedureQuerySet.as_manager()

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["name_sort", "pk"]
        indexes = [
            # The catalogue without a keyword: its pages in Vietnamese name order straight from this
            # index, and its counts per agency, field and level from this one alone (index-only).
            models.Index(
                fields=["name_sort", "id"], condition=Q(is_published=True), name="procedure_published_by_name"
            ),
            models.Index(
                fields=["agency", "field", "service_level"],
                condition=Q(is_published=True),
                name="procedure_published_facets",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def save(self, *args, **kwargs):
        """Keep ``name_sort`` in step with the name, whichever path writes (services, the importer,
        the admin, factories): it is the name itself in another form, not a rule of the portal."""
        self.name_sort = vietnamese_sort_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_sort"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("procedures:detail", kwargs={"code": self.code})


class SearchEntry(models.Model):
    """The search document of a procedure, one row per procedure: the only copy of what the
    catalogue search reads (``search``).

    Why a table of its own: a procedure's row is wide (description, steps, legal basis), and a
    keyword such as ``cap`` matches most of the catalogue, so counting its matches per agency, field
    and level and ranking them would read thousands of wide rows. Here a row holds only the filters,
    the vectors (everything a citizen may recognise, stripped of positions; the name alone, with
    them) and the name normalised and as written; the GIN indexes on it are partial (published
    only). Written by ``search.refresh``; a database trigger (migration 0003) copies publication,
    agency, field, level and name whenever the procedure's own columns change, so the counts can
    never disagree with the procedure.
    """

    # Fixed-width columns first, the vector before the names: a scan reads the filters and tests
    # the vector without walking over the names (which only the matches need).
    procedure = models.OneToOneField(
        Procedure, primary_key=True, on_delete=models.CASCADE, related_name="search_entry", editable=False
    )
    # Copies of the procedure's keys: no constraint or index of their own (the procedure has them).
    agency = models.ForeignKey(
        Agency, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    field = models.ForeignKey(Field, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False)
    is_published = models.BooleanField(default=True)
    service_level = models.CharField(max_length=20, choices=ServiceLevel.choices)
    search_vector = SearchVectorField(null=True, blank=True)
    # The name alone, with word positions: "a word of the query in the name" and "two words of the
    # query side by side in the name" are index look-ups (migration 0006), not string scans.
    name_vector = SearchVectorField(null=True, blank=True)
    name = models.CharField(max_length=500)
    search_name = models.CharField(max_length=500, blank=True)
    search_name_written = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        # The vector of everything has its index from migration 0003 (same options).
        indexes = [
            GinIndex(
                fields=["name_vector"],
                name="search_entry_name_gin",
                condition=Q(is_published=True),
                fastupdate=False,
            )
        ]

    def __str__(self) -> str:
        return self.name


class SearchWord(models.Model):
    """One distinct word of the search documents (names, descriptions, documents, agencies): the
    vocabulary the search corrects misspelt words against (``search``).

    Why a list: a query word missing from it can match nothing, so it is looked up here and its
    close spellings found among a few thousand short words (read once per catalogue version and
    searched in memory, ``search.Vocabulary``), instead of comparing the whole query to every name
    letter by letter. Filled by ``search.refresh`` for the
    procedures it refreshes; a word is never removed (a word no document has any more only stays
    uncorrected: the search finds nothing for it, as it would for any word). Numbers are left out.
    """

    word = models.CharField(max_length=100, primary_key=True)

    class Meta:
        verbose_name = _("search word")
        verbose_name_plural = _("search words")

    def __str__(self) -> str:
        return self.word


class Synonym(models.Model):
    """How citizens say it → the words of the official names: "sổ đỏ" → "giấy chứng nhận quyền sử
    dụng đất", "GPLX" → "giấy phép lái xe". Applied to every query when it is run (``search``), so
    a change takes effect on the next search without reindexing. Written by ``services.synonym_save``.
    """

    term = models.CharField(
        _("everyday words"),
        max_length=100,
        help_text=_("What citizens type: a colloquial name, an abbreviation or an old name, e.g. sổ đỏ, GPLX."),
    )
    meaning = models.CharField(
        _("official words"),
        max_length=255,
        help_text=_("The words of the official procedure names it stands for, e.g. giấy chứng nhận quyền sử dụng đất."),
    )
    # normalise(term): what queries are compared with (case, accents and punctuation aside).
    key = models.CharField(_("normalised words"), max_length=100, unique=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("synonym")
        verbose_name_plural = _("synonyms")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.term} → {self.meaning}"


class MissedQuery(models.Model):
    """A search that found nothing, counted per normalised query (no address, no user, numbers
    removed: an ID card or phone number typed into the box is never stored). Staff read the list
    in the admin, most frequent first, and turn a row into a synonym."""

    query = models.CharField(_("query"), max_length=200, unique=True)
    count = models.PositiveIntegerField(_("times searched"), default=1)
    first_seen = models.DateTimeField(_("first searched"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last searched"), auto_now=True)

    class Meta:
        verbose_name = _("search without results")
        verbose_name_plural = _("searches without results")
        ordering = ["-count", "-last_seen"]
        indexes = [models.Index(fields=["last_seen"], name="missed_query_last_seen")]

    def __str__(self) -> str:
        return self.query


class SearchedQuery(models.Model):
    """A search that found procedures, counted per normalised query like ``MissedQuery`` (no
    address, no user, numbers removed), with how many times one of its results was opened.

    Why: a query whose results nobody opens found the wrong procedures; staff read the queries
    never opened, most searched first, and turn one into a synonym. Searches are counted before
    the page cache answers (``views.procedure_list``), opens by the result links
    (``views.SearchResultOpenedView``), which only ever update an existing row: new rows come from
    searches alone, at most ``SEARCH_STATS_NEW_PER_HOUR`` an hour, and rows not searched for
    ``SEARCH_STATS_KEEP_DAYS`` days are deleted (``services.search_stats_purge``)."""

    query = models.CharField(_("query"), max_length=200, unique=True)
    searches = models.PositiveIntegerField(_("times searched"), default=1)
    opens = models.PositiveIntegerField(_("results opened"), default=0)
    first_seen = models.DateTimeField(_("first searched"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last searched"), auto_now=True)

    class Meta:
        verbose_name = _("search with results")
        verbose_name_plural = _("searches with results")
        ordering = ["opens", "-searches"]
        # The purge deletes by age; the admin lists by opens then searches (a few thousand rows).
        indexes = [models.Index(fields=["last_seen"], name="searched_query_last_seen")]

    def __str__(self) -> str:
        return self.query


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
