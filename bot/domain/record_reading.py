"""Turn a parsed learning record into completions of a plan's courses.

Rows not passed (未通過) do not count; rows that match no course of the plan are
reported, not dropped, so that a person sees why a course they took is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.course_match import CourseMatcher
from bot.domain.eligibility import Completion, Note
from bot.domain.record import RecordRow
from bot.plans.model import Plan


@dataclass(frozen=True)
class RecordReading:
    completions: tuple[Completion, ...]
    unmatched: tuple[RecordRow, ...]
    notes: tuple[Note, ...]


def read_record(plan: Plan, rows: Sequence[RecordRow], matcher: CourseMatcher | None = None) -> RecordReading:
    matcher = matcher or CourseMatcher(plan)
    completions: list[Completion] = []
    unmatched: list[RecordRow] = []
    notes: list[Note] = []
    for row in rows:
        course = matcher.match(row.name, row.code)
        if course is None:
            unmatched.append(row)
            continue
        if not row.passed:
            notes.append(Note("not_passed", {"course": course.name, "status": row.status}))
            continue
        if row.certified_hours is not None and abs(row.certified_hours - course.hours) > 1e-6:
            notes.append(
                Note("hours_differ", {"course": course.name, "record": row.certified_hours, "plan": course.hours})
            )
        completions.append(Completion(course.key, end=row.end, start=row.start, source="record", label=row.label))
    return RecordReading(tuple(completions), tuple(unmatched), tuple(notes))
