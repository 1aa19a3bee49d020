"""The neutral messages every channel translates to and from.

The dialogue only ever sees an `Incoming` and returns `Reply`s; Telegram, LINE and the
console turn these into their own types at the edge, so no platform type reaches the
core (and the core never imports a chat SDK).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Incoming:
    channel: str  # "console" | "telegram" | "line"
    user_id: str  # the channel's id of the person, always a string
    text: str | None = None  # what the person typed
    button: str | None = None  # the payload of a button they pressed
    lang_hint: str | None = None  # the platform's language for the person, if known
    event: Literal["message", "follow", "unfollow"] = "message"
    image: bytes | None = None  # a picture the person sent (a screenshot of their record), fetched by the channel
    media: str | None = None  # what else they sent that is not text: "sticker", "location", "file", "audio", "video"
    files: bool = True  # the chat can receive a file (LINE's cannot: it gets a link instead)


@dataclass(frozen=True)
class Button:
    label: str
    payload: str


@dataclass(frozen=True)
class CardRow:
    """One line of structured content: a label, a value and optionally a progress bar."""

    label: str
    value: str = ""
    progress: float | None = None  # 0..1, drawn as a bar by channels that can


@dataclass(frozen=True)
class Card:
    """Structured content (status, a bundle's courses, a step) that channels such as
    LINE can show richly; `Reply.text` always carries the same content as plain text."""

    title: str
    rows: tuple[CardRow, ...] = ()
    footer: str = ""


@dataclass(frozen=True)
class Document:
    """A file for the person (the filled-in claim form): Telegram sends it as a document; LINE,
    which cannot send files, gets a short-lived link to it."""

    filename: str
    mime_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    card: Card | None = None
    kind: str = field(default="text")  # e.g. "status", "steps", "bundle": a hint for channels
    document: Document | None = None
