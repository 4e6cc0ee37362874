import hashlib
import hmac

from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import FormView

from core.ratelimit import over_limit
from dossiers.files import LimitedUploadHandler

from . import selectors
from .forms import NOT_FOUND, RESULT_NOT_FOUND, LookupForm, VerifyForm, normalise_code, normalise_result_code


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


@method_decorator(csrf_exempt, name="dispatch")  # checked again after the upload handler is set
class VerifyView(FormView):
    """Kiểm tra kết quả điện tử: a result code (from the QR code on the result), a confirmation
    code and, optionally, the copy to check. The answer: whether the result exists, the issuing
    agency, the time, valid or revoked (with the date), the SHA-256 of the issued file and, for
    an uploaded copy, whether it is exactly that file. The copy is hashed as it streams in and
    never stored; files larger than the upload limit stop being read (``LimitedUploadHandler``).
    """

    template_name = "lookup/verify.html"
    form_class = VerifyForm

    def dispatch(self, request, *args, **kwargs):
        request.upload_handlers = [LimitedUploadHandler(request)]
        return csrf_protect(super().dispatch)(request, *args, **kwargs)

    def get_initial(self):
        return {"code": normalise_result_code(self.request.GET.get("code", ""))[:200]}

    def post(self, request, *args, **kwargs):
        if over_limit(request, group="verify"):
            form = self.form_class(initial={"code": normalise_result_code(request.POST.get("code", ""))[:200]})
            return self.render_to_response(self.get_context_data(form=form, limited=True), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        result = selectors.public_result(form.cleaned_data["code"])
        if result is None:
            form.add_error("code", RESULT_NOT_FOUND)
            return self.form_invalid(form)
        upload = form.cleaned_data.get("file")
        matches = None
        if upload:
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            matches = hmac.compare_digest(digest.hexdigest(), result.sha256)
        return self.render_to_response({"result": result, "checked": upload is not None, "matches": matches})
