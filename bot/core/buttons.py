"""Button payloads: short, validated, and stamped so that old buttons are recognised.

A payload is `<epoch>|<action>[:<arg>...]`, at most 64 bytes (Telegram's limit for
callback data, well under LINE's 300). The epoch is the person's, bumped when they
switch plan or delete their data, so pressing a button from an earlier conversation
gets a polite reply instead of acting on the wrong plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.messages import Button, Reply

MAX_BYTES = 64
_ACTION = re.compile(r"^[a-z][a-z0-9_]{0,15}(?::[A-Za-z0-9_.-]{1,40}){0,3}$")


@dataclass(frozen=True)
class Pressed:
    epoch: int
    action: str
    args: tuple[str, ...]


def stamp(payload: str, epoch: int) -> str:
    data = f"{epoch}|{payload}"
    if len(data.encode()) > MAX_BYTES or not _ACTION.match(payload):
        raise ValueError(f"invalid button payload {payload!r}")
    return data


def stamp_replies(replies: list[Reply], epoch: int) -> list[Reply]:
    return [
        Reply(r.text, tuple(Button(b.label, stamp(b.payload, epoch)) for b in r.buttons), r.card, r.kind, r.document)
        for r in replies
    ]


def parse(data: str) -> Pressed | None:
    """None for anything that is not a payload this bot made."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    epoch, sep, payload = data.partition("|")
    if not sep or not epoch.isdigit() or not _ACTION.match(payload):
        return None
    action, *args = payload.split(":")
    return Pressed(int(epoch), action, tuple(args))
