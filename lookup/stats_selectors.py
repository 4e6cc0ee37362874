"""Reads for the public statistics page: the figures of dossiers.stats per agency and per month.

A page costs a fixed number of queries whatever the data (the agency list and the aggregates of
``dossiers.stats.figures_grid``), and its result, charts included, is cached briefly: the key
holds the filters, the language, the day (the "overdue now" figures change with it) and the
catalogue version (agency names). No invalidation beyond the short timeout.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _

from dossiers import stats
from dossiers.deadlines import today as local_today
from procedures.models import Agency
from procedures.selectors import AgencyTree

from .charts import Series, bar_chart
from .stats_forms import StatisticsQuery

GROUPS = (stats.RECEPTION, stats.DECISION, stats.APOLOGY, stats.FEES)


@dataclass
class Figures:
    """One row of the tables (an agency, a month, or the total)."""

    received: int = 0
    received_late: int = 0  # after the 8-working-hour reception deadline
    finished: int = 0
    finished_early: int = 0
    finished_on_time: int = 0
    finished_late: int = 0
    in_progress: int = 0
    overdue_now: int = 0
    apologies: int = 0
    ratings: int = 0
    rating_total: int = 0
    fees_paid: int = 0  # fees paid online (issue 21): how many, and the đồng collected
    fees_collected: int = 0

    @property
    def on_time_rate(self) -> float | None:
        """Share of results given by the due date (early or on the day), in percent."""
        if not self.finished:
            return None
        return 100 * (self.finished_early + self.finished_on_time) / self.finished

    @property
    def rating_average(self) -> float | None:
        return self.rating_total / self.ratings if self.ratings else None

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in FIGURE_NAMES)


FIGURE_NAMES = tuple(Figures.__dataclass_fields__)


@dataclass
class Row:
    key: str  # agency code or YYYY-MM
    label: str
    figures: Figures
    depth: int = 0


@dataclass
class PublicStatistics:
    query: StatisticsQuery
    by_agency: list[Row]
    by_month: list[Row]
    total: Figures
    agency_chart: str = ""
    month_chart: str = ""
    computed_at: datetime.datetime | None = field(default=None)


def month_label(month: datetime.date) -> str:
    return f"{month:%m/%Y}"


def period_label(query: StatisticsQuery) -> str:
    return f"{month_label(query.first)} – {month_label(query.last)}"


def _cache_key(query: StatisticsQuery, *, version: int, today: datetime.date) -> str:
    parts = [
        translation.get_language(),
        query.agency.code if query.agency else "",
        query.field[1] if query.field else "",
        f"{query.first:%Y-%m}",
        f"{query.last:%Y-%m}",
        today.isoformat(),
        version,
    ]
    digest = hashlib.sha1(json.dumps(parts).encode(), usedforsecurity=False).hexdigest()
    return f"lookup:statistics:{digest}"


def public_statistics(*, query: StatisticsQuery, tree: AgencyTree, version: int) -> PublicStatistics:
    """The page's figures and charts, from the cache when asked for in the last few minutes.

    Cold: one query for the agencies (the whole country only) and the aggregates of
    ``figures_grid`` (5 queries), whatever the number of dossiers.
    """
    today = local_today()
    key = _cache_key(query, version=version, today=today)
    result = cache.get(key)
    if result is None:
        result = _compute(query=query, tree=tree, today=today)
        cache.set(key, result, settings.STATISTICS_CACHE_SECONDS)
    return result


def _compute(*, query: StatisticsQuery, tree: AgencyTree, today: datetime.date) -> PublicStatistics:
    if query.agency is not None:
        root = query.agency
        below = set(root.descendant_ids)
        agencies = [(n.pk, n.code, n.name, n.depth - root.depth) for n in tree.nodes if n.pk in below]
    else:
        # The whole country: every agency, those closed since (not in the tree) after the others.
        position = {node.pk: (i, node.depth) for i, node in enumerate(tree.nodes)}
        everyone = Agency.objects.order_by("name").values_list("pk", "code", "name")
        agencies = sorted(
            ((pk, code, name, position.get(pk, (0, 0))[1]) for pk, code, name in everyone),
            key=lambda a: position.get(a[0], (len(position), 0))[0],
        )
    grid = stats.figures_grid(
        start=query.first,
        end=query.end,
        agency_ids=[pk for pk, *_rest in agencies],
        field_id=query.field[0] if query.field else None,
        groups=GROUPS,
        today=today,
    )
    # Sums in plain dicts (the grid has agencies × months cells), Figures built once at the end.
    agency_sums: dict[int, dict[str, int]] = {}
    month_sums: dict[str, dict[str, int]] = {f"{month:%Y-%m}": dict.fromkeys(FIGURE_NAMES, 0) for month in query.months}
    total_sums = dict.fromkeys(FIGURE_NAMES, 0)
    for (agency_id, month), counts in grid.items():
        for sums in (
            agency_sums.setdefault(agency_id, dict.fromkeys(FIGURE_NAMES, 0)),
            month_sums.setdefault(month, dict.fromkeys(FIGURE_NAMES, 0)),
            total_sums,
        ):
            for name in FIGURE_NAMES:
                sums[name] += counts[name]
    per_agency = {agency_id: Figures(**sums) for agency_id, sums in agency_sums.items()}
    per_month = {month: Figures(**sums) for month, sums in month_sums.items()}
    total = Figures(**total_sums)
    by_agency = [Row(code, name, per_agency[pk], depth) for pk, code, name, depth in agencies if pk in per_agency]
    by_month = [Row(f"{month:%Y-%m}", month_label(month), per_month[f"{month:%Y-%m}"]) for month in query.months]
    result = PublicStatistics(query=query, by_agency=by_agency, by_month=by_month, total=total)
    if not total.is_empty:
        result.agency_chart = _chart(
            chart_id="chart-agency",
            title=_("Dossiers by agency, %(period)s") % {"period": period_label(query)},
            description=_(
                "Horizontal bars for each agency: dossiers received, finished early, finished on time, "
                "finished late and overdue now. The table beside the chart gives the same figures."
            ),
            rows=by_agency,
        )
        result.month_chart = _chart(
            chart_id="chart-month",
            title=_("Dossiers by month, %(period)s") % {"period": period_label(query)},
            description=_(
                "Horizontal bars for each month: dossiers received, finished early, finished on time, "
                "finished late and overdue now. The table beside the chart gives the same figures."
            ),
            rows=by_month,
        )
    return result


def _chart(*, chart_id: str, title: str, description: str, rows: list[Row]) -> str:
    series = [
        Series(_("Dossiers received"), [row.figures.received for row in rows]),
        Series(_("Results early"), [row.figures.finished_early for row in rows]),
        Series(_("Results on time"), [row.figures.finished_on_time for row in rows]),
        Series(_("Results late"), [row.figures.finished_late for row in rows]),
        Series(_("Overdue now"), [row.figures.overdue_now for row in rows]),
    ]
    return bar_chart(
        title=title,
        description=description,
        categories=[row.label for row in rows],
        series=series,
        chart_id=chart_id,
    )


# --- CSV ------------------------------------------------------------------------------------


def csv_columns() -> list[tuple[str, str]]:
    """(attribute, header) of the numeric columns, in the tables' order."""
    return [
        ("received", _("Dossiers received")),
        ("received_late", _("Received after the 8-hour deadline")),
        ("finished", _("Results given")),
        ("finished_early", _("Results early")),
        ("finished_on_time", _("Results on time")),
        ("finished_late", _("Results late")),
        ("in_progress", _("Still in progress")),
        ("overdue_now", _("Overdue now")),
        ("apologies", _("Apology letters")),
        ("on_time_rate", _("On-time rate (%)")),
        ("ratings", _("Ratings")),
        ("rating_average", _("Average rating (1–5)")),
        ("fees_paid", _("Fees paid")),
        ("fees_collected", _("Fees collected (VND)")),
    ]


def csv_value(value) -> str | int:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    return value


def csv_rows(result: PublicStatistics, *, view: str) -> list[list]:
    """The table of one view (``agency`` or ``month``) as CSV rows, header and total included."""
    columns = csv_columns()
    if view == "month":
        header = [_("Month")]
        rows = [
            [row.label, *(csv_value(getattr(row.figures, name)) for name, _h in columns)] for row in result.by_month
        ]
    else:
        header = [_("Agency code"), _("Agency")]
        rows = [
            [row.key, row.label, *(csv_value(getattr(row.figures, name)) for name, _h in columns)]
            for row in result.by_agency
        ]
    total_label = [_("Total")] if view == "month" else ["", _("Total")]
    total = [*total_label, *(csv_value(getattr(result.total, name)) for name, _h in columns)]
    return [[*header, *(h for _n, h in columns)], *rows, total]
