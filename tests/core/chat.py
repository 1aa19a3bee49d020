"""A test chat, errbot-style: say something or press a button, read what the person sees."""

from __future__ import annotations

from bot.core.dialogue import Dialogue
from bot.core.messages import Button, Incoming, Reply


class Chat:
    def __init__(self, dialogue: Dialogue, user: str = "u1", channel: str = "console", lang_hint: str | None = None):
        self.dialogue = dialogue
        self.user = user
        self.channel = channel
        self.lang_hint = lang_hint
        self.replies: list[Reply] = []
        self.buttons: list[Button] = []

    @property
    def text(self) -> str:
        return "\n\n".join(r.text for r in self.replies)

    @property
    def labels(self) -> list[str]:
        return [b.label for b in self.buttons]

    async def _send(self, incoming: Incoming) -> str:
        self.replies = await self.dialogue.handle(incoming)
        buttons = [b for r in self.replies for b in r.buttons]
        if buttons:
            self.buttons = buttons
        return self.text

    async def say(self, text: str) -> str:
        return await self._send(Incoming(self.channel, self.user, text=text, lang_hint=self.lang_hint))

    async def press(self, label: str) -> str:
        """Press the first button of the last replies whose label contains `label`."""
        matches = [b for b in self.buttons if label in b.label]
        assert matches, f"no button {label!r} among {self.labels}"
        return await self._send(Incoming(self.channel, self.user, button=matches[0].payload))

    async def press_payload(self, payload: str) -> str:
        return await self._send(Incoming(self.channel, self.user, button=payload))

    def payload(self, label: str) -> str:
        matches = [b.payload for b in self.buttons if label in b.label]
        assert matches, f"no button {label!r} among {self.labels}"
        return matches[0]
