from django.views.generic import FormView

from core.ratelimit import over_limit

from . import selectors
from .forms import NOT_FOUND, LookupForm, normalise_code


class LookupView(FormView):
    """Tra cứu hồ sơ: a dossier code plus the confirmation code; the answer appears below the box.

    ``?code=`` (the home page's box, the QR code on a receipt) fills the box; the captcha is
    always asked. Each attempt counts against a per-address limit, so codes cannot be guessed in
    bulk even by someone who can solve captchas.
    """

    template_name = "lookup/lookup.html"
    form_class = LookupForm

    def get_initial(self):
        return {"code": normalise_code(self.request.GET.get("code", ""))[:200]}

    def post(self, request, *args, **kwargs):
        if over_limit(request, group="lookup"):
            # The box again with the code typed, without checking (or spending) the captcha.
            form = self.form_class(initial={"code": normalise_code(request.POST.get("code", ""))[:200]})
            return self.render_to_response(self.get_context_data(form=form, limited=True), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        dossier = selectors.public_dossier(form.cleaned_data["code"])
        if dossier is None:
            form.add_error("code", NOT_FOUND)
            return self.form_invalid(form)
        # The answer alone: a box for the next lookup would store a captcha nobody may use.
        return self.render_to_response({"dossier": dossier})
