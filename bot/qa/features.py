"""What a question contains: the concepts of vocabulary.yaml, found tolerantly.

A question is prepared once (`Query`): compact Traditional text, its English words and
one Pinyin syllable per character. A Chinese term then matches as a substring, or, when
it has two or more characters, by sound: phone keyboards type homophones (補修 for 補休,
家獎 for 嘉獎, 整批選科 for 整批選課), which share the term's syllables. English words of
five letters or more tolerate one typo.

Matching also records which characters and words were understood. What is left over
tells how much of a question the bot did not understand: 「補休可以換錢嗎」 mentions comp
leave, but 換錢 is not something the plan answers, and the bot should say it is unsure
rather than recite the comp-leave rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.domain.textnorm import fold_width, normalize, to_traditional
from bot.qa.syllables import READINGS
from bot.yamlfiles import read_yaml

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.yaml")
_CJK = re.compile(r"[\u3400-\u9fff]")
_ALL_CJK = re.compile(r"^[\u3400-\u9fff]+$")
_NON_WORD = re.compile(r"[^a-z0-9+]+")
EXACT_ONLY: frozenset[str | None] = frozenset({"out_of_scope"})  # concepts never matched by sound


_CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "兩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_DATE = re.compile(r"([一二三四五六七八九十]{1,3})月(?:([一二三四五六七八九十]{1,3})([日號号]))?")


def _cn_number(text: str) -> int:
    """「九」 9, 「十二」 12, 「三十」 30, 「三十一」 31."""
    if "十" not in text:
        return _CN_DIGITS.get(text, 0)
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)


def arabic_dates(text: str) -> str:
    """「九月三十號」 as 「9月30號」: dates are compared with the plan's as figures. Same length
    or shorter, so positions after a date shift; nothing is matched across a date."""

    def figures(m: re.Match[str]) -> str:
        month = _cn_number(m.group(1))
        if not 1 <= month <= 12:
            return m.group(0)
        day = f"{_cn_number(m.group(2))}{m.group(3)}" if m.group(2) else ""
        return f"{month}月{day}"

    return _CN_DATE.sub(figures, text)


def sounds_of(text: str) -> tuple[str, ...]:
    """One syllable per character (non-Chinese characters stand for themselves): pypinyin's
    readings, from the table bot.qa.syllables keeps of them."""
    return READINGS.sounds(text)


def words_of(text: str) -> str:
    return " " + _NON_WORD.sub(" ", fold_width(text).lower()).strip() + " "


@dataclass
class Query:
    raw: str
    covered: set[int] = field(default_factory=set)  # understood character positions of `compact`
    covered_words: set[str] = field(default_factory=set)
    known: frozenset[str] = frozenset()  # words of the vocabulary as spelled: never another word's typo

    @cached_property
    def compact(self) -> str:
        return arabic_dates(normalize(self.raw))

    @cached_property
    def words(self) -> str:
        return words_of(to_traditional(self.raw))

    @cached_property
    def singular(self) -> str:
        """The words with a plural -s dropped ("friendly workplaces" as "friendly workplace")."""
        return " " + " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in self.word_list) + " "

    @cached_property
    def word_list(self) -> list[str]:
        return self.words.split()

    @cached_property
    def sounds(self) -> tuple[str, ...]:
        return sounds_of(self.compact) if _CJK.search(self.compact) else ()

    @cached_property
    def sound_starts(self) -> dict[str, list[int]]:
        index: dict[str, list[int]] = {}
        for i, syllable in enumerate(self.sounds):
            index.setdefault(syllable, []).append(i)
        return index

    def cover(self, start: int, end: int) -> None:
        self.covered.update(range(start, end))

    def unexplained(self) -> tuple[int, int]:
        """(Chinese characters, English words of 3+ letters) that no term accounted for."""
        chars = sum(1 for i, c in enumerate(self.compact) if i not in self.covered and _CJK.match(c))
        words = sum(1 for w in self.word_list if len(w) >= 3 and w not in self.covered_words)
        return chars, words


@dataclass(frozen=True)
class Term:
    text: str  # normalised
    kind: str  # "word" (ASCII, whole words), "cjk" (substring + sound), "mixed" (substring)
    sound: tuple[str, ...] = ()

    @classmethod
    def make(cls, raw: str) -> Term:
        if raw.isascii():
            return cls(words_of(raw).strip(), "word")
        text = normalize(raw)
        if _ALL_CJK.match(text) and len(text) >= 2:
            return cls(text, "cjk", sounds_of(text))
        return cls(text, "mixed")

    def present_in(self, q: Query) -> bool:
        """Written as it is (no typo, no sound), without marking anything understood."""
        if not self.text:
            return False
        if self.kind == "word":
            return f" {self.text} " in q.words or f" {self.text} " in q.singular
        return self.text in q.compact

    def _typo_of(self, word: str) -> bool:
        return abs(len(word) - len(self.text)) <= 1 and Levenshtein.distance(word, self.text) <= 1

    def found_in(self, q: Query) -> int:
        return self.found_exactly(q) or self.sounds_in(q, frozenset())

    def found_exactly(self, q: Query) -> int:
        """Where the term's last occurrence ends (0: nowhere); marks what it accounts for."""
        if not self.text:
            return False
        if self.kind == "word":
            if f" {self.text} " in q.words:
                q.covered_words.update(self.text.split())
                start = q.compact.rfind(self.text.replace(" ", ""))  # ASCII inside Chinese text
                if start >= 0:
                    q.cover(start, start + len(self.text.replace(" ", "")))
                return start + len(self.text.replace(" ", "")) if start >= 0 else 1
            if len(self.text) >= 5 and " " not in self.text:
                typos = [w for w in q.word_list if w not in q.known and self._typo_of(w)]  # "there" ≠ "where"
                q.covered_words.update(typos)
                return 1 if typos else 0
            return 0
        end = 0
        start = q.compact.find(self.text)
        while start >= 0:
            q.cover(start, start + len(self.text))
            end = start + len(self.text)
            start = q.compact.find(self.text, start + 1)
        return end

    def sounds_in(self, q: Query, understood: frozenset[int]) -> int:
        """A homophone of the term (補修 for 補休), unless the differing characters are
        already part of a word read as written (位 of 數位學習 is no typo of 微學習)."""
        if self.kind != "cjk" or not q.sounds:
            return 0
        end = 0
        n = len(self.sound)
        for i in q.sound_starts.get(self.sound[0], ()):
            if q.sounds[i : i + n] != self.sound:
                continue
            differing = [i + k for k in range(n) if q.compact[i + k] != self.text[k]]
            if differing and any(p in understood for p in differing):
                continue
            if n == 2 and len(differing) == 2:  # 照稅 is no 找誰: a two-character homophone keeps one of them
                continue
            q.cover(i, i + n)
            end = i + n
        return end


