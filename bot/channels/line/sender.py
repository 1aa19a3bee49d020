"""Sending to LINE: the free reply token first, push (counted against the monthly quota)
when it no longer works, retries that never deliver twice.

- Reply: one try per turn with the event's token. LINE answers 400 "Invalid reply token"
  when it expired (~30 s) or was used: then every batch goes by push. Other failures are
  logged and not pushed: a reply cannot carry a retry key, so after a timeout we cannot
  know whether the person already has the answer, and a duplicate is worse than asking
  again.
- Push: each request (one logical message batch) gets its own `X-Line-Retry-Key` UUID,
  reused on every retry of that request, so LINE delivers it at most once; 409 means it
  was already accepted, which is success. Retried on 429, 5xx and network errors with
  exponential backoff (bounded), then reported as `RETRY`: LINE is down for now, and the
  outbox sends again later under the same retry key; never on 429 "monthly limit"
  (retrying cannot help until next month or a plan upgrade), nor on other 4xx (the
  request itself is wrong).
- Every request first takes a token from its endpoint's rate limiter.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import partial

import aiohttp
from linebot.v3.messaging import (
    ApiException,
    AsyncMessagingApi,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
)

from bot import metrics
from bot.channels.base import Delivered, sub_key
from bot.channels.line.limiter import MULTICAST_PER_SECOND, PUSH_PER_SECOND, REPLY_PER_SECOND, RateLimiter
from bot.channels.line.render import Batch

log = logging.getLogger(__name__)
NETWORK_ERRORS = (aiohttp.ClientError, TimeoutError)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # tries per request, the first included
    base_delay: float = 1.0  # seconds; doubled after each failure
    max_delay: float = 30.0
    timeout: float = 15.0  # per HTTP request (the SDK's default is 5 minutes)

    def delay(self, failures: int, retry_after: str | None = None) -> float:
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after), self.max_delay)
        return min(self.base_delay * 2 ** (failures - 1), self.max_delay)


class ReplyOutcome(Enum):
    SENT = "sent"
    TOKEN_INVALID = "token_invalid"  # expired or used: push instead
    FAILED = "failed"


def error_message(exc: ApiException) -> str:
    """LINE's `message` from an error body ({"message": ..., "details": [...]}), or the raw body."""
    body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else str(exc.body or "")
    try:
        data = json.loads(body)
    except ValueError:
        return body[:300]
    if not isinstance(data, dict):
        return body[:300]
    details = "; ".join(
        f"{d.get('property')}: {d.get('message')}" for d in data.get("details") or [] if isinstance(d, dict)
    )
    return f"{data.get('message', '')}" + (f" ({details})" if details else "")


def _retry_after(exc: ApiException) -> str | None:
    headers = exc.headers or {}
    return headers.get("Retry-After") if hasattr(headers, "get") else None


@dataclass
class Limits:
    reply: RateLimiter = field(default_factory=lambda: RateLimiter(REPLY_PER_SECOND))
    push: RateLimiter = field(default_factory=lambda: RateLimiter(PUSH_PER_SECOND))
    multicast: RateLimiter = field(default_factory=lambda: RateLimiter(MULTICAST_PER_SECOND))

    def share(self, instances: int) -> None:
        for limiter in (self.reply, self.push, self.multicast):
            limiter.share(instances)


