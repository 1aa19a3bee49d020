"""Text from outside made safe to store, print and send: lone surrogates become U+FFFD.

JSON may carry an escaped half of a surrogate pair ("\\ud800"), which Python decodes into a
str that no UTF-8 encoder accepts: SQLite, the terminal and the platforms' APIs would all
fail on it. The person still gets an answer, with the broken character shown as �.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.core.messages import Incoming

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(text: str | None) -> str | None:
    return None if text is None else _SURROGATE.sub(REPLACEMENT, text)


def clean_incoming(incoming: Incoming) -> Incoming:
    """The same message with its text and button payload cleaned (itself when nothing to clean)."""
    text, button = clean(incoming.text), clean(incoming.button)
    if text == incoming.text and button == incoming.button:
        return incoming
    return replace(incoming, text=text, button=button)
