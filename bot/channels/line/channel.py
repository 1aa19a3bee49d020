"""The LINE channel: the webhook on the shared web server, and sending through the SDK.

    POST /line/webhook ─► size ─► X-Line-Signature (raw body) ─► JSON ─► each event:
        read (SDK models) ─► seen before? ─► served? ─► background task ─► 200 at once
    task (one person at a time, in arrival order):
        Incoming ─► Dialogue.handle ─► render ─► reply token, else push

Nothing is parsed before the signature is checked, and LINE gets its 200 before any
work, so it never redelivers because the core was slow. The SDK's HTTP client is
opened in the running loop at start() and closed at stop(), after the events in
progress are done.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Coroutine, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from aiohttp import web
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    TextMessage,
)
from linebot.v3.models.events import UnknownEvent
from linebot.v3.webhook import SignatureValidator

from bot import metrics
from bot.channels.base import Delivered
from bot.channels.dedupe import SeenEvents, SeenIds
from bot.channels.line.client import open_client
from bot.channels.line.events import CHANNEL, GroupNote, Received, parse_event, to_received
from bot.channels.line.render import render
from bot.channels.line.sender import NETWORK_ERRORS, Limits, LineSender, RetryPolicy
from bot.config import LineSettings
from bot.core.dialogue import Dialogue
from bot.core.messages import Reply
from bot.core.ordering import PersonLocks
from bot.i18n import DEFAULT_LANG, t, using
from bot.web import WebServer, read_body

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/line/webhook"
MAX_BODY = 256 * 1024  # a webhook carries a few events of ~1 KB; far below the server's own cap
DRAIN_TIMEOUT = 25.0  # seconds stop() waits for events in progress
GROUP_NOTE_EVERY = timedelta(days=30)  # a group or room is told again after this long


class LineChannel:
    name = CHANNEL
    multicast_size = 500  # LINE's limit of user IDs per multicast request
    idempotent = True  # see Channel.idempotent
    concurrency = 16  # pushes in flight; the limiter keeps them within 2,000 requests/s

    def __init__(
        self,
        settings: LineSettings,
        dialogue: Dialogue,
        web: WebServer,
        *,
        retry: RetryPolicy | None = None,
        seen: SeenIds | None = None,
        noted: SeenIds | None = None,
    ) -> None:
        self.settings = settings
        self.dialogue = dialogue
        self.retry = retry or RetryPolicy()
        self._validator = SignatureValidator(settings.channel_secret)
        self._seen: SeenIds = seen or SeenEvents()
        # groups and rooms told it works one to one
        self._noted: SeenIds = noted or SeenEvents(ttl=GROUP_NOTE_EVERY.total_seconds())
        self._client: AsyncApiClient | None = None
        self._api: AsyncMessagingApi | None = None
        self._sender: LineSender | None = None
        self._limits = Limits()  # kept across restarts of the sender; shared out among instances
        self._tasks: set[asyncio.Task[None]] = set()
        self._people = PersonLocks()
        web.add_route("POST", WEBHOOK_PATH, self.webhook, CHANNEL)

    # ---- lifecycle

    async def start(self, receive: bool = True) -> None:
        """Open the SDK's client; the webhook route exists already and is served whenever the
        web server runs (the command line, which only sends, never starts it)."""
        if self._client is not None:
            return
        self._client = open_client(self.settings.access_token, self.settings.api_url)  # needs the running loop
        self._api = AsyncMessagingApi(self._client)
        self._sender = LineSender(self._api, self.retry, self._limits)
        log.info("LINE: webhook at %s, Messaging API at %s", WEBHOOK_PATH, self.settings.api_url)

    def share_limits(self, instances: int) -> None:
        self._limits.share(instances)

    async def stop(self) -> None:
        sender, self._sender = self._sender, None  # the webhook now answers 503; LINE redelivers later
        if sender is None:
            return
        await self.drain(DRAIN_TIMEOUT)
        if self._client is not None:
            await self._client.close()
        self._client = self._api = None

    async def drain(self, timeout: float | None = None) -> None:
        """Wait until the events taken so far are handled; past `timeout`, cancel the rest."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while self._tasks:
            remaining = None if deadline is None else max(0.0, deadline - loop.time())
            done, pending = await asyncio.wait(set(self._tasks), timeout=remaining)
            self._tasks -= done
            if pending and deadline is not None and loop.time() >= deadline:
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                log.warning("LINE: %d events still in progress were cancelled", len(pending))
                return

    async def push(self, user_id: str, replies: list[Reply]) -> bool:
        """Unprompted messages: pushes, counted against the quota. A person who blocked the
        bot is marked inactive by the unfollow event LINE sends, not here."""
        return await self.deliver(user_id, replies, str(uuid.uuid4())) is Delivered.SENT

    async def deliver(self, user_id: str, replies: list[Reply], key: str) -> Delivered:
        batches = render(replies)
        return await self._ready().push(user_id, batches, key) if batches else Delivered.SENT

    async def multicast(self, user_ids: Sequence[str], replies: list[Reply], key: str) -> Delivered:
        batches = render(replies)
        return await self._ready().multicast(user_ids, batches, key) if batches else Delivered.SENT

    def _ready(self) -> LineSender:
        if self._sender is None:
            raise RuntimeError("LineChannel: sending before start() or after stop()")
        return self._sender

    # ---- webhook

    async def webhook(self, request: web.Request) -> web.Response:
        if self._sender is None:
            return web.Response(status=503, text="not ready")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="body too large")
        try:
            body = await read_body(request)
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="body too large")
        if len(body) > MAX_BODY:
            return web.Response(status=413, text="body too large")
        if not self._signed(body, request.headers.get("X-Line-Signature", "")):
            log.warning("LINE webhook refused: missing or wrong X-Line-Signature (is LINE_CHANNEL_SECRET right?)")
            return web.Response(status=400, text="bad signature")
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):  # RecursionError: nested thousands deep, signed or not
            payload = None
        events = payload.get("events") if isinstance(payload, dict) else None
        if not isinstance(events, list):
            log.warning("LINE webhook refused: the body is not a webhook payload")
            return web.Response(status=400, text="bad body")
        for raw in events:
            await self._take(raw)
        return web.Response(text="OK")

    def _signed(self, body: bytes, signature: str) -> bool:
        try:
            text = body.decode("utf-8")  # what LINE signed; the SDK validates text
        except UnicodeDecodeError:
            return False
        return bool(signature) and self._validator.validate(text, signature)

    async def _take(self, raw: object) -> None:
        event = parse_event(raw)
        if event is None:
            kind = raw.get("type") if isinstance(raw, dict) else type(raw).__name__
            log.warning("LINE event of type %r could not be read (a common field is missing)", kind)
            return
        if not await self._seen.first_time(event.webhook_event_id):
            log.info("LINE event %s is a redelivery of one already taken: skipped", event.webhook_event_id)
            return
        received = to_received(event)
        if isinstance(received, GroupNote):
            if await self._noted.first_time(received.chat_id):
                self._spawn(self._note_group(received))
            return
        if isinstance(received, str):
            level = logging.WARNING if isinstance(event, UnknownEvent) else logging.INFO
            log.log(level, "LINE event %s not served: %s", event.webhook_event_id, received)
            return
        self._spawn(self._process(received))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _note_group(self, note: GroupNote) -> None:
        """One note per group or room, by the free reply token: the bot works one to one."""
        if self._sender is None or not note.reply_token:
            return
        with using(DEFAULT_LANG):
            message = TextMessage(text=t("line.group_note"))
        await self._sender.reply(note.reply_token, [message])

    async def _content(self, message_id: str) -> bytes:
        """An image message's bytes (LINE keeps them only a while: fetched at once); b"" when
        they cannot be had, which the core answers as a picture it could not open."""
        if self._client is None:
            return b""
        try:
            data = await AsyncMessagingApiBlob(self._client).get_message_content(message_id, _request_timeout=30)
        except (ApiException, *NETWORK_ERRORS) as exc:
            log.warning("LINE: the content of message %s could not be fetched: %r", message_id, exc)
            return b""
        return bytes(data)

    @metrics.timed_update(CHANNEL)
    async def _process(self, received: Received) -> None:
        sender = self._sender
        user_id = received.incoming.user_id
        try:
            async with (
                self._people.hold(user_id) as others,  # one person's events in the order they came
                self.dialogue.services.store.person_turn(f"line:{user_id}"),  # here and on other instances
            ):
                incoming = received.incoming
                if incoming.event == "follow":
                    incoming = replace(incoming, lang_hint=await self._language(user_id))
                if received.content_id is not None:
                    incoming = replace(incoming, media=None, image=await self._content(received.content_id))
                batches = render(await self.dialogue.handle(incoming, others))
                if batches and sender is not None:
                    await sender.answer(received.reply_token, user_id, batches)
        except Exception:
            log.exception("LINE event %s failed", received.event_id)

    async def _language(self, user_id: str) -> str | None:
        """The language of the person's LINE app, so the welcome is in it (free API call)."""
        if self._api is None:
            return None
        try:
            profile = await self._api.get_profile(user_id, _request_timeout=5)
        except (ApiException, *NETWORK_ERRORS) as exc:
            log.info("LINE profile not available for a new follower: %r", exc)
            return None
        return profile.language
