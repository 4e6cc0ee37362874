"""The back office: agency officers do their whole job here (issue 5).

* Every queryset is ``selectors.dossiers_for_staff(user)``: an officer lists, opens, acts on and
  downloads only the dossiers of their own agencies; a dossier of another agency is a 404 even
  when its URL is typed. Superusers see everything.
* The dossier page is our own read-only view (applicant snapshot, e-form answers, files through
  the permission-checked download, history) with one form per action the status and the
  officer's role allow; each posts to ``…/action/<name>/``, which calls the workflow function.
  The status is never a form field.
"""

import datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, CharField, F, Value, When
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import csvfiles
from procedures.models import Agency, Field, Procedure

from . import deadlines, selectors, services, workflow
from .constants import PERM_PROCESS, PERM_RECEIVE, AttachmentKind, DossierStatus
from .eform import display_answers
from .forms import TRANSITION_FORMS, RevokeResultForm, build_slots
from .models import AgencyMembership, Dossier, Holiday, Result
from .permissions import has_agency_permission, is_back_office_user, staff_agency_ids

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


DEADLINE_LABELS = {"overdue": _("Overdue"), "due-soon": _("Due soon"), "paused": _("Clock stopped")}


def deadline_state(dossier: Dossier, cutoff: datetime.date) -> tuple[str, str]:
    """(css suffix, label) of a dossier's deadline: overdue, due soon, paused, or nothing to say."""
    if deadlines.is_overdue(dossier):
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
        "procedure_name",
        "applicant_name",
        "status_label",
        "received_at",
        "due_date",
        "deadline_flag",
    )
    list_display_links = ("code",)
    list_filter = (
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
    list_select_related = ("procedure", "agency")
    list_per_page = 50
    show_full_result_count = False
    ordering = (F("sent_at").desc(nulls_last=True), "-pk")  # a superuser's drafts (never sent) last
    actions = ["receive_selected", "export_csv"]
    change_list_template = "admin/dossiers/dossier/change_list.html"

    # Scope and permissions ------------------------------------------------------------------
    def get_queryset(self, request):
        """The officer's scope, each row annotated with its deadline state (computed by the database)."""
        cutoff = _due_soon_cutoff(request)
        return selectors.dossiers_for_staff(request.user).annotate(
            bo_deadline=Case(
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
        if not is_back_office_user(user) or not (user.is_superuser or user.has_perm("dossiers.view_dossier")):
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
        user = request.user
        return is_back_office_user(user) and (user.is_superuser or user.has_perm(f"dossiers.{PERM_RECEIVE}"))

    def get_list_display(self, request):
        ids = _scope_agency_ids(request)
        if ids is None or len(ids) > 1:
            return (*self.list_display[:2], "agency", *self.list_display[2:])
        return self.list_display

    # Columns --------------------------------------------------------------------------------
    @admin.display(description=_("procedure"), ordering="procedure__name")
    def procedure_name(self, obj: Dossier) -> str:
        return Truncator(obj.procedure.name).chars(70)

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj: Dossier) -> str:
        return format_html('<span class="bo-status bo-status-{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description=_("deadline"))
    def deadline_flag(self, obj: Dossier) -> str:
        css = getattr(obj, "bo_deadline", "")
        label = DEADLINE_LABELS.get(css)
        return format_html('<span class="bo-flag bo-flag-{}">{}</span>', css, label) if label else "—"

    # Bulk actions ---------------------------------------------------------------------------
    @admin.action(description=_("Receive the selected dossiers"), permissions=["receive"])
    def receive_selected(self, request, queryset):
        done, refused = 0, []
        for dossier in queryset.filter(status=DossierStatus.SENT).select_related("procedure"):
            try:
                workflow.dossier_receive(dossier=dossier, user=request.user)
            except workflow.TransitionError as exc:
                refused.append(f"{dossier.code}: {exc.message}")
            else:
                done += 1
        skipped = queryset.exclude(status=DossierStatus.SENT).count()
        if done:
            self.message_user(request, gettext("%(count)s dossier(s) received.") % {"count": done}, messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                gettext("%(count)s selected dossier(s) were not in the “Sent” status and were left as they are.")
                % {"count": skipped},
                messages.WARNING,
            )
        for line in refused:
            self.message_user(request, line, messages.ERROR)

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

    def _render_detail(self, request, dossier: Dossier):
        attachments = list(dossier.attachments.all())
        forms = [
            (t, TRANSITION_FORMS[t.name](dossier=dossier, auto_id=f"id_{t.name}_%s"))
            for t in workflow.officer_transitions(dossier, request.user)
        ]
        css, label = deadline_state(dossier, _due_soon_cutoff(request))
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
            "deadline_css": css,
            "deadline_label": label,
            "rating": _rating(dossier),
        }
        return TemplateResponse(request, "admin/dossiers/dossier/detail.html", context)

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
                    return redirect(change_url)
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
class ResultAdmin(admin.ModelAdmin):
    """The electronic results of the officer's agencies: read only, with one action, revoke."""

    list_display = ("code", "agency", "issued_at", "status", "revoked_at")
    list_filter = ("status",)
    search_fields = ("code",)
    list_select_related = ("agency", "dossier")
    show_full_result_count = False

    def get_queryset(self, request):
        return selectors.results_for_staff(request.user)

    def has_view_permission(self, request, obj=None):
        user = request.user
        return is_back_office_user(user) and (user.is_superuser or user.has_perm("dossiers.view_dossier"))

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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


# Fee payments (issue 21): their own admin classes, registered by importing the module.
from .payments import admin as payments_admin  # noqa: E402, F401
