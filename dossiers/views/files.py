"""Downloads of a dossier's files, and the upload handling the wizard and the supplement page share."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic.detail import SingleObjectMixin

from core.files import private_file_response

from .. import selectors, services
from ..files import ACCEPT_ATTRIBUTE, FileRejected, LimitedUploadHandler
from ..forms import AttachmentsForm
from ..models import Dossier


class AttachmentDownloadView(LoginRequiredMixin, SingleObjectMixin, View):
    """The only way to a stored file: checked against ``dossier_visible_to`` on every request."""

    def get_queryset(self):
        return selectors.attachments_for_download(user=self.request.user, code=self.kwargs["code"])

    def get(self, request, *args, **kwargs):
        attachment = self.get_object()
        services.file_access_record(attachment=attachment, user=request.user)  # the owner sees who opened it
        # Streamed by Django, or handed to nginx / the object storage, as the deployment chooses.
        return private_file_response(
            attachment.file, download_name=attachment.name, content_type=attachment.content_type
        )


class LimitedUploadsMixin:
    """Parse uploads with ``LimitedUploadHandler`` (temporary files, per-file size cap).

    Upload handlers can only be changed before anything reads ``request.POST``, and the CSRF
    middleware reads it: as Django's documentation shows, the view is exempted from the
    middleware and protected again right after the handlers are set.
    """

    @classmethod
    def as_view(cls, **initkwargs):
        view = csrf_protect(super().as_view(**initkwargs))

        def with_limited_uploads(request, *args, **kwargs):
            request.upload_handlers = [LimitedUploadHandler(request)]
            return view(request, *args, **kwargs)

        return csrf_exempt(with_limited_uploads)


def file_limits() -> dict:
    """What the upload pages tell the citizen and their script checks before sending."""
    return {
        "max_file_size": settings.DOSSIER_MAX_FILE_SIZE,
        "max_total_size": settings.DOSSIER_MAX_TOTAL_SIZE,
        "accept": ACCEPT_ATTRIBUTE,
    }


def delete_requested_file(request, dossier: Dossier) -> bool:
    """The "Remove" button of one file (its id in ``delete``); True when a file went."""
    delete_id = request.POST.get("delete")
    if not delete_id or not delete_id.isdigit():
        return False
    try:
        removed = services.attachment_delete(dossier=dossier, attachment_id=int(delete_id), user=request.user)
    except services.DossierLocked as exc:
        messages.error(request, exc.message)
        return False
    if removed:
        messages.success(request, _("The file has been removed."))
    return removed


def attach_from_store(request, dossier: Dossier, form: AttachmentsForm, *, kind: str) -> int:
    """ "Chọn từ kho giấy tờ": the document chosen in a slot's list is attached by reference.
    A document that is not the citizen's own gets its error at its slot. Returns how many."""
    added = 0
    for slot in form.slots:
        value = request.POST.get(f"store-{slot.field_name}", "")
        if not value.isdigit():
            continue
        try:
            services.attachment_add_from_store(
                dossier=dossier, stored_id=int(value), user=request.user, kind=kind, document=slot.document
            )
        except FileRejected as exc:
            form.add_error(slot.field_name, exc.message)
        except services.DossierLocked as exc:
            form.add_error(None, exc.message)
            break
        else:
            added += 1
    return added


def store_accepted_files(request, dossier: Dossier, form: AttachmentsForm, *, kind: str) -> int:
    """Store every file that passed its checks; a file the dossier's limits refuse gets its error
    at its slot. Returns how many were stored."""
    added = 0
    for slot, checked in form.accepted:
        try:
            services.attachment_add(
                dossier=dossier, checked=checked, user=request.user, kind=kind, document=slot.document
            )
        except FileRejected as exc:
            form.add_error(slot.field_name, exc.message)
        except services.DossierLocked as exc:
            form.add_error(None, exc.message)
            break
        else:
            added += 1
    return added
