"""LINE's monthly message quota: how many pushes and multicast recipients the channel may
still send this month, read from the Messaging API before an announcement is queued.

A push or a multicast counts once per recipient against the channel's plan (Taiwan's free
plan: 200 a month); replies are free. An announcement to 2,000 staff can use up a paid month,
so the console checks before it queues one, and refuses one that could not finish.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from linebot.v3.messaging import AsyncMessagingApi, QuotaType

from bot.channels.line.client import open_client
from bot.config import LineSettings

if TYPE_CHECKING:
    from bot.channels.line.channel import LineChannel

TIMEOUT = 10  # seconds for each of the two requests


@dataclass(frozen=True)
class Quota:
    """This month's quota: `limit` None when the channel's plan has no limit."""

    limit: int | None
    used: int

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.used, 0)


def quota_covers(quota: Quota, line_recipients: int) -> bool:
    """True when the month's remaining quota can deliver to that many LINE recipients."""
    return quota.remaining is None or line_recipients <= quota.remaining


async def line_quota(channel: LineChannel | LineSettings) -> Quota:
    """The quota and this month's use, through line-bot-sdk v3 (`get_message_quota`,
    `get_message_quota_consumption`). `channel` is the LineChannel (or its LineSettings).
    Raises the SDK's ApiException, or OSError/TimeoutError, when LINE does not answer."""
    settings = channel if isinstance(channel, LineSettings) else channel.settings
    async with open_client(settings.access_token, settings.api_url) as client:
        api = AsyncMessagingApi(client)
        quota = await api.get_message_quota(_request_timeout=TIMEOUT)
        used = await api.get_message_quota_consumption(_request_timeout=TIMEOUT)
    limit = int(quota.value or 0) if quota.type == QuotaType.LIMITED else None
    return Quota(limit, int(used.total_usage or 0))


def quota_source(channel: LineChannel | LineSettings | None) -> Callable[[], Awaitable[Quota]] | None:
    """What `Services.line_quota` holds: None without a LINE channel."""
    if channel is None:
        return None

    async def read() -> Quota:
        return await line_quota(channel)

    return read
