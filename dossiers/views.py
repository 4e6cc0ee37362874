"""Dossier pages: the wizard, my dossiers, detail, receipt, downloads, supplement, rating.

Every view takes its dossier through ``selectors`` scoped to the requesting user, so a stranger's
code gives 404 exactly like a code that does not exist. Status changes are one workflow call.
"""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import ListView

from core.files import private_file_response
from portal import pagecache

from . import receipts, selectors, services, wizard, workflow
from .constants import AttachmentKind, DossierStatus, ListTab, WizardStep
from .eform import EForm, display_answers
from .files import ACCEPT_ATTRIBUTE, FileRejected, LimitedUploadHandler
from .forms import (
    ApplicantForm,
    AttachmentsForm,
    DossierSearchForm,
    RatingForm,
    SendForm,
    SupplementForm,
    WithdrawForm,
    applicant_initial,
    build_slots,
    dossier_applicant_initial,
)
from .models import Dossier
from .notifications import lookup_url

SAVE = "save"
NEXT = "next"
UPLOAD = "upload"
SEND = "send"


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


def _file_limits() -> dict:
    return {
        "max_file_size": settings.DOSSIER_MAX_FILE_SIZE,
        "max_total_size": settings.DOSSIER_MAX_TOTAL_SIZE,
        "accept": ACCEPT_ATTRIBUTE,
    }


def _step_url(dossier: Dossier, step: str) -> str:
    return reverse("dossiers:step", args=[dossier.code, step])


# --- Wizard -------------------------------------------------------------------------------


class NewDossierView(LoginRequiredMixin, View):
    """Step 1 of a new dossier ("Nộp hồ sơ" on a procedure): the draft is created when it is submitted."""

    template_name = "dossiers/wizard/applicant.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.procedure = selectors.procedure_for_new_dossier(kwargs["code"])
        if self.procedure is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data=None):
        return ApplicantForm(
            data,
            account_type=self.request.user.account_type,
            procedure=self.procedure,
            initial=applicant_initial(self.request.user),
        )

    def render(self, form):
        context = {
            "form": form,
            "procedure": self.procedure,
            "dossier": None,
            "step": WizardStep.APPLICANT.value,
            "progress": wizard.progress(None, WizardStep.APPLICANT, procedure=self.procedure),
            "drafts": list(selectors.drafts_for_procedure(user=self.request.user, procedure=self.procedure)[:5]),
            "previous_url": reverse("procedures:detail", args=[self.procedure.code])
            if _has_url("procedures:detail")
            else None,
        }
        return render(self.request, self.template_name, context)

    def get(self, request, *args, **kwargs):
        return self.render(self.get_form())

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if not form.is_valid():
            return self.render(form)
        dossier = services.dossier_create_draft(
            owner=request.user, procedure=self.procedure, applicant=form.applicant_data()
        )
        if request.POST.get("action") == SAVE:
            messages.success(
                request, _("Dossier %(code)s has been saved. You can continue it later.") % {"code": dossier.code}
            )
            return redirect("dossiers:list")
        following = wizard.steps_for_procedure(self.procedure)[1]
        return redirect(_step_url(dossier, following))


def _has_url(name: str) -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse(name, args=["1.000000"])
    except NoReverseMatch:
        return False
    return True


