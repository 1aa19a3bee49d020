"""What `GET /metrics` shows an operator, in Prometheus' text format (prometheus-client).

Every metric is defined here, and every place that does the work records it with one
call into this module (a decorator on a channel's update handler, a line in the courier,
the limiters and the reminder run): names, labels and buckets live in one file, and the
code that sends messages is not interleaved with bookkeeping.

The metrics belong to a `Metrics` object with a registry of its own, not to
prometheus-client's global default registry: the process uses the one made at import
(`current()`), and a test installs a fresh one (`install`) to read exact counts, without
"Duplicated timeseries" errors when it builds several.

The outbox depth is not kept up to date by the courier: the web server reads it from the
store when scraped, with a timeout, so a database that is down costs the scrape that
timeout and leaves the depth out (with `elearn_store_up 0`) instead of hanging the scraper.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, get_args

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)

from bot.storage.outbox import PUSH_CHANNELS, DeliveryKind

if TYPE_CHECKING:
    from bot.storage.outbox import Job, Outcome

disable_created_metrics()  # no `*_created` series: they double what is exposed and nobody graphs them

# A reply takes well under a second, a record read by OCR several; past a minute it is an outage.
REPLY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# Outcome.status as an operator reads it: a row back to "pending" after a platform failure is a retry.
_OUTCOMES = {"sent": "sent", "blocked": "blocked", "failed": "failed", "skipped": "skipped", "pending": "retry"}

P = ParamSpec("P")
R = TypeVar("R")


class Metrics:
    """The bot's metrics on a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.updates = Counter(
            "elearn_updates", "Updates (messages, presses, follows) handled", ["channel"], registry=r
        )
        self.reply_seconds = Histogram(
            "elearn_reply_seconds",
            "From an update's arrival to its replies sent",
            ["channel"],
            buckets=REPLY_BUCKETS,
            registry=r,
        )
        self.outbox_depth = Gauge(
            "elearn_outbox_depth", "Outbox rows pending or being sent (read at scrape)", ["channel", "kind"], registry=r
        )
        self.store_up = Gauge(
            "elearn_store_up", "1 when the store answered this scrape's outbox query in time, else 0", registry=r
        )
        self.sends = Counter(
            "elearn_sends",
            "Outbox deliveries by outcome: sent, blocked, failed, retry (platform down for now), skipped",
            ["channel", "kind", "outcome"],
            registry=r,
        )
        self.rate_limited = Counter(
            "elearn_rate_limited", "HTTP 429 answers from the chat platforms", ["channel"], registry=r
        )
        self.reminder_runs = Counter(
            "elearn_reminder_runs", "Daily reminder runs: done or skipped", ["status"], registry=r
        )
        ProcessCollector(registry=r)  # CPU, memory, open files of this process (Linux)

    def render(self, depth: Mapping[tuple[str, str], int] | None) -> bytes:
        """The text exposition, with the outbox depth just read from the store ((channel,
        kind) → rows), or None when the store did not answer: then the depth is left out."""
        # Synchronous: a concurrent scrape cannot see the gauge half filled.
        self.outbox_depth.clear()
        self.store_up.set(0 if depth is None else 1)
        if depth is not None:
            for channel in PUSH_CHANNELS:  # a drained queue shows 0, not a gap
                for kind in get_args(DeliveryKind):
                    self.outbox_depth.labels(channel, kind).set(0)
            for (channel, kind), count in depth.items():
                self.outbox_depth.labels(channel, kind).set(count)
        return generate_latest(self.registry)


_current = Metrics()


def current() -> Metrics:
    """The metrics the process records into, and `/metrics` shows."""
    return _current


def install(metrics: Metrics) -> Metrics:
    """Record into `metrics` from now on (tests); returns the ones it replaces."""
    global _current
    previous, _current = _current, metrics
    return previous


def timed_update(channel: str) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Coroutine[Any, Any, R]]]:
    """Decorates a channel's handler of one update: counts the update and observes how long
    it took until its replies were sent (failed or not: a slow failure is slow too)."""

    def decorate(handler: Callable[P, Awaitable[R]]) -> Callable[P, Coroutine[Any, Any, R]]:
        @functools.wraps(handler)
        async def timed(*args: P.args, **kwargs: P.kwargs) -> R:
            started = time.monotonic()
            try:
                return await handler(*args, **kwargs)
            finally:
                _current.updates.labels(channel).inc()
                _current.reply_seconds.labels(channel).observe(time.monotonic() - started)

        return timed

    return decorate


def count_sends(jobs: Sequence[Job], outcomes: Sequence[Outcome]) -> None:
    """The outcomes of a batch of outbox deliveries (`jobs` gives each row's channel and kind)."""
    by_id = {job.id: job for job in jobs}
    for outcome in outcomes:
        job = by_id.get(outcome.delivery_id)
        if job is not None:
            _current.sends.labels(job.channel, job.kind, _OUTCOMES.get(outcome.status, outcome.status)).inc()


def rate_limited(channel: str) -> None:
    """The platform answered 429 (Telegram's flood control, LINE's rate limit or monthly quota)."""
    _current.rate_limited.labels(channel).inc()


def http_error(channel: str, status: int) -> None:
    """An HTTP error from a platform's API: only 429s are counted (as `rate_limited`)."""
    if status == 429:
        rate_limited(channel)


def reminder_run(status: str) -> None:
    """A day's reminder run recorded: "done" (queued) or "skipped" (missed)."""
    _current.reminder_runs.labels(status).inc()
