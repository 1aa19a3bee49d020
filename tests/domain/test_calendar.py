"""Off-duty time follows Taiwan's official calendar and the plan's office hours."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from bot.domain.calendar import TAIPEI, WorkCalendar

CAL = WorkCalendar([(time(8, 0), time(17, 30))])


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("start", "end", "off_duty"),
    [
        ("2023-03-01 19:00", "2023-03-01 20:00", True),  # Wednesday evening
        ("2023-03-01 07:00", "2023-03-01 08:00", True),  # ends as the office opens
        ("2023-03-01 07:00", "2023-03-01 08:01", False),  # one minute into office hours
        ("2023-03-01 12:10", "2023-03-01 12:50", False),  # lunch break is inside the assumed block
        ("2023-03-01 17:30", "2023-03-01 18:30", True),  # starts as the office closes
        ("2023-03-04 10:00", "2023-03-04 11:00", True),  # Saturday
        ("2023-01-02 10:00", "2023-01-02 11:00", True),  # Monday, New Year holiday (observed)
        ("2023-06-23 10:00", "2023-06-23 11:00", True),  # Friday, bridge day off (調整放假)
        ("2023-01-07 10:00", "2023-01-07 11:00", False),  # Saturday, make-up workday (補行上班日)
        ("2023-06-17 09:00", "2023-06-17 09:30", False),  # Saturday, make-up workday
        ("2023-06-17 18:00", "2023-06-17 19:00", True),  # same make-up day, after hours
        ("2023-03-03 22:00", "2023-03-06 07:30", True),  # over a weekend, ends before Monday opens
        ("2023-03-03 22:00", "2023-03-06 09:00", False),  # runs into Monday's office hours
    ],
)
def test_off_duty(start: str, end: str, off_duty: bool) -> None:
    assert CAL.is_off_duty(at(start), at(end)) is off_duty


def test_split_office_hours_make_lunch_off_duty() -> None:
    split = WorkCalendar([(time(8, 0), time(12, 0)), (time(13, 30), time(17, 30))])
    assert split.is_off_duty(at("2023-03-01 12:10"), at("2023-03-01 12:50"))
    assert not split.is_off_duty(at("2023-03-01 13:00"), at("2023-03-01 14:00"))


def test_aware_times_are_read_in_taipei() -> None:
    utc_evening = datetime(2023, 3, 1, 11, 0, tzinfo=TAIPEI).astimezone()  # 11:00 Taipei, any zone
    assert not CAL.is_off_duty(utc_evening, utc_evening.replace(minute=30))
