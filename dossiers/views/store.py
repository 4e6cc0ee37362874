"""The citizen's document store ("Kho giấy tờ"): the list (with who opened the citizen's files),
a document's download, its deletion, and "keep in my store" on a file of one of their dossiers.

Every queryset is the requesting citizen's own (``selectors.store_documents``): another
citizen's document id is a 404 exactly like one that does not exist. An officer never reaches a
store through these pages; they open a stored file only through a dossier that attached it.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView

from core.files import private_file_response

from .. import selectors, services


class StoreListView(LoginRequiredMixin, ListView):
    """Results issued to the citizen and the files they kept, then who opened their files."""

    template_name = "dossiers/store.html"
    context_object_name = "documents"

    def get_queryset(self):
        return selectors.store_documents(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(accesses=selectors.file_accesses_for(self.request.user), **kwargs)


class StoreDownloadView(LoginRequiredMixin, DetailView):
    def get_queryset(self):
        return selectors.store_documents(self.request.user)

    def get(self, request, *args, **kwargs):
        document = self.get_object()
        return private_file_response(document.file, download_name=document.name, content_type=document.content_type)


class StoreDeleteView(LoginRequiredMixin, DetailView):
    """Delete a kept file, after a confirmation page (a result cannot be deleted)."""

    template_name = "dossiers/store_confirm_delete.html"
    context_object_name = "document"

    def get_queryset(self):
        return selectors.store_documents(self.request.user)

    def post(self, request, *args, **kwargs):
        document = self.get_object()
        try:
            services.store_delete(stored=document, user=request.user)
        except services.DossierLocked as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("“%(name)s” has been removed from your document store.") % {"name": document.name}
            )
        return redirect("dossiers:store")


class KeepView(LoginRequiredMixin, View):
    """ "Keep in my document store" on one of the citizen's own files of a dossier."""

    http_method_names = ["post"]

    def post(self, request, code: str, pk: int):
        attachment = selectors.attachment_for_keeping(user=request.user, code=code, pk=pk)
        if attachment is None:
            raise Http404
        try:
            services.store_keep(attachment=attachment, user=request.user)
        except services.DossierLocked as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("“%(name)s” is kept in your document store.") % {"name": attachment.name})
        return redirect("dossiers:detail", code)
