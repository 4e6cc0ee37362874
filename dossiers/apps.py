from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dossiers"
    verbose_name = _("Dossiers")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .receivers import remind_unfinished_draft

        user_logged_in.connect(remind_unfinished_draft, dispatch_uid="dossiers_remind_unfinished_draft")
