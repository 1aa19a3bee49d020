"""What the runner needs from a chat channel (Telegram, LINE): start, stop, push."""

from __future__ import annotations

from typing import Protocol

from bot.core.messages import Reply


class Channel(Protocol):
    name: str

    async def start(self) -> None:
        """Begin taking updates (polling, or webhook routes already on the web server)."""

    async def stop(self) -> None:
        """Stop taking updates and finish what is in flight."""

    async def push(self, user_id: str, replies: list[Reply]) -> bool:
        """Send unprompted messages (reminders, announcements); False when the person
        cannot be reached (blocked the bot), in which case they are marked inactive."""
        ...
