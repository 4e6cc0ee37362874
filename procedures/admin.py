from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Agency, Field, FormField, MissedQuery, Procedure, RequiredDocument, SearchedQuery, Synonym
from .normalise import normalise


class CatalogueAdmin(admin.ModelAdmin):
    """Deleting from the admin changes the catalogue too: cached counts and pages must follow
    (saves go through the services, which say so themselves)."""

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.catalogue_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.catalogue_changed()


@admin.register(Agency)
class AgencyAdmin(CatalogueAdmin):
    list_display = ("code", "name", "level", "parent", "is_active")
    list_filter = ("level", "is_active")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)
    ordering = ("name",)

    def save_model(self, request, obj, form, change):
        services.agency_save(agency=obj)


@admin.register(Field)
class FieldAdmin(CatalogueAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")
    prepopulated_fields = {"code": ("name",)}

    def save_model(self, request, obj, form, change):
        services.field_save(field=obj)


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 0
    fields = ("order", "name", "originals", "copies", "is_required", "template")


class FormFieldInline(admin.TabularInline):
    model = FormField
    extra = 0
    fields = ("order", "key", "label", "field_type", "is_required", "choices", "help_text")


@admin.register(Procedure)
class ProcedureAdmin(CatalogueAdmin):
    list_display = ("code", "name", "agency", "field", "service_level", "processing_days", "is_published")
    list_filter = ("is_published", "service_level", "field", "agency__level", "agency")
    search_fields = ("code", "name")
    list_select_related = ("agency", "field")
    autocomplete_fields = ("agency", "field")
    readonly_fields = ("created_at", "updated_at")
    inlines = (RequiredDocumentInline, FormFieldInline)
    actions = ("publish", "unpublish")
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("code", "name", "agency", "field", "service_level", "is_published")}),
        (_("Description"), {"fields": ("description", "steps", "submission_methods")}),
        (
            _("Time, fee and result"),
            {"fields": ("processing_days", "fee_amount", "fee_text", "result", "eligible_applicants", "legal_basis")},
        ),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )

    def get_search_results(self, request, queryset, search_term):
        # Staff type without diacritics too: also match the normalised name (within the same
        # list filters, since both come from the queryset the changelist passed in).
        plain = normalise(search_term)
        without_accents = queryset.filter(search_entry__search_name__contains=plain) if search_term else None
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if without_accents is not None and normalise(search_term):
            queryset = queryset | without_accents
        return queryset, may_have_duplicates

    def save_related(self, request, form, formsets, change):
        # Documents are saved after the procedure; the search text includes their names.
        super().save_related(request, form, formsets, change)
        services.procedure_refresh_search(procedure_ids=[form.instance.pk])

    @admin.action(description=_("Publish the selected procedures"), permissions=["change"])
    def publish(self, request, queryset):
        changed = services.procedures_set_published(procedures=queryset, published=True)
        self.message_user(
            request,
            ngettext("%(n)d procedure published.", "%(n)d procedures published.", changed) % {"n": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Withdraw the selected procedures from publication"), permissions=["change"])
    def unpublish(self, request, queryset):
        changed = services.procedures_set_published(procedures=queryset, published=False)
        self.message_user(
            request,
            ngettext("%(n)d procedure withdrawn.", "%(n)d procedures withdrawn.", changed) % {"n": changed},
            messages.SUCCESS,
        )


class SynonymForm(forms.ModelForm):
    class Meta:
        model = Synonym
        fields = ("term", "meaning")

    def clean_term(self) -> str:
        term = self.cleaned_data["term"]
        key = normalise(term)
        if not key:
            raise forms.ValidationError(_("Type at least one letter or digit."))
        if Synonym.objects.filter(key=key[:100]).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("These words are already in the dictionary."))
        return term

    def clean_meaning(self) -> str:
        meaning = self.cleaned_data["meaning"]
        if not normalise(meaning):
            raise forms.ValidationError(_("Type at least one letter or digit."))
        return meaning


@admin.register(Synonym)
class SynonymAdmin(CatalogueAdmin):
    """The dictionary the search applies to every query: a change counts from the next search."""

    form = SynonymForm
    list_display = ("term", "meaning", "updated_at")
    search_fields = ("term", "key", "meaning")
    ordering = ("key",)

    def get_changeform_initial_data(self, request):
        # "Make a synonym" from the list of searches without results: the term comes filled in.
        return {"term": request.GET.get("term", "")[:100]}

    def save_model(self, request, obj, form, change):
        services.synonym_save(synonym=obj)


@admin.register(MissedQuery)
class MissedQueryAdmin(admin.ModelAdmin):
    """Searches that found nothing, most frequent first; each one a click away from a synonym."""

    list_display = ("query", "count", "first_seen", "last_seen", "make_synonym")
    search_fields = ("query",)
    ordering = ("-count", "-last_seen")
    readonly_fields = ("query", "count", "first_seen", "last_seen")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Synonym"))
    def make_synonym(self, obj: MissedQuery) -> str:
        return _synonym_link(obj.query)


def _synonym_link(query: str) -> str:
    url = reverse("admin:procedures_synonym_add") + "?" + urlencode({"term": query})
    return format_html('<a href="{}">{}</a>', url, _("Make a synonym"))


class OpenedFilter(admin.SimpleListFilter):
    title = _("results opened")
    parameter_name = "opened"

    def lookups(self, request, model_admin):
        return [("no", _("Never")), ("yes", _("At least once"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(opens=0)
        if self.value() == "yes":
            return queryset.filter(opens__gt=0)
        return queryset


@admin.register(SearchedQuery)
class SearchedQueryAdmin(admin.ModelAdmin):
    """Searches that found procedures and how often one of their results was opened: the ones
    never opened first (they found the wrong procedures), most searched first; each one a click
    away from a synonym."""

    list_display = ("query", "searches", "opens", "first_seen", "last_seen", "make_synonym")
    list_filter = (OpenedFilter,)
    search_fields = ("query",)
    ordering = ("opens", "-searches", "-last_seen")
    readonly_fields = ("query", "searches", "opens", "first_seen", "last_seen")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Synonym"))
    def make_synonym(self, obj: SearchedQuery) -> str:
        return _synonym_link(obj.query)
