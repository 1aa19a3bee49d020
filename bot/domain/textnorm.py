"""Text normalisation shared by course matching and question matching.

Staff type on phones: full-width letters (ＡＰＰ), Simplified characters (补休), stray
spaces and every kind of bracket. Folding all of that away once, here, lets the matchers
compare like with like.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

import opencc

# s2twp turns Traditional text too (只有 → 隻有): it is applied only to a text with something
# for it to convert, the same on both sides of a match (questions, plans, vocabulary).
_TABLES = Path(opencc.__file__).parent / "dictionary"

# Everything that is neither a letter, a digit nor a CJK character.
_PUNCT = re.compile(r"[^\w\u3400-\u9fff]|_", re.UNICODE)
# A platform course code in brackets, e.g. (PCENTER112100461).
COURSE_CODE = re.compile(r"[(（]\s*([A-Z][A-Z0-9_-]*\d{5,})\s*[)）]")


def fold_width(text: str) -> str:
    """NFKC folds full-width forms (ＡＰＰ, ８月) to ASCII and ⁺ to +."""
    return unicodedata.normalize("NFKC", text)


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("s2twp")


@cache
def _convertible() -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    """What s2twp would change: characters it maps to another (补, 学), and the Taiwan forms'
    keys (軟件 → 軟體), these by their first character."""
    chars: set[str] = set()
    phrases: dict[str, list[str]] = {}
    for name in ("STCharacters.txt", "TWVariants.txt", "TWPhrases.txt"):
        for line in (_TABLES / name).read_text(encoding="utf-8").splitlines():
            key, _, values = line.partition("\t")
            if not key or values.split(" ")[0] == key:
                continue
            if len(key) == 1:
                chars.add(key)
            else:
                phrases.setdefault(key[0], []).append(key)
    return frozenset(chars), {first: tuple(keys) for first, keys in phrases.items()}


def _has_convertible(text: str) -> bool:
    chars, phrases = _convertible()
    if not chars.isdisjoint(text):
        return True
    return any(text.startswith(p, i) for i, c in enumerate(text) if c in phrases for p in phrases[c])


@lru_cache(maxsize=4096)
def to_traditional(text: str) -> str:
    """Simplified → Taiwan Traditional; Traditional text passes through unchanged."""
    return str(_converter().convert(text)) if _has_convertible(text) else text


def compact(text: str) -> str:
    """Lower-case, width-folded text with every space and punctuation mark removed."""
    return _PUNCT.sub("", fold_width(text).lower())


def normalize(text: str) -> str:
    """The canonical form used for matching: traditional, folded, compact."""
    return compact(to_traditional(fold_width(text)))
