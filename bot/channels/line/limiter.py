"""A small token bucket, so bursts (a reminder to 2,000 staff) stay within LINE's rate
limits (push and reply: 2,000 requests/s each; multicast 200/s) instead of collecting 429s.

One bucket per endpoint; every request takes a token and waits when none is left. The
clock and sleep are injectable so tests need not wait.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

PUSH_PER_SECOND = 2_000.0
REPLY_PER_SECOND = 2_000.0
MULTICAST_PER_SECOND = 200.0


class RateLimiter:
    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = self.full_rate = rate
        self.burst = burst if burst is not None else max(1.0, rate / 20)  # ≤ 50 ms worth at once
        self._clock, self._sleep = clock, sleep
        self._tokens = self.burst
        self._last = clock()
        self._lock = asyncio.Lock()  # waiters are served in arrival order

    def share(self, instances: int) -> None:
        """Several instances send for one channel: each keeps 1/n of LINE's rate."""
        self.rate = self.full_rate / max(instances, 1)
        self.burst = max(1.0, self.rate / 20)
        self._tokens = min(self._tokens, self.burst)

    async def acquire(self) -> None:
        async with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens < 1:
                await self._sleep((1 - self._tokens) / self.rate)
                self._tokens = 1.0
                self._last = self._clock()
            self._tokens -= 1
