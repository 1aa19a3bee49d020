"""Taiwan's official working calendar and the question "was this off-duty time (公餘時間)?".

Kaohsiung's comp leave needs every learning record to start and end in off-duty time.
That is computed, not guessed: a period is off-duty when it does not touch the plan's
office hours on any working day. Weekends and national holidays are off-duty; make-up
workdays (補行上班日, e.g. Saturday 2023-01-07) are working days. The `holidays` package
knows both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from holidays import HolidayBase

TAIPEI = ZoneInfo("Asia/Taipei")


def taipei(moment: datetime) -> datetime:
    """Attach Taipei time to a naive datetime (the platform prints local times) or convert."""
    return moment.replace(tzinfo=TAIPEI) if moment.tzinfo is None else moment.astimezone(TAIPEI)


@dataclass(frozen=True)
class Overlap:
    """The first stretch of a period that falls in office hours."""

    start: datetime
    end: datetime


@cache
def _taiwan() -> HolidayBase:
    """Taiwan's calendar, loaded on first use: the `holidays` package imports every country it
    knows (~17 MB, 0.15 s), which only a record with start and end times ever needs."""
    import holidays

    return holidays.country_holidays("TW")


class WorkCalendar:
    def __init__(self, office_hours: Sequence[tuple[time, time]]) -> None:
        self.office_hours = tuple(office_hours)

    def is_working_day(self, day: date) -> bool:
        return bool(_taiwan().is_working_day(day))

    def holiday_name(self, day: date) -> str | None:
        name = _taiwan().get(day)
        return str(name) if name else None

    def office_overlap(self, start: datetime, end: datetime) -> Overlap | None:
        """Where the period [start, end] meets office hours, if anywhere."""
        start, end = taipei(start), taipei(end)
        if end < start:
            start, end = end, start
        day = start.date()
        while day <= end.date():
            if self.is_working_day(day):
                for opens, closes in self.office_hours:
                    window_start = datetime.combine(day, opens, TAIPEI)
                    window_end = datetime.combine(day, closes, TAIPEI)
                    # Touching office hours at all counts: a record ending at 08:00 sharp
                    # still ends outside, one ending at 08:01 does not.
                    lo, hi = max(start, window_start), min(end, window_end)
                    if lo < hi or (start == end and window_start <= start < window_end):
                        return Overlap(lo, hi)
            day += timedelta(days=1)
        return None

    def is_off_duty(self, start: datetime, end: datetime) -> bool:
        return self.office_overlap(start, end) is None
