"""Text normalisation shared by course matching and question matching.

Staff type on phones: full-width letters (ＡＰＰ), Simplified characters (补休), stray
spaces and every kind of bracket. Folding all of that away once, here, lets the matchers
compare like with like.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

import opencc
from opencc.opencc import DICT_DIR

from bot.domain.phrase_table import PhraseTable

# OpenCC converts Traditional text too (只有 → 隻有, and s2twp's Taiwan phrases turn 程序 into
# 程式, 對象 into 物件): only text written in Simplified is converted (补休, and 打印 → 列印, the
# word Taiwan uses); Traditional words are never turned into others.
_TABLES = Path(opencc.__file__).parent / "dictionary"

# Everything that is neither a letter, a digit nor a CJK character.
_PUNCT = re.compile(r"[^\w\u3400-\u9fff]|_", re.UNICODE)
# A platform course code in brackets, e.g. (PCENTER112100461).
COURSE_CODE = re.compile(r"[(（]\s*([A-Z][A-Z0-9_-]*\d{5,})\s*[)）]")


def fold_width(text: str) -> str:
    """NFKC folds full-width forms (ＡＰＰ, ８月) to ASCII and ⁺ to +."""
    return unicodedata.normalize("NFKC", text)


PACKED = ("STPhrases.txt",)  # the one large dictionary of s2twp; the others hold a few thousand lines


@cache
def _converter() -> opencc.OpenCC:
    """s2twp, with its phrase dictionary packed (bot/domain/phrase_table.py says why). The
    converter reads its dictionaries on first use, looking each up first in its cache by the
    path it builds itself; made without a conversion, it has read none yet."""
    converter = opencc.OpenCC()
    for name in PACKED:
        path = os.path.join(os.path.dirname(opencc.opencc.__file__), DICT_DIR, name)
        table = PhraseTable(Path(path))
        converter.dict_cache[path] = (table.max_len, table.min_len, table)
    converter.set_conversion("s2twp")
    return converter


@cache
def _simplified_only() -> frozenset[str]:
    """Characters that are Simplified and nothing else (补, 学, 这), not those shared with
    Traditional (台, 只, 后), nor those whose Traditional form Taiwan writes as they are
    (群: 羣 in OpenCC's characters, 群 again in its Taiwan variants): a text without any is
    Traditional as Taiwan writes it, and is left as it is."""
    taiwan = _table("TWVariants.txt")
    found = set()
    for key, values in _table("STCharacters.txt").items():
        if key not in values and all(taiwan.get(value, [value])[0] != key for value in values):
            found.add(key)
    return frozenset(found)


def _table(name: str) -> dict[str, list[str]]:
    """One of OpenCC's character tables: a character → its conversions, the usual one first."""
    found = {}
    for line in (_TABLES / name).read_text(encoding="utf-8").splitlines():
        key, _, values = line.partition("\t")
        if key:
            found[key] = values.split(" ")
    return found


@lru_cache(maxsize=4096)
def to_traditional(text: str) -> str:
    """Simplified → Taiwan Traditional; Traditional text passes through unchanged."""
    return text if _simplified_only().isdisjoint(text) else str(_converter().convert(text))


def compact(text: str) -> str:
    """Lower-case, width-folded text with every space and punctuation mark removed."""
    return _PUNCT.sub("", fold_width(text).lower())


def normalize(text: str) -> str:
    """The canonical form used for matching: traditional, folded, compact."""
    return compact(to_traditional(fold_width(text)))
