from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountType(models.TextChoices):
    PERSONAL = "personal", _("Personal")
    ORGANISATION = "organisation", _("Organisation")


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    OTHER = "other", _("Other")


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
