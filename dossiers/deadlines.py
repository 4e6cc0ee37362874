"""Working days and deadlines: the one module that knows the calendar (docs/backoffice.md).

Rules, as Vietnamese agencies count them:

* A **working day** is Monday to Friday, except a public holiday (``Holiday`` of kind ``off``);
  a Saturday or Sunday declared a make-up working day (``Holiday`` of kind ``working``, "ngày làm
  bù") is a working day.
* The **due date** of a dossier received on day R with a processing time of N working days is the
  N-th working day *after* R (the day of reception is not counted: a dossier received on Friday
  with 1 day is due on Monday). N = 0 means "the same day": R itself, or the next working day when
  R is not one.
* **The clock stops** while a supplement is requested: at the request (day S) the working days
  left, those after S up to the due date, are kept on the dossier; when the citizen resubmits
  (day B) the new due date is B plus those days, counted as above. A request made after the due
  date had passed keeps the old (missed) date: the delay was the agency's.
* **Overdue** (quá hạn): the clock runs (received or in progress) and today is after the due date.
  **Due soon** (sắp đến hạn): the clock runs and the due date is today or within the next
  ``DOSSIER_DUE_SOON_WORKING_DAYS`` (2) working days.
* **Reception deadline** (issue 20): a dossier sent online must be received, refused or sent
  back within ``RECEPTION_WORKING_HOURS`` (8) working hours of office time (``OFFICE_HOURS``:
  07:30–11:30 and 13:00–17:00 on working days, Vietnam time). Sent outside office hours, the count
  starts at the next opening. A dossier received (or refused) after it is marked late
  (``Dossier.reception_late``) and counted in the statistics.
* **Timeliness** of a decision (finished or rejected) on day F: before the due date → early,
  on it → on time, after it → late; a dossier that needed an apology is late whatever the date.

The calendar is read from the ``Holiday`` table one year at a time (one query per year touched).
A year with no rows at all (``import_holidays`` not run yet) falls back to the ``holidays``
package's Vietnam calendar, with a warning in the log, so a deadline is never computed on
weekends alone.
"""

import datetime
import logging
from collections.abc import Iterable

import holidays as holidays_package
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .constants import CLOCK_RUNNING_STATUSES, DayKind, Timeliness

logger = logging.getLogger(__name__)

ONE_DAY = datetime.timedelta(days=1)
# Longest stretch of consecutive days off we accept before deciding the calendar is broken.
MAX_DAYS_OFF_IN_A_ROW = 60


def vietnam_calendar(year: int, *, language: str = "vi") -> list[tuple[datetime.date, str, str]]:
    """The ``holidays`` package's Vietnam calendar for ``year``: (date, name, DayKind) sorted by date.

    Public holidays (including substituted days off) are ``off``; the weekend days declared
    working days in exchange (ngày làm bù) are ``working``.
    """
    calendar = holidays_package.country_holidays("VN", years=year, language=language)
    days = [(day, str(name), DayKind.OFF.value) for day, name in calendar.items() if day.year == year]
    for day in sorted(d for d in calendar.weekend_workdays if d.year == year):
        days.append((day, _make_up_name(day, calendar), DayKind.WORKING.value))
    return sorted(days)


def _make_up_name(day: datetime.date, calendar) -> str:
    """ "Ngày làm bù" with the day off it pays for, when the package names it."""
    wanted = day.strftime("%d/%m/%Y")
    for other, name in calendar.items():
        if wanted in str(name):
            return f"Ngày làm bù (cho ngày nghỉ {other:%d/%m/%Y})"
    return "Ngày làm bù"


