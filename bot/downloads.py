"""Short-lived, single-use links to files made for one person (the claim form on LINE, which
cannot send files): `GET /files/<token>` on the bot's HTTP server.

The file is kept in this process's memory only, for `ttl` seconds, and is gone once fetched
or expired; the token is 32 random bytes, so a link cannot be guessed. Nothing is written to
disk or to the database (the form carries the person's name).
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from aiohttp import web

from bot.core.messages import Document
from bot.i18n import t

ROUTE = "/files/{token}"
DEFAULT_TTL = 10 * 60.0  # seconds: long enough to open the link, short enough to be forgotten soon
MAX_FILES = 500


@dataclass(frozen=True)
class _Held:
    document: Document
    expires: float


class Downloads:
    def __init__(self, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self._clock = ttl, clock
        self._held: OrderedDict[str, _Held] = OrderedDict()

    @property
    def minutes(self) -> int:
        return max(1, round(self.ttl / 60))

    def put(self, document: Document) -> str:
        """Keep a file; returns the token of its link."""
        self._forget_expired()
        while len(self._held) >= MAX_FILES:
            self._held.popitem(last=False)
        token = secrets.token_urlsafe(32)
        self._held[token] = _Held(document, self._clock() + self.ttl)
        return token

    def take(self, token: str) -> Document | None:
        """The file, once: it is forgotten when taken or expired."""
        self._forget_expired()
        held = self._held.pop(token, None)
        return held.document if held else None

    def _forget_expired(self) -> None:
        now = self._clock()
        for token in [k for k, held in self._held.items() if held.expires <= now]:
            del self._held[token]

    async def serve(self, request: web.Request) -> web.StreamResponse:
        document = self.take(request.match_info.get("token", ""))
        if document is None:
            return web.Response(status=410, text=t("claim.expired"), content_type="text/plain", charset="utf-8")
        disposition = f"attachment; filename*=UTF-8''{quote(document.filename)}"
        headers = {"Content-Disposition": disposition, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
        return web.Response(body=document.data, content_type=document.mime_type, headers=headers)


def link(public_url: str, token: str) -> str:
    return public_url.rstrip("/") + ROUTE.replace("{token}", token)
