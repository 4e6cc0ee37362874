"""One dossier: its detail page, the success page after sending, the receipt (page and PDF), the
rating, and the citizen's withdraw and delete (each after a confirmation page)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import DeleteView, DetailView, FormView

from .. import receipts, selectors, services, workflow
from ..constants import AttachmentKind, DossierStatus
from ..eform import display_answers
from ..forms import RatingForm, WithdrawForm, build_slots
from ..models import Dossier
from ..notifications import lookup_url
from .base import ScopedObjectMixin


def detail_context(dossier: Dossier, user=None) -> dict:
    """What the detail page shows, from what ``selectors.dossiers_for_detail`` loaded."""
    attachments = list(dossier.attachments.all())
    rating = getattr(dossier, "rating", None)
    documents = dossier.procedure.documents.all()
    slots = build_slots(documents, attachments, kind=AttachmentKind.APPLICANT, other=False)
    # Supplements filed under the document they complete; those for no document listed apart.
    added = build_slots(documents, attachments, kind=AttachmentKind.SUPPLEMENT, other=True)
    for slot, extra in zip(slots, added, strict=False):
        slot.supplements = extra.files
    return {
        "procedure": dossier.procedure,
        "answers": display_answers(dossier.procedure.form_fields.all(), dossier.form_data),
        "slots": slots,
        "supplements": added[-1].files,
        "results": [a for a in attachments if a.kind == AttachmentKind.RESULT],
        "keepable": [a for a in attachments if a.kind != AttachmentKind.RESULT and a.stored_id is None]
        if user is not None and dossier.owner_id == user.pk
        else [],
        "history": list(dossier.history.all()),
        "can_withdraw": workflow.can(dossier, "withdraw"),
        "can_supplement": workflow.can(dossier, "resubmit"),
        "rating": rating,
        "rating_form": RatingForm() if dossier.status == DossierStatus.FINISHED and rating is None else None,
        "statuses": DossierStatus,
    }


class DossierDetailView(LoginRequiredMixin, DetailView):
    slug_field = slug_url_kwarg = "code"
    template_name = "dossiers/dossier_detail.html"

    def get_queryset(self):
        return selectors.dossiers_for_detail(self.request.user)

    def get_context_data(self, **kwargs):
        is_owner = self.object.owner_id == self.request.user.pk
        return super().get_context_data(**detail_context(self.object, self.request.user), is_owner=is_owner, **kwargs)


class RatingView(LoginRequiredMixin, ScopedObjectMixin, FormView):
    """The owner rates a finished dossier once; a refused score shows the detail page with its error."""

    http_method_names = ["post"]
    template_name = "dossiers/dossier_detail.html"
    form_class = RatingForm

    def get_queryset(self):
        return selectors.dossiers_for_detail(self.request.user, own_only=True)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**detail_context(self.object, self.request.user), **kwargs)
        return {**context, "rating_form": context["form"]}

    def form_valid(self, form):
        try:
            services.rating_create(
                dossier=self.object,
                user=self.request.user,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except services.DossierLocked as exc:
            messages.error(self.request, exc.message)
        else:
            messages.success(self.request, _("Thank you for rating the service."))
        return redirect(reverse("dossiers:detail", args=[self.object.code]) + "#rating")


class DossierSentView(LoginRequiredMixin, DetailView):
    """The success page after sending: the code to keep, what happens next."""

    slug_field = slug_url_kwarg = "code"
    template_name = "dossiers/dossier_sent.html"

    def get_queryset(self):
        dossiers = selectors.dossier_visible_to(self.request.user).exclude(status=DossierStatus.DRAFT)
        return dossiers.select_related("procedure", "agency", "payment")


class ReceiptMixin(LoginRequiredMixin):
    """The receipt exists once the dossier has been sent."""

    slug_field = slug_url_kwarg = "code"

    def get_queryset(self):
        return selectors.dossiers_for_detail(self.request.user).exclude(status=DossierStatus.DRAFT)


class ReceiptView(ReceiptMixin, DetailView):
    template_name = "dossiers/receipt.html"

    def get_context_data(self, **kwargs):
        dossier = self.object
        url = lookup_url(dossier.code, self.request)
        return super().get_context_data(
            rows=receipts.receipt_rows(dossier),
            documents=receipts.receipt_documents(dossier),
            answers=display_answers(dossier.procedure.form_fields.all(), dossier.form_data),
            lookup_url=url,
            qr_svg=receipts.qr_svg(url),
            **kwargs,
        )


class ReceiptPdfView(ReceiptMixin, DetailView):
    def render_to_response(self, context, **response_kwargs):
        dossier = self.object
        content = receipts.receipt_pdf(dossier, lookup_url=lookup_url(dossier.code, self.request))
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="giay-tiep-nhan-{dossier.code}.pdf"'
        return response


class DossierWithdrawView(LoginRequiredMixin, ScopedObjectMixin, FormView):
    """Withdraw a dossier the agency has not yet received, after a confirmation page."""

    template_name = "dossiers/dossier_confirm_withdraw.html"
    form_class = WithdrawForm

    def get_queryset(self):
        return selectors.dossiers_owned_by(self.request.user).select_related("procedure")

    def get(self, request, *args, **kwargs):
        if not workflow.can(self.object, "withdraw"):
            messages.error(request, _("This dossier can no longer be withdrawn."))
            return redirect("dossiers:detail", self.object.code)
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        dossier = self.object
        try:
            workflow.dossier_withdraw(
                dossier=dossier,
                user=self.request.user,
                reason=form.cleaned_data["reason"],
                token=form.cleaned_data["token"],
            )
        except workflow.TransitionError as exc:
            messages.error(self.request, exc.message)
        else:
            messages.success(self.request, _("Dossier %(code)s has been withdrawn.") % {"code": dossier.code})
        return redirect("dossiers:detail", dossier.code)


class DossierDeleteView(LoginRequiredMixin, DeleteView):
    """Delete a draft, after a confirmation page."""

    slug_field = slug_url_kwarg = "code"
    template_name = "dossiers/dossier_confirm_delete.html"

    def get_queryset(self):
        return selectors.dossiers_owned_by(self.request.user).select_related("procedure")

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not self.object.is_draft:
            messages.error(request, _("Only a dossier that has not been sent can be deleted."))
            return redirect("dossiers:detail", self.object.code)
        return self.render_to_response(self.get_context_data())

    def form_valid(self, form):
        dossier = self.object
        try:
            services.dossier_delete_draft(dossier=dossier, user=self.request.user)
        except services.DossierLocked as exc:
            messages.error(self.request, exc.message)
            return redirect("dossiers:detail", dossier.code)
        messages.success(self.request, _("Dossier %(code)s has been deleted.") % {"code": dossier.code})
        return redirect("dossiers:list")