class WorkingCalendar:
    """Answers "is this a working day?" from explicit days off and make-up working days.

    ``WorkingCalendar.from_database()`` loads the ``Holiday`` rows of a year the first time a
    date of that year is asked about; tests may build one from sets directly.
    """

    def __init__(
        self,
        off: Iterable[datetime.date] = (),
        working: Iterable[datetime.date] = (),
        *,
        loader=None,
    ):
        self.off = set(off)
        self.working = set(working)
        self._loader = loader
        self._years: set[int] = set()

    @classmethod
    def from_database(cls) -> "WorkingCalendar":
        return cls(loader=_load_year)

    def _ensure(self, day: datetime.date) -> None:
        if self._loader is not None and day.year not in self._years:
            self._years.add(day.year)
            off, working = self._loader(day.year)
            self.off |= off
            self.working |= working

    def is_working_day(self, day: datetime.date) -> bool:
        self._ensure(day)
        if day in self.working:
            return True
        if day in self.off:
            return False
        return day.weekday() < 5

    def next_working_day(self, day: datetime.date, *, include: bool = True) -> datetime.date:
        """``day`` itself when it is a working day (and ``include``), else the first one after it."""
        current = day if include else day + ONE_DAY
        for _ in range(MAX_DAYS_OFF_IN_A_ROW):
            if self.is_working_day(current):
                return current
            current += ONE_DAY
        raise ValueError(f"no working day within {MAX_DAYS_OFF_IN_A_ROW} days after {day}")

    def add_working_days(self, start: datetime.date, days: int) -> datetime.date:
        """The ``days``-th working day after ``start`` (not counted); 0: ``start`` or the next working day."""
        if days < 0:
            raise ValueError("days must not be negative")
        if days == 0:
            return self.next_working_day(start)
        current = start
        for _ in range(days):
            current = self.next_working_day(current, include=False)
        return current

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """How many working days lie after ``start`` up to and including ``end`` (0 when end <= start)."""
        count = 0
        current = start + ONE_DAY
        while current <= end:
            if self.is_working_day(current):
                count += 1
            current += ONE_DAY
        return count


_warned: set[int] = set()  # years already warned about in this process


def _load_year(year: int) -> tuple[set[datetime.date], set[datetime.date]]:
    from .models import Holiday

    rows = list(Holiday.objects.filter(date__year=year).values_list("date", "kind"))
    if not rows:
        if year not in _warned:
            _warned.add(year)
            logger.warning(
                "No holidays stored for %s: using the holidays package's Vietnam calendar (run import_holidays %s).",
                year,
                year,
            )
        rows = [(day, kind) for day, _name, kind in vietnam_calendar(year)]
    off = {day for day, kind in rows if kind == DayKind.OFF}
    working = {day for day, kind in rows if kind == DayKind.WORKING}
    return off, working


# --- Due dates ----------------------------------------------------------------------------


def today() -> datetime.date:
    """Today in the portal's time zone (Asia/Ho_Chi_Minh), not in UTC."""
    return timezone.localdate()


def local_day(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment).date() if moment else None


def due_date_for(
    received: datetime.date, processing_days: int, calendar: WorkingCalendar | None = None
) -> datetime.date:
    """The appointment date for a dossier received on ``received``."""
    calendar = calendar or WorkingCalendar.from_database()
    return calendar.add_working_days(received, processing_days)


def remaining_when_paused(
    paused_on: datetime.date, due: datetime.date | None, calendar: WorkingCalendar | None = None
) -> int | None:
    """Working days left when the clock stops on ``paused_on``; None when the due date had already passed."""
    if due is None or paused_on > due:
        return None
    calendar = calendar or WorkingCalendar.from_database()
    return calendar.working_days_between(paused_on, due)


def due_date_after_resume(
    resumed_on: datetime.date,
    remaining: int | None,
    previous_due: datetime.date | None,
    calendar: WorkingCalendar | None = None,
) -> datetime.date | None:
    """The due date when the citizen answers a supplement request (see the module's rules)."""
    if remaining is None:
        return previous_due
    return due_date_for(resumed_on, remaining, calendar)


