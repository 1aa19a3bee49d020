"""The console channel: chat in the terminal, the bot's embedded default.

Buttons are printed as numbered options; the person types the number or the label. It
also reads a script piped to standard input. A pasted learning record (lines with tabs)
is gathered until an empty line and sent as one message. The path of a picture (a
screenshot of the record) sends that picture; a file for the person (the claim form) is
saved in the current folder.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from bot.core.dialogue import Dialogue
from bot.core.messages import Button, Incoming, Reply
from bot.domain.image_kind import looks_like_image
from bot.domain.ocr import MAX_BYTES
from bot.i18n import t

CHANNEL = "console"


class ConsoleChat:
    def __init__(self, dialogue: Dialogue, user: str, out: TextIO = sys.stdout, folder: Path | None = None) -> None:
        self.dialogue = dialogue
        self.user = user
        self.out = out
        self.folder = folder or Path.cwd()  # where files for the person are saved
        self.buttons: list[Button] = []

    def show(self, replies: list[Reply]) -> None:
        for r in replies:
            print(r.text, file=self.out)
            if r.document is not None:
                path = self.folder / r.document.filename
                path.write_bytes(r.document.data)
                print(t("console.saved", path=path), file=self.out)
            self.buttons = list(r.buttons) if r.buttons else self.buttons
            for n, b in enumerate(r.buttons, 1):
                print(f"  [{n}] {b.label}", file=self.out)
            print(file=self.out)

    def to_incoming(self, text: str) -> Incoming:
        """A number or a label of the last buttons presses that button; else it is text."""
        stripped = text.strip()
        if stripped.isdigit() and 1 <= int(stripped) <= len(self.buttons):
            return Incoming(CHANNEL, self.user, button=self.buttons[int(stripped) - 1].payload)
        for b in self.buttons:
            if stripped and stripped == b.label.strip():
                return Incoming(CHANNEL, self.user, button=b.payload)
        picture = _picture(stripped)
        if picture is not None:
            return Incoming(CHANNEL, self.user, image=picture)
        return Incoming(CHANNEL, self.user, text=text)

    async def send(self, text: str) -> None:
        self.show(await self.dialogue.handle(self.to_incoming(text)))


def _picture(text: str) -> bytes | None:
    """The bytes of a picture whose path was typed (or dropped into the terminal), if it is one."""
    candidate = text.strip("'\"")
    if not candidate or "\n" in candidate or len(candidate) > 1024:
        return None
    path = Path(candidate).expanduser()
    try:
        if not path.is_file() or path.stat().st_size > MAX_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return data if looks_like_image(data) else None


def messages(stream: TextIO, prompt: bool) -> Iterator[str]:
    """Lines as messages; a tab-separated block (a pasted record) up to an empty line is one."""
    block: list[str] = []
    while True:
        if prompt and not block:
            print("> ", end="", flush=True)
        line = stream.readline()
        if not line:
            if block:
                yield "\n".join(block)
            return
        line = line.rstrip("\n")
        if block:
            if line.strip():
                block.append(line)
                continue
            yield "\n".join(block)
            block = []
            continue
        if "\t" in line:
            block.append(line)
            continue
        if line.strip().lower() in ("/quit", "/exit", "quit", "exit"):
            return
        yield line


async def run_console(
    dialogue: Dialogue, user: str, plan_id: str | None, lang: str | None, stream: TextIO = sys.stdin
) -> None:
    chat = ConsoleChat(dialogue, user)
    await dialogue.prepare(CHANNEL, user, plan_id, lang)
    interactive = stream.isatty()
    known = await dialogue.services.store.get_user(CHANNEL, user)
    await chat.send("/menu" if known and known.onboarded else "/start")
    for message in messages(stream, interactive):
        if not interactive:
            print(f"> {message}", file=chat.out)
        await chat.send(message)
