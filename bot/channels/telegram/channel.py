"""The Telegram channel: python-telegram-bot around the channel-agnostic core.

  polling (TELEGRAM_WEBHOOK_URL unset)     webhook (TELEGRAM_WEBHOOK_URL set)
  Updater ── getUpdates ──┐                POST /telegram/webhook ── WebhookEndpoint ──┐
                          ▼                                                            ▼
                 Application.update_queue ──► _on_update  (concurrent; in order per person)
  to_incoming ─► Dialogue.handle ─► render ─► delivery ─► ChatRateLimiter ─► Bot API

No dialogue logic lives here. We own the lifecycle (`initialize`/`start` in `start()`,
`stop`/`shutdown` in `stop()`) instead of `run_polling`/`run_webhook`, which would own the
event loop that the web server, the store and the other channels share.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseRateLimiter, ContextTypes, TypeHandler

from bot import metrics
from bot.channels.base import Delivered
from bot.channels.dedupe import SeenEvents, SeenIds
from bot.channels.telegram.aiohttp_request import AiohttpRequest, NotBotAPI
from bot.channels.telegram.commands import register_commands
from bot.channels.telegram.delivery import (
    DEFAULT_RETRY,
    OUTBOX_RETRY,
    Outcome,
    RetryPolicy,
    send_document,
    send_messages,
)
from bot.channels.telegram.limiter import ChatRateLimiter, unprompted
from bot.channels.telegram.render import render
from bot.channels.telegram.translate import (
    ALLOWED_UPDATES,
    CHANNEL,
    is_group_command,
    is_group_join,
    picture_of,
    to_incoming,
)
from bot.channels.telegram.webhook import WEBHOOK_PATH, WebhookEndpoint, public_webhook_url
from bot.config import ConfigError, TelegramSettings
from bot.core.dialogue import Dialogue
from bot.core.messages import Incoming, Reply
from bot.core.ordering import PersonLocks
from bot.i18n import DEFAULT_LANG, normalize_lang, t, using
from bot.web import WebServer

log = logging.getLogger(__name__)
MAX_PICTURE = 20 * 1024 * 1024  # the Bot API serves files up to 20 MB to bots


class TelegramChannel:
    """`start()`, `stop()` and `push()` for the runner; everything else is Telegram's plumbing."""

    name = CHANNEL
    multicast_size = 1  # the Bot API has no multicast
    idempotent = False  # see Channel.idempotent
    concurrency = 8  # sends in flight so the limiter's 30/s is reached; it keeps the pace

    def __init__(
        self,
        settings: TelegramSettings,
        dialogue: Dialogue,
        web: WebServer | None = None,
        *,
        rate_limiter: BaseRateLimiter[int] | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        outbox_retry: RetryPolicy = OUTBOX_RETRY,
        stop_grace: float = 10.0,
        poll_timeout: float = 10.0,
        seen: SeenIds | None = None,
    ) -> None:
        self.settings, self.dialogue = settings, dialogue
        self.retry, self.stop_grace, self.poll_timeout = retry, stop_grace, poll_timeout
        self.outbox_retry = outbox_retry  # the outbox retries later itself: give up sooner than a reply does
        self._limiter = rate_limiter or ChatRateLimiter()
        self.application = build_application(settings, self._limiter)
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self._people = PersonLocks()  # one person's updates and pushes go out in order, never interleaved
        self._seen: SeenIds = seen or SeenEvents()  # Telegram resends an update whose 200 was lost
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._accepting = False  # webhook updates are taken only between start() and stop()
        self._abandon = False  # set when stop() ran out of patience: skip what is still queued
        self._send_only = False  # started by the command line: sends, takes no updates
        if settings.webhook_url:
            if web is None:
                raise ValueError("Telegram webhook mode needs the web server")
            endpoint = WebhookEndpoint(settings.webhook_secret or "", self.application.bot, self._submit)
            web.add_route("POST", WEBHOOK_PATH, endpoint.handle, self.name)

    # ---- lifecycle ---------------------------------------------------------------------------
    async def start(self, receive: bool = True) -> None:
        """Check the token (getMe), set the command menu, then take updates; with
        receive=False (the command line) only get ready to send."""
        app = self.application
        try:
            await self._initialize()
            if not receive:
                self._send_only = True
                return
            menu = asyncio.ensure_future(register_commands(app.bot))  # alongside setWebhook: never fails
            try:
                if self.settings.webhook_url:
                    await self._set_webhook(public_webhook_url(self.settings.webhook_url))
            finally:
                await menu
            await app.start()
            self._accepting = True
            if app.updater is not None:
                await app.updater.start_polling(
                    timeout=dtm.timedelta(seconds=self.poll_timeout),
                    allowed_updates=list(ALLOWED_UPDATES),
                    bootstrap_retries=3,
                )
                log.info("Telegram: polling as @%s", app.bot.username)
        except BaseException:
            await self._close()
            raise

    async def _set_webhook(self, url: str) -> None:
        try:
            await self.application.bot.set_webhook(
                url, secret_token=self.settings.webhook_secret, allowed_updates=list(ALLOWED_UPDATES)
            )
        except BadRequest as error:  # e.g. "bad webhook: an HTTPS URL must be provided"
            raise ConfigError(f"TELEGRAM_WEBHOOK_URL {url} was refused by Telegram: {error.message}") from None
        log.info("Telegram: webhook %s", url)

    async def _initialize(self) -> None:
        """getMe through PTB; what fails here at start becomes one line naming the setting."""
        api = self.settings.api_url
        try:
            await self.application.initialize()
        except InvalidToken as error:  # PTB's message would quote the token: not into the logs
            if _caused_by(error, NotBotAPI):  # the answer was no Bot API reply (AiohttpRequest.parse_json_payload)
                raise ConfigError(
                    f"TELEGRAM_API_URL {api} does not answer as a Telegram Bot API (HTTP 404 or 401 to getMe, "
                    "without a Bot API reply); check the URL"
                ) from None
            raise ConfigError("TELEGRAM_BOT_TOKEN was refused by Telegram; check it with @BotFather") from None
        except NetworkError as error:  # connection refused, timed out, or a server error
            raise ConfigError(f"TELEGRAM_API_URL {api} cannot be reached: {error.message}") from None

    def share_limits(self, instances: int) -> None:
        if isinstance(self._limiter, ChatRateLimiter):
            self._limiter.share(instances)

    async def stop(self) -> None:
        """Stop taking updates, let handlers finish (at most `stop_grace` s), shut down."""
        self._accepting = False
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            stopping = asyncio.ensure_future(app.stop())  # handles what is queued, waits for handlers
            done, _ = await asyncio.wait({stopping}, timeout=self.stop_grace)
            if not done:
                log.warning(
                    "Telegram: %d update(s) still in progress after %gs; cancelled",
                    len(self._in_flight),
                    self.stop_grace,
                )
                self._abandon = True
                for task in list(self._in_flight):
                    task.cancel()
            await stopping
        await self._close()

    async def _close(self) -> None:
        """Release whatever start() got to, from any state (also after a failed start)."""
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        await app.bot.shutdown()  # app.shutdown() skips it when initialize() failed half-way

    @property
    def busy(self) -> bool:
        """True while updates wait in the queue or are being handled."""
        return bool(self._in_flight) or not self.application.update_queue.empty()

    def _submit(self, update: Update) -> bool:
        if not self._accepting:
            return False
        self.application.update_queue.put_nowait(update)
        return True

    # ---- updates -------------------------------------------------------------------------------
    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Every update; an exception here is logged and never reaches other updates."""
        if self._abandon:
            return
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            await self._serve(update)
        except Exception:
            log.exception("Telegram update %s failed", update.update_id)
        finally:
            if task is not None:
                self._in_flight.discard(task)

    @metrics.timed_update(CHANNEL)
    async def _serve(self, update: Update) -> None:
        incoming = to_incoming(update)  # before any await, so the lock below is taken in order
        if incoming is None:
            if await self._first_time(update):
                await self._serve_outsider(update)
            return
        async with (
            self._people.hold(incoming.user_id) as others,  # the check inside: a resend waits for the first
            self.dialogue.services.store.person_turn(f"telegram:{incoming.user_id}"),  # and on other instances
        ):
            if not await self._first_time(update):
                return
            if update.callback_query is not None:
                await self._answer(update.callback_query)
            if incoming.media == "image" and update.message is not None:
                incoming = replace(incoming, media=None, image=await self._picture(update.message))
            try:
                replies = await self.dialogue.handle(incoming, others)
            except Exception:
                log.exception("the core failed on a Telegram update %s", update.update_id)
                if incoming.event != "message":
                    return
                with using(await self._lang(incoming)):
                    replies = [Reply(t("telegram.failed"))]
            await self._deliver(incoming.user_id, replies)

    async def _first_time(self, update: Update) -> bool:
        """False for an update_id already taken (webhook or polling): served once only."""
        if await self._seen.first_time(str(update.update_id)):
            return True
        log.info("Telegram update %s was sent again: skipped", update.update_id)
        return False

    async def _serve_outsider(self, update: Update) -> None:
        """Updates the core does not see: stop a button's spinner, point groups to a private chat."""
        if update.callback_query is not None:
            await self._answer(update.callback_query)
        elif update.message is not None and is_group_command(update):
            sender = update.message.from_user
            with using(normalize_lang(sender.language_code if sender else None) or DEFAULT_LANG):
                text = t("telegram.private_only", username=self.application.bot.username)
            await send_messages(self.application.bot, update.message.chat.id, render(Reply(text)), self.retry)
        elif update.my_chat_member is not None and is_group_join(update):  # added to a group: say so once
            adder = update.my_chat_member.from_user
            with using(normalize_lang(adder.language_code if adder else None) or DEFAULT_LANG):
                text = t("telegram.private_only", username=self.application.bot.username)
            await send_messages(self.application.bot, update.my_chat_member.chat.id, render(Reply(text)), self.retry)

    async def _picture(self, message: Message) -> bytes:
        """The picture's bytes (getFile, then the file URL); b"" when it cannot be had, which
        the core answers as a picture it could not open."""
        picture = picture_of(message)
        if picture is None or (picture.size or 0) > MAX_PICTURE:
            return b""
        try:
            found = await self.application.bot.get_file(picture.file_id)
            return bytes(await found.download_as_bytearray())
        except TelegramError as error:
            log.warning("Telegram: a picture could not be fetched: %s", error.message)
            return b""

    async def _answer(self, query: CallbackQuery) -> None:
        """Always answer a press, or the button keeps spinning; a failure only costs the spinner."""
        try:
            await query.answer()
        except TelegramError as error:
            log.info("Telegram: could not answer a button press: %s", error.message)

    # ---- sending -------------------------------------------------------------------------------
    async def push(self, user_id: str, replies: list[Reply]) -> bool:
        """Unprompted messages; False when not delivered, e.g. the person blocked the bot,
        in which case they are marked inactive."""
        return await self._push(user_id, replies, self.retry) is Delivered.SENT

    async def deliver(self, user_id: str, replies: list[Reply], key: str) -> Delivered:
        """The Bot API has no idempotency key: `key` is unused, and a send cut off by a crash
        may be sent again (the outbox counts such sends as uncertain)."""
        return await self._push(user_id, replies, self.outbox_retry)

    async def _push(self, user_id: str, replies: list[Reply], policy: RetryPolicy) -> Delivered:
        if not user_id.isdigit():  # a private chat's id is the person's (positive) user id
            log.error("Telegram push: %r is not a Telegram user id", user_id)
            return Delivered.FAILED
        if not (self.application.running or self._send_only):
            log.warning("Telegram push to %s while the channel is not running", user_id)
            return Delivered.FAILED
        async with self._people.lock(user_id):  # after the reply the person is being sent, not inside it
            with unprompted():  # other people's replies go first
                outcome = await self._deliver(user_id, replies, policy)
        return Delivered(outcome.value)

    async def multicast(self, user_ids: Sequence[str], replies: list[Reply], key: str) -> Delivered:
        """Only for the protocol: `multicast_size` is 1, so the outbox never calls it with more."""
        results = [await self.deliver(user_id, replies, key) for user_id in user_ids]
        return results[0] if len(results) == 1 else Delivered.SENT

    async def _deliver(self, user_id: str, replies: list[Reply], policy: RetryPolicy | None = None) -> Outcome:
        messages = [message for r in replies for message in render(r)]
        if not messages:
            return Outcome.SENT
        outcome = await send_messages(self.application.bot, int(user_id), messages, policy or self.retry)
        for document in (r.document for r in replies if r.document is not None):
            if outcome is not Outcome.SENT:
                break
            outcome = await send_document(self.application.bot, int(user_id), document, policy or self.retry)
        if outcome is Outcome.BLOCKED:
            try:
                await self.dialogue.services.store.set_active(CHANNEL, user_id, False)
            except Exception:
                log.exception("could not mark Telegram user %s inactive", user_id)
        return outcome

    # ---- helpers -------------------------------------------------------------------------------
    async def _lang(self, incoming: Incoming) -> str:
        """The person's chosen language if known, else their app's."""
        try:
            user = await self.dialogue.services.store.get_user(CHANNEL, incoming.user_id)
        except Exception:
            user = None
        return user.lang if user else (normalize_lang(incoming.lang_hint) or DEFAULT_LANG)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("Telegram: %r", context.error, exc_info=context.error)


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    """Whether `kind` is in the chain of causes (PTB re-raises InvalidToken from the first)."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, kind):
            return True
        cause = cause.__cause__
    return False


AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def build_application(settings: TelegramSettings, rate_limiter: BaseRateLimiter[int]) -> AnyApplication:
    """PTB's Application on our aiohttp transport and limiter; no Updater in webhook mode."""
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .base_file_url(settings.api_url.rstrip("/") + "/file/bot")
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(pool_size=1))
        .rate_limiter(rate_limiter)
        .concurrent_updates(True)  # per-person order is kept by our lock, not by PTB
        .job_queue(None)  # reminders live in the database, not in PTB's in-memory JobQueue
    )
    if settings.webhook_url:
        builder = builder.updater(None)
    return builder.build()
