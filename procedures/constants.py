from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyLevel(models.TextChoices):
    """The tiers of government since 1 July 2025 (Resolution 202/2025/QH15 and the amended Law on
    Local Government): central (ministries and sectors), province (its People's Committee and its
    departments), commune (communes, wards and special zones). The district tier is abolished;
    migration 0010 moved the district agencies of existing catalogues."""

    MINISTRY = "ministry", _("Central: ministry or sector")
    PROVINCE = "province", _("Province: People's Committee")
    DEPARTMENT = "department", _("Province: department")
    COMMUNE = "commune", _("Commune, ward or special zone")


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
