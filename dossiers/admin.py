"""The back office: agency officers do their whole job here (issue 5).

* Every queryset is ``selectors.dossiers_for_staff(user)``: an officer lists, opens, acts on and
  downloads only the dossiers of their own agencies; a dossier of another agency is a 404 even
  when its URL is typed. Superusers see everything.
* The dossier page is our own read-only view (applicant snapshot, e-form answers, files through
  the permission-checked download, history) with one form per action the status and the
  officer's role allow; each posts to ``…/action/<name>/``, which calls the workflow function.
  The status is never a form field.
* Issue 20, the officer's workspace: the queues (``?queue=…``, counted on the admin home by the
  ``backoffice`` template tags), the files previewed inline (``…/preview/<attachment>/``, the
  same scope), the main action of the status open at the end of the page with "and open the next
  dossier in this queue", and bulk receive / start / assign through a confirmation page that
  lists every dossier and says why the ones it refuses are refused.
"""

import datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, CharField, F, Value, When
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from core import csvfiles
from core.files import private_file_response
from procedures.models import Agency, Field, Procedure

from . import deadlines, selectors, services, workflow
from .constants import PERM_PROCESS, PERM_RECEIVE, AttachmentKind, DossierStatus, Queue, StaffRole
from .eform import display_answers
from .forms import TRANSITION_FORMS, BulkAssignForm, ReceiveForm, RevokeResultForm, build_slots
from .models import AgencyMembership, AgencyReason, Dossier, Holiday, Result
from .permissions import (
    BackOfficeReadOnly,
    agency_permissions,
    back_office_may,
    has_agency_permission,
    is_back_office_user,
    staff_agency_ids,
)

# --- Helpers cached on the request: each is one query at most per page ----------------------


def _scope_agency_ids(request) -> set[int] | None:
    """The officer's agency ids (None for a superuser: every agency)."""
    if not hasattr(request, "_bo_agency_ids"):
        user = request.user
        request._bo_agency_ids = (
            None if user.is_superuser else set(staff_agency_ids(user).values_list("agency_id", flat=True))
        )
    return request._bo_agency_ids


def _due_soon_cutoff(request) -> datetime.date:
    if not hasattr(request, "_bo_due_soon_cutoff"):
        request._bo_due_soon_cutoff = deadlines.due_soon_cutoff()
    return request._bo_due_soon_cutoff


DEADLINE_LABELS = {
    "overdue": _("Overdue"),
    "due-soon": _("Due soon"),
    "paused": _("Clock stopped"),
    "reception-overdue": _("Reception overdue"),
}


def deadline_state(dossier: Dossier, cutoff: datetime.date) -> tuple[str, str]:
    """(css suffix, label) of a dossier's deadline: overdue, due soon, paused, or nothing to say."""
    if dossier.status == DossierStatus.SENT and dossier.reception_due_at and dossier.reception_due_at < timezone.now():
        css = "reception-overdue"
    elif deadlines.is_overdue(dossier):
        css = "overdue"
    elif deadlines.is_due_soon(dossier, cutoff=cutoff):
        css = "due-soon"
    elif dossier.status == DossierStatus.SUPPLEMENT_REQUESTED:
        css = "paused"
    else:
        return "", ""
    return css, str(DEADLINE_LABELS[css])


# --- List filters (each shows only what lies in the officer's scope) ------------------------


class AgencyFilter(admin.SimpleListFilter):
    title = _("agency")
    parameter_name = "agency"

    def lookups(self, request, model_admin):
        agencies = Agency.objects.order_by("name")
        ids = _scope_agency_ids(request)
        if ids is not None:
            agencies = agencies.filter(pk__in=ids)
        return [(str(a.pk), a.name) for a in agencies.only("pk", "name")]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(agency_id=value) if value and value.isdigit() else queryset


class ProcedureFilter(admin.SimpleListFilter):
    title = _("procedure")
    parameter_name = "procedure"

    def lookups(self, request, model_admin):
        procedures = Procedure.objects.order_by("name")
        ids = _scope_agency_ids(request)
        if ids is not None:
            procedures = procedures.filter(agency_id__in=ids)
        return [(str(p.pk), Truncator(p.name).chars(60)) for p in procedures.only("pk", "name")]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(procedure_id=value) if value and value.isdigit() else queryset


