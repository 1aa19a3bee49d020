"""The rate limiter and the seen-events cache, with injected time."""

from __future__ import annotations

from bot.channels.dedupe import SeenEvents
from bot.channels.line.limiter import RateLimiter


class Time:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


async def test_limiter_spaces_requests_beyond_the_burst() -> None:
    time = Time()
    limiter = RateLimiter(10, burst=2, clock=time, sleep=time.sleep)
    for _ in range(4):
        await limiter.acquire()
    assert time.slept == [0.1, 0.1]  # two from the burst, then one every 1/10 s
    time.now += 1.0
    await limiter.acquire()
    assert time.slept == [0.1, 0.1]


async def test_seen_events_expire_and_stay_bounded() -> None:
    time = Time()
    seen = SeenEvents(ttl=60, max_ids=3, clock=time)
    assert await seen.first_time("a") and not await seen.first_time("a")
    time.now = 61
    assert await seen.first_time("a")  # forgotten after the TTL
    for event_id in "bcde":
        assert await seen.first_time(event_id)
    assert len(seen) == 3 and await seen.first_time("b")  # the oldest were dropped first
