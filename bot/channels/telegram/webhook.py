"""`POST /telegram/webhook` on the bot's shared aiohttp server.

Answers, in the order they are decided:

* 403 when ``X-Telegram-Bot-Api-Secret-Token`` is missing or wrong (compared in constant
  time, before the body is even read): not Telegram, nothing is processed;
* 408 when the body takes longer than the server's body timeout to arrive (`read_body`);
* 200 for anything else that is not a usable update: a body that is not JSON (or nested
  too deep to parse), not an object with an ``update_id``, or that PTB cannot parse. Telegram resends every update
  that did not get a 2xx, again and again, so refusing one that can never be fixed would
  only bring it back; it is logged (its shape, not its words) and dropped;
* 503 while the bot is stopping: Telegram keeps the update and sends it again later;
* 200 for a good update, at once: it is queued and handled after the answer, so a slow
  reply never makes Telegram time out and resend.

The public URL: `TELEGRAM_WEBHOOK_URL` as given when it has a path (a reverse proxy maps
that path to this route), or with ``/telegram/webhook`` appended when it is just a host.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot, Update

from bot.web import read_body

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def public_webhook_url(webhook_url: str) -> str:
    """What to register with setWebhook: the URL itself if it has a path, else + WEBHOOK_PATH."""
    if urlsplit(webhook_url).path.strip("/"):
        return webhook_url
    return webhook_url.rstrip("/") + WEBHOOK_PATH


class WebhookEndpoint:
    """Checks and parses Telegram's POSTs; `submit` hands an Update on (False: not now)."""

    def __init__(self, secret: str, bot: Bot, submit: Callable[[Update], bool]) -> None:
        if not secret:
            raise ValueError("a Telegram webhook needs a secret token (TELEGRAM_WEBHOOK_SECRET)")
        self._secret = secret.encode()
        self._bot = bot
        self._submit = submit

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self._secret):
            log.warning("webhook call without the right secret token from %s", request.remote)
            return web.Response(status=403)
        update = self._parse(await read_body(request))
        if update is None:
            return web.Response(status=200)
        if not self._submit(update):
            return web.Response(status=503)
        return web.Response(status=200)

    def _parse(self, body: bytes) -> Update | None:
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # also bad UTF-8; RecursionError: nested thousands deep
            log.warning("webhook: body is not JSON (%d bytes), dropped", len(body))
            return None
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            shape = sorted(data)[:8] if isinstance(data, dict) else type(data).__name__
            log.warning("webhook: not an update (%s), dropped", shape)  # the shape, not people's words
            return None
        try:
            return Update.de_json(data, self._bot)
        except Exception as error:  # data from outside: PTB raises whatever its models raise on bad shapes
            log.warning("webhook: malformed update %s dropped (%r)", data["update_id"], error)
            return None