class FieldFilter(admin.SimpleListFilter):
    title = _("field")
    parameter_name = "field"

    def lookups(self, request, model_admin):
        fields = Field.objects.order_by("name")
        ids = _scope_agency_ids(request)
        if ids is not None:
            fields = fields.filter(procedures__agency_id__in=ids).distinct()
        return [(str(f.pk), f.name) for f in fields.only("pk", "name")]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(procedure__field_id=value) if value and value.isdigit() else queryset


class QueueFilter(admin.SimpleListFilter):
    """The officer's work queues; the admin home links to each with its count."""

    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return Queue.choices

    def queryset(self, request, queryset):
        condition = selectors.queue_q(self.value() or "", user=request.user, cutoff=_due_soon_cutoff(request))
        return queryset if condition is None else queryset.filter(condition)


class DeadlineFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Overdue")),
            ("due_soon", _("Due soon (2 working days)")),
            ("paused", _("Clock stopped (supplement)")),
            ("on_track", _("Within the time limit")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "overdue":
            return queryset.filter(deadlines.overdue_q())
        if value == "due_soon":
            return queryset.filter(deadlines.due_soon_q(cutoff=_due_soon_cutoff(request)))
        if value == "paused":
            return queryset.filter(status=DossierStatus.SUPPLEMENT_REQUESTED)
        if value == "on_track":
            return queryset.filter(
                status__in=(DossierStatus.RECEIVED, DossierStatus.IN_PROGRESS), due_date__gte=deadlines.today()
            )
        return queryset


class DueDateFilter(admin.SimpleListFilter):
    title = _("due date")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("today", _("Today")), ("this_week", _("This week")), ("next_week", _("Next week"))]

    def queryset(self, request, queryset):
        value = self.value()
        today = deadlines.today()
        if value == "today":
            return queryset.filter(due_date=today)
        if value in ("this_week", "next_week"):
            monday, sunday = deadlines.week_bounds(today)
            if value == "next_week":
                monday, sunday = monday + datetime.timedelta(days=7), sunday + datetime.timedelta(days=7)
            return queryset.filter(due_date__range=(monday, sunday))
        return queryset


