from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import AccountType, EmailStatus, Gender


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractBaseUser, PermissionsMixin):
    """A citizen, an organisation or a staff member; the email address is the login.

    Profile fields live on the user row itself: every page shows the account name, and one row
    means no extra query for it.
    """

    email = models.EmailField(_("email address"), unique=True)
    account_type = models.CharField(
        _("account type"), max_length=20, choices=AccountType.choices, default=AccountType.PERSONAL
    )
    # Personal accounts
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    citizen_id = models.CharField(_("citizen ID (CCCD)"), max_length=12, blank=True)
    # Organisation accounts
    organisation_name = models.CharField(_("organisation name"), max_length=255, blank=True)
    tax_code = models.CharField(_("tax code"), max_length=14, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    # Both
    phone = models.CharField(_("phone"), max_length=15, blank=True)
    # The address: province and commune (official codes of the two tiers in force since 1 July
    # 2025, core.admin_units) and the street line; ``address`` is the full address in Vietnamese
    # composed from them by the form, the text every page, email and PDF shows.
    address = models.CharField(_("address"), max_length=255, blank=True)
    address_province = models.CharField(_("province or city"), max_length=2, blank=True)
    address_commune = models.CharField(_("commune, ward or special zone"), max_length=5, blank=True)
    address_street = models.CharField(_("house number, street or village"), max_length=255, blank=True)
    # The address as it was written in the old three tiers, kept when ``convert_addresses`` rewrote it.
    address_legacy = models.CharField(_("address before 1 July 2025"), max_length=255, blank=True, editable=False)
    language = models.CharField(
        _("language for emails"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    is_staff = models.BooleanField(
        _("staff status"), default=False, help_text=_("Designates whether the user can log into the admin site.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_organisation(self) -> bool:
        return self.account_type == AccountType.ORGANISATION

    @property
    def display_name(self) -> str:
        name = self.organisation_name if self.is_organisation else self.full_name
        return name or self.email

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name

    @property
    def identity_number(self) -> str:
        """The number an agency identifies the applicant by: CCCD or tax code."""
        return self.tax_code if self.is_organisation else self.citizen_id


class OutgoingEmail(models.Model):
    """An email waiting to be, or already, delivered.

    Rows are written in the same transaction as the event that causes them, and the Celery task
    that delivers one marks it sent: a lost broker message or a redelivered task can neither lose
    nor duplicate an email. ``requeue_pending_emails`` sweeps what a broker outage left behind.
    Delivery is at least once: a worker killed between the SMTP server's acceptance and the
    commit that marks the row sent sends it again, under the same Message-ID
    (``services.email_message_id``), so the copy can be dropped downstream.
    """

    to = models.JSONField(_("recipients"))
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    from_email = models.CharField(_("sender"), max_length=255)
    status = models.CharField(_("status"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="outgoing_email_status_idx")]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"
