"""What the runner and the outbox need from a chat channel (Telegram, LINE)."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from typing import Protocol

from bot.core.messages import Reply


class Delivered(enum.Enum):
    """The fate of one unprompted send, as the outbox records it."""

    SENT = "sent"
    BLOCKED = "blocked"  # the person blocked the bot: marked inactive, never retried
    FAILED = "failed"  # refused for good: the request itself is wrong (logged); never retried
    RETRY = "retry"  # the platform failed for now (5xx, timeout, no connection): try again later
    QUOTA = "quota"  # LINE's monthly message quota is used up: nothing more goes out this month


def sub_key(key: str, part: str) -> str:
    """A UUID derived from a batch key: the same every time, so a resend after a crash
    carries the same LINE retry key and LINE refuses to deliver it twice."""
    return str(uuid.uuid5(uuid.UUID(key), part))


class Channel(Protocol):
    name: str
    multicast_size: int  # recipients one request can carry (LINE multicast: 500; Telegram: 1)
    concurrency: int  # sends the outbox keeps in flight; the channel's own limiter does the pacing
    idempotent: bool  # a resend under the same key cannot deliver twice (LINE's retry key)

    async def start(self, receive: bool = True) -> None:
        """Begin taking updates (polling, or webhook routes); receive=False only sends (CLI)."""

    async def stop(self) -> None:
        """Stop taking updates and finish what is in flight."""

    def share_limits(self, instances: int) -> None:
        """`instances` processes now send for this bot: keep 1/n of the platform's overall rates."""

    async def push(self, user_id: str, replies: list[Reply]) -> bool:
        """Send unprompted messages; False when the person cannot be reached."""
        ...

    async def deliver(self, user_id: str, replies: list[Reply], key: str) -> Delivered:
        """Send an outbox message to one person; `key` (a UUID) makes resends idempotent where
        the platform allows it (LINE's X-Line-Retry-Key)."""
        ...

    async def multicast(self, user_ids: Sequence[str], replies: list[Reply], key: str) -> Delivered:
        """The same messages to up to `multicast_size` people in one request."""
        ...