class DossierStepView(LimitedUploadsMixin, LoginRequiredMixin, View):
    """One step of a draft's wizard. Every valid submission is saved to the draft at once."""

    templates = {
        WizardStep.APPLICANT: "dossiers/wizard/applicant.html",
        WizardStep.FORM: "dossiers/wizard/form.html",
        WizardStep.ATTACHMENTS: "dossiers/wizard/attachments.html",
        WizardStep.REVIEW: "dossiers/wizard/review.html",
    }

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.dossier = selectors.dossier_for_wizard(user=request.user, code=kwargs["code"])
        if self.dossier is None:
            raise Http404
        self.step = kwargs["step"]
        if self.step not in wizard.steps_for(self.dossier):
            raise Http404
        if not self.dossier.is_draft:
            if self.step == WizardStep.REVIEW and request.method == "POST":
                # A send replayed after it succeeded (back button, double click): same outcome.
                token = workflow.parse_token(request.POST.get("token"))
                if token and self.dossier.history.filter(request_token=token).exists():
                    return redirect("dossiers:sent", self.dossier.code)
            messages.info(request, _("This dossier has been sent and can no longer be edited."))
            return redirect("dossiers:detail", self.dossier.code)
        return super().dispatch(request, *args, **kwargs)

    # Context shared by every step
    def render(self, **context):
        dossier = self.dossier
        previous, following = wizard.neighbours(dossier, self.step)
        context.update(
            dossier=dossier,
            procedure=dossier.procedure,
            step=self.step,
            progress=wizard.progress(dossier, self.step),
            previous_url=_step_url(dossier, previous) if previous else None,
            next_step=following,
        )
        return render(self.request, self.templates[self.step], context)

    def get(self, request, *args, **kwargs):
        services.dossier_set_current_step(dossier=self.dossier, step=self.step)
        return getattr(self, f"get_{self.step}")()

    def post(self, request, *args, **kwargs):
        return getattr(self, f"post_{self.step}")()

    def after_save(self, message: str | None = None):
        """Where a saved step goes: "Lưu lại" stays, "Tiếp theo" goes on."""
        if self.request.POST.get("action") == SAVE:
            messages.success(self.request, message or _("Saved. You can continue later from “My dossiers”."))
            return redirect(_step_url(self.dossier, self.step))
        following = wizard.neighbours(self.dossier, self.step)[1]
        return redirect(_step_url(self.dossier, following or self.step))

    # Step 1: applicant
    def applicant_form(self, data=None):
        return ApplicantForm(
            data,
            account_type=self.dossier.applicant_type,
            procedure=self.dossier.procedure,
            initial=dossier_applicant_initial(self.dossier),
        )

    def get_applicant(self):
        return self.render(form=self.applicant_form())

    def post_applicant(self):
        form = self.applicant_form(self.request.POST)
        if not form.is_valid():
            return self.render(form=form)
        services.dossier_save_applicant(dossier=self.dossier, data=form.applicant_data())
        return self.after_save()

    # Step 2: declaration form
    def eform(self, data=None):
        definitions = wizard.form_fields_of(self.dossier)
        return EForm(data, definitions=definitions, initial=EForm.initial_from(definitions, self.dossier.form_data))

    def get_form(self):
        return self.render(form=self.eform())

    def post_form(self):
        form = self.eform(self.request.POST)
        if not form.is_valid():
            return self.render(form=form)
        services.dossier_save_answers(dossier=self.dossier, answers=form.answers())
        return self.after_save()

    # Step 3: attachments
    def slots(self):
        return build_slots(
            wizard.documents_of(self.dossier), self.dossier.attachments.all(), kind=AttachmentKind.APPLICANT
        )

    def render_attachments(self, form):
        return self.render(form=form, slots=form.slots, **_file_limits())

    def get_attachments(self):
        return self.render_attachments(AttachmentsForm(slots=self.slots()))

    def post_attachments(self):
        request = self.request
        changed = _delete_requested_files(request, self.dossier)
        form = AttachmentsForm(request.POST, request.FILES, slots=self.slots())
        form.is_valid()
        added = _store_accepted(request, self.dossier, form, kind=AttachmentKind.APPLICANT)
        if changed or added:
            self.dossier = selectors.dossier_for_wizard(user=request.user, code=self.dossier.code)
        if form.errors:
            return self.render_attachments(AttachmentsForm.showing_errors(slots=self.slots(), errors=form.errors))
        action = request.POST.get("action")
        if action == NEXT:
            problems = wizard.attachment_problems(self.dossier)
            missing = {s.field_name for s in self.slots() if s.required and not s.files}
            if missing or problems:
                required = _("This document is required: attach at least one file.")
                errors = {name: [required] for name in missing}
                if not missing:
                    errors[NON_FIELD_ERRORS] = [p.message for p in problems]
                return self.render_attachments(AttachmentsForm.showing_errors(slots=self.slots(), errors=errors))
            services.dossier_mark_step_done(dossier=self.dossier, step=WizardStep.ATTACHMENTS)
            return self.after_save()
        if action == SAVE:
            messages.success(request, _("Saved. You can continue later from “My dossiers”."))
        elif added:
            messages.success(request, _("%(count)s file(s) added.") % {"count": added})
        return redirect(_step_url(self.dossier, self.step))

    # Step 4: review and send
    def render_review(self, form, problems=None):
        dossier = self.dossier
        if problems is None:
            problems = wizard.send_problems(dossier)
        return self.render(
            form=form,
            problems=problems,
            problem_urls={p.step: _step_url(dossier, p.step) for p in problems},
            answers=display_answers(wizard.form_fields_of(dossier), dossier.form_data),
            slots=self.slots(),
        )

    def get_review(self):
        return self.render_review(SendForm())

    def post_review(self):
        request = self.request
        if request.POST.get("action") != SEND:
            messages.success(request, _("Dossier %(code)s has been saved as not sent.") % {"code": self.dossier.code})
            return redirect("dossiers:list")
        form = SendForm(request.POST)
        token = workflow.parse_token(request.POST.get("token"))
        try:
            # The row is locked before the confirmation code is checked: a double click waits
            # for the first send and is then recognised by its token, instead of failing on a
            # confirmation code the first request has already used.
            with transaction.atomic():
                locked = Dossier.objects.select_for_update().get(pk=self.dossier.pk)
                if token and locked.history.filter(request_token=token).exists():
                    return redirect("dossiers:sent", locked.code)
                if not locked.is_draft:
                    messages.info(request, _("This dossier has already been sent."))
                    return redirect("dossiers:detail", locked.code)
                if not form.is_valid():
                    return self.render_review(form)
                workflow.dossier_send(dossier=locked, user=request.user, token=form.cleaned_data["token"])
        except workflow.DossierIncomplete as exc:
            return self.render_review(SendForm(), problems=exc.problems)
        except workflow.TransitionError as exc:
            messages.error(request, exc.message)
            return redirect("dossiers:detail", self.dossier.code)
        return redirect("dossiers:sent", self.dossier.code)


