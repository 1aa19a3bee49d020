"""Find which course of a plan a name from a learning record or a message refers to.

Names on the platform differ from the plan's in width, spaces, punctuation, the course
code in brackets and the odd lecturer's name. Exact matching after normalisation comes
first; fuzzy matching is only trusted when it is both close and clearly better than the
runner-up, because sibling courses such as 智慧城市治理的趨勢與挑戰(上) and (下) differ by
one character.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.domain.textnorm import normalize
from bot.plans.model import Course, Plan

FUZZY_MIN = 88.0
FUZZY_MARGIN = 4.0


@dataclass
class CourseMatcher:
    plan: Plan
    _by_name: dict[str, Course] = field(init=False)
    _by_code: dict[str, Course] = field(init=False)

    def __post_init__(self) -> None:
        self._by_name = {}
        self._by_code = {}
        for _, course in self.plan.iter_courses():
            self._by_name[normalize(course.name)] = course
            if course.note:
                self._by_name[normalize(course.name + course.note)] = course
            if course.code:
                self._by_code[course.code.upper()] = course

    def match(self, name: str, code: str | None = None) -> Course | None:
        if code and code.upper() in self._by_code:
            return self._by_code[code.upper()]
        key = normalize(name)
        if not key:
            return None
        if key in self._by_name:
            return self._by_name[key]
        best = process.extract(key, self._by_name.keys(), scorer=fuzz.ratio, limit=2)
        if not best or best[0][1] < FUZZY_MIN:
            return None
        if len(best) > 1 and best[0][1] - best[1][1] < FUZZY_MARGIN:
            return None
        return self._by_name[best[0][0]]
