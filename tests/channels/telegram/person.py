"""A person on Telegram, as the tests see them: they type or press, then read their chat.

Updates reach the bot the real way (the fake's getUpdates, or a POST to the webhook);
what the person "sees" is what the fake Bot API accepted for their chat: the text after
Telegram parsed its HTML, and the inline keyboard.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from bot.channels.telegram import TelegramChannel
from tests.fakes.telegram_api import FakeTelegramAPI

JSON = dict[str, Any]
Deliver = Callable[[JSON], Awaitable[None]]


async def settled(channel: TelegramChannel, timeout: float = 5.0) -> None:
    """Wait until the channel has nothing queued or in progress."""
    async with asyncio.timeout(timeout):
        while channel.busy:
            await asyncio.sleep(0.005)


class Person:
    def __init__(
        self,
        fake: FakeTelegramAPI,
        channel: TelegramChannel,
        chat_id: int,
        deliver: Deliver,
        language_code: str = "zh-hant",
    ) -> None:
        self.fake, self.channel, self.chat_id = fake, channel, chat_id
        self.deliver, self.language_code = deliver, language_code
        self.last: list[JSON] = []  # the messages of the last turn

    @property
    def seen(self) -> list[JSON]:
        """Every message the bot sent to this person."""
        return [s for s in self.fake.sent if s["chat_id"] == self.chat_id]

    @property
    def text(self) -> str:
        return "\n\n".join(m["message"].get("text") or "" for m in self.last)

    @property
    def labels(self) -> list[str]:
        return [b["text"] for row in self._keyboard()[1] for b in row]

    async def say(self, text: str) -> str:
        update = self.fake.make_message_update(self.chat_id, text, language_code=self.language_code)
        return await self.turn(update)

    async def press(self, label: str) -> str:
        """Press the first button whose label contains `label`, on the latest keyboard."""
        message_id, rows = self._keyboard()
        data = [b["callback_data"] for row in rows for b in row if label in b["text"]]
        assert data, f"no button {label!r} among {self.labels}"
        return await self.turn(self.fake.make_callback_update(self.chat_id, message_id, data[0]))

    async def turn(self, update: JSON, replies: int = 1, timeout: float = 5.0) -> str:
        """Send one update and wait for the bot's complete answer (at least `replies` messages)."""
        before = len(self.seen)
        await self.deliver(update)
        what = f"a reply to {self.chat_id}"
        await self.fake.wait_for(lambda: len(self.seen) >= before + replies, timeout=timeout, what=what)
        await settled(self.channel, timeout)
        self.last = self.seen[before:]
        return self.text

    def _keyboard(self) -> tuple[int, list[list[JSON]]]:
        for sent in reversed(self.seen):
            markup = self.fake.messages[(self.chat_id, sent["message_id"])].get("reply_markup")
            if markup:
                return sent["message_id"], markup["inline_keyboard"]
        raise AssertionError("the person has no buttons to press")
