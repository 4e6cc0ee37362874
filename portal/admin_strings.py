"""Django admin's own strings that Django 5.2's Vietnamese catalogue lacks (checked against
``django/contrib/admin/locale/vi``): listed here so ``makemessages`` puts them in our catalogue,
whose translations (``LOCALE_PATHS``) take precedence over Django's. Never imported: the list is
for the catalogue only. Delete an entry when Django's catalogue gains it.
"""

from django.utils.translation import gettext_noop

DJANGO_ADMIN_STRINGS = (
    gettext_noop("Show counts"),
    gettext_noop("Hide counts"),
    gettext_noop("Toggle theme (current theme: auto)"),
    gettext_noop("Toggle theme (current theme: light)"),
    gettext_noop("Toggle theme (current theme: dark)"),
    gettext_noop("Skip to main content"),
    gettext_noop("Breadcrumbs"),
    gettext_noop("Sidebar"),
    gettext_noop("Toggle navigation"),
    gettext_noop("Filter navigation items"),
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Forgotten your login credentials?"),
)
