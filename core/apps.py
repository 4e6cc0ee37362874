from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared infrastructure at the bottom of the project: imports none of the portal's apps."""

    name = "core"
    verbose_name = "Core"
