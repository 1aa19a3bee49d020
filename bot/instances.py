"""This process among the instances serving one bot from one store.

Each instance renews an "instance:<holder>" lease, so every instance knows how many are
alive and each keeps 1/n of the platforms' overall rates (replies go out from every
instance; together they must stay within Telegram's 30/s and LINE's limits). Telegram
allows one poller per bot token: polling takes the "telegram-poller" lease, and a second
instance that would poll refuses to start, naming what to do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from bot.channels.base import Channel
from bot.config import ConfigError
from bot.core.leases import LEASE_SECONDS, Lease
from bot.storage import Store

log = logging.getLogger(__name__)
PREFIX = "instance:"
POLLER = "telegram-poller"


class Instance:
    def __init__(self, store: Store, holder: str, seconds: float = LEASE_SECONDS) -> None:
        self.store, self.holder, self.seconds = store, holder, seconds
        self._me = Lease(store, PREFIX + holder, holder, seconds)
        self._poller: Lease | None = None
        self._sharing: asyncio.Task[None] | None = None
        self.count = 1

    async def take_poller(self) -> None:
        """Before Telegram starts polling: refuse when another instance polls already."""
        poller = Lease(self.store, POLLER, self.holder, self.seconds)
        if not await poller.acquire():
            raise ConfigError(
                "TELEGRAM_WEBHOOK_URL is not set, and another instance is already polling Telegram with this "
                "bot token (Telegram allows one poller); set TELEGRAM_WEBHOOK_URL to run several instances "
                "behind one address, or stop the other instance"
            )
        poller.keep()
        self._poller = poller

    async def start(self, channels: Sequence[Channel]) -> None:
        """Register, and keep each channel's share of the rates up to date."""
        await self._me.acquire()
        self._me.keep()
        await self._share(channels)
        self._sharing = asyncio.create_task(self._keep_sharing(channels), name="instances")

    async def _share(self, channels: Sequence[Channel]) -> None:
        count = max(1, len(await self.store.lease_holders(PREFIX)))
        if count != self.count:
            log.info("%d instances serve this bot: each keeps 1/%d of the platforms' rates", count, count)
        self.count = count
        for channel in channels:
            channel.share_limits(count)

    async def _keep_sharing(self, channels: Sequence[Channel]) -> None:
        while True:
            await asyncio.sleep(self.seconds / 3)
            try:
                await self._share(channels)
            except Exception as error:  # the database is away: keep the last share
                log.warning("instances: cannot count the live instances: %s", error)

    async def stop(self) -> None:
        if self._sharing is not None:
            self._sharing.cancel()
            await asyncio.gather(self._sharing, return_exceptions=True)
        for lease in (self._poller, self._me):
            if lease is not None:
                await lease.release()
