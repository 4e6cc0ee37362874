"""Payment pages. Citizen's (under the dossier's address, scoped like every dossier page: a
stranger's code is a 404): the payment page ("Thanh toán" starts it), the return address (shows
the state, never marks paid), the receipt PDF. Public: the receipt check the receipt's QR opens
(no personal data). Machine: the gateway's IPN, and the simulator when it is enabled."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import DetailView, TemplateView

from ..notifications import absolute_url
from ..receipts import qr_svg
from ..views.base import ScopedObjectMixin
from . import providers, selectors, services, simulator
from .constants import PaymentStatus
from .receipts import receipt_pdf
from .workflow import PaymentError


def verify_url(payment, request=None) -> str:
    return absolute_url(reverse("payments:verify", args=[payment.reference]), request)


class PaymentView(LoginRequiredMixin, ScopedObjectMixin, TemplateView):
    """The fee of one of the citizen's dossiers: amount, state, and how to pay (POST starts it)."""

    template_name = "dossiers/payments/payment.html"

    def get_queryset(self):
        return selectors.dossiers_with_payment(self.request.user)

    def get_context_data(self, **kwargs):
        payment = self.object.payment
        qr_payload = ""
        if payment.status in (PaymentStatus.PENDING, PaymentStatus.FAILED) and payment.provider == "vietqr":
            qr_payload = providers.VietQRProvider().begin(payment).qr_payload
        return super().get_context_data(
            payment=payment,
            events=list(payment.events.all()),
            duplicates=list(payment.duplicates.all()),
            qr_payload=qr_payload,
            qr=qr_svg(qr_payload, title=_("VietQR code of the transfer")) if qr_payload else "",
            statuses=PaymentStatus,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        dossier = self.object
        if request.POST.get("action") == "renew":
            return self.renew(request, dossier)
        return_url = request.build_absolute_uri(reverse("dossiers:payment_return", args=[dossier.code]))
        try:
            begin = services.payment_begin(
                payment=dossier.payment,
                user=request.user,
                return_url=return_url,
                client_ip=request.META.get("REMOTE_ADDR", ""),
            )
        except (PaymentError, LookupError) as exc:
            messages.error(request, getattr(exc, "message", _("Online payment is not available for this agency.")))
            return redirect("dossiers:payment", dossier.code)
        if begin.redirect_url:
            return redirect(begin.redirect_url)
        return redirect("dossiers:payment", dossier.code)

    def renew(self, request, dossier):
        """A request past its date asked again: a new date to pay by, then the usual page."""
        try:
            payment = services.payment_renew(payment=dossier.payment, user=request.user)
        except PaymentError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("A new payment request has been made. Please pay by %(date)s.")
                % {"date": payment.due_date.strftime("%d/%m/%Y")},
            )
        return redirect("dossiers:payment", dossier.code)


class PaymentReturnView(LoginRequiredMixin, ScopedObjectMixin, View):
    """Where the gateway sends the citizen back. It changes nothing: the notification (or the status
    query) is the proof; this page only says what is known so far."""

    def get_queryset(self):
        return selectors.dossiers_with_payment(self.request.user)

    def get(self, request, *args, **kwargs):
        payment = self.object.payment
        if payment.status == PaymentStatus.PAID:
            messages.success(request, _("Your payment has been received. The receipt is below."))
        elif payment.status == PaymentStatus.FAILED:
            messages.error(request, _("The payment was not made. You can try again."))
        else:
            messages.info(
                request,
                _(
                    "We are waiting for the payment gateway to confirm your payment. This page shows it as soon "
                    "as the confirmation arrives; do not pay again."
                ),
            )
        return redirect("dossiers:payment", self.object.code)


class PaymentReceiptPdfView(LoginRequiredMixin, ScopedObjectMixin, View):
    """The electronic receipt of a paid fee (owner, or the agency's staff)."""

    def get_queryset(self):
        return selectors.dossiers_with_payment(self.request.user, own_only=False)

    def get(self, request, *args, **kwargs):
        payment = self.object.payment
        if not payment.receipt_number:
            raise Http404
        response = HttpResponse(
            receipt_pdf(payment, verify_url=verify_url(payment, request)), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'inline; filename="bien-lai-{payment.receipt_number}.pdf"'
        return response


class ReceiptCheckView(DetailView):
    """Public: anyone handed a receipt checks it by its QR code. Shows the receipt number, the
    amount, the date and the agency; no name, no dossier content."""

    template_name = "dossiers/payments/verify.html"
    slug_field = slug_url_kwarg = "reference"
    context_object_name = "payment"

    def get_queryset(self):
        return selectors.receipts_public()


@method_decorator(csrf_exempt, name="dispatch")
class VnpayIpnView(View):
    """VNPAY's IPN: server to server, answered in VNPAY's JSON. ``provider`` is the URL's."""

    provider_code = "vnpay"

    def get(self, request, *args, **kwargs):
        result = services.notification_handle(provider_code=self.provider_code, params=request.GET.dict())
        return JsonResponse(result.response)


@method_decorator(csrf_exempt, name="dispatch")
class BankNotificationView(View):
    """The bank's signed notification of a transfer (VietQR): 403 unless signed, 404 unless configured."""

    def post(self, request, *args, **kwargs):
        if not settings.PAYMENT_BANK_WEBHOOK_SECRET:
            raise Http404
        try:
            match = services.bank_notification_handle(
                body=request.body, signature=request.headers.get("X-Signature", "")
            )
        except PaymentError as exc:
            return JsonResponse({"ok": False, "error": exc.message}, status=403)
        return JsonResponse({"ok": True, "result": match or "duplicate"})


class SimulatorView(View):
    """The simulated gateway's page (only with ``PAYMENT_SIMULATOR_ENABLED``)."""

    def dispatch(self, request, *args, **kwargs):
        if not settings.PAYMENT_SIMULATOR_ENABLED:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        query = request.GET.dict()
        if not simulator.check_order(query):
            return HttpResponseBadRequest("Invalid signature", content_type="text/plain")
        return TemplateResponse(
            request,
            "dossiers/payments/simulator.html",
            {
                "query": query,
                "amount": int(query["vnp_Amount"]) // 100,
                "scenarios": simulator.SCENARIOS.items(),
            },
        )

    def post(self, request):
        query = {k: v for k, v in request.POST.items() if k.startswith("vnp_")}
        scenario = request.POST.get("scenario", "")
        if not simulator.check_order(query) or scenario not in simulator.SCENARIOS:
            return HttpResponseBadRequest("Invalid order", content_type="text/plain")
        return_url, notifications = simulator.play(query, scenario)
        for params in notifications:
            services.notification_handle(provider_code="simulator", params=params)
        return redirect(return_url)