Glossary = tuple[tuple[Term, tuple[str, ...]], ...]  # a word as typed → how the plan's names spell it
# (concept, in English words or not, pattern): word orders that say what no single term says.
Patterns = tuple[tuple[str, bool, re.Pattern[str]], ...]


def _both_spellings(pattern: str) -> str:
    """The pattern as written or as questions are folded: OpenCC spells some words otherwise
    (保存 as 儲存) and some only in a phrase (不准 stays 不准 in 主管不准我, not alone)."""
    folded = to_traditional(fold_width(pattern)).lower()
    return pattern if folded == pattern else f"(?:{pattern})|(?:{folded})"


def _spellings(section: dict[str, list[str]] | None) -> Glossary:
    """A glossary-like section (key: a spelling in the plan's names; list: what staff type)."""
    said: dict[Term, list[str]] = {}
    for spelled, aliases in (section or {}).items():
        for alias in aliases:
            said.setdefault(Term.make(str(alias)), []).append(normalize(str(spelled)))
    return tuple((term, tuple(names)) for term, names in said.items())


class Vocabulary:
    """Concept name → terms; `concepts_in(query)` lists the concepts a question contains.

    Terms are indexed by first character, first syllable and first word, so a question
    is only checked against the few terms that could occur in it.
    """

    def __init__(
        self,
        concepts: dict[str, list[Term]],
        filler: list[Term],
        glossary: Glossary = (),
        patterns: Patterns = (),
        lexicon: Glossary = (),
    ) -> None:
        self.concepts = concepts
        self.filler = filler
        self.glossary = glossary
        self.patterns = patterns
        self.lexicon = lexicon
        said = [term for term, _ in (*glossary, *lexicon)]  # "overseas" of 海外 is no typo of "oversees"
        self.known = frozenset(w for t in (*filler, *(t for ts in concepts.values() for t in ts), *said)
                               if t.kind == "word" for w in t.text.split())  # fmt: skip
        entries: list[tuple[str | None, Term]] = [(name, term) for name, terms in concepts.items() for term in terms]
        entries += [(None, term) for term in filler]
        self._by_char: dict[str, list[tuple[str | None, Term]]] = {}
        self._by_sound: dict[str, list[tuple[str | None, Term]]] = {}
        self._by_word: dict[str, list[tuple[str | None, Term]]] = {}
        self._long_words: dict[str, list[tuple[str | None, Term]]] = {}
        for entry in entries:
            term = entry[1]
            if not term.text:
                continue
            if term.kind == "word":
                self._by_word.setdefault(term.text.split()[0], []).append(entry)
                if len(term.text) >= 5 and " " not in term.text:
                    self._long_words.setdefault(term.text, []).append(entry)
            else:
                self._by_char.setdefault(term.text[0], []).append(entry)
                if term.sound:
                    self._by_sound.setdefault(term.sound[0], []).append(entry)

    def common_terms(self) -> set[str]:
        """Every term's text (spaces dropped): the ordinary words of questions."""
        terms = [t for name, ts in self.concepts.items() if name not in EXACT_ONLY for t in ts] + self.filler
        return {t.text.replace(" ", "") for t in terms if t.text}

    @classmethod
    def load(cls, path: Path = VOCABULARY_FILE) -> Vocabulary:
        data = read_yaml(path)
        concepts: dict[str, list[Term]] = {}
        for name, langs in data["concepts"].items():
            terms = {Term.make(str(t)) for lang_terms in langs.values() for t in lang_terms}
            concepts[name] = sorted(terms, key=lambda t: -len(t.text))
        filler = [Term.make(str(t)) for lang_terms in data["filler"].values() for t in lang_terms]
        patterns = tuple(
            (name, lang == "en", re.compile(str(p) if lang == "en" else _both_spellings(str(p))))
            for name, langs in (data.get("patterns") or {}).items()
            for lang, found in langs.items()
            for p in found
        )
        return cls(concepts, filler, _spellings(data.get("glossary")), patterns, _spellings(data.get("lexicon")))

    def _candidates(self, q: Query) -> dict[Term, set[str | None]]:
        found: dict[Term, set[str | None]] = {}

        def add(entries: list[tuple[str | None, Term]]) -> None:
            for name, term in entries:
                found.setdefault(term, set()).add(name)

        for char in set(q.compact):
            add(self._by_char.get(char, []))
        for syllable in set(q.sounds):
            add(self._by_sound.get(syllable, []))
        for word in set(q.word_list):
            add(self._by_word.get(word, []))
            if len(word) >= 4:
                for hit, _, _ in process.extract(
                    word, self._long_words.keys(), scorer=Levenshtein.distance, score_cutoff=1, limit=None
                ):
                    add(self._long_words[hit])
        return found

    def concepts_in(self, q: Query) -> dict[str, int]:
        """Concept → where in the compact text its last mention ends (ASCII words: 1)."""
        found: dict[str, int] = {}
        q.known = self.known

        def note(names: set[str | None], end: int) -> None:
            for name in names:
                if name is not None:
                    found[name] = max(found.get(name, 0), end)

        missed = []
        for term, names in self._candidates(q).items():
            end = term.found_exactly(q)
            if end:
                note(names, end)
            else:
                missed.append((term, names))
        understood = frozenset(q.covered)
        for term, names in missed:
            if names <= EXACT_ONLY:  # 同時 must not sound like 同事
                continue
            end = term.sounds_in(q, understood)
            if end:
                note(names, end)
        for name, english, pattern in self.patterns:
            m = pattern.search(q.words if english else q.compact)
            if m is None:
                continue
            if english:
                q.covered_words.update(m.group(0).split())
            else:
                q.cover(m.start(), m.end())
            found[name] = max(found.get(name, 0), 1 if english else m.end())
        return found
