"""Working days and due dates: weekends, Tết, a year boundary, a make-up Saturday, the clock stopped."""

import datetime as dt
import logging

import pytest

from dossiers import deadlines, services
from dossiers.constants import DayKind, DossierStatus, HolidaySource, Timeliness
from dossiers.deadlines import WorkingCalendar
from dossiers.models import Holiday
from dossiers.tests.factories import DossierFactory

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def calendar_2026_2027():
    """The Vietnamese calendar as ``import_holidays`` stores it."""
    services.holidays_import(year=2026)
    services.holidays_import(year=2027)
    return WorkingCalendar.from_database()


def test_weekends_are_skipped():
    calendar = WorkingCalendar()
    friday = D(2026, 3, 13)
    assert calendar.add_working_days(friday, 1) == D(2026, 3, 16)  # Monday
    assert calendar.add_working_days(friday, 5) == D(2026, 3, 20)
    assert calendar.add_working_days(D(2026, 3, 14), 1) == D(2026, 3, 16)  # received on a Saturday
    assert calendar.add_working_days(D(2026, 3, 16), 0) == D(2026, 3, 16)
    assert calendar.add_working_days(D(2026, 3, 15), 0) == D(2026, 3, 16)  # 0 days on a Sunday: Monday


def test_tet_2026_is_skipped(calendar_2026_2027):
    # Tết Bính Ngọ: 16–20/02/2026 off (Monday to Friday), so a whole week disappears.
    friday_before = D(2026, 2, 13)
    assert not calendar_2026_2027.is_working_day(D(2026, 2, 17))
    assert calendar_2026_2027.add_working_days(friday_before, 1) == D(2026, 2, 23)
    assert calendar_2026_2027.add_working_days(friday_before, 5) == D(2026, 2, 27)
    assert calendar_2026_2027.working_days_between(friday_before, D(2026, 2, 27)) == 5


def test_year_boundary_and_new_year_holiday(calendar_2026_2027):
    # Thu 31/12/2026 + 1 working day: Fri 01/01/2027 is New Year's Day, so Mon 04/01/2027.
    assert calendar_2026_2027.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert calendar_2026_2027.add_working_days(D(2026, 12, 29), 5) == D(2027, 1, 6)


def test_year_boundary_loads_each_year_once(django_assert_num_queries):
    Holiday.objects.create(date=D(2027, 1, 1), name="Tết Dương lịch", kind=DayKind.OFF)
    Holiday.objects.create(date=D(2026, 12, 25), name="Thử", kind=DayKind.OFF)
    calendar = WorkingCalendar.from_database()
    with django_assert_num_queries(2):
        assert calendar.add_working_days(D(2026, 12, 24), 5) == D(2027, 1, 4)  # 25/12 and 01/01 off
        calendar.add_working_days(D(2026, 12, 1), 30)


def test_a_make_up_saturday_is_a_working_day(calendar_2026_2027):
    # 2026: Saturday 22/08 is worked so that Monday 31/08 joins the National Day holiday (01–02/09).
    assert calendar_2026_2027.is_working_day(D(2026, 8, 22))
    assert not calendar_2026_2027.is_working_day(D(2026, 8, 31))
    assert calendar_2026_2027.add_working_days(D(2026, 8, 21), 1) == D(2026, 8, 22)
    # Fri 28/08 + 1: Mon 31/08, Tue 01/09 and Wed 02/09 are off → Thu 03/09.
    assert calendar_2026_2027.add_working_days(D(2026, 8, 28), 1) == D(2026, 9, 3)


def test_a_day_entered_by_hand_changes_the_count():
    Holiday.objects.create(date=D(2031, 3, 17), name="Nghỉ đột xuất", kind=DayKind.OFF, source=HolidaySource.MANUAL)
    Holiday.objects.create(date=D(2031, 3, 22), name="Làm bù", kind=DayKind.WORKING, source=HolidaySource.MANUAL)
    calendar = WorkingCalendar.from_database()
    assert calendar.add_working_days(D(2031, 3, 14), 1) == D(2031, 3, 18)
    assert calendar.is_working_day(D(2031, 3, 22))


