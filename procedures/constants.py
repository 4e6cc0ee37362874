from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyLevel(models.TextChoices):
    MINISTRY = "ministry", _("Ministry")
    PROVINCE = "province", _("Province")
    DEPARTMENT = "department", _("Department")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")


class ServiceLevel(models.TextChoices):
    """Decree 42/2022/NĐ-CP: fully online, or partly online."""

    FULL_ONLINE = "full_online", _("Full online")
    PARTIAL_ONLINE = "partial_online", _("Partial online")


class FormFieldType(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    YEAR = "year", _("Year")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    YES_NO = "yes_no", _("Yes / no")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
