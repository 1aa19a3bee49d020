"""A course asked about by a piece of its name: 「元宇宙那門課」, 「長照的課」, 「5G那門課」, 「CEDAW那堂」.

A fragment names a course when no other course, bundle, group or category of the plan contains
it and it is not an ordinary word of questions (the vocabulary's terms: 英文, APP, 如何 …), so
it cannot be an accident. Two Chinese characters are only trusted when the question speaks
of a course (課, 堂, course); three or more also when typed by sound (原宇宙 for 元宇宙). Latin
letters count as whole words only: 「gmail」 is not the 「E-mail」 of 公務英文E-mail篇.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.domain.textnorm import fold_width, normalize
from bot.plans.model import Plan
from bot.qa.features import Glossary, Query, Term, sounds_of, words_of

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
COURSE_WORDS = ("課", "堂", "那門", "這門", "哪門", "門課")  # 「六龜那門多久」
COURSE_WORDS_EN = (" course ", " courses ", " class ", " lesson ", " module ", " one ")  # "the x-file one"
SUBJECT_WORDS = ("相關", "有關", "關於", "講")  # 「有沒有性平相關的」: asks about a subject
SUBJECT_WORDS_EN = (" anything ", " something ", " about ", " topic ", " subject ")
_ROLE = re.compile(r"講座|主講|講師|老師|教授|博士|先生|女士")
MIN_SOUND = 3  # fragments this long or longer also match by sound
MAX_SHARED = 6  # 「有資安的課嗎」: a fragment of at most this many courses lists them
TITLE_WORDS = 3  # words of a name a question must hold to name the course without saying "course"
HOURS_WORDS_EN = (" hours ", " hour ", " how long ", " length ", " duration ")  # …and then asking its hours


def lecturer(note: str | None) -> str:
    """「陳慈陽」 of a course's note 「陳慈陽講座」: who teaches it, without the role."""
    return normalize(_ROLE.sub("", note)) if note else ""


def _cjk_fragments(name: str) -> set[str]:
    found: set[str] = set()
    for run in _CJK_RUN.findall(name):
        for n in range(2, len(run) + 1):
            found.update(run[i : i + n] for i in range(len(run) - n + 1))
    return found


def _latin_words(name: str) -> set[str]:
    words = set(words_of(name).split())
    words |= {w.replace("-", "") for w in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)+", name.lower())}
    return {w for w in words if len(w) >= 2 and not w.isdigit()}


