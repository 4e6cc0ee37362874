from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Agency, Field, FormField, Procedure, RequiredDocument
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
    search_fields = ("code", "name", "search_name")
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
        without_accents = queryset.filter(search_name__contains=normalise(search_term)) if search_term else None
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
