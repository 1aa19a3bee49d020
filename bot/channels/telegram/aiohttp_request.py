"""python-telegram-bot's HTTP transport over one shared `aiohttp.ClientSession`.

Why: PTB's default `HTTPXRequest` is the bot's throughput ceiling (measured in
/work/shared/PLATFORMS.md: ~340–800 updates/s against ~3,200/s with aiohttp, which the
bot already uses for its web server). PTB does everything else — building the request,
reading Telegram's errors — in `BaseRequest`; this class only moves bytes.

Timeouts: ``connect`` covers waiting for a pooled connection and connecting; ``read`` is
the wait between bytes of the answer (PTB adds the long-poll time for getUpdates). aiohttp
has no write timeout; the read timeout starts once the request is sent.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData

if TYPE_CHECKING:
    from telegram._utils.types import JSONDict, ODVInput  # the types BaseRequest is declared with

_TOKEN_IN_URL = re.compile(r"/bot[^/\s]+/")
_JSON = {"Content-Type": "application/json"}


class NotBotAPI(TelegramError):
    """The server answered, but not as a Bot API does: TELEGRAM_API_URL is wrong."""


class AiohttpRequest(BaseRequest):
    def __init__(self, *, pool_size: int = 100, connect_timeout: float = 5.0, read_timeout: float = 5.0) -> None:
        self._pool_size = pool_size
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:  # inside the running loop, not at import
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @staticmethod
    def parse_json_payload(payload: bytes) -> JSONDict:
        """Every Bot API answer is an object with ``ok``: anything else comes from a server that
        is not the Bot API (a wrong TELEGRAM_API_URL), which PTB would report as a bad token."""
        try:  # as BaseRequest does, minus its ERROR line with a traceback for a non-JSON answer
            data = json.loads(payload.decode("utf-8", "replace"))
        except ValueError:
            raise NotBotAPI("the answer is not from a Telegram Bot API (not JSON)") from None
        if not isinstance(data, dict) or "ok" not in data:
            raise NotBotAPI("the answer is not from a Telegram Bot API (no 'ok' field)")
        return data

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("AiohttpRequest is not initialized")
        connect = self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = pool_timeout if isinstance(pool_timeout, float | int) else 0.0
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        timeout = aiohttp.ClientTimeout(connect=None if connect is None else connect + pool, sock_read=read)
        try:
            body = _body(request_data)
            headers = _JSON if isinstance(body, bytes) else None
            async with self._session.request(method, url, data=body, headers=headers, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's timeouts subclass it
            raise TimedOut(f"Timed out: {_redact(error)}") from error
        except (aiohttp.ClientError, OSError) as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {_redact(error)}") from error


def _body(request_data: RequestData | None) -> aiohttp.FormData | bytes | None:
    """A JSON body (the Bot API takes one for every method but uploads), written as UTF-8:
    a form would percent-encode each Chinese character into nine bytes, and encoding them is
    a good part of a reply's cost; files as multipart, with PTB's fields."""
    if request_data is None or not request_data.parameters:
        return None
    if not request_data.contains_files:
        return json.dumps(request_data.parameters, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    form = aiohttp.FormData(request_data.json_parameters)
    for name, upload in request_data.multipart_data.items():
        filename, content, *mime = upload
        form.add_field(name, content, filename=filename, content_type=mime[0] if mime else None)
    return form


def _redact(error: BaseException) -> str:
    """aiohttp may quote the URL, and the URL holds the bot token."""
    return _TOKEN_IN_URL.sub("/bot<token>/", str(error) or type(error).__name__)
