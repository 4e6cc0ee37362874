"""Which steps a dossier's wizard has, which are complete, and what still blocks sending.

Pure functions over a dossier whose procedure's form fields and documents and whose attachments
are already loaded (``selectors.dossiers_for_wizard``): no query happens here, so every wizard
page runs a constant number of queries.
"""

from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .constants import AttachmentKind, ResultDelivery, WizardStep
from .eform import EForm
from .models import Dossier


@dataclass(frozen=True)
class Problem:
    """Something that prevents sending, with the step where the citizen can fix it."""

    step: str
    message: str


def form_fields_of(dossier: Dossier) -> list:
    return list(dossier.procedure.form_fields.all())


def documents_of(dossier: Dossier) -> list:
    return list(dossier.procedure.documents.all())


def applicant_attachments(dossier: Dossier) -> list:
    return [a for a in dossier.attachments.all() if a.kind == AttachmentKind.APPLICANT]


def steps_for_procedure(procedure) -> list[str]:
    """The wizard's steps; the declaration form only when the procedure has one."""
    steps = [WizardStep.APPLICANT.value]
    if list(procedure.form_fields.all()):
        steps.append(WizardStep.FORM.value)
    steps += [WizardStep.ATTACHMENTS.value, WizardStep.REVIEW.value]
    return steps


def steps_for(dossier: Dossier) -> list[str]:
    return steps_for_procedure(dossier.procedure)


def has_typed_input(dossier: Dossier, step: str) -> bool:
    """Something typed on this step does not validate yet (kept when the citizen moved on)."""
    return bool((dossier.typed_input or {}).get(step))


def applicant_problems(dossier: Dossier) -> list[Problem]:
    step = WizardStep.APPLICANT
    # The address from the lists (province and commune codes): one stored only as text, from
    # before the lists, is to be chosen again.
    required = [
        dossier.applicant_name,
        dossier.applicant_id_number,
        dossier.applicant_phone,
        dossier.applicant_address,
        dossier.applicant_province,
        dossier.applicant_commune,
    ]
    problems = []
    if has_typed_input(dossier, step):
        problems.append(Problem(step, _("Correct the applicant information: some values you typed are not valid.")))
    elif not all(required) or WizardStep.APPLICANT not in (dossier.steps_done or []):
        problems.append(Problem(step, _("Complete the applicant information.")))
    if dossier.result_delivery == ResultDelivery.POST and not (dossier.result_address and dossier.result_commune):
        problems.append(Problem(step, _("Give the postal address where the result should be sent.")))
    return problems


def form_problems(dossier: Dossier) -> list[Problem]:
    definitions = form_fields_of(dossier)
    if not definitions:
        return []
    if has_typed_input(dossier, WizardStep.FORM):
        return [Problem(WizardStep.FORM, _("Correct the declaration form: some answers you typed are not valid."))]
    form = EForm.for_stored(definitions=definitions, answers=dossier.form_data)
    if WizardStep.FORM not in (dossier.steps_done or []) or not form.is_valid():
        return [Problem(WizardStep.FORM, _("Complete the declaration form: some answers are missing or not valid."))]
    return []


def attachment_problems(dossier: Dossier) -> list[Problem]:
    attachments = applicant_attachments(dossier)
    filled = {a.document_id for a in attachments}
    problems = [
        Problem(WizardStep.ATTACHMENTS, _("Attach “%(document)s”.") % {"document": document.name})
        for document in documents_of(dossier)
        if document.is_required and document.pk not in filled
    ]
    total = sum(a.size for a in dossier.attachments.all())
    if total > settings.DOSSIER_MAX_TOTAL_SIZE:
        problems.append(
            Problem(
                WizardStep.ATTACHMENTS,
                _("The files together exceed %(max)s. Remove or reduce some of them.")
                % {"max": filesizeformat(settings.DOSSIER_MAX_TOTAL_SIZE)},
            )
        )
    return problems


def send_problems(dossier: Dossier) -> list[Problem]:
    """Everything that must be fixed before the dossier can be sent (empty: ready)."""
    return applicant_problems(dossier) + form_problems(dossier) + attachment_problems(dossier)


def step_complete(dossier: Dossier, step: str) -> bool:
    if step == WizardStep.APPLICANT:
        return not applicant_problems(dossier)
    if step == WizardStep.FORM:
        return not form_problems(dossier)
    if step == WizardStep.ATTACHMENTS:
        return WizardStep.ATTACHMENTS in (dossier.steps_done or []) and not attachment_problems(dossier)
    return False


def first_incomplete_step(dossier: Dossier) -> str:
    for step in steps_for(dossier):
        if step == WizardStep.REVIEW or not step_complete(dossier, step):
            return step
    return WizardStep.REVIEW.value


def progress(dossier: Dossier | None, current: str, *, procedure=None) -> list[dict]:
    """The progress indicator: each step with its number, label and state (no dossier yet: step 1)."""
    labels = dict(WizardStep.choices)
    items = []
    steps = steps_for(dossier) if dossier is not None else steps_for_procedure(procedure)
    for number, step in enumerate(steps, start=1):
        items.append(
            {
                "step": step,
                "number": number,
                "label": labels[step],
                "current": step == current,
                "complete": dossier is not None and step != WizardStep.REVIEW and step_complete(dossier, step),
                "reachable": dossier is not None,
            }
        )
    return items


def neighbours(dossier: Dossier, step: str) -> tuple[str | None, str | None]:
    steps = steps_for(dossier)
    index = steps.index(step)
    previous = steps[index - 1] if index > 0 else None
    following = steps[index + 1] if index + 1 < len(steps) else None
    return previous, following
