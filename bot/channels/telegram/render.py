"""A neutral `Reply` → the Telegram messages a person sees.

Text goes out with ``parse_mode=HTML`` and every character of it escaped, because course
names and answers contain 「」, brackets, ``<``, ``>`` and ``&`` that Telegram would
otherwise read as markup (and reject). Telegram takes at most 4,096 characters per
message, so a long reply is cut into parts, on a blank line or line break when there is
one, never inside a word; the text is cut *before* it is escaped, so a cut can never
fall inside an HTML entity either. The buttons go on the last part, where the person's
eyes end up. `Reply.card` is not drawn: its content is already in `Reply.text`.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.messages import Button, Reply

MAX_UNITS = 4096  # Telegram's limit, counted here in UTF-16 code units (an emoji is 2) to be safe
HALF_ROW_WIDTH = 16  # two buttons share a row when both labels are this narrow (a CJK character is 2)
_NO_PART_END = "「『（【《〈"  # a part should not end with an opening bracket
_NO_PART_START = "。，、；：！？）」』】》〉"  # nor the next start with closing punctuation
_SENTENCE_ENDS = "。！？；"  # in CJK text without line breaks, cut after a sentence if possible


@dataclass(frozen=True)
class Outgoing:
    """One Telegram message: escaped HTML text and, on the last part of a reply, a keyboard."""

    html: str
    keyboard: InlineKeyboardMarkup | None = None

    @cached_property
    def markup(self) -> dict[str, Any] | None:
        """The keyboard as the Bot API's JSON object, made once per rendering (a cached reply
        is sent to many people, and PTB would convert the keyboard again for each)."""
        return self.keyboard.to_dict() if self.keyboard is not None else None


def render(reply: Reply) -> list[Outgoing]:
    """The messages for one reply; nothing for a reply with neither text nor buttons."""
    return list(_rendered(reply.text, reply.buttons))


@lru_cache(maxsize=1024)
def _rendered(text: str, buttons: tuple[Button, ...]) -> tuple[Outgoing, ...]:
    """Remembered by what is drawn (the text and buttons, not a reply's card or document, which
    would keep a claim form's bytes alive): everyone who asks the same thing gets the same reply,
    cut, escaped and given its keyboard once (PTB's keyboards are immutable)."""
    parts = split_text(text)
    markup = keyboard(buttons)
    if not parts:
        if markup is None:
            return ()
        parts = ["…"]  # Telegram refuses an empty text, and the buttons need a message
    return tuple(Outgoing(escape(part), markup if n == len(parts) - 1 else None) for n, part in enumerate(parts))


def escape(text: str) -> str:
    """Plain text → Telegram HTML that shows exactly that text (quotes need no escaping)."""
    return html.escape(text, quote=False)


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """Buttons in their order, two to a row when both labels are short, else one."""
    rows: list[list[InlineKeyboardButton]] = []
    for b in buttons:
        pressed = InlineKeyboardButton(b.label, callback_data=b.payload)
        last = rows[-1] if rows else None
        if last is not None and len(last) == 1 and _narrow(last[0].text) and _narrow(b.label):
            last.append(pressed)
        else:
            rows.append([pressed])
    return InlineKeyboardMarkup(rows) if rows else None


def split_text(text: str, limit: int = MAX_UNITS) -> list[str]:
    """Cut `text` into parts of at most `limit` UTF-16 units; blank parts are dropped."""
    parts: list[str] = []
    rest = text.strip()
    while _units(rest) > limit:
        cut = _cut_point(rest, _fitting_prefix(rest, limit))
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n") if rest[cut : cut + 1] == "\n" else rest[cut:].lstrip(" \t\u3000")
    parts.append(rest)
    return [part for part in parts if part.strip()]


def _cut_point(text: str, end: int) -> int:
    """Where to end a part within text[:end]: the last paragraph break, line break, space,
    CJK sentence end or CJK boundary in its second half, else in its first half, else (one
    endless word) at `end`."""
    window = text[:end]
    candidates = [
        window.rfind("\n\n"),
        window.rfind("\n"),
        max(window.rfind(" "), window.rfind("\t"), window.rfind("\u3000")),
        _last_cjk_boundary(text, end, after=_SENTENCE_ENDS),
        _last_cjk_boundary(text, end),
    ]
    for minimum in (end // 2, 1):
        for position in candidates:
            if position >= minimum:
                return position if text[position] in "\n \t\u3000" else position + 1
    return end


def _last_cjk_boundary(text: str, end: int, *, after: str = "") -> int:
    """Index of the last character before `end` after which a cut splits no Latin word: CJK
    text has no spaces, so a cut may follow a wide (CJK) character when the next one is not
    Latin; with `after`, only one of those characters (sentence punctuation, say)."""
    for i in range(min(end, len(text) - 1), 0, -1):
        here, following = text[i - 1], text[i]
        if here in _NO_PART_END or following in _NO_PART_START or (after and here not in after):
            continue
        if _wide(here) and not following.isascii():
            return i - 1
    return -1


def _fitting_prefix(text: str, limit: int) -> int:
    """The number of characters of `text` that fit in `limit` UTF-16 units."""
    used = 0
    for i, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return i
    return len(text)


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _narrow(label: str) -> bool:
    return sum(2 if _wide(c) else 1 for c in label) <= HALF_ROW_WIDTH
