"""The rate limit both fake platforms enforce: a sliding window over accepted requests.

Shared by the fake Bot API and the fake Messaging API, so both refuse the same way.
"""

from __future__ import annotations

import math
from collections import deque

RATE_GRACE = 0.05  # seconds of arrival jitter a paced client may have; see RateWindow


class RateWindow:
    """Arrival times (``time.monotonic()``) of the accepted requests of one scope: a bot, a chat, an endpoint.

    Tolerance: with ``n = ceil(limit)``, the window is ``n / limit`` seconds (1.0 s for a whole-number
    limit) and a message is refused if ``n`` accepted messages arrived within the trailing window less
    ``RATE_GRACE`` (50 ms). So a client spacing messages exactly ``1 / limit`` apart never trips, even
    when jitter shortens a window's span by up to 50 ms; one sending 10% faster than the limit trips
    within its first window unless jitter lengthens that span by 40 ms or more. A steady rate up to
    ``limit / 0.95`` (about 5% over) passes; a burst of more than ``n`` messages never does.
    """

    def __init__(self) -> None:
        self.times: deque[float] = deque()

    def wait(self, limit: float, now: float) -> float:
        """Seconds until a message arriving at ``now`` would be accepted; 0.0: it is accepted."""
        size = math.ceil(limit)
        span = size / limit - RATE_GRACE
        while self.times and self.times[0] <= now - span:
            self.times.popleft()
        return self.times[-size] + span - now if len(self.times) >= size else 0.0

    def add(self, now: float) -> None:
        self.times.append(now)

    def release(self, now: float) -> None:
        """Forget a message counted at ``now`` that was not accepted after all."""
        if now in self.times:
            self.times.remove(now)