def timeliness_for(decided_on: datetime.date, due: datetime.date | None, *, apologised: bool = False) -> str:
    if apologised:
        return Timeliness.LATE.value
    if due is None or decided_on == due:
        return Timeliness.ON_TIME.value
    return Timeliness.EARLY.value if decided_on < due else Timeliness.LATE.value


# --- Overdue and due soon -----------------------------------------------------------------


def due_soon_cutoff(on: datetime.date | None = None, calendar: WorkingCalendar | None = None) -> datetime.date:
    """The last due date that counts as "due soon" today."""
    calendar = calendar or WorkingCalendar.from_database()
    return calendar.add_working_days(on or today(), settings.DOSSIER_DUE_SOON_WORKING_DAYS)


def is_overdue(dossier, on: datetime.date | None = None) -> bool:
    return bool(dossier.due_date and dossier.status in CLOCK_RUNNING_STATUSES and dossier.due_date < (on or today()))


def is_due_soon(dossier, *, cutoff: datetime.date, on: datetime.date | None = None) -> bool:
    return bool(
        dossier.due_date and dossier.status in CLOCK_RUNNING_STATUSES and (on or today()) <= dossier.due_date <= cutoff
    )


def overdue_q(on: datetime.date | None = None) -> Q:
    """Filter for dossiers overdue now (for querysets: lists, digests, statistics)."""
    return Q(status__in=CLOCK_RUNNING_STATUSES, due_date__lt=on or today())


def due_soon_q(*, cutoff: datetime.date, on: datetime.date | None = None) -> Q:
    return Q(status__in=CLOCK_RUNNING_STATUSES, due_date__gte=on or today(), due_date__lte=cutoff)


# --- Reception deadline (8 working hours) --------------------------------------------------

RECEPTION_WORKING_HOURS = 8
# Office hours of a working day, Vietnam time: 4 h in the morning and 4 h in the afternoon.
OFFICE_HOURS: tuple[tuple[datetime.time, datetime.time], ...] = (
    (datetime.time(7, 30), datetime.time(11, 30)),
    (datetime.time(13, 0), datetime.time(17, 0)),
)


def reception_deadline(
    sent_at: datetime.datetime,
    hours: int = RECEPTION_WORKING_HOURS,
    calendar: WorkingCalendar | None = None,
) -> datetime.datetime:
    """The moment ``hours`` working hours (office hours of working days) after ``sent_at``."""
    calendar = calendar or WorkingCalendar.from_database()
    zone = timezone.get_current_timezone()
    moment = timezone.localtime(sent_at, zone)
    left = datetime.timedelta(hours=hours)
    day = moment.date()
    for _ in range(MAX_DAYS_OFF_IN_A_ROW + hours):
        if calendar.is_working_day(day):
            for opens, closes in OFFICE_HOURS:
                start = max(moment, datetime.datetime.combine(day, opens, tzinfo=zone))
                end = datetime.datetime.combine(day, closes, tzinfo=zone)
                if start >= end:
                    continue
                if end - start >= left:
                    return start + left
                left -= end - start
        day += ONE_DAY
        moment = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    raise ValueError(f"no office hours within {MAX_DAYS_OFF_IN_A_ROW} days after {sent_at}")


def reception_overdue_q(now: datetime.datetime | None = None) -> Q:
    """Sent dossiers not received within the reception deadline."""
    return Q(status="sent", reception_due_at__lt=now or timezone.now())


def supplement_reply_default(on: datetime.date | None = None, calendar: WorkingCalendar | None = None) -> datetime.date:
    """The reply-by date a supplement request offers: ``DOSSIER_SUPPLEMENT_REPLY_WORKING_DAYS`` working days on."""
    calendar = calendar or WorkingCalendar.from_database()
    return calendar.add_working_days(on or today(), settings.DOSSIER_SUPPLEMENT_REPLY_WORKING_DAYS)


def week_bounds(on: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """Monday and Sunday of the week of ``on``."""
    day = on or today()
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)