@dataclass
class FragmentIndex:
    plan: Plan
    common: set[str]  # normalised vocabulary terms: never a course's fragment
    glossary: Glossary = ()
    lexicon: Glossary = ()
    _cjk: dict[str, str] = field(init=False, default_factory=dict)  # fragment → course key
    _latin: dict[str, str] = field(init=False, default_factory=dict)
    _sounds: dict[tuple[str, ...], str] = field(init=False, default_factory=dict)
    _shared: dict[str, tuple[str, ...]] = field(init=False, default_factory=dict)  # fragment → a few courses
    _order: list[str] = field(init=False, default_factory=list)  # course keys in the plan's order
    _names: dict[str, str] = field(init=False, default_factory=dict)  # course key → normalised name
    _common_pairs: frozenset[str] = field(init=False, default=frozenset())  # two characters of a term

    def __post_init__(self) -> None:
        plan = self.plan
        self._common_pairs = frozenset(c[i : i + 2] for c in self.common for i in range(len(c) - 1))
        self._order = [c.key for _, c in plan.iter_courses()]
        self._names = {c.key: Term.make(c.name).text for _, c in plan.iter_courses()}
        others = [b.name for b in plan.bundles] + [g.name for g in plan.groups]
        others += [c.category or "" for _, c in plan.iter_courses()] + [c.section or "" for _, c in plan.iter_courses()]
        other_text = "|".join(Term.make(o).text for o in others if o)
        owners: dict[str, set[str]] = {}
        latin: dict[str, set[str]] = {}
        for _, course in plan.iter_courses():
            compact = Term.make(course.name).text
            for frag in _cjk_fragments(compact) | _cjk_fragments(lecturer(course.note)):
                owners.setdefault(frag, set()).add(course.key)
            for word in _latin_words(course.name):
                latin.setdefault(word, set()).add(course.key)
        order = [c.key for _, c in plan.iter_courses()]
        for frag, keys in owners.items():
            if 1 < len(keys) <= MAX_SHARED and frag not in other_text and not self._ordinary(frag):
                self._shared[frag] = tuple(sorted(keys, key=order.index))
            if len(keys) == 1 and frag not in other_text and not self._ordinary(frag):
                key = next(iter(keys))
                self._cjk[frag] = key
                if len(frag) >= MIN_SOUND:
                    self._sounds.setdefault(sounds_of(frag), key)
        self._latin = {w: next(iter(k)) for w, k in latin.items() if len(k) == 1 and w not in self.common}

    def _ordinary(self, frag: str) -> bool:
        """A word of questions (a vocabulary term), or two characters inside one (如何 of 如何申請)."""
        return frag in self.common or (len(frag) == 2 and frag in self._common_pairs)

    def find(self, q: Query) -> str | None:
        """The one course a distinctive fragment of the question names, or None."""
        text = q.compact
        about_course = any(w in text for w in COURSE_WORDS) or any(w in q.words for w in COURSE_WORDS_EN)
        best: dict[str, int] = {}
        spans: dict[str, tuple[int, int]] = {}
        for frag, key in self._cjk.items():
            if len(frag) < 3 and not about_course:
                continue
            start = text.find(frag)
            if start >= 0 and len(frag) > best.get(key, 0):
                best[key], spans[key] = len(frag), (start, start + len(frag))
        for word in q.word_list:
            named = self._latin.get(word)
            if named is not None and len(word) + 1 > best.get(named, 0):
                best[named] = len(word) + 1
                q.covered_words.add(word)
        if not best and q.sounds:
            n_max = max((len(s) for s in self._sounds), default=0)
            for n in range(n_max, MIN_SOUND - 1, -1):
                for i in range(len(q.sounds) - n + 1):
                    heard = self._sounds.get(q.sounds[i : i + n])
                    if heard is not None and n > best.get(heard, 0):
                        best[heard], spans[heard] = n, (i, i + n)
        if not best:
            return None
        ranked = sorted(best.items(), key=lambda kv: -kv[1])
        if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
            return None  # two courses named as clearly: not one
        key = ranked[0][0]
        if key in spans:
            q.cover(*spans[key])
        return key

    def related(self, q: Query) -> tuple[str, tuple[str, ...]] | None:
        """(the words as typed, the courses) a glossary word names (「AI的課」, "metaverse course"):
        every course whose name holds one of the word's spellings, at most MAX_SHARED."""
        text = q.compact
        asks = any(w in text for w in (*COURSE_WORDS, *SUBJECT_WORDS))
        if not (asks or any(w in q.words for w in (*COURSE_WORDS_EN, *SUBJECT_WORDS_EN))):
            return None
        order, names = self._order, self._names
        keys: set[str] = set()
        said: list[Term] = []
        for term, spellings in self.glossary:
            if not term.present_in(q):
                continue
            named = {k for k, name in names.items() if any(s in name for s in spellings)}
            if named:
                keys |= named
                said.append(term)
        if not keys or len(keys) > MAX_SHARED:
            return None
        for term in said:
            term.found_exactly(q)  # the words are understood, plurals too
            q.covered_words.update(w + "s" for w in term.text.split())
        typed = dict.fromkeys(w for term in said for w in _typed(term, q.raw))
        words = [w for w in typed if not any(w.lower() in o.lower() and w != o for o in typed)]
        return "、".join(words) or said[0].text, tuple(sorted(keys, key=order.index))

    def by_words(self, q: Query) -> str | None:
        """The one course whose name holds the most of an English question's words (the lexicon's,
        the glossary's, or Latin words of the name itself), at least two, more than any other's;
        a title asked of its hours without the word "course" (How many hours is 'AI in Taiwan:
        opportunities and challenges of industrial transformation'?) at least three, two more."""
        named = any(w in q.words for w in COURSE_WORDS_EN)
        if not named and not any(w in q.words for w in HOURS_WORDS_EN):
            return None  # "an English press release" names no course unless its hours are asked
        said: list[tuple[frozenset[str], tuple[str, ...]]] = []  # (the question's words, spellings)
        for term, spellings in (*self.lexicon, *self.glossary):
            if term.kind == "word" and term.present_in(q):
                said.append((frozenset(term.text.split()), spellings))
        asked = set(q.word_list)
        for name in self._names.values():
            for word in _latin_words(name) & asked:
                said.append((frozenset({word}), (word,)))
        scores: dict[str, set[str]] = {}
        for words, spellings in said:
            for key, name in self._names.items():
                if any(s in name for s in spellings):
                    scores.setdefault(key, set()).update(words)
        ranked = sorted(scores.items(), key=lambda kv: -len(kv[1]))
        least, margin = (2, 1) if named else (TITLE_WORDS, 2)
        if not ranked or len(ranked[0][1]) < least:
            return None
        if len(ranked) > 1 and len(ranked[0][1]) - len(ranked[1][1]) < margin:
            return None
        q.covered_words.update(ranked[0][1])
        return ranked[0][0]

    def find_all(self, q: Query) -> tuple[str, tuple[str, ...]] | None:
        """(the fragment, its courses) when the question asks for courses on something several
        course names share (「有資安的課嗎」); the longest such fragment."""
        text = q.compact
        if not (any(w in text for w in COURSE_WORDS) or any(w in q.words for w in COURSE_WORDS_EN)):
            return None
        found = [(frag, keys) for frag, keys in self._shared.items() if frag in text]
        if not found:
            return None
        frag, keys = max(found, key=lambda item: len(item[0]))
        start = text.find(frag)
        q.cover(start, start + len(frag))
        return frag, keys


def _typed(term: Term, raw: str) -> list[str]:
    """The glossary word as the question spells it (「AI」 of 「ＡＩ的課」), to quote it back."""
    if term.kind == "word":
        pattern = r"(?<![a-z0-9])" + r"\W+".join(re.escape(w) + "s?" for w in term.text.split()) + r"(?![a-z0-9])"
        return re.findall(pattern, fold_width(raw), flags=re.IGNORECASE)
    return re.findall(re.escape(term.text), normalize(raw))
