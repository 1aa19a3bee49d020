"""Find which course of a plan a name from a learning record or a message refers to.

Names on the platform differ from the plan's in width, spaces, punctuation, the course
code in brackets and the odd lecturer's name; OCR of a screenshot adds a misread character
or two and page text in front of the name. Exact matching after normalisation comes
first; a near match is only trusted when it is both close and clearly better than the
runner-up, because sibling courses such as 智慧城市治理的趨勢與挑戰(上) and (下) differ by
one character. What is close but not certain is returned as a suggestion, for the person
to confirm, never as a match.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.domain.record_text import join_parts
from bot.domain.textnorm import normalize
from bot.plans.model import Course, Plan

FUZZY_MIN = 88.0
FUZZY_MARGIN = 4.0
SUGGEST_MIN = 70.0


@dataclass(frozen=True)
class Found:
    """A course for a name: `certain` when it can be used as it is, else a suggestion."""

    course: Course
    certain: bool
    score: float


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
        found = self.find(name, code)
        return found.course if found and found.certain else None

    def find(self, name: str, code: str | None = None) -> Found | None:
        """The course a name means, certain or suggested; None when nothing is close."""
        if code and code.upper() in self._by_code:
            return Found(self._by_code[code.upper()], True, 100.0)
        key = normalize(name)
        if not key:
            return None
        if key in self._by_name:
            return Found(self._by_name[key], True, 100.0)
        best = process.extract(key, self._by_name.keys(), scorer=fuzz.ratio, limit=3)
        if not best or best[0][1] < SUGGEST_MIN:
            return self._misread(key)
        top, score = self._by_name[best[0][0]], best[0][1]
        rivals = [b for b in best[1:] if self._by_name[b[0]] is not top]
        clear = not rivals or score - rivals[0][1] >= FUZZY_MARGIN
        certain = (score >= FUZZY_MIN and clear) or self._one_slip(key, best[0][0], [r[0] for r in rivals])
        return Found(top, certain, score)

    def find_in(self, parts: Sequence[str], code: str | None = None) -> Found | None:
        """The best course for a name given as cells, some of which may be page text in front
        of it (OCR): every ending run of the cells is tried, the closest wins."""
        if code and code.upper() in self._by_code:
            return Found(self._by_code[code.upper()], True, 100.0)
        options = [f for k in range(len(parts)) if (f := self.find(join_parts(parts[k:]))) is not None]
        if not options:
            return None
        return max(options, key=lambda f: (f.certain, f.score))

    @staticmethod
    def _one_slip(key: str, name: str, rivals: Sequence[str]) -> bool:
        """A character or two misread (one per 8 of the name), and no rival nearly as close."""
        distance = Levenshtein.distance(key, name)
        if distance > max(1, len(name) // 8):
            return False
        return all(Levenshtein.distance(key, r) >= distance + 2 for r in rivals)

    def _misread(self, key: str) -> Found | None:
        """Short names with one misread character score low on ratio: try the edit distance."""
        names = list(self._by_name)
        close = sorted(names, key=lambda n: Levenshtein.distance(key, n))[:2]
        if close and self._one_slip(key, close[0], close[1:]):
            return Found(self._by_name[close[0]], True, 90.0)
        return None