# --- The dossier admin ----------------------------------------------------------------------


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "applicant_name",
        "procedure_name",
        "status_label",
        "deadline_flag",
        "waiting_since",
        "assignee",
    )
    list_display_links = ("code",)
    list_filter = (
        QueueFilter,
        "status",
        AgencyFilter,
        ProcedureFilter,
        FieldFilter,
        DeadlineFilter,
        DueDateFilter,
        ("received_at", admin.DateFieldListFilter),
    )
    search_fields = ("code", "applicant_name", "applicant_id_number", "applicant_email", "applicant_phone")
    search_help_text = _("Search by dossier code, applicant name, ID number, email or phone.")
    list_select_related = ("procedure", "agency", "assigned_to")
    list_per_page = 50
    show_full_result_count = False
    ordering = (F("sent_at").desc(nulls_last=True), "-pk")  # a superuser's drafts (never sent) last
    actions = ["receive_selected", "start_selected", "assign_selected", "export_csv"]
    change_list_template = "admin/dossiers/dossier/change_list.html"

    # Scope and permissions ------------------------------------------------------------------
    def get_queryset(self, request):
        """The officer's scope, each row annotated with its deadline state (computed by the database)."""
        cutoff = _due_soon_cutoff(request)
        return selectors.dossiers_for_staff(request.user).annotate(
            bo_deadline=Case(
                When(deadlines.reception_overdue_q(), then=Value("reception-overdue")),
                When(deadlines.overdue_q(), then=Value("overdue")),
                When(deadlines.due_soon_q(cutoff=cutoff), then=Value("due-soon")),
                When(status=DossierStatus.SUPPLEMENT_REQUESTED, then=Value("paused")),
                default=Value(""),
                output_field=CharField(),
            )
        )

    def _in_scope(self, request, obj: Dossier) -> bool:
        ids = _scope_agency_ids(request)
        return ids is None or (obj.agency_id in ids and obj.status != DossierStatus.DRAFT)

    def has_view_permission(self, request, obj=None):
        user = request.user
        if not back_office_may(user):
            return False
        return obj is None or self._in_scope(request, obj)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the status and the citizen's data are never edited by hand

    def has_delete_permission(self, request, obj=None):
        return False

    def has_receive_permission(self, request):
        return back_office_may(request.user, PERM_RECEIVE)

    def has_process_permission(self, request):
        return back_office_may(request.user, PERM_PROCESS)

    def get_list_display(self, request):
        ids = _scope_agency_ids(request)
        if ids is None or len(ids) > 1:
            return (*self.list_display[:3], "agency_code", *self.list_display[3:])
        return self.list_display

    def get_ordering(self, request):
        """A queue is worked in its own order (the oldest waiting dossier first)."""
        return selectors.QUEUE_ORDERING.get(request.GET.get("queue"), self.ordering)

    # Columns (fit 1280 px: short texts, the full one in the tooltip; dates dd/mm/yyyy HH:MM) ---
    @admin.display(description=_("procedure"), ordering="procedure__name")
    def procedure_name(self, obj: Dossier) -> str:
        return format_html('<span title="{}">{}</span>', obj.procedure.name, Truncator(obj.procedure.name).chars(40))

    @admin.display(description=_("agency"), ordering="agency__code")
    def agency_code(self, obj: Dossier) -> str:
        return format_html('<span title="{}">{}</span>', obj.agency.name, obj.agency.code)

    @admin.display(description=_("waiting since"), ordering="sent_at")
    def waiting_since(self, obj: Dossier) -> str:
        if obj.sent_at is None:
            return "—"
        sent = _fmt(obj.sent_at)
        if obj.status != DossierStatus.SENT:
            return sent
        return format_html("{}<br><small>{}</small>", sent, gettext("%(time)s ago") % {"time": timesince(obj.sent_at)})

    @admin.display(description=_("officer"), ordering="assigned_to__full_name")
    def assignee(self, obj: Dossier) -> str:
        user = obj.assigned_to
        return (user.full_name or user.email) if user else "—"

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj: Dossier) -> str:
        return format_html('<span class="bo-status bo-status-{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description=_("due"), ordering="due_date")
    def deadline_flag(self, obj: Dossier) -> str:
        """The due date (or, while waiting, the reception deadline) with its state in colour and words."""
        css = getattr(obj, "bo_deadline", "")
        label = DEADLINE_LABELS.get(css)
        if obj.status == DossierStatus.SENT and obj.reception_due_at:
            when = gettext("receive by %(time)s") % {"time": _fmt(obj.reception_due_at)}
            if not label:  # still in time: how long is left (in clock time)
                return format_html(
                    "{}<br><small>{}</small>",
                    when,
                    gettext("%(time)s left") % {"time": timeuntil(obj.reception_due_at)},
                )
        elif obj.due_date:
            when = obj.due_date.strftime("%d/%m/%Y")
        else:
            when = "—"
        if not label:
            return when
        return format_html('{}<br><span class="bo-flag bo-flag-{}">{}</span>', when, css, label)

    # Bulk actions ---------------------------------------------------------------------------
    @admin.action(description=_("Receive the selected dossiers"), permissions=["receive"])
    def receive_selected(self, request, queryset):
        return self._bulk(request, queryset, "receive", _("Receive the selected dossiers"))

    @admin.action(description=_("Start processing the selected dossiers"), permissions=["process"])
    def start_selected(self, request, queryset):
        return self._bulk(request, queryset, "start", _("Start processing the selected dossiers"))

    @admin.action(description=_("Assign the selected dossiers to an officer"), permissions=["receive"])
    def assign_selected(self, request, queryset):
        return self._bulk(request, queryset, "assign", _("Assign the selected dossiers to an officer"))

    def _bulk(self, request, queryset, name: str, title):
        """A bulk action in two steps: a page listing each selected dossier with whether the action
        applies (and why not), then, when confirmed, the transition for each one that may."""
        dossiers = list(queryset.select_related("procedure", "agency", "assigned_to").order_by("sent_at", "pk"))
        form = None
        if name == "assign":
            form = BulkAssignForm(request.POST if "confirm" in request.POST else None, request=request)
        rows = [(d, self._bulk_refusal(request, d, name)) for d in dossiers]
        if "confirm" in request.POST and (form is None or form.is_valid()):
            done, failed = 0, []
            for dossier, refusal in rows:
                if refusal:
                    continue
                try:
                    if name == "assign":
                        workflow.dossier_assign(
                            dossier=dossier, user=request.user, assignee=form.cleaned_data["assignee"]
                        )
                    else:
                        workflow.AGENCY_FUNCTIONS[name](dossier=dossier, user=request.user)
                except workflow.TransitionError as exc:
                    failed.append(f"{dossier.code}: {exc.message}")
                else:
                    done += 1
            label = workflow.TRANSITIONS[name].label
            if done:
                self.message_user(
                    request,
                    gettext("%(action)s: done for %(count)s dossier(s).") % {"action": label, "count": done},
                    messages.SUCCESS,
                )
            skipped = sum(1 for _d, refusal in rows if refusal)
            if skipped:
                self.message_user(
                    request,
                    gettext("%(count)s selected dossier(s) were left as they are (see the reasons listed before).")
                    % {"count": skipped},
                    messages.WARNING,
                )
            for line in failed:
                self.message_user(request, line, messages.ERROR)
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "action_name": request.POST.get("action", ""),
            "rows": rows,
            "accepted": sum(1 for _d, refusal in rows if not refusal),
            "form": form,
            "selected": [d.pk for d in dossiers],
            "select_across": request.POST.get("select_across", "0"),
            "changelist_query": request.GET.urlencode(),
        }
        return TemplateResponse(request, "admin/dossiers/dossier/bulk_confirm.html", context)

    def _bulk_refusal(self, request, dossier: Dossier, name: str) -> str:
        """Why the bulk action ``name`` does not apply to this dossier ("" when it does)."""
        transition = workflow.TRANSITIONS[name]
        if transition.permission not in agency_permissions(request.user, dossier.agency_id):
            return gettext("Your role in this dossier's agency does not allow this action.")
        if not workflow.can(dossier, name):
            return transition.refusal % {"status": dossier.get_status_display()}
        if name == "assign" and dossier.assigned_to_id:
            return gettext("Already assigned to %(name)s: open the dossier to reassign it.") % {
                "name": dossier.assigned_to.full_name or dossier.assigned_to.email
            }
        return ""

    @admin.action(description=_("Export the selected dossiers (CSV)"), permissions=["view"])
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="ho-so.csv"'
        response.write("\ufeff")  # Excel opens UTF-8 with a BOM correctly
        writer = csvfiles.writer(response)
        writer.writerow(
            [
                gettext("Dossier code"),
                gettext("Procedure"),
                gettext("Agency"),
                gettext("Applicant"),
                gettext("Status"),
                gettext("Sent at"),
                gettext("Received at"),
                gettext("Due date"),
                gettext("Finished at"),
                gettext("Timeliness"),
            ]
        )
        for d in queryset.select_related("procedure", "agency").order_by("pk"):
            writer.writerow(
                [
                    d.code,
                    d.procedure.name,
                    d.agency.name,
                    d.applicant_name,
                    d.get_status_display(),
                    _fmt(d.sent_at),
                    _fmt(d.received_at),
                    d.due_date.strftime("%d/%m/%Y") if d.due_date else "",
                    _fmt(d.finished_at),
                    d.get_timeliness_display(),
                ]
            )
        return response

    # The dossier page and its actions -------------------------------------------------------
    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/action/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name="{}_{}_transition".format(*info),
            ),
            path(
                "<path:object_id>/preview/<int:attachment_id>/",
                self.admin_site.admin_view(self.preview_view),
                name="{}_{}_preview".format(*info),
            ),
            *super().get_urls(),
        ]

    def get_object(self, request, object_id, from_field=None):
        """The scoped dossier with what its page shows, or None (another agency's, a draft, a typo)."""
        cached = getattr(request, "_bo_dossier", None)
        if cached is not None and str(cached.pk) == str(object_id):
            return cached
        if not str(object_id).isdigit():
            return None
        dossier = selectors.dossier_for_back_office(user=request.user, pk=int(object_id))
        request._bo_dossier = dossier
        return dossier

    def _dossier_or_404(self, request, object_id) -> Dossier:
        if not self.has_view_permission(request):
            raise PermissionDenied
        dossier = self.get_object(request, object_id)
        if dossier is None:
            raise Http404(gettext("No such dossier."))
        return dossier

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        dossier = self._dossier_or_404(request, object_id)
        return self._render_detail(request, dossier)

    def history_view(self, request, object_id, extra_context=None):
        dossier = self._dossier_or_404(request, object_id)
        return redirect(reverse("admin:dossiers_dossier_change", args=[dossier.pk]) + "#history")

    # The main action of each status: first and open on the page, so the usual step is one click.
    PRIMARY_ACTIONS = {
        DossierStatus.SENT: "receive",
        DossierStatus.RECEIVED: "start",
        DossierStatus.IN_PROGRESS: "finish",
    }

    def _render_detail(self, request, dossier: Dossier):
        attachments = list(dossier.attachments.all())
        transitions = workflow.officer_transitions(dossier, request.user)
        primary = self.PRIMARY_ACTIONS.get(dossier.status)
        transitions.sort(key=lambda t: t.name != primary)
        reasons = list(AgencyReason.objects.filter(agency_id=dossier.agency_id))
        forms = [
            (t, TRANSITION_FORMS[t.name](dossier=dossier, reasons=reasons, auto_id=f"id_{t.name}_%s"))
            for t in transitions
        ]
        css, label = deadline_state(dossier, _due_soon_cutoff(request))
        filters = request.GET.get("_changelist_filters", "")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Dossier %(code)s") % {"code": dossier.code},
            "subtitle": dossier.procedure.name,
            "dossier": dossier,
            "procedure": dossier.procedure,
            "answers": display_answers(dossier.procedure.form_fields.all(), dossier.form_data),
            "slots": build_slots(
                dossier.procedure.documents.all(), attachments, kind=AttachmentKind.APPLICANT, other=False
            ),
            "supplements": [a for a in attachments if a.kind == AttachmentKind.SUPPLEMENT],
            "results": [a for a in attachments if a.kind == AttachmentKind.RESULT],
            "history": list(dossier.history.all()),
            "apologies": list(dossier.apologies.all()),
            "actions": forms,
            "primary_action": primary if transitions and transitions[0].name == primary else None,
            "can_receive_and_start": PERM_PROCESS in agency_permissions(request.user, dossier.agency_id),
            "start_button": ReceiveForm.START_BUTTON,
            "deadline_css": css,
            "deadline_label": label,
            "rating": _rating(dossier),
            "action_query": _query(filters).urlencode() if filters else "",
            "changelist_url": reverse("admin:dossiers_dossier_changelist") + (f"?{filters}" if filters else ""),
            "queue_label": dict(Queue.choices).get(QueryDict(filters).get("queue")),
        }
        return TemplateResponse(request, "admin/dossiers/dossier/detail.html", context)

    @xframe_options_sameorigin
    def preview_view(self, request, object_id, attachment_id):
        """A file of the dossier shown inline on its page (PDF in a frame, images), from the private
        storage: the dossier through the officer's scope, the file among that dossier's."""
        dossier = self._dossier_or_404(request, object_id)
        attachment = next((a for a in dossier.attachments.all() if a.pk == attachment_id), None)
        if attachment is None or not previewable(attachment.content_type):
            raise Http404(gettext("No such file."))
        response = private_file_response(
            attachment.file, download_name=attachment.name, content_type=attachment.content_type, as_attachment=False
        )
        # Framed by the dossier page only; a PDF needs the browser's viewer, which a sandbox blocks.
        response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'" + (
            "" if attachment.content_type == "application/pdf" else "; sandbox"
        )
        return response

    def _next_in_queue(self, request, dossier: Dossier) -> str | None:
        """The change URL of the dossier after this one in the queue the officer came from."""
        filters = request.GET.get("_changelist_filters", "")
        queue = QueryDict(filters).get("queue", "")
        queryset = self.get_queryset(request)
        condition = selectors.queue_q(queue, user=request.user, cutoff=_due_soon_cutoff(request))
        if condition is not None:
            queryset = queryset.filter(condition)
        ordering = selectors.QUEUE_ORDERING.get(queue, self.ordering)
        pks = list(queryset.order_by(*ordering).values_list("pk", flat=True)[:1000])
        position = pks.index(dossier.pk) + 1 if dossier.pk in pks else 0
        following = [pk for pk in pks[position:] if pk != dossier.pk]
        if not following:
            return None
        url = reverse("admin:dossiers_dossier_change", args=[following[0]])
        return f"{url}?{_query(filters).urlencode()}" if filters else url

    def _after_action(self, request, dossier: Dossier, change_url: str) -> str:
        """Where a done action leads: the next dossier of the queue when asked ("save and next"),
        the queue when it is empty, else the dossier again (or the list, if it left the scope)."""
        filters = request.GET.get("_changelist_filters", "")
        list_url = reverse("admin:dossiers_dossier_changelist") + (f"?{filters}" if filters else "")
        if "next" in request.POST:
            return self._next_in_queue(request, dossier) or list_url
        if not self.get_queryset(request).filter(pk=dossier.pk).exists():
            return list_url  # transferred to another agency, or given to a colleague
        return change_url + (f"?{_query(filters).urlencode()}" if filters else "")

    def transition_view(self, request, object_id, name):
        dossier = self._dossier_or_404(request, object_id)
        transition = workflow.TRANSITIONS.get(name)
        if transition is None or transition.actor != workflow.AGENCY:
            raise Http404
        change_url = reverse("admin:dossiers_dossier_change", args=[dossier.pk])
        if not has_agency_permission(request.user, dossier.agency_id, transition.permission):
            raise PermissionDenied
        if not workflow.can(dossier, name):
            token = workflow.parse_token(request.POST.get("token")) if request.method == "POST" else None
            if token and dossier.history.filter(request_token=token).exists():
                messages.info(request, gettext("This action has already been recorded."))
            else:
                messages.error(request, transition.refusal % {"status": dossier.get_status_display()})
            return redirect(change_url)
        form_class = TRANSITION_FORMS[name]
        if request.method == "POST":
            form = form_class(request.POST, request.FILES, dossier=dossier)
            if form.is_valid():
                try:
                    workflow.AGENCY_FUNCTIONS[name](dossier=dossier, user=request.user, **form.transition_kwargs())
                except workflow.TransitionError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(
                        request,
                        gettext("%(action)s: done for dossier %(code)s.")
                        % {"action": transition.label, "code": dossier.code},
                    )
                    return redirect(self._after_action(request, dossier, change_url))
        else:
            form = form_class(dossier=dossier)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{transition.label} — {dossier.code}",
            "dossier": dossier,
            "transition": transition,
            "form": form,
            "change_url": change_url,
            "deadline_label": deadline_state(dossier, _due_soon_cutoff(request))[1],
        }
        return TemplateResponse(request, "admin/dossiers/dossier/transition.html", context)


