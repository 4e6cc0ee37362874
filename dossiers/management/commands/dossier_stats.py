import datetime

from django.core.management.base import BaseCommand, CommandError

from core import csvfiles
from dossiers.stats import STATS_COLUMNS, monthly_stats
from procedures.models import Agency


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date like 2026-01-31.") from None


class Command(BaseCommand):
    help = (
        "Dossier figures per agency and month as CSV on standard output: received, decided (finished early / "
        "on time / late, rejected), overdue (due that month and decided late or still open past it), "
        "apologies issued, fees paid (count, VND collected, VND refunded). Dates are inclusive, YYYY-MM-DD."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--agency", metavar="CODE", help="Only this agency (its code).")

    def handle(self, *args, start, end, agency, **options):
        start, end = _date(start), _date(end)
        if end < start:
            raise CommandError("--to must not be before --from.")
        if (end - start).days > 366 * 20:
            raise CommandError("The period is too long (at most 20 years).")
        agency_obj = None
        if agency:
            agency_obj = Agency.objects.filter(code=agency).first()
            if agency_obj is None:
                raise CommandError(f"No agency with code {agency!r}.")
        writer = csvfiles.writer(self.stdout)
        writer.writerow(["agency_code", "agency_name", "month", *STATS_COLUMNS])
        for row in monthly_stats(start=start, end=end, agency=agency_obj):
            writer.writerow([row.agency_code, row.agency_name, row.month, *(row.counts[c] for c in STATS_COLUMNS)])