def test_a_year_without_rows_falls_back_to_the_package_and_warns(caplog, monkeypatch):
    monkeypatch.setattr(deadlines, "_warned", set())
    caplog.set_level(logging.WARNING, logger="dossiers.deadlines")
    calendar = WorkingCalendar.from_database()
    assert not calendar.is_working_day(D(2026, 2, 17))  # Tết, although nothing was imported
    assert "import_holidays 2026" in caplog.text


def test_vietnam_calendar_has_days_off_and_make_up_days():
    days = {day: (name, kind) for day, name, kind in deadlines.vietnam_calendar(2026)}
    assert days[D(2026, 2, 17)] == ("Tết Nguyên Đán", DayKind.OFF)
    assert days[D(2026, 8, 22)][1] == DayKind.WORKING
    assert "31/08/2026" in days[D(2026, 8, 22)][0]


# --- Clock stopped, overdue, due soon, timeliness -----------------------------------------


def test_clock_stops_for_a_supplement_and_the_remaining_days_carry_over():
    calendar = WorkingCalendar()
    due = D(2026, 3, 20)  # Friday
    remaining = deadlines.remaining_when_paused(D(2026, 3, 17), due, calendar)  # Tuesday: Wed, Thu, Fri left
    assert remaining == 3
    # The citizen answers on Thursday of the next week: 3 working days from then → Tuesday.
    assert deadlines.due_date_after_resume(D(2026, 3, 26), remaining, due, calendar) == D(2026, 3, 31)


def test_a_request_on_the_due_date_leaves_zero_days_and_after_it_keeps_the_missed_date():
    calendar = WorkingCalendar()
    due = D(2026, 3, 20)
    assert deadlines.remaining_when_paused(due, due, calendar) == 0
    assert deadlines.due_date_after_resume(D(2026, 3, 25), 0, due, calendar) == D(2026, 3, 25)
    assert deadlines.remaining_when_paused(D(2026, 3, 23), due, calendar) is None
    assert deadlines.due_date_after_resume(D(2026, 3, 25), None, due, calendar) == due


def test_timeliness():
    due = D(2026, 3, 20)
    assert deadlines.timeliness_for(D(2026, 3, 19), due) == Timeliness.EARLY
    assert deadlines.timeliness_for(due, due) == Timeliness.ON_TIME
    assert deadlines.timeliness_for(D(2026, 3, 23), due) == Timeliness.LATE
    assert deadlines.timeliness_for(D(2026, 3, 19), due, apologised=True) == Timeliness.LATE


def test_overdue_and_due_soon(calendar_2026_2027):
    today = D(2026, 2, 12)  # Thursday before Tết
    cutoff = deadlines.due_soon_cutoff(today, calendar_2026_2027)
    assert cutoff == D(2026, 2, 23)  # Friday 13 and, across Tết, Monday 23
    late = DossierFactory(in_progress=True, due_date=D(2026, 2, 11))
    soon = DossierFactory(received=True, due_date=D(2026, 2, 23))
    later = DossierFactory(in_progress=True, due_date=D(2026, 2, 24))
    paused = DossierFactory(supplement_requested=True, due_date=D(2026, 2, 1))
    done = DossierFactory(finished=True, due_date=D(2026, 2, 1))
    assert [deadlines.is_overdue(d, today) for d in (late, soon, later, paused, done)] == [
        True,
        False,
        False,
        False,
        False,
    ]
    assert [deadlines.is_due_soon(d, cutoff=cutoff, on=today) for d in (late, soon, later, paused, done)] == [
        False,
        True,
        False,
        False,
        False,
    ]
    from dossiers.models import Dossier

    assert set(Dossier.objects.filter(deadlines.overdue_q(today))) == {late}
    assert set(Dossier.objects.filter(deadlines.due_soon_q(cutoff=cutoff, on=today))) == {soon}
    assert paused.status == DossierStatus.SUPPLEMENT_REQUESTED


def test_week_bounds():
    assert deadlines.week_bounds(D(2026, 3, 18)) == (D(2026, 3, 16), D(2026, 3, 22))
