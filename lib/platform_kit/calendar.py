"""The working-day calendar (State Council schedule, with adjusted working weekends 调休).

Holidays are published one year at a time, so the calendar knows which years it has. Asking
about a day in a year it does not have raises CalendarNotLoaded; it never guesses.
The schedule is seeded from the maintained ``chinesecalendar`` package for the years it covers;
operators can load further years as data (``with_year``).
"""
import os
from bisect import bisect_right
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

from platform_kit.errors import CalendarNotLoaded, ValidationFailed


def _package_years():
    years = {d.year for d in chinese_calendar.constants.holidays}
    years |= {d.year for d in chinese_calendar.constants.workdays}
    return years


class WorkingCalendar:
    def __init__(self, years=None, overrides=None):
        """`years`: years whose schedule is loaded; `overrides`: {date: is_working_day} for
        loaded years that differ from Monday-to-Friday (holidays and adjusted working days)."""
        self.years = frozenset(years or ())
        self.overrides = dict(overrides or {})
        self._days = {}   # year -> sorted ordinals of its working days (counting by bisection)

    @classmethod
    def official(cls):
        overrides = {d: False for d in chinese_calendar.constants.holidays}
        overrides.update({d: True for d in chinese_calendar.constants.workdays})
        return cls(_package_years(), overrides)

    def with_year(self, year, holidays, working_weekends):
        """A new calendar with `year` loaded from its published schedule."""
        overrides = {d: v for d, v in self.overrides.items() if d.year != year}
        overrides.update({d: False for d in holidays})
        overrides.update({d: True for d in working_weekends})
        return WorkingCalendar(self.years | {year}, overrides)

    def is_loaded(self, year):
        return year in self.years

    def estimating(self):
        """A view of this calendar that, instead of refusing an unloaded year, assumes Monday to
        Friday for it and remembers that it did (``.estimated``): deadlines computed through it
        are explicit estimates, flagged as such, never silent guesses."""
        return EstimatingCalendar(self)

    def is_working_day(self, day):
        if day.year not in self.years:
            raise CalendarNotLoaded(f"{day.year} 年的法定节假日安排尚未载入，无法计算工作日")
        if day in self.overrides:
            return self.overrides[day]
        return day.weekday() < 5

    def _year_days(self, year):
        days = self._days.get(year)
        if days is None:
            if year not in self.years:
                raise CalendarNotLoaded(f"{year} 年的法定节假日安排尚未载入，无法计算工作日")
            days = self._days[year] = [d.toordinal() for d in _dates_of(year) if self.is_working_day(d)]
        return days

    def add_working_days(self, start, n):
        """The n-th working day after `start`; `start` itself is never counted."""
        if n <= 0:
            return start
        after, year = start.toordinal(), (start + timedelta(days=1)).year
        while True:
            days = self._year_days(year)
            index = bisect_right(days, after)
            available = len(days) - index
            if n <= available:
                return date.fromordinal(days[index + n - 1])
            n -= available
            year += 1

    def working_days_between(self, start, end):
        """Working days in (start, end]: `start` not counted, `end` counted. 0 if end <= start."""
        if end <= start:
            return 0
        low, high = start.toordinal(), end.toordinal()
        count = 0
        for year in range((start + timedelta(days=1)).year, end.year + 1):
            days = self._year_days(year)
            count += bisect_right(days, high) - bisect_right(days, low)
        return count


def _dates_of(year):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


@lru_cache(maxsize=64)
def _weekdays_of(year):
    return [d.toordinal() for d in _dates_of(year) if d.weekday() < 5]


class EstimatingCalendar:
    """See :meth:`WorkingCalendar.estimating`."""

    def __init__(self, calendar):
        self.calendar = calendar
        self.estimated = False

    @property
    def years(self):
        return self.calendar.years

    def is_loaded(self, year):
        return self.calendar.is_loaded(year)

    def is_working_day(self, day):
        if day.year not in self.calendar.years:
            self.estimated = True
            return day.weekday() < 5
        return self.calendar.is_working_day(day)

    def _year_days(self, year):
        if year not in self.calendar.years:
            self.estimated = True
            return _weekdays_of(year)
        return self.calendar._year_days(year)

    add_working_days = WorkingCalendar.add_working_days
    working_days_between = WorkingCalendar.working_days_between

    def estimating(self):
        return self


def validate_year_schedule(year, holidays, working_weekends):
    """Check one year's published schedule before it is loaded; raise ValidationFailed listing
    every malformed or contradictory entry (nothing is loaded then)."""
    errors = []
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors.append({"field": "year", "message": "年份无效"})
    seen = {}
    for name, days in (("holidays", holidays), ("working_weekends", working_weekends)):
        for index, day in enumerate(days):
            field = f"{name}[{index}]"
            if not isinstance(day, date):
                errors.append({"field": field, "message": "日期格式无效"})
                continue
            if day.year != year:
                errors.append({"field": field, "message": f"{day.isoformat()} 不属于 {year} 年"})
            if day in seen:
                other = seen[day]
                message = (f"{day.isoformat()} 重复出现" if other == name
                           else f"{day.isoformat()} 同时被列为节假日和调休工作日")
                errors.append({"field": field, "message": message})
            seen.setdefault(day, name)
            if name == "working_weekends" and day.weekday() < 5:
                errors.append({"field": field, "message": f"{day.isoformat()} 不是周末，无需调休"})
    if errors:
        raise ValidationFailed(f"{year} 年节假日安排有误，未载入", errors)


_OFFICIAL = None


def official_calendar():
    global _OFFICIAL
    if _OFFICIAL is None:
        _OFFICIAL = WorkingCalendar.official()
    return _OFFICIAL


SHANGHAI = ZoneInfo("Asia/Shanghai")
DATE_FILE_ENV = "PLATFORM_DATE_FILE"


def today_in_shanghai():
    """Today's date in Asia/Shanghai: the date every clock of the platform counts with.

    For drills and acceptance runs only (never set in production): when the environment variable
    ``PLATFORM_DATE_FILE`` names a file holding an ISO date, that date is today for every process
    reading the same file, so a scripted run can walk a project through weeks of working days and
    check every deadline against a hand computation. A missing or empty file means the real date.
    """
    path = os.environ.get(DATE_FILE_ENV)
    if path:
        simulated = _date_from_file(path)
        if simulated is not None:
            return simulated
    return datetime.now(SHANGHAI).date()


def _date_from_file(path):
    # Read on every call (a few microseconds): a cache keyed on mtime could miss two quick writes.
    try:
        with open(path) as fh:
            text = fh.read().strip()
    except FileNotFoundError:
        return None
    return date.fromisoformat(text) if text else None


__all__ = ["WorkingCalendar", "EstimatingCalendar", "CalendarNotLoaded", "official_calendar",
           "today_in_shanghai", "validate_year_schedule", "date"]
