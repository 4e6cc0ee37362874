import dataclasses

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from . import ratelimit, selectors
from .forms import LookupForm, normalise_code


class LookupView(FormView):
    """Tra cứu hồ sơ: a dossier code plus the confirmation code; the answer appears below the box.

    Each attempt counts against a per-address limit, so codes cannot be guessed in bulk even by
    someone who can solve captchas.
    """

    template_name = "lookup/lookup.html"
    form_class = LookupForm

    def get_initial(self):
        return {"code": normalise_code(self.request.GET.get("code", ""))[:200]}

    def post(self, request, *args, **kwargs):
        if not ratelimit.hit(request, scope="lookup", limit=settings.LOOKUP_RATE_LIMIT, window_seconds=60):
            # The box again with the code typed, without validating (or using up) the captcha.
            form = self.form_class(initial={"code": normalise_code(request.POST.get("code", ""))[:200]})
            context = self.get_context_data(form=form, limited=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        dossier = selectors.public_dossier(form.cleaned_data["code"], with_history=False)
        if dossier is None:
            form.add_error("code", _("No dossier has this code. Check the code on your receipt and try again."))
            return self.form_invalid(form)
        # The answer changes only with its dossier (and the day): rendered once per version.
        key = f"lookup:answer:{get_language()}:{dossier.version}"
        answer = cache.get(key)
        if answer is None:
            dossier = dataclasses.replace(dossier, history=selectors.public_history(dossier.pk))
            answer = render_to_string("lookup/_answer.html", {"dossier": dossier}, self.request)
            cache.set(key, answer, ANSWER_CACHE_SECONDS)
        # A fresh, empty captcha for the next lookup; the code stays in the box.
        next_form = self.form_class(initial={"code": dossier.code})
        return self.render_to_response(
            self.get_context_data(form=next_form, dossier=dossier, answer=mark_safe(answer))  # noqa: S308 - our template
        )


# Bounds how long a renamed agency may show under its old name in an answer (a dossier's own
# changes and its procedure's show at once: they are in the key).
ANSWER_CACHE_SECONDS = 600
