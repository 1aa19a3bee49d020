"""What a question contains: the concepts of vocabulary.yaml, found tolerantly.

A question is prepared once (`Query`): compact Traditional text, its English words and
its Pinyin syllables. A Chinese term then matches as a substring, or, when it has two or
more characters, by sound: phone keyboards type homophones (補修 for 補休, 家獎 for
嘉獎, 整批選科 for 整批選課), which share the term's syllables. English words of five
letters or more tolerate one typo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml
from pypinyin import lazy_pinyin
from rapidfuzz.distance import Levenshtein

from bot.domain.textnorm import fold_width, normalize, to_traditional

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.yaml")
_CJK = re.compile(r"[\u3400-\u9fff]")
_ALL_CJK = re.compile(r"^[\u3400-\u9fff]+$")
_NON_WORD = re.compile(r"[^a-z0-9+]+")


def syllables(text: str) -> str:
    """' bu xiu zui duo ' — padded so that a term matches whole syllables only."""
    return " " + " ".join(p.strip() for p in lazy_pinyin(text) if p.strip()) + " "


def words_of(text: str) -> str:
    return " " + _NON_WORD.sub(" ", fold_width(text).lower()).strip() + " "


@dataclass(frozen=True)
class Query:
    raw: str

    @cached_property
    def compact(self) -> str:
        return normalize(self.raw)

    @cached_property
    def words(self) -> str:
        return words_of(to_traditional(self.raw))

    @cached_property
    def word_list(self) -> list[str]:
        return self.words.split()

    @cached_property
    def pinyin(self) -> str:
        return syllables(self.compact) if _CJK.search(self.compact) else ""


@dataclass(frozen=True)
class Term:
    text: str  # normalised
    kind: str  # "word" (ASCII, whole words), "cjk" (substring + sound), "mixed" (substring)
    sound: str = ""

    @classmethod
    def make(cls, raw: str) -> Term:
        if raw.isascii():
            return cls(words_of(raw).strip(), "word")
        text = normalize(raw)
        if _ALL_CJK.match(text) and len(text) >= 2:
            return cls(text, "cjk", syllables(text))
        return cls(text, "mixed")

    def found_in(self, q: Query) -> bool:
        if self.kind == "word":
            if f" {self.text} " in q.words:
                return True
            if len(self.text) >= 5 and " " not in self.text:
                return any(abs(len(w) - len(self.text)) <= 1 and Levenshtein.distance(w, self.text) <= 1
                           for w in q.word_list)
            return False
        if self.text in q.compact:
            return True
        return self.kind == "cjk" and bool(q.pinyin) and self.sound in q.pinyin


class Vocabulary:
    """Concept name → terms; `concepts_in(query)` lists the concepts a question contains."""

    def __init__(self, concepts: dict[str, list[Term]]) -> None:
        self.concepts = concepts

    @classmethod
    def load(cls, path: Path = VOCABULARY_FILE) -> Vocabulary:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        concepts: dict[str, list[Term]] = {}
        for name, langs in data["concepts"].items():
            terms = {Term.make(str(t)) for lang_terms in langs.values() for t in lang_terms}
            concepts[name] = sorted(terms, key=lambda t: -len(t.text))
        return cls(concepts)

    def concepts_in(self, q: Query) -> set[str]:
        return {name for name, terms in self.concepts.items() if any(t.found_in(q) for t in terms)}
