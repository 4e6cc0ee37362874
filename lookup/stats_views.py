from django.http import HttpResponse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core import csvfiles
from dossiers.deadlines import today as local_today
from procedures.selectors import catalogue_meta

from . import stats_selectors
from .stats_forms import StatisticsFilterForm

VIEWS = ("agency", "month")


class StatisticsView(TemplateView):
    """Thống kê: how the agencies handle dossiers, per agency and per month (public, GET only).

    The filters are a plain GET form; a wrong filter is reported beside its field and the page
    shows the figures with that filter's default instead.
    """

    template_name = "lookup/statistics.html"
    http_method_names = ["get", "head", "options"]

    def get_statistics(self):
        meta = catalogue_meta()
        form = StatisticsFilterForm(self.request.GET or None, tree=meta.tree, fields=meta.fields, today=local_today())
        query = form.query()
        result = stats_selectors.public_statistics(query=query, tree=meta.tree, version=meta.version)
        return form, result

    def get(self, request, *args, **kwargs):
        form, result = self.get_statistics()
        return self.render_to_response(self.get_context_data(form=form, stats=result))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        result = kwargs["stats"]
        query = result.query
        params = query.as_params()
        agency = (
            _("%(agency)s and its sub-agencies") % {"agency": query.agency.name}
            if query.agency
            else _("Whole country (all agencies)")
        )
        field = query.field[2] if query.field else _("all fields")
        scope = f"{agency} · {field} · {stats_selectors.period_label(query)}"
        context.update(
            scope=scope,
            agency_caption=_("Dossiers by agency: %(scope)s") % {"scope": scope},
            month_caption=_("Dossiers by month: %(scope)s") % {"scope": scope},
            columns=stats_selectors.csv_columns(),
            csv_agency_query=urlencode({**params, "view": "agency"}),
            csv_month_query=urlencode({**params, "view": "month"}),
        )
        return context


class StatisticsCsvView(StatisticsView):
    """The table of one view as CSV for Excel (UTF-8 with a BOM), same filters as the page.

    Filters that do not validate get the page with its messages instead of a file.
    """

    def get(self, request, *args, **kwargs):
        form, result = self.get_statistics()
        if form.is_bound and form.errors:
            return self.render_to_response(self.get_context_data(form=form, stats=result))
        view = request.GET.get("view")
        view = view if view in VIEWS else "agency"
        query = result.query
        name = f"thong-ke-ho-so-{'co-quan' if view == 'agency' else 'thang'}-{query.first:%Y-%m}-{query.last:%Y-%m}.csv"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response.write("\ufeff")  # the BOM tells Excel the file is UTF-8 (Vietnamese letters intact)
        writer = csvfiles.writer(response)
        writer.writerows(stats_selectors.csv_rows(result, view=view))
        return response