def _delete_requested_files(request, dossier: Dossier) -> bool:
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


def _store_accepted(request, dossier: Dossier, form: AttachmentsForm, *, kind: str) -> int:
    """Store every file that passed its checks; a file refused by the dossier limits gets its error."""
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


class ResumeView(LoginRequiredMixin, View):
    """ "Continue" from My dossiers: the first step that is not complete yet."""

    def get(self, request, code):
        dossier = selectors.dossier_for_wizard(user=request.user, code=code)
        if dossier is None:
            raise Http404
        if not dossier.is_draft:
            return redirect("dossiers:detail", dossier.code)
        return redirect(_step_url(dossier, wizard.first_incomplete_step(dossier)))


# --- My dossiers --------------------------------------------------------------------------


class DossierListView(LoginRequiredMixin, ListView):
    """My dossiers: tabs by status, a code search, pages of rows.

    The whole page is cached per citizen, language and address, on a version made of the tab
    counts and the newest change per status (``selectors.dossier_list_state``, the one query the
    page needs anyway) and the header's name: a page served again costs that query and a cache
    read instead of the list, the rows and the template (docs/benchmarks/load.md). The CSRF
    token of the page's forms is a placeholder filled per response (``portal.pagecache``). A
    page with a message to show, and a code search (rarely repeated, and any text would make a
    new entry), are rendered afresh.
    """

    template_name = "dossiers/dossier_list.html"
    context_object_name = "dossiers"
    page_cache_seconds = 3600

    def get(self, request, *args, **kwargs):
        self.tab_counts, state = selectors.dossier_list_state(user=request.user)
        if not pagecache.has_messages(request) and not request.GET.get("q"):
            key = pagecache.page_key(request, self.page_version(state))
            cached = cache.get(key)
            if cached is not None:
                return HttpResponse(pagecache.fill(request, pagecache.unpack(cached)))
            self.rendering_for_cache = True
            response = super().get(request, *args, **kwargs)
            if response.status_code == 200:
                response.render()
                html = response.content.decode()
                cache.set(key, pagecache.pack(html), self.page_cache_seconds)
                response.content = pagecache.fill(request, html).encode()
            return response
        return super().get(request, *args, **kwargs)

    def page_version(self, state: str) -> str:
        user = self.request.user
        header = hashlib.sha1(f"{user.display_name}:{user.is_staff}".encode(), usedforsecurity=False).hexdigest()
        return f"dossiers:{user.pk}:{state}:{header[:16]}"

    def get_paginate_by(self, queryset):
        return settings.DOSSIER_LIST_PAGE_SIZE

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        # Without a code search the tab's count is already known: no second count query.
        known = None if self.query else self.tab_counts.get(self.get_tab())
        return KnownCountPaginator(queryset, per_page, orphans=orphans, known_count=known)

    def get_tab(self) -> str:
        tab = self.request.GET.get("tab", ListTab.ALL)
        return tab if tab in ListTab.values else ListTab.ALL.value

    def get_queryset(self):
        self.search = DossierSearchForm(self.request.GET or None)
        query = self.search.cleaned_data.get("q", "") if self.search.is_valid() else ""
        self.query = query
        return selectors.dossier_list(user=self.request.user, tab=self.get_tab(), query=query)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = self.tab_counts
        current = self.get_tab()
        context.update(
            tabs=[
                {"value": v, "label": label, "count": counts.get(v, 0), "current": v == current}
                for v, label in ListTab.choices
            ],
            tab=current,
            search_form=self.search if self.search.is_bound else DossierSearchForm(),
            query=self.query,
            rows=rendered_rows(list(context["dossiers"])),
        )
        if getattr(self, "rendering_for_cache", False):
            context["csrf_token"] = pagecache.CSRF_HOLE
        return context


