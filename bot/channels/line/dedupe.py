"""Remember which webhook events were already taken, to process a redelivery only once.

LINE redelivers an event (same `webhookEventId`, `deliveryContext.isRedelivery: true`)
when it did not get our 200 in time. Ids are kept for a day, in memory and bounded: a
restart forgets them, which costs at most one repeated answer, while a table in the
database would cost a write per message.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

DEFAULT_TTL = 24 * 3600.0  # seconds
DEFAULT_MAX_IDS = 100_000  # ~15 MB at worst; the oldest are forgotten first


class SeenEvents:
    def __init__(
        self, ttl: float = DEFAULT_TTL, max_ids: int = DEFAULT_MAX_IDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl, self.max_ids, self._clock = ttl, max_ids, clock
        self._expiry: OrderedDict[str, float] = OrderedDict()  # insertion order = expiry order

    def first_time(self, event_id: str) -> bool:
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
