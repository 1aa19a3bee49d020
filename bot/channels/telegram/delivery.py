"""Sending rendered messages to one chat, with the policy for each kind of failure.

The rate limiter has already paced the call and waited out flood control; what is left:

* `Forbidden` — the person blocked the bot (or deleted their account): stop, never retry;
  the caller marks them inactive;
* `BadRequest` — the message itself is wrong: log it, do not retry (it would fail again),
  go on with the next message;
* `TimedOut` / `NetworkError` (Telegram's 5xx too) — retry a few times with a growing pause,
  then report `RETRY`: Telegram is down for now, and the outbox tries again minutes later.
  A timed-out send may in fact have arrived, so a retry can duplicate a message; a lost
  answer is worse;
* `RetryAfter` here means the limiter gave up on a very long flood wait: `RETRY` as well.

Nothing is raised: a failed delivery is an `Outcome`, so one person's trouble never
reaches the code that serves everyone else.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from telegram import Bot, InputFile, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.channels.telegram.render import Outgoing
from bot.core.messages import Document

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # answers cite the platform's URL; no big card
_NO_PREVIEW_JSON = NO_PREVIEW.to_dict()  # as the Bot API takes it, converted once


class Outcome(enum.Enum):
    SENT = "sent"
    BLOCKED = "blocked"  # the person cannot be reached: mark them inactive
    FAILED = "failed"  # at least one message was refused for good (logged)
    RETRY = "retry"  # Telegram failed for now (5xx, timeouts, no connection): worth trying later


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and how patiently, to resend after a network error or timeout."""

    attempts: int = 3
    first_pause: float = 0.5  # seconds; doubles after each failure


DEFAULT_RETRY = RetryPolicy()
# The outbox comes back later itself: one quick second try, then the row waits (courier backoff).
OUTBOX_RETRY = RetryPolicy(attempts=2, first_pause=0.5)


async def send_messages(
    bot: Bot, chat_id: int, messages: Sequence[Outgoing], policy: RetryPolicy | None = None
) -> Outcome:
    """Send in order; stop at a block or an outage (the rest would fail too); a message that
    is refused does not stop the next ones."""
    outcome = Outcome.SENT
    for message in messages:
        result = await send_message(bot, chat_id, message, policy)
        if result in (Outcome.BLOCKED, Outcome.RETRY):
            return result
        if result is Outcome.FAILED:
            outcome = result
    return outcome


async def send_message(bot: Bot, chat_id: int, message: Outgoing, policy: RetryPolicy | None = None) -> Outcome:
    return await _send(lambda: _post_message(bot, chat_id, message), chat_id, message.html, policy)


async def _post_message(bot: Bot, chat_id: int, message: Outgoing) -> object:
    """sendMessage through the Bot's own request path (its defaults, the rate limiter, its
    errors), without what `Bot.send_message` adds after it: turning Telegram's copy of the sent
    message into a `Message`, which nothing here reads (a sixth of a reply's CPU in the SDK).
    `Bot._post` is the method every `Bot.send_*` calls; without it, send_message is used."""
    post = getattr(bot, "_post", None)
    if post is None:  # pragma: no cover - a python-telegram-bot without Bot._post
        return await bot.send_message(
            chat_id, message.html, parse_mode=ParseMode.HTML, reply_markup=message.keyboard,
            link_preview_options=NO_PREVIEW,
        )  # fmt: skip
    data: dict[str, object] = {"chat_id": chat_id, "text": message.html, "parse_mode": ParseMode.HTML}
    data["link_preview_options"] = _NO_PREVIEW_JSON  # plain JSON objects: PTB passes them as they are
    if message.markup is not None:
        data["reply_markup"] = message.markup
    return await post("sendMessage", data)


async def send_document(bot: Bot, chat_id: int, document: Document, policy: RetryPolicy | None = None) -> Outcome:
    """A file for the person (the claim form), as Telegram's sendDocument."""
    upload = InputFile(document.data, filename=document.filename)
    return await _send(lambda: bot.send_document(chat_id, upload), chat_id, document.filename, policy)


async def _send(call: Callable[[], Awaitable[object]], chat_id: int, what: str, policy: RetryPolicy | None) -> Outcome:
    policy = policy or DEFAULT_RETRY
    pause = policy.first_pause
    for attempt in range(1, policy.attempts + 1):
        try:
            await call()
            return Outcome.SENT
        except Forbidden as error:
            log.info("chat %s cannot be reached: %s", chat_id, error.message)
            return Outcome.BLOCKED
        except BadRequest as error:  # before NetworkError: BadRequest is a subclass of it
            log.error("chat %s: Telegram refused a message (%s): %.200r", chat_id, error.message, what)
            return Outcome.FAILED
        except RetryAfter as error:
            log.warning("chat %s: not sent for now, flood control persists (%s)", chat_id, error.message)
            return Outcome.RETRY
        except (TimedOut, NetworkError) as error:
            if attempt == policy.attempts:
                log.warning("chat %s: not sent for now after %d attempts: %s", chat_id, attempt, error.message)
                return Outcome.RETRY
            log.warning("chat %s: %s; retrying in %.1fs", chat_id, error.message, pause)
            await asyncio.sleep(pause)
            pause *= 2
        except TelegramError as error:  # ChatMigrated, Conflict, InvalidToken: retrying will not help
            log.error("chat %s: message dropped: %r", chat_id, error)
            return Outcome.FAILED
    return Outcome.FAILED  # only reached with policy.attempts < 1
