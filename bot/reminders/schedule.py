"""Which reminders fall on a day: each plan's deadlines minus the offsets its rules file
names (`local.reminder_days_before`). Pure: no clock, no store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.plans.loader import PlanBook
from bot.plans.model import Plan


@dataclass(frozen=True, order=True)
class Due:
    """One reminder: this plan's deadline, so many days before it."""

    plan_id: str
    deadline: date
    offset_days: int

    @property
    def day(self) -> date:
        return self.deadline - timedelta(days=self.offset_days)


def reminders_of(plan: Plan) -> list[Due]:
    """Every reminder of a plan, in date order; none before the plan starts."""
    start = plan.plan.period.effective_start
    found = {
        Due(plan.id, deadline, offset)
        for deadline in plan.deadlines
        for offset in plan.local.reminder_days_before
        if deadline - timedelta(days=offset) >= start
    }
    return sorted(found, key=lambda d: (d.day, d.plan_id, d.deadline))


def due_on(book: PlanBook, day: date) -> list[Due]:
    return [due for plan in book for due in reminders_of(plan) if due.day == day]


def days_with_reminders(book: PlanBook, first: date, last: date) -> list[date]:
    """Days in [first, last] on which some reminder falls."""
    return sorted({due.day for plan in book for due in reminders_of(plan) if first <= due.day <= last})
