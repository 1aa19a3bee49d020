"""The plan's own names in a question: bundles, groups, courses, categories, help desks.

Built from the rules file, so next year's names work without touching code. Courses are
found by shared character runs (four characters in a row, e.g. 行政程序法 in 行政程序法
幾小時), and only when one course clearly wins, because names share words such as 英語.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

from bot.domain.textnorm import normalize
from bot.plans.model import Plan
from bot.qa.course_fragments import FragmentIndex, lecturer
from bot.qa.features import Glossary, Query, Term, words_of

RUN = 4
MAX_CATEGORIES = 2  # a glossary word naming more categories than this names none of them
_CJK_PAIR = re.compile(r"^[\u3400-\u9fff]{2}$")
_ALL_CJK = re.compile(r"^[\u3400-\u9fff]+$")
GENERIC = {"課程", "訓練", "相關", "能力", "公務", "人員", "政府", "教育", "價值", "管理", "知識", "主流", "專業"}


def _cuts_word(text: str, start: int, end: int) -> bool:
    """The run starts or ends inside a Latin word (「mail」 of 「gmail」 is no 「E-mail」)."""
    inside = str.isascii
    return (start > 0 and text[start].isalnum() and inside(text[start]) and text[start - 1].isalnum()
            and inside(text[start - 1])) or (end < len(text) and text[end - 1].isalnum() and inside(text[end - 1])
            and text[end].isalnum() and inside(text[end]))  # fmt: skip


def _runs(text: str, n: int = RUN) -> set[str]:
    if len(text) < n:
        return {text}
    return {text[i : i + n] for i in range(len(text) - n + 1) if not _cuts_word(text, i, i + n)}


_LINKS = frozenset({"for", "of", "and", "the", "a", "an", "in", "on", "to", "with"})


def _subtitle_pairs(plan: Plan) -> dict[str, str]:
    """Two-word pieces of the bundles' English subtitles that only one bundle has ("foreign
    affairs" of "English for foreign affairs", "policy competence"): "Which English bundle fits
    foreign affairs?" names 英語大聲公 though it never says its name."""
    owners: dict[str, set[str]] = {}
    for b in plan.bundles:
        words = words_of(b.subtitle.en).split() if b.subtitle and b.subtitle.en else []
        for pair in pairwise(words):
            if not _LINKS & set(pair):
                owners.setdefault(" ".join(pair), set()).add(b.id)
    return {pair: next(iter(ids)) for pair, ids in owners.items() if len(ids) == 1}


@dataclass(frozen=True)
class Entities:
    bundles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    course: str | None = None  # course key
    categories: tuple[str, ...] = ()
    desks: tuple[str, ...] = ()
    courses: tuple[str, ...] = ()  # several courses whose names share the word asked about
    word: str = ""  # that word
    related: bool = False  # the courses are about the word (the glossary's), not named with it

    def kinds(self) -> set[str]:
        found = set()
        for kind, value in (
            ("bundle", self.bundles),
            ("group", self.groups),
            ("course", self.course or self.courses),
            ("category", self.categories),
            ("desk", self.desks),
        ):
            if value:
                found.add(f"entity:{kind}")
        return found