class KnownCountPaginator(Paginator):
    def __init__(self, *args, known_count: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if known_count is not None:
            self.__dict__["count"] = known_count  # Paginator.count is a cached_property


ROW_TEMPLATE = "dossiers/includes/dossier_row.html"
ROW_CACHE_SECONDS = 24 * 3600


def rendered_rows(dossiers: list[Dossier]) -> list[str]:
    """The table rows of "My dossiers", each rendered once per version of its dossier.

    Rendering a row with its processing history costs about a millisecond of template work, most
    of the page's cost (docs/benchmarks/load.md); a row changes only when its dossier does
    (``selectors.dossier_row_version``), so the HTML is cached per dossier version and language.
    Only the rows not in the cache have their history and result files read.
    """
    language = get_language()
    keys = [f"dossiers:row:{language}:{selectors.dossier_row_version(d)}" for d in dossiers]
    cached = cache.get_many(keys)
    missing = [d for d, key in zip(dossiers, keys, strict=True) if key not in cached]
    selectors.dossier_row_details(missing)
    fresh = {
        key: render_to_string(ROW_TEMPLATE, {"dossier": dossier, "statuses": DossierStatus})
        for dossier, key in zip(dossiers, keys, strict=True)
        if key not in cached
    }
    if fresh:
        cache.set_many(fresh, ROW_CACHE_SECONDS)
    rows = {**cached, **fresh}
    return [mark_safe(rows[key]) for key in keys]  # noqa: S308 - our own template's output


def _detail_context(request, dossier: Dossier, **extra) -> dict:
    attachments = list(dossier.attachments.all())
    context = {
        "dossier": dossier,
        "procedure": dossier.procedure,
        "answers": display_answers(dossier.procedure.form_fields.all(), dossier.form_data),
        "slots": build_slots(
            dossier.procedure.documents.all(), attachments, kind=AttachmentKind.APPLICANT, other=False
        ),
        "supplements": [a for a in attachments if a.kind == AttachmentKind.SUPPLEMENT],
        "results": [a for a in attachments if a.kind == AttachmentKind.RESULT],
        "history": list(dossier.history.all()),
        "can_withdraw": workflow.can(dossier, "withdraw"),
        "can_supplement": workflow.can(dossier, "resubmit"),
        "rating": getattr(dossier, "rating", None) if _has_rating(dossier) else None,
        "statuses": DossierStatus,
    }
    if dossier.status == DossierStatus.FINISHED and context["rating"] is None:
        context.setdefault("rating_form", RatingForm())
    context.update(extra)
    return context


def _has_rating(dossier: Dossier) -> bool:
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return dossier.rating is not None
    except ObjectDoesNotExist:
        return False


class DossierDetailView(LoginRequiredMixin, View):
    def get(self, request, code):
        dossier = selectors.dossier_detail(user=request.user, code=code)
        if dossier is None:
            raise Http404
        return render(request, "dossiers/dossier_detail.html", _detail_context(request, dossier))


class DossierDeleteView(LoginRequiredMixin, View):
    """Delete a draft, after a confirmation page."""

    def get_dossier(self, code):
        dossier = selectors.dossiers_owned_by(self.request.user).select_related("procedure").filter(code=code).first()
        if dossier is None:
            raise Http404
        return dossier

    def get(self, request, code):
        dossier = self.get_dossier(code)
        if not dossier.is_draft:
            messages.error(request, _("Only a dossier that has not been sent can be deleted."))
            return redirect("dossiers:detail", dossier.code)
        return render(request, "dossiers/dossier_confirm_delete.html", {"dossier": dossier})

    def post(self, request, code):
        dossier = self.get_dossier(code)
        try:
            services.dossier_delete_draft(dossier=dossier, user=request.user)
        except services.DossierLocked as exc:
            messages.error(request, exc.message)
            return redirect("dossiers:detail", dossier.code)
        messages.success(request, _("Dossier %(code)s has been deleted.") % {"code": dossier.code})
        return redirect("dossiers:list")


class DossierWithdrawView(LoginRequiredMixin, View):
    """Withdraw a dossier the agency has not yet received, after a confirmation page."""

    template_name = "dossiers/dossier_confirm_withdraw.html"

    def get_dossier(self, code):
        dossier = selectors.dossiers_owned_by(self.request.user).select_related("procedure").filter(code=code).first()
        if dossier is None:
            raise Http404
        return dossier

    def get(self, request, code):
        dossier = self.get_dossier(code)
        if not workflow.can(dossier, "withdraw"):
            messages.error(request, _("This dossier can no longer be withdrawn."))
            return redirect("dossiers:detail", dossier.code)
        return render(request, self.template_name, {"dossier": dossier, "form": WithdrawForm()})

    def post(self, request, code):
        dossier = self.get_dossier(code)
        form = WithdrawForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"dossier": dossier, "form": form})
        try:
            workflow.dossier_withdraw(
                dossier=dossier, user=request.user, reason=form.cleaned_data["reason"], token=form.cleaned_data["token"]
            )
        except workflow.TransitionError as exc:
            messages.error(request, exc.message)
            return redirect("dossiers:detail", dossier.code)
        messages.success(request, _("Dossier %(code)s has been withdrawn.") % {"code": dossier.code})
        return redirect("dossiers:detail", dossier.code)


