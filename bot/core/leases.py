"""A named lease in the shared store, renewed in the background while this process holds it.

Several instances share some work that must be done by one at a time: delivering the
outbox (one sender keeps the platforms' rates and the exactly-once bookkeeping simple),
polling Telegram (Telegram allows one poller), a day's reminder run. The holder renews
its lease every third of its length; a killed holder stops renewing and another instance
takes over once the lease runs out, so a crash costs at most `seconds` plus the standby's
poll. While the database cannot be reached the lease cannot be renewed: the holder stops
counting on it once it would have expired, since another instance may have taken it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable

from bot.storage import Store

log = logging.getLogger(__name__)
LEASE_SECONDS = 10.0  # a killed holder is replaced within this (plus the standby's poll)


def holder_name() -> str:
    """Who holds a lease: readable in the database, unique per process."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    def __init__(
        self,
        store: Store,
        name: str,
        holder: str,
        seconds: float = LEASE_SECONDS,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store, self.name, self.holder, self.seconds = store, name, holder, seconds
        self._monotonic = monotonic
        self._valid_until = 0.0  # by this process's monotonic clock
        self._keeper: asyncio.Task[None] | None = None

    async def acquire(self) -> bool:
        """Take or renew the lease; False while another live holder has it."""
        asked = self._monotonic()
        if await self.store.acquire_lease(self.name, self.holder, self.seconds):
            self._valid_until = asked + self.seconds
            return True
        self._valid_until = 0.0
        return False

    @property
    def held(self) -> bool:
        """True while the last renewal is recent enough that nobody else can have the lease
        (a renewal's round trip of margin)."""
        return self._monotonic() < self._valid_until - self.seconds / 10

    @property
    def kept(self) -> bool:
        """True while the background renewal runs."""
        return self._keeper is not None and not self._keeper.done()

    def keep(self) -> None:
        """Renew in the background until `release` (or the lease is lost)."""
        if not self.kept:
            self._keeper = asyncio.create_task(self._renew(), name=f"lease:{self.name}")

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self.seconds / 3)
            try:
                if not await self.acquire():
                    log.error("lease %r was taken over by another instance", self.name)
                    return
            except Exception as error:  # the database is away: keep trying; `held` runs out meanwhile
                log.warning("lease %r could not be renewed: %s", self.name, error)

    async def abandon(self) -> None:
        """Stop renewing, without handing the lease back: what holds it has failed, and the
        lease must run out as if this process had died."""
        keeper, self._keeper = self._keeper, None
        if keeper is not None:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)
        self._valid_until = 0.0

    async def release(self) -> None:
        """Stop renewing and hand the lease back, so the next holder need not wait."""
        await self.abandon()
        try:
            await self.store.release_lease(self.name, self.holder)
        except Exception as error:
            log.warning("lease %r could not be released (it runs out by itself): %s", self.name, error)