PREVIEW_TYPES = ("application/pdf", "image/jpeg", "image/png")


def previewable(content_type: str) -> bool:
    return content_type in PREVIEW_TYPES


def _query(filters: str) -> QueryDict:
    """``_changelist_filters=<the queue's filters>``: what keeps the officer in their queue."""
    query = QueryDict(mutable=True)
    query["_changelist_filters"] = filters
    return query


def _fmt(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else ""


def _rating(dossier: Dossier):
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return dossier.rating
    except ObjectDoesNotExist:
        return None


# --- Staff memberships and holidays ---------------------------------------------------------


@admin.register(AgencyMembership)
class AgencyMembershipAdmin(admin.ModelAdmin):
    """Who works for which agency, with which role. Managed by superusers (or ``create_agency_staff``)."""

    list_display = ("user", "agency", "role", "created_at")
    list_filter = ("role", "agency")
    search_fields = ("user__email", "user__full_name", "agency__name", "agency__code")
    list_select_related = ("user", "agency")
    raw_id_fields = ("user",)

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        from .services import membership_sync_groups

        super().save_model(request, obj, form, change)
        membership_sync_groups(user=obj.user)
        if form.initial.get("user") not in (None, obj.user_id):
            from accounts.models import User

            membership_sync_groups(user=User.objects.get(pk=form.initial["user"]))

    def delete_model(self, request, obj):
        from .services import membership_sync_groups

        super().delete_model(request, obj)
        membership_sync_groups(user=obj.user)

    def delete_queryset(self, request, queryset):
        from .services import membership_sync_groups

        users = {m.user for m in queryset.select_related("user")}
        super().delete_queryset(request, queryset)
        for user in users:
            membership_sync_groups(user=user)


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """The working-day calendar deadlines are counted with (``import_holidays`` fills it)."""

    list_display = ("date", "weekday", "name", "kind", "source")
    list_filter = ("kind", "source", ("date", admin.DateFieldListFilter))
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("date",)

    @admin.display(description=_("weekday"))
    def weekday(self, obj: Holiday) -> str:
        from django.utils.formats import date_format

        return date_format(obj.date, "l")

    def save_model(self, request, obj, form, change):
        from .constants import HolidaySource

        obj.source = HolidaySource.MANUAL  # an edited day is kept by the next import
        super().save_model(request, obj, form, change)


# --- Electronic results (issue 22) ------------------------------------------------------------


@admin.register(Result)
class ResultAdmin(BackOfficeReadOnly, admin.ModelAdmin):
    """The electronic results of the officer's agencies: read only, with one action, revoke."""

    list_display = ("code", "agency", "issued_at", "status", "revoked_at")
    list_filter = ("status",)
    search_fields = ("code",)
    list_select_related = ("agency", "dossier")
    show_full_result_count = False

    def get_queryset(self, request):
        return selectors.results_for_staff(request.user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The result's facts and, for an officer who may process the agency's dossiers, the revoke form."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        result = self.get_queryset(request).filter(pk=object_id).first() if str(object_id).isdigit() else None
        if result is None:
            raise Http404(gettext("No such result."))
        may_revoke = not result.is_revoked and has_agency_permission(request.user, result.agency_id, PERM_PROCESS)
        form = RevokeResultForm(request.POST or None) if may_revoke else None
        if request.method == "POST":
            if form is None:
                raise PermissionDenied
            if form.is_valid():
                try:
                    services.result_revoke(result=result, user=request.user, reason=form.cleaned_data["reason"])
                except services.ResultRefused as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, gettext("Result %(code)s has been revoked.") % {"code": result.code})
                    return redirect(reverse("admin:dossiers_result_change", args=[result.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Result %(code)s") % {"code": result.code},
            "result": result,
            "form": form,
            "dossier_url": reverse("admin:dossiers_dossier_change", args=[result.dossier_id]),
        }
        return TemplateResponse(request, "admin/dossiers/result/detail.html", context)


@admin.register(AgencyReason)
class AgencyReasonAdmin(admin.ModelAdmin):
    """Ready-made reasons for supplements, refusals, rejections and transfers: each agency's
    leaders keep their own list; officers pick from it on the dossier page."""

    list_display = ("text_short", "kind", "agency", "position")
    list_filter = ("kind", "agency")
    list_editable = ("position",)
    search_fields = ("text",)
    list_select_related = ("agency",)

    def _led_agency_ids(self, request):
        if not hasattr(request, "_bo_led_agency_ids"):
            request._bo_led_agency_ids = set(
                AgencyMembership.objects.filter(user=request.user, role=StaffRole.LEADER).values_list(
                    "agency_id", flat=True
                )
            )
        return request._bo_led_agency_ids

    def _may(self, request, obj=None) -> bool:
        user = request.user
        if not is_back_office_user(user):
            return False
        if user.is_superuser:
            return True
        led = self._led_agency_ids(request)
        return bool(led) and (obj is None or obj.agency_id in led)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(agency_id__in=self._led_agency_ids(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "agency" and not request.user.is_superuser:
            kwargs["queryset"] = Agency.objects.filter(pk__in=self._led_agency_ids(request)).order_by("name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return self._may(request)

    def has_view_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_add_permission(self, request):
        return self._may(request)

    def has_change_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, obj)

    @admin.display(description=_("text"), ordering="text")
    def text_short(self, obj: AgencyReason) -> str:
        return Truncator(obj.text).chars(90)


# Fee payments (issue 21): their own admin classes, registered by importing the module.
from .payments import admin as payments_admin  # noqa: E402, F401
