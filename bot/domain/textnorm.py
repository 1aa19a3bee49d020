"""Text normalisation shared by course matching and question matching.

Staff type on phones: full-width letters (ＡＰＰ), Simplified characters (补休), stray
spaces and every kind of bracket. Folding all of that away once, here, lets the matchers
compare like with like.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_S2T = opencc.OpenCC("s2twp")

# Everything that is neither a letter, a digit nor a CJK character.
_PUNCT = re.compile(r"[^\w\u3400-\u9fff]|_", re.UNICODE)
# A platform course code in brackets, e.g. (PCENTER112100461).
COURSE_CODE = re.compile(r"[(（]\s*([A-Z][A-Z0-9_-]*\d{5,})\s*[)）]")


def fold_width(text: str) -> str:
    """NFKC folds full-width forms (ＡＰＰ, ８月) to ASCII and ⁺ to +."""
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=4096)
def to_traditional(text: str) -> str:
    """Simplified → Taiwan Traditional; Traditional text passes through unchanged."""
    return str(_S2T.convert(text))


def compact(text: str) -> str:
    """Lower-case, width-folded text with every space and punctuation mark removed."""
    return _PUNCT.sub("", fold_width(text).lower())


def normalize(text: str) -> str:
    """The canonical form used for matching: traditional, folded, compact."""
    return compact(to_traditional(fold_width(text)))