@dataclass
class EntityIndex:
    plan: Plan
    common: set[str] = field(default_factory=set)  # the vocabulary's terms: ordinary words of questions
    glossary: Glossary = ()
    lexicon: Glossary = ()  # English words for pieces of course names, found together
    _fragments: FragmentIndex = field(init=False)
    _bundle_terms: list[tuple[Term, str]] = field(init=False)
    _group_terms: list[tuple[Term, str]] = field(init=False)
    _course_runs: dict[str, set[str]] = field(init=False)
    _course_names: dict[str, str] = field(init=False)
    _categories: list[tuple[Term, str]] = field(init=False)
    _category_runs: dict[str, set[str]] = field(init=False)
    _category_pairs: dict[str, str] = field(init=False)
    _category_short: dict[str, str] = field(init=False)
    _desks: list[tuple[Term, str]] = field(init=False)
    _desk_words: dict[str, frozenset[str]] = field(init=False)
    _title: list[str] = field(init=False)

    def __post_init__(self) -> None:
        plan = self.plan
        self._bundle_terms = [(Term.make(n), b.id) for b in plan.bundles for n in (b.name, *b.aliases)]
        self._bundle_terms += [(Term.make(p), b) for p, b in _subtitle_pairs(plan).items()]
        self._group_terms = [(Term.make(n), g.id) for g in plan.groups for n in (g.name, *g.aliases)]
        self._course_names = {}
        self._course_runs = {}
        for _, course in plan.iter_courses():
            compact = Term.make(course.name).text
            self._course_names[course.key] = compact
            self._course_runs[course.key] = _runs(compact)
        cats = {c.category for _, c in plan.iter_courses() if c.category}
        cats |= {c.section for _, c in plan.iter_courses() if c.section}
        self._categories = [(Term.make(c), c) for c in sorted(cats)]
        self._category_runs = {c: _runs(Term.make(c).text) for c in cats if len(Term.make(c).text) >= 6}
        # Two characters that name one category alone (必修 → 公務人員必修課程, 環境 → 環境教育).
        pairs: dict[str, set[str]] = {}
        for c in cats:
            for pair in _runs(Term.make(c).text, 2):
                pairs.setdefault(pair, set()).add(c)
        self._category_pairs = {p: next(iter(cs)) for p, cs in pairs.items() if len(cs) == 1 and p not in GENERIC}
        self._category_short = self._abbreviations(cats)
        self._desks = [(Term.make(n), d.id) for d in plan.help_desks for n in (d.name.zh_TW, *d.aliases)]
        # "the personnel system support line": a desk's English name by two of its own words.
        self._desk_words = {
            d.id: frozenset(w for w in words_of(d.name.en).split() if len(w) >= 4 and w not in self.common)
            for d in plan.help_desks
            if d.name.en
        }
        self._fragments = FragmentIndex(plan, self.common | GENERIC, self.glossary, self.lexicon)
        self._title = [normalize(plan.plan.title.zh_TW)]

    def _abbreviations(self, cats: set[str]) -> dict[str, str]:
        """環教 for 環境教育, 法知 for 法學知識: the first character of each of a four-character
        name's two words, when that names no other category and is no word of questions or piece
        of another name."""
        names = "|".join(
            Term.make(n).text
            for n in (*cats, *(c.name for _, c in self.plan.iter_courses()), *(b.name for b in self.plan.bundles))
        )
        short: dict[str, set[str]] = {}
        for c in cats:
            text = Term.make(c).text
            if len(text) == 4 and _ALL_CJK.match(text):
                short.setdefault(text[0] + text[2], set()).add(c)
        return {
            s: next(iter(cs))
            for s, cs in short.items()
            if len(cs) == 1 and s not in names and not any(s in word for word in self.common)
        }

    @staticmethod
    def _find(terms: list[tuple[Term, str]], q: Query) -> tuple[str, ...]:
        found: dict[str, int] = {}
        for term, ident in terms:
            if term.found_in(q):
                found[ident] = max(found.get(ident, 0), len(term.text))
        return tuple(sorted(found, key=lambda i: -found[i]))

    def course_in(self, q: Query) -> str | None:
        text = q.compact
        for key, name in self._course_names.items():
            if len(name) >= 2 and name in text:
                start = text.find(name)
                q.cover(start, start + len(name))
                return key
        runs = _runs(text)
        scores = Counter({key: len(runs & course_runs) for key, course_runs in self._course_runs.items()})
        best = scores.most_common(2)
        if not best or best[0][1] == 0:
            return self._fragments.find(q)
        if len(best) > 1 and best[1][1] == best[0][1]:
            return None
        for run in runs & self._course_runs[best[0][0]]:
            start = text.find(run)
            q.cover(start, start + len(run))
        return best[0][0]

    def categories_in(self, q: Query) -> tuple[str, ...]:
        found = self._find(self._categories, q)
        if found:
            return found
        runs = _runs(q.compact)
        found = tuple(c for c, c_runs in self._category_runs.items() if runs & c_runs)
        if not found:
            text = q.compact
            hits = {p for p in _runs(text, 2) if p in self._category_pairs}
            found = tuple(dict.fromkeys(self._category_pairs[p] for p in sorted(hits)))
            if not hits:  # 「環教那4小時」
                hits = {p for p in _runs(text, 2) if p in self._category_short}
                found = tuple(dict.fromkeys(self._category_short[p] for p in sorted(hits)))
            for p in hits:
                q.cover(text.find(p), text.find(p) + 2)
            return found
        for c in found:
            for run in runs & self._category_runs[c]:
                start = q.compact.find(run)
                q.cover(start, start + len(run))
        return found

    def _named_fully(self, q: Query, course: str) -> bool:
        """By its whole name or four characters in a row, not by a short fragment (防疫)."""
        return self._course_names[course] in q.compact or bool(_runs(q.compact) & self._course_runs[course])

    def _glossary_categories(self, q: Query) -> tuple[str, ...]:
        """Categories named in the glossary's words ("environmental education" for 環境教育)."""
        found: dict[str, None] = {}
        for term, spellings in self.glossary:
            if term.present_in(q):
                named = [c for t, c in self._categories if any(sp in t.text for sp in spellings)]
                if named and len(named) <= MAX_CATEGORIES:
                    term.found_exactly(q)
                    q.covered_words.update(w + "s" for w in term.text.split())
                    found.update(dict.fromkeys(named))
        return tuple(found)

    def _desks_in_english(self, q: Query) -> tuple[str, ...]:
        found = []
        for desk, words in self._desk_words.items():
            said = words & set(q.word_list)
            if len(said) >= 2:
                q.covered_words.update(said)
                found.append(desk)
        return tuple(found)

    def named_span(self, q: Query, course: str) -> tuple[int, int] | None:
        """Where in the compact question the course is named in full, if it is."""
        name = self._course_names[course]
        at = q.compact.find(name)
        return (at, at + len(name)) if at >= 0 and name else None

    def cover_pieces(self, q: Query, names: list[str]) -> None:
        """Every two characters of the question found in a name it was read as naming are
        understood (治理, 趨勢 of 「智慧城市治理的趨勢與挑戰」, 雄心高飛 of the plan's title)."""
        text = q.compact
        for i in range(len(text) - 1):
            pair = text[i : i + 2]
            if _CJK_PAIR.match(pair) and any(pair in n for n in names):
                q.cover(i, i + 2)

    def find(self, q: Query) -> Entities:
        found = self._find_all(q)
        keys = [k for k in (found.course, *found.courses) if k]
        names = [self._course_names[k] for k in keys] + [lecturer(self.plan.courses_by_key[k].note) for k in keys]
        names += [Term.make(c).text for c in found.categories]
        self.cover_pieces(q, [*names, *self._title])
        self._cover_words(q, names)
        return found

    def _cover_words(self, q: Query, names: list[str]) -> None:
        """English words the glossary reads as a piece of a name the question was read as naming
        are understood ("elementary sprint" of the GEPT初級衝刺 course found by "GEPT")."""
        for term, spellings in (*self.lexicon, *self.glossary):
            if term.kind == "word" and term.present_in(q) and any(s in n for s in spellings for n in names):
                q.covered_words.update(term.text.split())

    def _find_all(self, q: Query) -> Entities:
        course = self.course_in(q)
        shared = None if course else self._fragments.find_all(q)
        related = self._fragments.related(q)
        if related is not None and course is not None and self._named_fully(q, course):
            related = None  # the course was named (5G網路、應用與資安議題): not a subject
        if course is None and shared is None:  # "the free English learning APP course"
            worded = self._fragments.by_words(q)
            if worded is not None and (related is None or worded in related[1]):
                course, related = worded, None
        if related is not None:  # 「AI的課」, 「有沒有講資安的課」 (資安, 資通安全, 社交工程), 「防疫相關的課」
            named = (course,) if course else shared[1] if shared else ()
            keys = tuple(dict.fromkeys((*named, *related[1])))
            if len(keys) == 1:
                course, shared = keys[0], None
            else:
                course, shared = None, (shared[0] if shared else related[0], keys)
        return Entities(
            bundles=self._find(self._bundle_terms, q),
            groups=self._find(self._group_terms, q),
            course=course,
            categories=self.categories_in(q) or (() if course or shared else self._glossary_categories(q)),
            desks=self._find(self._desks, q) or self._desks_in_english(q),
            courses=shared[1] if shared else (),
            word=shared[0] if shared else "",
            related=related is not None,
        )