# --- After sending ------------------------------------------------------------------------


class SentDossierMixin(LoginRequiredMixin):
    """Pages that exist once a dossier has been sent: success page and receipt."""

    def get_dossier(self, code) -> Dossier:
        dossier = selectors.dossier_detail(user=self.request.user, code=code)
        if dossier is None or dossier.is_draft:
            raise Http404
        return dossier


class DossierSentView(SentDossierMixin, View):
    def get(self, request, code):
        dossier = self.get_dossier(code)
        return render(request, "dossiers/dossier_sent.html", {"dossier": dossier, "procedure": dossier.procedure})


class ReceiptView(SentDossierMixin, View):
    def get(self, request, code):
        dossier = self.get_dossier(code)
        url = lookup_url(dossier.code, request)
        context = {
            "dossier": dossier,
            "rows": receipts.receipt_rows(dossier),
            "documents": receipts.receipt_documents(dossier),
            "answers": display_answers(dossier.procedure.form_fields.all(), dossier.form_data),
            "lookup_url": url,
            "qr_svg": receipts.qr_svg(url),
        }
        return render(request, "dossiers/receipt.html", context)


class ReceiptPdfView(SentDossierMixin, View):
    def get(self, request, code):
        dossier = self.get_dossier(code)
        content = receipts.receipt_pdf(dossier, lookup_url=lookup_url(dossier.code, request))
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="giay-tiep-nhan-{dossier.code}.pdf"'
        return response


