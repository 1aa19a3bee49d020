"""Time is injected: code asks a clock for "now", so tests and the console can move it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol

from bot.domain.calendar import TAIPEI


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(TAIPEI)


class ShiftedClock:
    """Real time of day on a simulated date: `--today 2023-06-01` to try past plans."""

    def __init__(self, today: date) -> None:
        real = datetime.now(TAIPEI)
        self._offset = datetime.combine(today, real.timetz()) - real

    def now(self) -> datetime:
        return datetime.now(TAIPEI) + self._offset


class FixedClock:
    """For tests: time stands still unless moved."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment.astimezone(TAIPEI)

    def now(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta


def today(clock: Clock) -> date:
    return clock.now().date()
