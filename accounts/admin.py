from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import OutgoingEmail, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "account_type", "is_active", "is_staff", "date_joined"]
    list_filter = ["account_type", "is_active", "is_staff", "is_superuser", "groups"]
    search_fields = ["email", "full_name", "organisation_name", "citizen_id", "tax_code", "phone"]
    # The address is the citizen's to choose from the lists (profile page); shown here as written.
    readonly_fields = ["date_joined", "last_login", "address", "address_legacy"]
    fieldsets = (
        (None, {"fields": ("email", "password", "account_type", "language")}),
        (_("Personal"), {"fields": ("full_name", "date_of_birth", "gender", "citizen_id")}),
        (_("Organisation"), {"fields": ("organisation_name", "tax_code", "legal_representative")}),
        (_("Contact"), {"fields": ("phone", "address", "address_legacy")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "recipients", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["subject", "to"]
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields]

    @admin.display(description=_("recipients"))
    def recipients(self, obj):
        return ", ".join(obj.to)

    def has_add_permission(self, request):
        return False
