"""The bot's one HTTP server (aiohttp): `GET /healthz` and the channels' webhooks.

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
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.config import ConfigError

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_BODY = 1024 * 1024  # webhook bodies are small; refuse anything bigger outright
BODY_TIMEOUT = 10.0  # seconds for a whole webhook body; Telegram and LINE send it at once
LINGER = 1.0  # seconds
_BODY_TIMEOUT_KEY = web.AppKey("body_timeout", float)


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


class WebServer:
    def __init__(self, host: str, port: int, *, body_timeout: float = BODY_TIMEOUT) -> None:
        self.host, self.port = host, port
        self.app = web.Application(client_max_size=MAX_BODY, middlewares=[_client_gone])
        self.app[_BODY_TIMEOUT_KEY] = body_timeout
        self.app.router.add_get("/healthz", self._health)
        self.channels: list[str] = []
        self._runner: web.AppRunner | None = None

    def add_route(self, method: str, path: str, handler: Handler, channel: str | None = None) -> None:
        """A route; `channel` names the chat channel whose webhook it is (listed by /healthz)."""
        self.app.router.add_route(method, path, handler)
        if channel is not None and channel not in self.channels:
            self.channels.append(channel)

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "webhooks": self.channels})

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
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
