"""The wizard: a new dossier's first step, each step of a draft, the review and the send.

The draft is the wizard's state (in the database, not the session): every valid step is saved at
once; "Lưu lại" stays on the step, "Tiếp theo" goes on. Each step is a form view over the draft,
and ``step_view`` routes the step named in the URL to it.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import FormView, RedirectView

from .. import selectors, services, wizard, workflow
from ..constants import AttachmentKind, WizardStep
from ..eform import EForm, display_answers
from ..forms import ApplicantForm, AttachmentsForm, SendForm, applicant_initial, build_slots, dossier_applicant_initial
from ..models import Dossier
from .base import ScopedObjectMixin
from .files import (
    LimitedUploadsMixin,
    attach_from_store,
    delete_requested_file,
    file_limits,
    store_accepted_files,
)

SAVE = "save"
NEXT = "next"
SEND = "send"
MOVE = "goto"  # "← Quay lại" and the step links: save what was typed, then go to that step


def step_url(dossier: Dossier, step: str) -> str:
    return reverse("dossiers:step", args=[dossier.code, step])


class NewDossierView(LoginRequiredMixin, ScopedObjectMixin, FormView):
    """Step 1 of a new dossier ("Nộp hồ sơ" on a procedure): the draft is created when it is submitted."""

    template_name = "dossiers/wizard/applicant.html"
    form_class = ApplicantForm

    def get_queryset(self):
        return selectors.procedures_open_for_dossiers()

    def get_initial(self):
        return applicant_initial(self.request.user)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "account_type": self.request.user.account_type, "procedure": self.object}

    def get_context_data(self, **kwargs):
        procedure = self.object
        return super().get_context_data(
            step=WizardStep.APPLICANT.value,
            progress=wizard.progress(None, WizardStep.APPLICANT, procedure=procedure),
            drafts=selectors.drafts_for_procedure(user=self.request.user, procedure=procedure)[:5],
            previous_url=reverse("procedures:detail", args=[procedure.code]),
            **kwargs,
        )

    def form_valid(self, form):
        dossier = services.dossier_create_draft(
            owner=self.request.user, procedure=self.object, applicant=form.applicant_data()
        )
        if self.request.POST.get("action") == SAVE:
            messages.success(
                self.request,
                _("Dossier %(code)s has been saved. You can continue it later.") % {"code": dossier.code},
            )
            return redirect("dossiers:list")
        return redirect(step_url(dossier, wizard.steps_for_procedure(self.object)[1]))


class ResumeView(LoginRequiredMixin, ScopedObjectMixin, RedirectView):
    """ "Continue" from My dossiers: the first step that is not complete yet."""

    def get_queryset(self):
        return selectors.dossiers_for_wizard(self.request.user)

    def get_redirect_url(self, *args, **kwargs):
        if not self.object.is_draft:
            return reverse("dossiers:detail", args=[self.object.code])
        return step_url(self.object, wizard.first_incomplete_step(self.object))


class StepView(LimitedUploadsMixin, LoginRequiredMixin, ScopedObjectMixin, FormView):
    """One step of a draft's wizard (a step the procedure does not have is a 404). A dossier sent
    meanwhile goes to its detail page."""

    step = ""

    def get_queryset(self):
        return selectors.dossiers_for_wizard(self.request.user)

    def get_object(self, queryset=None):
        dossier = super().get_object(queryset)
        if self.step not in wizard.steps_for(dossier):
            raise Http404
        return dossier

    def get(self, request, *args, **kwargs):
        if not self.object.is_draft:
            return self.sent_already()
        services.dossier_set_current_step(dossier=self.object, step=self.step)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not self.object.is_draft:
            return self.sent_already()
        target = self.move_target()
        if target is not None:
            return self.move(target)
        return super().post(request, *args, **kwargs)

    def move_target(self) -> str | None:
        """The step named by a "← Quay lại" or step button, when the dossier has it."""
        target = self.request.POST.get(MOVE)
        return target if target in wizard.steps_for(self.object) else None

    def move(self, target: str):
        """Leave this step for ``target`` without losing anything typed: a valid step is saved as
        "Lưu lại" would; an invalid one is kept as typed (marked on the step, blocking the send)."""
        form = self.get_form()
        if form.is_valid():
            self.save(form)
        else:
            typed = {name: self.request.POST.getlist(name) for name in form.fields if name in self.request.POST}
            services.dossier_keep_typed_input(dossier=self.object, step=self.step, typed=typed)
            messages.warning(
                self.request,
                _("What you typed in “%(step)s” has been kept, but some of it is not valid yet: it is marked there.")
                % {"step": dict(WizardStep.choices)[self.step]},
            )
        return redirect(step_url(self.object, target))

    def save(self, form) -> None:
        """Store the step's valid form on the draft (each step's own service)."""
        raise NotImplementedError

    def form_valid(self, form):
        self.save(form)
        return self.saved()

    def get_form_kwargs(self):
        """On opening a step, what was typed there and kept although not valid, shown with its errors."""
        kwargs = super().get_form_kwargs()
        typed = (self.object.typed_input or {}).get(self.step)
        if self.request.method == "GET" and typed:
            data = QueryDict(mutable=True)
            for name, values in typed.items():
                data.setlist(name, values)
            kwargs["data"] = data
        return kwargs

    def sent_already(self):
        messages.info(self.request, _("This dossier has been sent and can no longer be edited."))
        return redirect("dossiers:detail", self.object.code)

    def get_context_data(self, **kwargs):
        previous, following = wizard.neighbours(self.object, self.step)
        return super().get_context_data(
            procedure=self.object.procedure,
            step=self.step,
            progress=wizard.progress(self.object, self.step),
            previous_url=step_url(self.object, previous) if previous else None,
            previous_step=previous,
            next_step=following,
            save_on_move=self.step != WizardStep.REVIEW,
            **kwargs,
        )

    def slots(self):
        return build_slots(
            wizard.documents_of(self.object), self.object.attachments.all(), kind=AttachmentKind.APPLICANT
        )

    def saved(self):
        """Where a saved step goes: "Lưu lại" stays, "Tiếp theo" goes on."""
        if self.request.POST.get("action") == SAVE:
            messages.success(self.request, _("Saved. You can continue later from “My dossiers”."))
            return redirect(step_url(self.object, self.step))
        following = wizard.neighbours(self.object, self.step)[1]
        return redirect(step_url(self.object, following or self.step))


class ApplicantStepView(StepView):
    step = WizardStep.APPLICANT
    template_name = "dossiers/wizard/applicant.html"
    form_class = ApplicantForm

    def get_initial(self):
        return dossier_applicant_initial(self.object)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        return {**kwargs, "account_type": self.object.applicant_type, "procedure": self.object.procedure}

    def save(self, form) -> None:
        services.dossier_save_applicant(dossier=self.object, data=form.applicant_data())


class DeclarationStepView(StepView):
    step = WizardStep.FORM
    template_name = "dossiers/wizard/form.html"
    form_class = EForm

    def get_form_kwargs(self):
        definitions = wizard.form_fields_of(self.object)
        kwargs = super().get_form_kwargs()
        return {**kwargs, "definitions": definitions, "initial": EForm.initial_from(definitions, self.object.form_data)}

    def save(self, form) -> None:
        services.dossier_save_answers(dossier=self.object, answers=form.answers())


class AttachmentsStepView(StepView):
    """One upload slot per required document. Files are stored as soon as they pass their checks,
    whichever button was pressed; "Tiếp theo" also needs every required document."""

    step = WizardStep.ATTACHMENTS
    template_name = "dossiers/wizard/attachments.html"
    form_class = AttachmentsForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "slots": self.slots()}

    def get_context_data(self, **kwargs):
        # The slots as stored now (the form's were built before this request's files were stored).
        return super().get_context_data(
            slots=self.slots(), store_choices=selectors.store_choices(self.request.user), **file_limits(), **kwargs
        )

    def post(self, request, *args, **kwargs):
        if not self.object.is_draft:
            return self.sent_already()
        removed = delete_requested_file(request, self.object)
        form = self.get_form()
        form.is_valid()
        added = store_accepted_files(request, self.object, form, kind=AttachmentKind.APPLICANT)
        added += attach_from_store(request, self.object, form, kind=AttachmentKind.APPLICANT)
        if removed or added:
            self.object = self.get_object()
        target = self.move_target()
        if target is not None:
            # The files that passed are stored; one that did not cannot be kept: say which.
            for errors in form.errors.values():
                for error in errors:
                    messages.warning(request, error)
            return redirect(step_url(self.object, target))
        if form.errors:
            return self.form_invalid(form)
        action = request.POST.get("action")
        if action == NEXT:
            return self.next_step(form)
        if action == SAVE:
            messages.success(request, _("Saved. You can continue later from “My dossiers”."))
        elif added:
            messages.success(request, _("%(count)s file(s) added.") % {"count": added})
        return redirect(step_url(self.object, self.step))

    def next_step(self, form):
        missing = [slot for slot in self.slots() if slot.required and not slot.files]
        for slot in missing:
            form.add_error(slot.field_name, _("This document is required: attach at least one file."))
        problems = [] if missing else wizard.attachment_problems(self.object)
        for problem in problems:
            form.add_error(None, problem.message)
        if missing or problems:
            return self.form_invalid(form)
        services.dossier_mark_step_done(dossier=self.object, step=WizardStep.ATTACHMENTS)
        return self.saved()


class ReviewStepView(StepView):
    """Everything entered, what still blocks sending, the confirmation code; "Lưu lại" or "Gửi đi".

    Sending is ``workflow.dossier_send``, which alone locks the dossier and recognises a replayed
    request (double click, back button, a second tab) by its token: such a request reaches it
    even once the dossier is sent, and gets the same answer as the first.
    """

    step = WizardStep.REVIEW
    template_name = "dossiers/wizard/review.html"
    form_class = SendForm

    def get_context_data(self, problems=None, **kwargs):
        dossier = self.object
        if problems is None:
            problems = wizard.send_problems(dossier)
        slots = self.slots()
        return super().get_context_data(
            problems=problems,
            problem_urls={p.step: step_url(dossier, p.step) for p in problems},
            answers=display_answers(wizard.form_fields_of(dossier), dossier.form_data),
            slots=slots,
            file_count=sum(len(slot.files) for slot in slots),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") != SEND:
            if not self.object.is_draft:
                return self.sent_already()
            messages.success(request, _("Dossier %(code)s has been saved as not sent.") % {"code": self.object.code})
            return redirect("dossiers:list")
        form = self.get_form()
        token = workflow.parse_token(request.POST.get("token"))
        try:
            workflow.dossier_send(dossier=self.object, user=request.user, token=token, confirm=form.is_valid)
        except workflow.NotConfirmed:
            return self.form_invalid(form)
        except workflow.DossierIncomplete as exc:
            return self.render_to_response(self.get_context_data(form=SendForm(), problems=exc.problems))
        except workflow.TransitionError as exc:
            messages.error(request, exc.message)
            return redirect("dossiers:detail", self.object.code)
        return redirect("dossiers:sent", self.object.code)


STEP_VIEWS = {
    view.step: view.as_view() for view in (ApplicantStepView, DeclarationStepView, AttachmentsStepView, ReviewStepView)
}
NO_SUCH_STEP = StepView.as_view()  # the login page, or a 404: no procedure has this step


@csrf_exempt  # each step view sets its upload handlers, then checks CSRF itself (LimitedUploadsMixin)
def step_view(request, code: str, step: str):
    return STEP_VIEWS.get(step, NO_SUCH_STEP)(request, code=code, step=step)
