"""Words for what is wrong or unclear in a learning record, naming the row and the field,
for the chat and `python -m bot check` alike."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain.record import RecordRow
from bot.domain.record_text import RowProblem
from bot.i18n import t
from bot.plans.model import Plan
from bot.render.numbers import show_date, show_time

MAX_LISTED = 8  # problems listed in one message; the person fixes these and sends again


def row_name(row: RecordRow) -> str:
    if row.name:
        return t("record.row", n=row.ordinal, course=row.name)
    return t("record.row_unnamed", n=row.ordinal)


def problem_line(plan: Plan, row: RecordRow, problem: RowProblem) -> str:
    period = plan.plan.period
    years = f"{period.effective_start.year - 1911}–{period.end.year - 1911}"
    if period.effective_start.year == period.end.year:
        years = str(period.end.year - 1911)
    return t(
        f"record.problem.{problem.kind}", row=row_name(row), value=problem.value,
        field=t(f"record.field.{problem.field}"), years=years,
    )  # fmt: skip


def refusal(plan: Plan, problems: Sequence[tuple[RecordRow, RowProblem]]) -> str:
    lines = [problem_line(plan, row, p) for row, p in problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        lines.append("…")
    return t("record.refused", count=len(problems), problems="\n".join(lines))


def period_text(start: datetime | None, end: datetime | None) -> str:
    if start is None:
        return "?"
    text = f"{show_date(start.date())} {show_time(start)}"
    return f"{text}–{show_time(end)}" if end is not None else text
