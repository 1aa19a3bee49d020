"""Pacing every Bot API call and waiting out Telegram's flood control (HTTP 429).

Why our own `BaseRateLimiter`: PTB's `AIORateLimiter` paces the whole bot (30 messages/s)
and groups (20/min), but not a private chat, where Telegram asks for at most about one
message a second, and nearly every chat of this bot is private. So:

* messages (``send*``, ``edit*``, copy/forward) to one chat are spaced ``chat_interval``
  apart (1 s; a group's 3 s, i.e. 20/min), then all messages ``1/overall_per_second``
  apart (30/s). Each caller reserves the next free slot and sleeps until it, so one
  chat's messages keep their order and no lock is needed (nothing awaits between
  reading and moving a slot);
* other calls (answering a button, commands, webhook) are not paced: they are few and a
  button's spinner should stop at once;
* replies come first: a message the bot sends unprompted (an announcement, a reminder: see
  `unprompted()`) takes an overall slot only when one is free now, never booking ahead, so a
  reply waits for at most the one unprompted message already on its way. Unprompted
  messages get whatever replies leave, and never less than ``UNPROMPTED_SHARE`` (20%) of
  the overall rate: while one waits, replies are paced to the other 80%, so they yield
  without starving (with no unprompted message waiting, replies have the whole rate);
* a `RetryAfter` pauses every call for ``retry_after`` seconds (a flood wait is usually
  the bot's, not one chat's) and the call is retried, up to ``max_retries`` times and
  only when the wait is at most ``max_retry_after``; then the `RetryAfter` is raised.

Other errors pass through untouched (PTB's contract); `delivery` decides about them.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import warnings
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot import metrics

log = logging.getLogger(__name__)
JSONResult = bool | dict[str, Any] | list[dict[str, Any]]
_UNPACED = frozenset({"sendChatAction"})
_MAX_CHATS = 4096  # forget idle chats' slots beyond this many
UNPROMPTED_SHARE = 0.2  # of the overall rate, kept for unprompted messages while replies take the rest
_UNPROMPTED: ContextVar[bool] = ContextVar("telegram_unprompted", default=False)


@contextmanager
def unprompted() -> Iterator[None]:
    """Calls made inside are unprompted messages (the outbox's): they yield to replies."""
    token = _UNPROMPTED.set(True)
    try:
        yield
    finally:
        _UNPROMPTED.reset(token)


def is_paced(endpoint: str) -> bool:
    """Calls that put a message in a chat, which is what Telegram's limits count."""
    if endpoint in _UNPACED:
        return False
    return endpoint.startswith(("send", "edit")) or endpoint in ("copyMessage", "forwardMessage")


def retry_after_seconds(error: RetryAfter) -> float:
    """`RetryAfter.retry_after` in seconds, whether PTB gives an int (v22 default, with a
    deprecation warning) or a timedelta (``PTB_TIMEDELTA=true``, the v23 behaviour)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


class Pace:
    """Slots `interval` seconds apart for one stream of requests (one chat, or the bot)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.next_free = 0.0  # event-loop time of the next free slot

    def reserve(self, now: float) -> float:
        """Take the next free slot; returns how long to wait for it."""
        start = max(now, self.next_free)
        self.next_free = start + self.interval
        return start - now


class ChatRateLimiter(BaseRateLimiter[int]):
    """≤1 message/s per private chat, ≤20/min per group, ≤30/s overall; 429s waited out.

    `rate_limit_args` (an int), when given to an ExtBot method, overrides ``max_retries``.
    """

    def __init__(
        self,
        *,
        overall_per_second: float = 30.0,
        chat_interval: float = 1.0,
        group_interval: float = 3.0,
        max_retries: int = 5,
        max_retry_after: float = 60.0,
    ) -> None:
        self.overall_per_second, self.chat_interval, self.group_interval = (
            overall_per_second,
            chat_interval,
            group_interval,
        )
        self.max_retries, self.max_retry_after = max_retries, max_retry_after
        self._overall = Pace(1.0 / overall_per_second if overall_per_second > 0 else 0.0)  # 0: no limit
        self._chats: dict[int | str, Pace] = {}
        self._resume_at = 0.0  # event-loop time before which nothing is sent (flood wait)
        self._replies = Pace(self._overall.interval / (1 - UNPROMPTED_SHARE))  # while unprompted ones wait
        self._unprompted_waiting = 0

    def share(self, instances: int) -> None:
        """Several instances send for one bot: each keeps 1/n of the overall rate, so together
        they stay within Telegram's 30/s. (One chat's messages come from one instance at a time.)"""
        per_second = self.overall_per_second / max(instances, 1)
        self._overall.interval = 1.0 / per_second if per_second > 0 else 0.0
        self._replies.interval = self._overall.interval / (1 - UNPROMPTED_SHARE)

    async def initialize(self) -> None:
        """Nothing to open: the limiter is plain bookkeeping."""

    async def shutdown(self) -> None:
        self._chats.clear()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        max_retries = self.max_retries if rate_limit_args is None else rate_limit_args
        chat_id = data.get("chat_id") if is_paced(endpoint) else None
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            await self._wait_turn(chat_id)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                metrics.rate_limited("telegram")
                wait = retry_after_seconds(error)
                self._resume_at = max(self._resume_at, loop.time() + wait)
                if attempt >= max_retries or wait > self.max_retry_after:
                    log.warning(
                        "%s: flood control, giving up after %d retries (asked to wait %.0fs)", endpoint, attempt, wait
                    )
                    raise
                log.info("%s: flood control, retrying in %.1fs", endpoint, wait)
                attempt += 1

    async def _wait_turn(self, chat_id: object) -> None:
        loop = asyncio.get_running_loop()
        if (pause := self._resume_at - loop.time()) > 0:
            await asyncio.sleep(pause)
        if chat_id is None:
            return
        if (wait := self._chat(chat_id).reserve(loop.time())) > 0:
            await asyncio.sleep(wait)
        if _UNPROMPTED.get():
            await self._slot_left_by_replies()
            return
        if self._unprompted_waiting and (wait := self._replies.reserve(loop.time())) > 0:
            await asyncio.sleep(wait)
        if (wait := self._overall.reserve(loop.time())) > 0:
            await asyncio.sleep(wait)

    async def _slot_left_by_replies(self) -> None:
        """An overall slot that is free now: never one booked ahead of a reply."""
        loop = asyncio.get_running_loop()
        self._unprompted_waiting += 1
        try:
            while (ahead := self._overall.next_free - loop.time()) > 0:
                await asyncio.sleep(ahead)
            self._overall.reserve(loop.time())
        finally:
            self._unprompted_waiting -= 1

    def _chat(self, chat_id: object) -> Pace:
        key = _chat_key(chat_id)
        pace = self._chats.get(key)
        if pace is None:
            if len(self._chats) >= _MAX_CHATS:
                self._forget_idle_chats()
            group = isinstance(key, str) or key < 0  # groups, supergroups and channels
            pace = self._chats[key] = Pace(self.group_interval if group else self.chat_interval)
        return pace

    def _forget_idle_chats(self) -> None:
        now = asyncio.get_running_loop().time()
        for key in [key for key, pace in self._chats.items() if pace.next_free <= now]:
            del self._chats[key]


def _chat_key(chat_id: object) -> int | str:
    """PTB may pass a chat id as int or str; "@channel" usernames stay strings."""
    if isinstance(chat_id, int):
        return chat_id
    text = str(chat_id)
    return int(text) if text.lstrip("-").isdigit() else text
