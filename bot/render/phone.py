"""An answer cut to fit a phone screen: its first line, then the lines the question speaks of,
up to LIMIT characters; the rest one tap away (「更多」); no line said twice.

A line is never cut in the middle, so a figure is never split from what it is about; a first
line longer than the limit is kept whole.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from bot.domain.textnorm import normalize
from bot.qa.features import Query, Vocabulary, words_of

_CJK = re.compile(r"[\u3400-\u9fff]+")
_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "for",
        "to",
        "in",
        "on",
        "at",
        "by",
        "and",
        "or",
        "is",
        "are",
        "do",
        "does",
        "i",
        "my",
        "me",
        "it",
        "this",
        "that",
        "what",
        "whats",
        "how",
        "which",
        "can",
        "with",
    ]
)
HEADING = 160  # a first line up to this long says what the answer is about and always leads
LIMIT = 600  # characters of the first message of an answer (most answers are well under 300)
FILL = 400  # ...when some lines speak of the question, the others only fill up to this
SOFT = 300  # ...and warnings and a second topic the question does not speak of up to this


def dedupe(text: str) -> str:
    """Drop a line already said (two topics answered together share warnings and desks)."""
    seen: set[str] = set()
    kept = []
    for line in text.split("\n"):
        key = line.strip()
        if key and key in seen:
            continue
        seen.add(key)
        kept.append(line)
    return "\n".join(kept)


_UNTOLD = frozenset({"question", "me", "who", "greeting", "thanks", "mine"})  # concepts that tell no line apart


@cache
def _vocabulary() -> Vocabulary:
    return Vocabulary.load()


@lru_cache(maxsize=4096)
def _concepts(text: str) -> frozenset[str]:
    """The vocabulary's concepts a text speaks of, as "@name": 「gmail」 and a line on Google or
    Facebook logins share 「@citizen_account」 though they share no word."""
    return frozenset(f"@{c}" for c in _vocabulary().concepts_in(Query(text)) if c not in _UNTOLD)


def _grams(text: str) -> set[str]:
    """Chinese character pairs, Latin words (letter pairs of English would match anything) and
    the concepts spoken of."""
    pairs = {run[i : i + 2] for run in _CJK.findall(normalize(text)) for i in range(len(run) - 1)}
    return pairs | (set(words_of(text).split()) - _SMALL_WORDS) | _concepts(text)


def split(text: str, limit: int = LIMIT, question: str = "") -> tuple[str, str]:
    """(what fits, the rest); the rest is "" when everything fits. The first line (what the
    answer is about) always comes first; then the lines of its paragraph that share most with
    the question (the desk it names, the figure it asks about), then those of the next ones,
    shown in their own order, as many as fit. Lines the question does not speak of, when others
    do, only fill a shorter message: up to FILL, warnings and a second topic up to SOFT."""
    if len(text) <= limit:
        return text, ""
    lines = text.split("\n")
    line_grams = [_grams(line) for line in lines]
    asked = _grams(question) if question else set()
    # A word most lines share (小時 in a list of courses) tells none of them apart.
    # A concept tells lines apart unless all of them speak of it (the Google line of a login answer).
    spread = {g: sum(g in lg for lg in line_grams) for g in asked}
    asked = {g for g, n in spread.items() if 2 * n <= len(lines) or (g[0] == "@" and n < len(lines))}
    shared = [len(asked & lg) for lg in line_grams]
    # What the question shares with a line, for the room the line takes (a short line that names
    # the figure asked about beats a long paragraph that shares a few words).
    # Two topics answered together are two paragraphs: the first (the likelier topic) comes first.
    paragraph = [sum(1 for line in lines[:i] if not line.strip()) for i in range(len(lines))]
    # A first line that is a heading (👣 以公務帳號登入) leads; a long one is a line like the others.
    start = 1 if len(lines[0]) <= HEADING else 0
    ranked = sorted(
        range(start, len(lines)), key=lambda i: (paragraph[i] > 0, -shared[i] / (len(lines[i]) + 20) ** 0.5, i)
    )
    chosen, size = ({0}, len(lines[0])) if start else (set(), -1)
    relevant = any(shared[i] for i in ranked)
    for i in ranked:
        grown = size + 1 + len(lines[i])
        # When some lines speak of the question, warnings and a second topic that do not only
        # fill a short first message.
        aside = relevant and not shared[i] and (paragraph[i] > 0 or lines[i].startswith("⚠"))
        unasked = relevant and not shared[i]
        if grown <= (min(limit, SOFT) if aside else min(limit, FILL) if unasked else limit):
            chosen.add(i)
            size = grown
        elif not asked:
            break
    if not chosen:  # nothing fits whole: the first line, as it is
        chosen = {0}
    first = "\n".join(lines[i] for i in sorted(chosen)).strip()
    rest = "\n".join(lines[i] for i in range(len(lines)) if i not in chosen).strip()
    return (first, rest) if rest else (text, "")
