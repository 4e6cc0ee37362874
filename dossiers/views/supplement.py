"""The agency asked for more: the citizen adds files, corrects answers and sends the supplement."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView

from .. import selectors, wizard, workflow
from ..constants import AttachmentKind
from ..eform import EForm
from ..forms import AttachmentsForm, SupplementForm, build_slots
from .base import ScopedObjectMixin
from .files import (
    LimitedUploadsMixin,
    attach_from_store,
    delete_requested_file,
    file_limits,
    store_accepted_files,
)

SEND = "send"


class SupplementView(LimitedUploadsMixin, LoginRequiredMixin, ScopedObjectMixin, FormView):
    """Files are stored as soon as they pass their checks; "Gửi bổ sung" sends the supplement
    (``workflow.dossier_resubmit``, which also recognises a replayed send by its token)."""

    template_name = "dossiers/supplement.html"
    form_class = SupplementForm

    def get_queryset(self):
        return selectors.dossiers_for_wizard(self.request.user)

    def waiting(self) -> bool:
        return workflow.can(self.object, "resubmit")

    def get(self, request, *args, **kwargs):
        if not self.waiting():
            messages.info(request, _("The agency is not waiting for a supplement to this dossier."))
            return redirect("dossiers:detail", self.object.code)
        return super().get(request, *args, **kwargs)

    def slots(self):
        """The documents the agency asked for (every document if it named none) and "other
        documents", each with what was sent for it before and what this supplement adds."""
        dossier = self.object
        asked = dossier.supplement_documents or {}
        documents = [d for d in wizard.documents_of(dossier) if not asked or str(d.pk) in asked]
        since = dossier.supplement_requested_at
        attachments = list(dossier.attachments.all())
        new = [a for a in attachments if a.kind == AttachmentKind.SUPPLEMENT and (not since or a.uploaded_at >= since)]
        before = [a for a in attachments if a not in new]
        slots = build_slots(documents, new, kind=AttachmentKind.SUPPLEMENT, other=True)
        for slot in slots:
            document = slot.document.pk if slot.document else None
            slot.earlier = [a for a in before if a.kind != AttachmentKind.RESULT and a.document_id == document]
            slot.asked = asked.get(str(document), "") if document else ""
        return slots

    def reopened(self) -> list:
        """The declaration questions the agency reopened (none: the answers stay as they are)."""
        keys = set(self.object.supplement_fields or [])
        return [d for d in wizard.form_fields_of(self.object) if d.key in keys]

    def answers(self, form) -> dict | None:
        """The stored answers with the reopened ones replaced by what the citizen typed."""
        if not form.definitions:
            return None
        keys = {d.key for d in form.definitions}
        kept = {key: value for key, value in (self.object.form_data or {}).items() if key not in keys}
        return {**kept, **form.answers()}

    def get_form_kwargs(self):
        definitions = self.reopened()
        kwargs = super().get_form_kwargs()
        return {**kwargs, "definitions": definitions, "initial": EForm.initial_from(definitions, self.object.form_data)}

    def get_context_data(self, files_form=None, **kwargs):
        files_form = files_form or AttachmentsForm(slots=self.slots())
        return super().get_context_data(
            procedure=self.object.procedure,
            files_form=files_form,
            slots=self.slots(),
            store_choices=selectors.store_choices(self.request.user),
            **file_limits(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not self.waiting():
            # Sent already (a replay, which the workflow recognises by its token) or never asked for.
            return self.resubmit(token=workflow.parse_token(request.POST.get("token")))
        removed = delete_requested_file(request, self.object)
        files_form = AttachmentsForm(request.POST, request.FILES, slots=self.slots())
        files_form.is_valid()
        added = store_accepted_files(request, self.object, files_form, kind=AttachmentKind.SUPPLEMENT)
        added += attach_from_store(request, self.object, files_form, kind=AttachmentKind.SUPPLEMENT)
        if removed or added:
            self.object = self.get_object()
        form = self.get_form()
        if request.POST.get("action") != SEND or files_form.errors:
            if added and not files_form.errors:
                messages.success(request, _("%(count)s file(s) added.") % {"count": added})
            return self.render_to_response(self.get_context_data(form=form, files_form=files_form))
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, files_form=files_form))
        return self.resubmit(
            form=form,
            files_form=files_form,
            answers=self.answers(form),
            note=form.cleaned_data["note"],
            token=form.cleaned_data["token"],
        )

    def resubmit(self, *, form=None, files_form=None, **supplement):
        try:
            workflow.dossier_resubmit(dossier=self.object, user=self.request.user, **supplement)
        except workflow.TransitionError as exc:
            if form is None:
                messages.info(self.request, exc.message)
                return redirect("dossiers:detail", self.object.code)
            form.add_error(None, exc.message)
            return self.render_to_response(self.get_context_data(form=form, files_form=files_form))
        messages.success(self.request, _("Your supplement has been sent to the agency."))
        return redirect("dossiers:detail", self.object.code)
