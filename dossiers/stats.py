"""Dossier figures per agency and month, by aggregate queries: the one aggregation behind the
``dossier_stats`` command and the public statistics page (``lookup``).

Definitions (months in Vietnam time):

* **received**: dossiers received (tiếp nhận) that month; of those, **in_progress**: still open
  today (received, in progress or waiting for a supplement), and **overdue_now**: overdue today
  (the clock runs and the due date has passed; a dossier waiting for the citizen's supplement is
  not, see ``deadlines.overdue_q``).
* **finished**, split into **finished_early** (trước hạn), **finished_on_time** (đúng hạn) and
  **finished_late** (trễ hạn, including every dossier that needed an apology): results given that
  month; **rejected**: requests refused after processing that month (a decision, timed the same
  way); **ratings** and **rating_total**: the citizens' ratings (1–5) of the dossiers finished that
  month, their number and the sum of their scores (average = rating_total / ratings).
* **overdue**: dossiers whose due date fell that month and that were decided late, or are overdue
  today.
* **apologies**: apology letters issued that month.
* **fees_paid**, **fees_collected**, **fees_refunded**: fees paid that month (issue 21): how many,
  the đồng collected, and of those the đồng refunded since.

Each group of figures is one or two GROUP BY queries over covering indexes (see the Dossier
indexes), so the number of queries does not depend on the data, and a caller asks only for the
groups it shows (``groups=``).
"""

import datetime
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from django.db.models import Count, DateField, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from procedures.models import Agency, Procedure

from . import deadlines
from .constants import OPEN_STATUSES, DossierStatus, Timeliness
from .models import Apology, Dossier, Payment, Rating
from .payments.constants import PaymentStatus

STATS_COLUMNS = (
    "received",
    "received_late",
    "finished",
    "finished_early",
    "finished_on_time",
    "finished_late",
    "rejected",
    "overdue",
    "apologies",
    "in_progress",
    "overdue_now",
    "ratings",
    "rating_total",
    "fees_paid",
    "fees_collected",
    "fees_refunded",
)

# Groups of figures, each computed by one or two GROUP BY queries.
RECEPTION = "reception"  # received (late), in_progress, overdue_now: by month of reception
DECISION = "decision"  # finished (early / on time / late), rejected, ratings: by month of decision
DUE = "due"  # overdue: by month of the due date
APOLOGY = "apology"  # apologies: by month issued
FEES = "fees"  # fees_paid (payments), fees_collected and fees_refunded (VND): by month paid
ALL_GROUPS = (RECEPTION, DECISION, DUE, APOLOGY, FEES)

Grid = dict[tuple[int, str], dict[str, int]]  # (agency id, "YYYY-MM") -> figures


@dataclass
class MonthRow:
    agency_code: str
    agency_name: str
    month: str  # YYYY-MM
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATS_COLUMNS, 0))


def local_month(name: str) -> TruncMonth:
    """The first day of the month (Vietnam time) of a moment, as compared and grouped on.

    The same expression keys the Dossier indexes (``dossier_*_month_idx``), so PostgreSQL reads
    each month's rows from the index in order instead of computing the month row by row.
    """
    return TruncMonth(name, output_field=DateField())


def _bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=tz),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz),
    )


def _month(value) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return f"{value:%Y-%m}"


