"""Remember which platform events were already taken, to process a resent one only once.

Both platforms resend when our 200 got lost or came late: LINE the same `webhookEventId`
(`deliveryContext.isRedelivery: true`), Telegram the same `update_id`. Each channel asks
`first_time` before serving an event.

`SeenIds` is the interface. The service uses `StoreSeen`: one row per id in the store's
`seen_events` table, so a resend is caught whichever instance it reaches and after a
restart, for the price of one small write per event. `SeenEvents` keeps ids in this
process's memory (tests, and a channel built without a store).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from bot.storage import Store

DEFAULT_TTL = 24 * 3600.0  # seconds
DEFAULT_MAX_IDS = 100_000  # ~15 MB at worst; the oldest are forgotten first


class SeenIds(Protocol):
    async def first_time(self, event_id: str) -> bool:
        """True (and remembered) the first time an id is offered; False for a repeat."""
        ...


class SeenEvents:
    """`SeenIds` in this process's memory."""

    def __init__(
        self, ttl: float = DEFAULT_TTL, max_ids: int = DEFAULT_MAX_IDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl, self.max_ids, self._clock = ttl, max_ids, clock
        self._expiry: OrderedDict[str, float] = OrderedDict()  # insertion order = expiry order

    async def first_time(self, event_id: str) -> bool:
        """True (and remembered) the first time an id is seen within the TTL."""
        now = self._clock()
        while self._expiry and (len(self._expiry) >= self.max_ids or next(iter(self._expiry.values())) <= now):
            self._expiry.popitem(last=False)
        if event_id in self._expiry:
            return False
        self._expiry[event_id] = now + self.ttl
        return True

    def __len__(self) -> int:
        return len(self._expiry)


class StoreSeen:
    """`SeenIds` in the shared store, under `prefix` (the channel and what the ids are)."""

    def __init__(self, store: Store, prefix: str, ttl: float = DEFAULT_TTL) -> None:
        self.store, self.prefix, self.keep = store, prefix, timedelta(seconds=ttl)

    async def first_time(self, event_id: str) -> bool:
        return await self.store.first_sighting(self.prefix + event_id, self.keep)
