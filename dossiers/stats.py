"""Dossier figures per agency and month, by aggregate queries (``dossier_stats``; reusable by the public page).

Definitions (months in Vietnam time):

* **received**: dossiers received (tiếp nhận) that month.
* **finished**, split into **finished_early** (trước hạn), **finished_on_time** (đúng hạn) and
  **finished_late** (trễ hạn, including every dossier that needed an apology): results given that
  month; **rejected**: requests refused after processing that month (a decision, timed the same way).
* **overdue**: dossiers whose due date fell that month and that were decided late, or are overdue
  today (clock running past the due date; a dossier waiting for the citizen's supplement is not).
* **apologies**: apology letters issued that month.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from procedures.models import Agency

from . import deadlines
from .constants import DossierStatus, Timeliness
from .models import Apology, Dossier

STATS_COLUMNS = (
    "received",
    "finished",
    "finished_early",
    "finished_on_time",
    "finished_late",
    "rejected",
    "overdue",
    "apologies",
)


@dataclass
class MonthRow:
    agency_code: str
    agency_name: str
    month: str  # YYYY-MM
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATS_COLUMNS, 0))


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


def monthly_stats(*, start: datetime.date, end: datetime.date, agency: Agency | None = None) -> list[MonthRow]:
    """Rows per agency and month with at least one non-zero figure (5 queries whatever the size)."""
    since, until = _bounds(start, end)
    today = deadlines.today()
    dossiers = Dossier.objects.all()
    apologies = Apology.objects.all()
    if agency is not None:
        dossiers = dossiers.filter(agency=agency)
        apologies = apologies.filter(dossier__agency=agency)
    table: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATS_COLUMNS, 0))

    received = (
        dossiers.filter(received_at__gte=since, received_at__lt=until)
        .annotate(m=TruncMonth("received_at"))
        .values("agency_id", "m")
        .annotate(n=Count("pk"))
    )
    for row in received:
        table[(row["agency_id"], _month(row["m"]))]["received"] += row["n"]

    finished = Q(status=DossierStatus.FINISHED)
    decided = (
        dossiers.filter(finished_at__gte=since, finished_at__lt=until)
        .annotate(m=TruncMonth("finished_at"))
        .values("agency_id", "m")
        .annotate(
            finished=Count("pk", filter=finished),
            finished_early=Count("pk", filter=finished & Q(timeliness=Timeliness.EARLY)),
            finished_on_time=Count("pk", filter=finished & Q(timeliness=Timeliness.ON_TIME)),
            finished_late=Count("pk", filter=finished & Q(timeliness=Timeliness.LATE)),
            rejected=Count("pk", filter=Q(status=DossierStatus.REJECTED)),
        )
    )
    for row in decided:
        counts = table[(row["agency_id"], _month(row["m"]))]
        for name in ("finished", "finished_early", "finished_on_time", "finished_late", "rejected"):
            counts[name] += row[name]

    overdue = (
        dossiers.filter(due_date__gte=start, due_date__lte=end)
        .filter(Q(timeliness=Timeliness.LATE) | deadlines.overdue_q(today))
        .annotate(m=TruncMonth("due_date"))
        .values("agency_id", "m")
        .annotate(n=Count("pk"))
    )
    for row in overdue:
        table[(row["agency_id"], _month(row["m"]))]["overdue"] += row["n"]

    issued = (
        apologies.filter(created_at__gte=since, created_at__lt=until)
        .annotate(m=TruncMonth("created_at"))
        .values("dossier__agency_id", "m")
        .annotate(n=Count("pk"))
    )
    for row in issued:
        table[(row["dossier__agency_id"], _month(row["m"]))]["apologies"] += row["n"]

    names = {
        pk: (code, name)
        for pk, code, name in Agency.objects.filter(pk__in={a for a, _m in table}).values_list("pk", "code", "name")
    }
    rows = [MonthRow(*names[agency_id], month, counts) for (agency_id, month), counts in table.items()]
    return sorted(rows, key=lambda r: (r.agency_code, r.month))