def figures_grid(
    *,
    start: datetime.date,
    end: datetime.date,
    agency_ids: Collection[int],
    field_id: int | None = None,
    groups: Collection[str] = ALL_GROUPS,
    today: datetime.date | None = None,
) -> Grid:
    """Figures per (agency, month) with at least one non-zero figure, for the receiving agencies
    ``agency_ids`` (pass every agency for the whole country) and, with ``field_id``, the dossiers
    of the procedures in that field (lĩnh vực).

    One query per group, two for RECEPTION and DECISION, whatever the number of dossiers. Every
    query filters on the agency list and the month expression, the leading columns of its
    covering index: an index-only scan of the period's rows, grouped in index order.
    """
    since, until = _bounds(start, end)
    first, last = start.replace(day=1), end.replace(day=1)
    today = today or deadlines.today()
    agency_ids = list(agency_ids)
    in_field = Procedure.objects.filter(field_id=field_id).values("pk") if field_id is not None else None

    def scope(prefix: str = "") -> Q:
        """The agency and field filter, on Dossier or (``prefix="dossier__"``) through a relation."""
        condition = Q(**{f"{prefix}agency_id__in": agency_ids})
        if in_field is not None:
            condition &= Q(**{f"{prefix}procedure_id__in": in_field})
        return condition

    dossiers: QuerySet[Dossier] = Dossier.objects.order_by().filter(scope())
    grid: Grid = defaultdict(lambda: dict.fromkeys(STATS_COLUMNS, 0))

    # A period of whole months is the month range alone (what the indexes are keyed on); other
    # dates (the command's --from/--to) also bound the moments themselves.
    whole_months = start.day == 1 and (end + datetime.timedelta(days=1)).day == 1

    def by_month(queryset: QuerySet, moment: str, *, prefix: str = "") -> QuerySet:
        """Rows of ``queryset`` whose ``moment`` falls in the period, with their month as ``m``."""
        queryset = queryset.annotate(m=local_month(prefix + moment)).filter(m__gte=first, m__lte=last)
        if whole_months:
            return queryset
        return queryset.filter(**{f"{prefix}{moment}__gte": since, f"{prefix}{moment}__lt": until})

    months: dict = {}  # month value -> "YYYY-MM", computed once per distinct value

    def month_of(value) -> str:
        if value not in months:
            months[value] = _month(value)
        return months[value]

    def add(rows, agency_key: str = "agency_id") -> None:
        for row in rows:
            agency_id, month = row.pop(agency_key), month_of(row.pop("m"))
            counts = grid[(agency_id, month)]
            for name, value in row.items():
                counts[name] += value or 0

    if RECEPTION in groups:
        received = by_month(dossiers, "received_at").values("agency_id", "m")
        # count(procedure_id) = count(*) (never null), but only dossier_received_month_idx holds
        # the column: PostgreSQL cannot prefer the smaller (agency, received_at) index, which
        # would compute the month row by row, when the period covers most of the data.
        # Received after the 8-working-hour reception deadline (issue 20): the flag is in the index too.
        add(
            received.annotate(
                received=Count("procedure_id"), received_late=Count("procedure_id", filter=Q(reception_late=True))
            )
        )
        # Open dossiers are few: a partial index holds just them (dossier_open_month_idx).
        still_open = by_month(dossiers.filter(status__in=OPEN_STATUSES), "received_at").values("agency_id", "m")
        add(
            still_open.annotate(
                in_progress=Count("*"),
                overdue_now=Count("status", filter=deadlines.overdue_q(today)),
            )
        )
    if DECISION in groups:
        decided = by_month(dossiers, "finished_at").values("agency_id", "m", "status", "timeliness")
        for row in decided.annotate(n=Count("*")):
            counts = grid[(row["agency_id"], month_of(row["m"]))]
            if row["status"] == DossierStatus.FINISHED:
                counts["finished"] += row["n"]
                column = {
                    Timeliness.EARLY: "finished_early",
                    Timeliness.ON_TIME: "finished_on_time",
                    Timeliness.LATE: "finished_late",
                }.get(row["timeliness"])
                if column:
                    counts[column] += row["n"]
            elif row["status"] == DossierStatus.REJECTED:
                counts["rejected"] += row["n"]
        # Only finished dossiers can be rated, after they are finished: a rating of a dossier
        # finished in the period was given after its start, which bounds the ratings read.
        ratings = by_month(
            Rating.objects.order_by().filter(
                scope("dossier__"), created_at__gte=since, dossier__status=DossierStatus.FINISHED
            ),
            "finished_at",
            prefix="dossier__",
        ).values("dossier__agency_id", "m")
        add(ratings.annotate(ratings=Count("*"), rating_total=Sum("score")), "dossier__agency_id")
    if DUE in groups:
        overdue = (
            dossiers.filter(due_date__gte=start, due_date__lte=end)
            .filter(Q(timeliness=Timeliness.LATE) | deadlines.overdue_q(today))
            .annotate(m=TruncMonth("due_date"))
            .values("agency_id", "m")
        )
        add(overdue.annotate(overdue=Count("*")))
    if APOLOGY in groups:
        # Every apologised dossier has apology_count > 0 (dossiers.workflow): the condition lets
        # PostgreSQL find their agencies in the small partial index dossier_apologised_idx.
        issued = (
            Apology.objects.order_by()
            .filter(scope("dossier__"), created_at__gte=since, created_at__lt=until, dossier__apology_count__gt=0)
            .annotate(m=TruncMonth("created_at"))
            .values("dossier__agency_id", "m")
        )
        add(issued.annotate(apologies=Count("*")), "dossier__agency_id")
    if FEES in groups:
        # Fees by the month they were paid (Vietnam time); a refunded fee counts as paid that
        # month and its amount also under fees_refunded.
        paid = by_month(
            Payment.objects.order_by().filter(
                scope("dossier__"), status__in=(PaymentStatus.PAID, PaymentStatus.REFUNDED)
            ),
            "paid_at",
        ).values("dossier__agency_id", "m")
        add(
            paid.annotate(
                fees_paid=Count("*"),
                fees_collected=Sum("paid_amount"),
                fees_refunded=Sum("paid_amount", filter=Q(status=PaymentStatus.REFUNDED)),
            ),
            "dossier__agency_id",
        )
    return {key: counts for key, counts in grid.items() if any(counts.values())}


def monthly_stats(*, start: datetime.date, end: datetime.date, agency: Agency | None = None) -> list[MonthRow]:
    """Rows per agency and month with at least one non-zero figure (8 queries whatever the size)."""
    agencies = Agency.objects.all() if agency is None else Agency.objects.filter(pk=agency.pk)
    names = {pk: (code, name) for pk, code, name in agencies.values_list("pk", "code", "name")}
    table = figures_grid(start=start, end=end, agency_ids=names)
    rows = [MonthRow(*names[agency_id], month, counts) for (agency_id, month), counts in table.items()]
    return sorted(rows, key=lambda r: (r.agency_code, r.month))
