import mimetypes
from pathlib import Path

from django.core.paginator import InvalidPage, Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView

from core.decorators import cache_page_for_anonymous
from core.ratelimit import over_limit

from . import selectors, services
from .forms import ProcedureSearchForm
from .models import Agency, Procedure, RequiredDocument

PAGE_SIZE = 20


# Public catalogue pages: the same for every anonymous visitor until the catalogue changes.
catalogue_page = method_decorator(
    cache_page_for_anonymous(selectors.CACHE_TIMEOUT, version=selectors.catalogue_version), name="dispatch"
)


@catalogue_page
class ProcedureListView(TemplateView):
    """/procedures/: a plain GET form, so every result page has a shareable address."""

    template_name = "procedures/procedure_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meta = selectors.catalogue_meta()
        form = ProcedureSearchForm(self.request.GET, tree=meta.tree, fields=meta.fields)
        values = form.valid_values()
        raw_page = self.request.GET.get("page", "1")
        result = selectors.procedure_catalogue(query=selectors.CatalogueQuery(**values), meta=meta)
        form.set_counts(result.counts)
        paginator = Paginator(range(result.counts["total"][""]), PAGE_SIZE)  # page arithmetic only
        page_notice = ""
        try:
            page = paginator.page(raw_page)
        except InvalidPage:
            if raw_page.isdecimal() and int(raw_page) > 1:
                page = paginator.page(paginator.num_pages)
                page_notice = _("There is no page %(page)s; this is the last page.") % {"page": raw_page[:10]}
            else:
                page = paginator.page(1)
                page_notice = _("The page number is not valid; this is the first page.")
        filters = {name: value for name, value in values.items() if value}
        procedures = result.rows(page.start_index() - 1, PAGE_SIZE) if paginator.count else []
        suggestion = selectors.suggested_query(
            q=values["q"], the_plan=result.plan, best=procedures[0] if procedures else None
        )
        context.update(
            form=form,
            page_obj=page,
            procedures=procedures,
            paginator=paginator,
            total=paginator.count,
            suggestion=suggestion,
            suggestion_query=urlencode({**filters, "q": suggestion}),
            broad=result.plan.broad and bool(procedures),
            missed=result.searched and not result.cube_total,
            fields=meta.fields,
            searched=bool(values["q"]),
            # The result links count an opening under this (SearchResultOpenedView).
            search_key=services.search_query_key(values["q"]),
            filtered=bool(filters),
            page_notice=page_notice,
            page_query=urlencode(filters),
            page_range=paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        )
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        # Kept with the page in the page cache (a response's own attributes are pickled with it),
        # so a cached page still says whether its search found nothing (``procedure_list``).
        response.search_missed = context["missed"]
        return response


_procedure_list_page = ProcedureListView.as_view()


def procedure_list(request: HttpRequest) -> HttpResponse:
    """/procedures/ (``ProcedureListView``), with each search counted for the staff around the
    page cache (``services.search_record``), with or without results: every first page of results
    (a filter chosen shows a new first page; the next pages of a list are not counted again).

    A search that found nothing is kept in the page cache like any other, but marked for nginx
    and browsers not to keep (``no-store``): each miss reaches this view and is counted, which is
    what the staff's list of misses is for."""
    response = _procedure_list_page(request)
    missed = getattr(response, "search_missed", False)
    if missed:
        add_never_cache_headers(response)
    q = request.GET.get("q", "")
    if (
        request.method == "GET"
        and response.status_code == 200
        and q
        and len(q) <= ProcedureSearchForm.Q_MAX_LENGTH
        and "page" not in request.GET
    ):
        services.search_record(q=q, found=not missed)
    return response


@method_decorator(csrf_exempt, name="dispatch")
class SearchResultOpenedView(View):
    """/procedures/<code>/from-search/?q=…: a result of the search ``q`` was opened (counted for
    the staff, ``services.search_result_opened``), then on to the procedure.

    The result links point here, so the opening is counted without JavaScript (GET: a redirect);
    static/js/search-opens.js turns them into the procedure's own address and tells this view
    with a beacon (POST, no body, so no CSRF token: it only adds one to a counter of an existing
    query). Either way the procedure page keeps one address and one cached copy. Never cached."""

    def get(self, request, code: str):
        return self._counted(request, redirect(reverse("procedures:detail", kwargs={"code": code})), code)

    def post(self, request, code: str):
        return self._counted(request, HttpResponse(status=204), code)

    def _counted(self, request, response: HttpResponse, code: str) -> HttpResponse:
        if not selectors.procedure_is_published(code=code):
            raise Http404
        # Beyond its rate a client still reaches the procedure; its openings are no longer counted,
        # so a script cannot make a query look useful to the staff.
        if not over_limit(request, group="search_open"):
            services.search_result_opened(q=request.GET.get("q", "")[: ProcedureSearchForm.Q_MAX_LENGTH])
        add_never_cache_headers(response)
        return response


@catalogue_page
class ProcedureSuggestView(View):
    """/procedures/suggest/?q=…: the first results of the catalogue search as JSON, for the search
    box's autocomplete (static/js/autocomplete.js); the search box works without it."""

    def get(self, request):
        q = request.GET.get("q", "")[: ProcedureSearchForm.Q_MAX_LENGTH]
        procedures = selectors.procedure_suggestions(q=q)
        return JsonResponse(
            {"results": [{"name": p.name, "agency": p.agency.name, "url": p.get_absolute_url()} for p in procedures]}
        )


@catalogue_page
class ProcedureDetailView(TemplateView):
    template_name = "procedures/procedure_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            procedure = selectors.procedure_detail(code=kwargs["code"])
        except Procedure.DoesNotExist as exc:
            raise Http404 from exc
        context.update(
            procedure=procedure, documents=procedure.documents.all(), form_fields=procedure.form_fields.all()
        )
        return context


class TemplateDownloadView(View):
    """Form templates are public information, but uploaded files have no public URL: they stream
    through here, only for a document of the published procedure named in the address."""

    def get(self, request, code: str, document_id: int):
        try:
            document = selectors.template_document(code=code, document_id=document_id)
        except RequiredDocument.DoesNotExist as exc:
            raise Http404 from exc
        try:
            handle = document.template.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        filename = Path(document.template.name).name
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
        response["Cache-Control"] = "public, max-age=3600"
        return response


@catalogue_page
class AgencyListView(TemplateView):
    template_name = "procedures/agency_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tree, counts = selectors.agencies_with_counts()
        context["agencies"] = [(node, counts.get(node.code, 0)) for node in tree.nodes]
        return context


@catalogue_page
class AgencyDetailView(TemplateView):
    template_name = "procedures/agency_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            agency, procedures, children = selectors.agency_page(code=kwargs["code"])
        except Agency.DoesNotExist as exc:
            raise Http404 from exc
        context.update(agency=agency, procedures=procedures, children=children)
        return context
