from django.conf import settings
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
            form = self.get_form()
            form.is_bound = False  # show the box again, without validating (or using up) the captcha
            context = self.get_context_data(form=form, limited=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        dossier = selectors.public_dossier(form.cleaned_data["code"])
        if dossier is None:
            form.add_error("code", _("No dossier has this code. Check the code on your receipt and try again."))
            return self.form_invalid(form)
        # A fresh, empty captcha for the next lookup; the code stays in the box.
        next_form = self.form_class(initial={"code": dossier.code})
        return self.render_to_response(self.get_context_data(form=next_form, dossier=dossier))
