"""A read-only view of dossiers for superusers until the back office (issue 5) replaces it.

The status is never edited by hand: every change goes through ``dossiers.workflow``.
"""

from django.contrib import admin

from .models import Dossier, History


class HistoryInline(admin.TabularInline):
    model = History
    extra = 0
    can_delete = False
    fields = ("created_at", "actor", "from_status", "to_status", "note", "internal_note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = ("code", "procedure", "applicant_name", "status", "sent_at", "due_date")
    list_filter = ("status",)
    search_fields = ("code", "applicant_name")
    list_select_related = ("procedure",)
    inlines = [HistoryInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
