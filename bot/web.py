"""The bot's one HTTP server (aiohttp): health, readiness, metrics and the channels' webhooks.

* `GET /healthz`: the process is alive (200, nothing checked): for a supervisor deciding
  whether to restart it.
* `GET /readyz`: 200 only when the store commits a write and reads the people table
  (`Store.probe`, within `probe_timeout`) and every channel the runner expects has
  started; else 503 with the reasons, so a load balancer sends webhooks elsewhere. The
  store's answer is kept `probe_cache` seconds: polled many times a second, it costs one
  probe, and concurrent requests share the one in flight.
* `GET /metrics`: Prometheus' text format (bot.metrics), the outbox depth read at scrape.

Channels add their routes before the server starts; the runner owns its lifecycle.
Webhook handlers read their body with `read_body`: a client that sends it slower than
`body_timeout` allows (one byte a second, say) gets 408 and the connection is closed,
rather than holding a connection and a handler for as long as it likes. A client that
hangs up mid-request costs one INFO line, not aiohttp's ERROR with a traceback.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot import metrics
from bot.config import ConfigError

if TYPE_CHECKING:
    from bot.storage import Store

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_BODY = 1024 * 1024  # webhook bodies are small; refuse anything bigger outright
BODY_TIMEOUT = 10.0  # seconds for a whole webhook body; Telegram and LINE send it at once
LINGER = 1.0  # seconds
PROBE_TIMEOUT = 3.0  # seconds the store has to answer /readyz's probe
PROBE_CACHE = 2.0  # seconds a probe's answer is reused
SCRAPE_TIMEOUT = 2.0  # seconds for the outbox depth on a /metrics scrape
_BODY_TIMEOUT_KEY = web.AppKey("body_timeout", float)
T = TypeVar("T")


async def read_body(request: web.Request) -> bytes:
    """The request body, or 408 (connection closed) when it takes longer than the server's
    body timeout to arrive."""
    try:
        async with asyncio.timeout(request.app[_BODY_TIMEOUT_KEY]):
            return await request.read()
    except TimeoutError:
        log.info(
            "%s %s: body not received within %gs; 408", request.method, request.path, request.app[_BODY_TIMEOUT_KEY]
        )
        refused = web.HTTPRequestTimeout()
        refused.force_close()
        raise refused from None


@web.middleware
async def _client_gone(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A client that disconnects early: one INFO line (aiohttp would log an ERROR and a traceback)."""
    try:
        return await handler(request)
    except ConnectionResetError:  # aiohttp's ClientConnectionResetError is one too
        log.info("%s %s: the client disconnected before the end of the request", request.method, request.path)
        gone = web.Response(status=400)
        gone.force_close()
        return gone


def bind_problem(error: OSError, host: str, port: int) -> str:
    """One line for the operator: which of BOT_HTTP_HOST and BOT_HTTP_PORT to fix."""
    if isinstance(error, socket.gaierror):
        return f"BOT_HTTP_HOST {host!r} is not an address or a known host name ({error.strerror})"
    if error.errno == errno.EADDRINUSE:
        return f"BOT_HTTP_PORT {port} on {host} is already in use by another program"
    if error.errno == errno.EACCES:
        return f"BOT_HTTP_PORT {port} needs privileges on this machine; use a port from 1024 up"
    if error.errno == errno.EADDRNOTAVAIL:
        return f"BOT_HTTP_HOST {host!r} is not an address of this machine (use 0.0.0.0 or 127.0.0.1)"
    return f"BOT_HTTP_HOST {host!r} / BOT_HTTP_PORT {port}: cannot listen ({error.strerror or error})"


async def within(call: Coroutine[Any, Any, T], timeout: float) -> T:
    """`call`'s result, or TimeoutError after `timeout` seconds, whatever the call does. Not
    `asyncio.timeout`: a store cancelled mid-transaction awaits its ROLLBACK, which waits
    as long as SQLite's busy timeout when another process holds the database; here the
    cancelled call finishes that in the background while the answer goes out on time."""
    task = asyncio.ensure_future(call)
    try:
        done, _ = await asyncio.wait({task}, timeout=timeout)
    finally:
        if not task.done():
            task.cancel()
            task.add_done_callback(lambda t: t.cancelled() or t.exception())  # its error is not news
    if not done:
        raise TimeoutError
    return task.result()


