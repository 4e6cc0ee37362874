"""allauth customisation: profile fields at signup, emails through the Celery outbox."""

from allauth.account.adapter import DefaultAccountAdapter
from django.utils.translation import get_language

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