class LineSender:
    def __init__(self, api: AsyncMessagingApi, retry: RetryPolicy | None = None, limits: Limits | None = None) -> None:
        self.api = api
        self.retry = retry or RetryPolicy()
        self.limits = limits or Limits()

    async def answer(self, reply_token: str | None, user_id: str, batches: list[Batch]) -> bool:
        """Send one turn's batches: the first by reply when there is a token, the rest (or
        all, when the token no longer works) by push. True when everything was delivered."""
        rest = batches
        if reply_token and batches:
            outcome = await self.reply(reply_token, batches[0])
            if outcome is ReplyOutcome.FAILED:
                return False
            if outcome is ReplyOutcome.SENT:
                rest = batches[1:]
            else:
                log.info("reply token no longer valid; pushing the answer instead (counts against the quota)")
        return await self.push(user_id, rest) is Delivered.SENT

    async def reply(self, reply_token: str, batch: Batch) -> ReplyOutcome:
        request = ReplyMessageRequest(reply_token=reply_token, messages=batch)
        for attempt in range(1, self.retry.attempts + 1):
            await self.limits.reply.acquire()
            try:
                await self.api.reply_message(request, _request_timeout=self.retry.timeout)
                return ReplyOutcome.SENT
            except ApiException as exc:
                metrics.http_error("line", exc.status)
                message = error_message(exc)
                if exc.status == 400 and "reply token" in message.lower():
                    return ReplyOutcome.TOKEN_INVALID
                if exc.status == 429 and "monthly limit" not in message.lower() and attempt < self.retry.attempts:
                    await asyncio.sleep(self.retry.delay(attempt, _retry_after(exc)))
                    continue  # a 429 was refused before anything was sent
                log.error("LINE refused a reply (%s): %s", exc.status, message)
                return ReplyOutcome.FAILED
            except NETWORK_ERRORS as exc:
                log.error("reply to LINE failed, not retried (a reply has no retry key): %r", exc)
                return ReplyOutcome.FAILED
        return ReplyOutcome.FAILED

    async def push(self, user_id: str, batches: list[Batch], key: str | None = None) -> Delivered:
        """Each batch as one push. With `key` (an outbox batch key) the retry keys derive from
        it, so sending the same batches again after a crash cannot deliver them twice."""
        for i, batch in enumerate(batches):
            retry_key = sub_key(key, str(i)) if key else str(uuid.uuid4())
            request = PushMessageRequest(to=user_id, messages=batch)
            result = await self._send(
                partial(self.api.push_message, request, _request_timeout=self.retry.timeout),
                retry_key,
                self.limits.push,
            )
            if result is not Delivered.SENT:
                return result
        return Delivered.SENT

    async def multicast(self, user_ids: Sequence[str], batches: list[Batch], key: str) -> Delivered:
        """The same batches to up to 500 people per request (an announcement)."""
        for i, batch in enumerate(batches):
            request = MulticastRequest(to=list(user_ids), messages=batch)
            result = await self._send(
                partial(self.api.multicast, request, _request_timeout=self.retry.timeout),
                sub_key(key, f"multicast:{i}"),
                self.limits.multicast,
            )
            if result is not Delivered.SENT:
                return result
        return Delivered.SENT

    async def _send(self, call: Callable[..., Awaitable[object]], key: str, limiter: RateLimiter) -> Delivered:
        """One request under one retry key, retried on 429, 5xx and network errors."""
        for attempt in range(1, self.retry.attempts + 1):
            await limiter.acquire()
            retry_after = None
            try:
                await call(x_line_retry_key=key)
                return Delivered.SENT
            except ApiException as exc:
                metrics.http_error("line", exc.status)
                message = error_message(exc)
                if exc.status == 409:  # this retry key was already accepted: delivered
                    log.info("request %s was already accepted by LINE (409)", key)
                    return Delivered.SENT
                if exc.status == 429 and "monthly limit" in message.lower():
                    log.error(
                        "LINE monthly message limit reached: not sent and not retried. Check "
                        "GET /v2/bot/message/quota and /quota/consumption, or upgrade the plan. (%s)",
                        message,
                    )
                    return Delivered.QUOTA
                if exc.status != 429 and exc.status < 500:
                    log.error("LINE refused a message (%s): %s", exc.status, message)
                    return Delivered.FAILED
                retry_after = _retry_after(exc)
                log.warning(
                    "request %s: LINE answered %s (%s), attempt %d/%d",
                    key,
                    exc.status,
                    message,
                    attempt,
                    self.retry.attempts,
                )
            except NETWORK_ERRORS as exc:
                log.warning("request %s: %r, attempt %d/%d", key, exc, attempt, self.retry.attempts)
            if attempt < self.retry.attempts:
                await asyncio.sleep(self.retry.delay(attempt, retry_after))
        log.warning("request %s not delivered for now after %d attempts", key, self.retry.attempts)
        return Delivered.RETRY