class StoreCheck:
    """`Store.probe` with a timeout, its answer cached: None when the store is fine, else why not."""

    def __init__(self, store: Store, timeout: float = PROBE_TIMEOUT, cache: float = PROBE_CACHE) -> None:
        self.store, self.timeout, self.cache = store, timeout, cache
        self._answer: str | None = None
        self._checked = -float("inf")  # time.monotonic() of the last answer
        self._running: asyncio.Task[str | None] | None = None

    async def problem(self) -> str | None:
        if time.monotonic() - self._checked < self.cache:
            return self._answer
        if self._running is None:
            self._running = asyncio.create_task(self._probe(), name="readyz-probe")
        # shielded: a load balancer hanging up must not cancel the probe the others wait for
        return await asyncio.shield(self._running)

    async def _probe(self) -> str | None:
        answer: str | None = None
        try:
            await within(self.store.probe(), self.timeout)
        except TimeoutError:
            answer = f"the store did not answer within {self.timeout:g}s"
        except Exception as error:  # StoreError, or a driver error the store let through
            answer = str(error) or type(error).__name__
        finally:
            self._running = None  # also when cancelled (the server stopping): the next request probes anew
        self._answer, self._checked = answer, time.monotonic()
        return answer

    def cancel(self) -> None:
        if self._running is not None:
            self._running.cancel()


class WebServer:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        body_timeout: float = BODY_TIMEOUT,
        store: Store | None = None,
        probe_timeout: float = PROBE_TIMEOUT,
        probe_cache: float = PROBE_CACHE,
        scrape_timeout: float = SCRAPE_TIMEOUT,
    ) -> None:
        self.host, self.port = host, port
        self.store, self.scrape_timeout = store, scrape_timeout
        self.app = web.Application(client_max_size=MAX_BODY, middlewares=[_client_gone])
        self.app[_BODY_TIMEOUT_KEY] = body_timeout
        self.app.router.add_get("/healthz", self._health)
        self.app.router.add_get("/readyz", self._readyz)
        self.app.router.add_get("/metrics", self._metrics)
        self.channels: list[str] = []
        self._started: dict[str, bool] = {}  # channel → started, as the runner reports it
        self._check = StoreCheck(store, probe_timeout, probe_cache) if store is not None else None
        self._was_ready: bool | None = None
        self._depth_failing = False
        self._runner: web.AppRunner | None = None

    def add_route(self, method: str, path: str, handler: Handler, channel: str | None = None) -> None:
        """A route; `channel` names the chat channel whose webhook it is (listed by /healthz)."""
        self.app.router.add_route(method, path, handler)
        if channel is not None and channel not in self.channels:
            self.channels.append(channel)

    def add_subapp(self, prefix: str, app: web.Application) -> None:
        """An application of its own under `prefix` (HR's console at /console/), before start."""
        self.app.add_subapp(prefix, app)

    def expect(self, names: Iterable[str]) -> None:
        """Channels that must have started before /readyz says 200."""
        for name in names:
            self._started.setdefault(name, False)

    def set_ready(self, name: str, ready: bool) -> None:
        """The runner's word on a channel: True once `start()` returned, False when it stops."""
        self._started[name] = ready

    async def _health(self, request: web.Request) -> web.Response:
        """Alive: answering at all is the test; nothing else is checked, so it stays cheap."""
        return web.json_response({"ok": True, "webhooks": self.channels})

    async def _readyz(self, request: web.Request) -> web.Response:
        problems: list[str] = []
        store = "no store attached" if self._check is None else (await self._check.problem() or "ok")
        if store != "ok":
            problems.append(f"store: {store}")
        if not self._started:
            problems.append("no channel has started")
        problems += [f"{name}: not started" for name, started in self._started.items() if not started]
        ready = not problems
        if ready != self._was_ready:  # a line per change, not per poll
            if ready:
                log.info("ready")
            else:
                log.warning("not ready: %s", "; ".join(problems))
            self._was_ready = ready
        body: dict[str, object] = {"ready": ready, "store": store, "channels": dict(self._started)}
        if problems:
            body["reason"] = "; ".join(problems)
        return web.json_response(body, status=200 if ready else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        depth: dict[tuple[str, str], int] | None = None
        if self.store is not None:
            try:
                depth = await within(self.store.outbox_depth(), self.scrape_timeout)
            except Exception as error:  # TimeoutError, StoreError: the rest is worth having
                if not self._depth_failing:  # a line per outage, not per scrape
                    log.warning("metrics: outbox depth left out: %s", error or "no answer in time")
            if depth is not None and self._depth_failing:
                log.info("metrics: outbox depth read again")
            self._depth_failing = depth is None
        return web.Response(body=metrics.current().render(depth), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def start(self) -> None:
        # lingering: how long unread body bytes are still read and dropped after an answer (a 408,
        # a 403 before the body); aiohttp's 10 s would let a trickling client hold on that long.
        self._runner = web.AppRunner(self.app, access_log=None, lingering_time=LINGER)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as error:
            await self.stop()
            raise ConfigError(bind_problem(error, self.host, self.port)) from None
        log.info("HTTP server on %s:%s (webhooks: %s)", self.host, self.port, ", ".join(self.channels) or "none")

    async def stop(self) -> None:
        if self._check is not None:
            self._check.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
