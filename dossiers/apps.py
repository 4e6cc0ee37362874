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

        from django.db.models.signals import post_migrate

        post_migrate.connect(_ensure_role_groups, sender=self, dispatch_uid="dossiers_role_groups")


def _ensure_role_groups(sender, **kwargs) -> None:
    """After migrate (and after a test flush): the staff roles' groups exist with their permissions."""
    from .services import role_groups_ensure

    role_groups_ensure()