class AttachmentDownloadView(LoginRequiredMixin, View):
    """The only way to a stored file: checked against ``dossier_visible_to`` on every request."""

    def get(self, request, code, pk):
        attachment = selectors.attachment_for_download(user=request.user, code=code, pk=pk)
        if attachment is None:
            raise Http404
        # Streamed by Django, or handed to nginx / the object storage, as the deployment chooses.
        return private_file_response(
            attachment.file, download_name=attachment.name, content_type=attachment.content_type
        )


# --- Supplement and rating ----------------------------------------------------------------


class SupplementView(LimitedUploadsMixin, LoginRequiredMixin, View):
    """The agency asked for more: add files, correct answers, send the supplement (resubmit)."""

    template_name = "dossiers/supplement.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.dossier = selectors.dossier_for_wizard(user=request.user, code=kwargs["code"])
        if self.dossier is None:
            raise Http404
        if not workflow.can(self.dossier, "resubmit"):
            if request.method == "POST":
                token = workflow.parse_token(request.POST.get("token"))
                if token and self.dossier.history.filter(request_token=token).exists():
                    messages.success(request, _("Your supplement has been sent to the agency."))
                    return redirect("dossiers:detail", self.dossier.code)
            messages.info(request, _("The agency is not waiting for a supplement to this dossier."))
            return redirect("dossiers:detail", self.dossier.code)
        return super().dispatch(request, *args, **kwargs)

    def slots(self):
        return build_slots(
            wizard.documents_of(self.dossier),
            self.dossier.attachments.all(),
            kind=AttachmentKind.SUPPLEMENT,
            other=True,
        )

    def answers_form(self, data=None):
        definitions = wizard.form_fields_of(self.dossier)
        return SupplementForm(
            data, definitions=definitions, initial=EForm.initial_from(definitions, self.dossier.form_data)
        )

    def render(self, form, files_form):
        context = {
            "dossier": self.dossier,
            "procedure": self.dossier.procedure,
            "form": form,
            "files_form": files_form,
            "slots": files_form.slots,
            "submitted": [a for a in self.dossier.attachments.all() if a.kind == AttachmentKind.APPLICANT],
            **_file_limits(),
        }
        return render(self.request, self.template_name, context)

    def get(self, request, code):
        return self.render(self.answers_form(), AttachmentsForm(slots=self.slots()))

    def post(self, request, code):
        changed = _delete_requested_files(request, self.dossier)
        files_form = AttachmentsForm(request.POST, request.FILES, slots=self.slots())
        files_form.is_valid()
        added = _store_accepted(request, self.dossier, files_form, kind=AttachmentKind.SUPPLEMENT)
        if changed or added:
            self.dossier = selectors.dossier_for_wizard(user=request.user, code=self.dossier.code)
        files_form = AttachmentsForm.showing_errors(slots=self.slots(), errors=files_form.errors)
        form = self.answers_form(request.POST)
        if request.POST.get("action") != SEND or files_form.errors:
            if added and not files_form.errors:
                messages.success(request, _("%(count)s file(s) added.") % {"count": added})
            return self.render(form, files_form)
        if not form.is_valid():
            return self.render(form, files_form)
        try:
            workflow.dossier_resubmit(
                dossier=self.dossier,
                user=request.user,
                answers=form.answers() if form.definitions else None,
                note=form.cleaned_data["note"],
                token=form.cleaned_data["token"],
            )
        except workflow.TransitionError as exc:
            form.add_error(None, exc.message)
            return self.render(form, files_form)
        messages.success(request, _("Your supplement has been sent to the agency."))
        return redirect("dossiers:detail", self.dossier.code)


class RatingView(LoginRequiredMixin, View):
    def post(self, request, code):
        dossier = selectors.dossier_detail(user=request.user, code=code)
        if dossier is None or dossier.owner_id != request.user.pk:
            raise Http404
        form = RatingForm(request.POST)
        if form.is_valid():
            try:
                services.rating_create(
                    dossier=dossier,
                    user=request.user,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                )
            except services.DossierLocked as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Thank you for rating the service."))
            return redirect(reverse("dossiers:detail", args=[dossier.code]) + "#rating")
        return render(request, "dossiers/dossier_detail.html", _detail_context(request, dossier, rating_form=form))
