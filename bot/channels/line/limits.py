"""LINE's message limits, and cutting text to fit them.

LINE counts text in UTF-16 code units (an emoji such as 📊 counts 2) but action labels
in grapheme clusters; we count labels in code points, which is never fewer, so what we
cut always fits. Exceeding any limit makes LINE refuse the whole request, so the
renderer cuts everything here rather than trusting the core's text lengths.
"""

from __future__ import annotations

MAX_MESSAGES = 5  # message objects per reply or push request
MAX_TEXT = 5_000  # per text message, UTF-16 units
MAX_ALT_TEXT = 1_500  # a Flex message's plain-text stand-in (notifications, chat list)
MAX_QUICK_REPLIES = 13
MAX_LABEL = 20  # quick-reply, button and rich-menu action labels
MAX_DISPLAY_TEXT = 300  # what a pressed postback button shows as the person's message
MAX_POSTBACK_DATA = 300
ELLIPSIS = "…"


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _prefix(text: str, units: int) -> str:
    """The longest prefix of `text` within `units` UTF-16 units."""
    head = text[:units]
    while utf16_len(head) > units:
        head = head[: len(head) - max(1, (utf16_len(head) - units) // 2)]
    return head


def clip(text: str, units: int) -> str:
    """`text` cut to `units` UTF-16 units, with an ellipsis when something was cut."""
    if utf16_len(text) <= units:
        return text
    return _prefix(text, units - 1).rstrip() + ELLIPSIS


def clip_label(label: str, limit: int = MAX_LABEL) -> str:
    label = " ".join(label.split()) or ELLIPSIS
    return label if len(label) <= limit else label[: limit - 1].rstrip() + ELLIPSIS


def split_text(text: str, units: int = MAX_TEXT) -> list[str]:
    """Parts of at most `units` UTF-16 units, broken at a paragraph, a line or a sentence
    end where one falls in the second half of a part, so a long answer still reads well."""
    parts: list[str] = []
    rest = text
    while utf16_len(rest) > units:
        head = _prefix(rest, units)
        for sep in ("\n\n", "\n", "。", ". ", " "):
            at = head.rfind(sep)
            if at >= len(head) // 2:
                head = head[: at + len(sep)]
                break
        parts.append(head)
        rest = rest[len(head) :]
    parts.append(rest)
    return [p.strip("\n") for p in parts if p.strip()]
