"""allauth customisation: profile fields at signup, emails through the Celery outbox, and
allauth's limits counted by the portal's one rate-limit mechanism (``core.ratelimit``)."""

from allauth.account.adapter import DefaultAccountAdapter
from django.utils.translation import get_language

from core.ratelimit import login_failed, login_refused, over_limit

from . import services


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        services.user_apply_profile(
            user=user,
            account_type=form.cleaned_data["account_type"],
            data=form.cleaned_data,
            language=(get_language() or "vi")[:2],
        )
        if commit:
            user.save()
        return user

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render now (in the visitor's language, with the request at hand) and deliver later.

        The rendered message goes to the outbox in the current transaction; a Celery task sends
        it once the signup, reset or confirmation has committed.
        """
        from allauth.core import context as allauth_context
        from django.contrib.sites.shortcuts import get_current_site

        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        message = self.render_mail(template_prefix, email, ctx)
        services.email_queue(message)

    def pre_authenticate(self, request, **credentials) -> None:
        """Refuse to check a password once this address, or this client, failed too often
        (``RATE_LIMITS`` "login_failed_*"): even the right password waits, so guessing gains
        nothing. Only failures count (``authentication_failed``)."""
        if login_refused(request, email=_login_email(credentials)):
            raise self.validation_error("too_many_login_attempts")

    def authentication_failed(self, request, **credentials) -> None:
        login_failed(request, email=_login_email(credentials))

    def send_confirmation_mail(self, request, emailconfirmation, signup: bool) -> None:
        """At most one activation email per address every few minutes outside signup (a login to
        an unverified account sends one), so nobody can flood an inbox through the portal."""
        email = emailconfirmation.email_address.email.lower()
        if not signup and over_limit(request, group="confirm_email", key=lambda group, request: email):
            return
        super().send_confirmation_mail(request, emailconfirmation, signup)


def _login_email(credentials: dict) -> str:
    return credentials.get("email") or credentials.get("username") or ""
