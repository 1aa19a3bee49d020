"""Turn a parsed learning record into completions of a plan's courses.

Rows not passed (未通過) do not count; rows that match no course of the plan are
reported, not dropped, so that a person sees why a course they took is missing. A course
seen twice (two overlapping screenshots) counts once. What is wrong with a row is sorted
in two: `problems` cannot be right (a date that does not exist, an end before its start,
a date after today, a year outside the plan) and the record is refused naming them;
`unclear` could not be read for sure (a status cut off, a name that is only close to a
course) and is asked about, never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time

from bot.domain.calendar import TAIPEI
from bot.domain.course_match import CourseMatcher, Found
from bot.domain.eligibility import Completion, Note
from bot.domain.record import RecordRow
from bot.domain.record_text import RowProblem
from bot.plans.model import Course, Plan


@dataclass(frozen=True)
class Unclear:
    """A row that needs the person's word: which field, and the course it seems to be."""

    row: RecordRow
    field: str  # "status" | "name"
    course: Course | None


@dataclass(frozen=True)
class RecordReading:
    completions: tuple[Completion, ...]
    unmatched: tuple[RecordRow, ...]
    notes: tuple[Note, ...]
    problems: tuple[tuple[RecordRow, RowProblem], ...] = ()
    unclear: tuple[Unclear, ...] = ()
    portal: bool = False  # read from the lifelong-learning portal: no study times


def _dates(row: RecordRow) -> list[tuple[str, date]]:
    found: list[tuple[str, date]] = []
    if row.start:
        found.append(("start", row.start.date()))
    if row.end:
        found.append(("end", row.end.date()))
    if row.recorded_on:
        found.append(("recorded", row.recorded_on))
    return found


def row_problems(plan: Plan, row: RecordRow, today: date) -> list[RowProblem]:
    """What cannot be right in a row, the parser's findings first."""
    found = [p for p in row.problems if p.kind not in ("unreadable",)]
    years = range(plan.plan.period.effective_start.year, plan.plan.period.end.year + 1)
    for field, day in _dates(row):
        if day > today:
            found.append(RowProblem(field, "future", day.isoformat()))  # type: ignore[arg-type]
        elif day.year not in years:
            found.append(RowProblem(field, "outside_plan", day.isoformat()))  # type: ignore[arg-type]
    return found


def completion_end(row: RecordRow) -> datetime | None:
    """When the course was finished: the end of the study period, or the portal's 登 date."""
    if row.end is not None:
        return row.end
    if row.recorded_on is not None:
        return datetime.combine(row.recorded_on, time(0, 0))
    return None


def read_record(
    plan: Plan, rows: Sequence[RecordRow], matcher: CourseMatcher | None = None, today: date | None = None
) -> RecordReading:
    matcher = matcher or CourseMatcher(plan)
    today = today or datetime.now(TAIPEI).date()
    completions: list[Completion] = []
    unmatched: list[RecordRow] = []
    notes: list[Note] = []
    problems: list[tuple[RecordRow, RowProblem]] = []
    unclear: list[Unclear] = []
    periods = {(r.start, r.end) for r in rows if r.name and r.start}
    chosen: dict[tuple[str, object, object], RecordRow] = {}
    for row in rows:
        if not row.name and (row.start, row.end) in periods:
            continue  # a card cut at the edge of a screenshot, whole in the next one
        found: Found | None = matcher.find_in(row.name_parts or (row.name,), row.code) if row.name else None
        named = replace(row, name=found.course.name) if found and found.certain else row  # the plan's spelling
        problems.extend((named, p) for p in row_problems(plan, row, today))
        if found is None:
            if row.name:
                unmatched.append(row)
            else:
                unclear.append(Unclear(row, "name", None))
        elif not found.certain:
            unclear.append(Unclear(row, "name", found.course))
        else:  # the same course and period twice (overlapping screenshots): keep the better reading
            key = (found.course.key, row.start or row.recorded_on, row.end)
            if key not in chosen or (chosen[key].passed is None and row.passed is not None):
                chosen[key] = row
    for (course_key, _, _), row in chosen.items():
        course = plan.courses_by_key[course_key]
        if row.passed is None:
            unclear.append(Unclear(row, "status", course))
        elif not row.passed:
            notes.append(Note("not_passed", {"course": course.name, "status": row.status}))
        else:
            if row.certified_hours is not None and abs(row.certified_hours - course.hours) > 1e-6:
                notes.append(
                    Note("hours_differ", {"course": course.name, "record": row.certified_hours, "plan": course.hours})
                )
            completions.append(
                Completion(course.key, end=completion_end(row), start=row.start, source="record", label=row.label)
            )
    portal = any(r.source == "portal" for r in rows)
    if portal and any(r.off_duty_required for r in plan.rewards) and completions:
        notes.append(Note("portal_no_times", {}))
    return RecordReading(tuple(completions), tuple(unmatched), tuple(notes), tuple(problems), tuple(unclear), portal)
