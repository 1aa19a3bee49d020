"""The real core, the real python-telegram-bot stack and the fake Bot API on 127.0.0.1.

Tests never reach api.telegram.org: the channel's base URL is the fake's. The limiter is
the real one with a short per-chat interval, so that conversations do not wait a second
per message (its real spacing is tested on its own in test_limiter.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import aiohttp
import pytest

from bot.channels.telegram import TelegramChannel
from bot.channels.telegram.delivery import RetryPolicy
from bot.channels.telegram.limiter import ChatRateLimiter
from bot.channels.telegram.webhook import SECRET_HEADER
from bot.config import TelegramSettings
from bot.core.clock import FixedClock
from bot.core.dialogue import Dialogue
from bot.core.services import Services
from bot.domain.calendar import TAIPEI
from bot.plans.loader import PlanBook
from bot.storage import Store
from bot.web import WebServer
from tests.channels.telegram.person import JSON, Person
from tests.fakes.telegram_api import FakeTelegramAPI

KAOHSIUNG_DAY = datetime(2023, 6, 1, 20, 0, tzinfo=TAIPEI)  # Thursday evening; Kaohsiung 112 running
SECRET = "s3cret_Token-for-tests"
PUBLIC_URL = "https://bot.example.gov.tw"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as server:
        yield server


@pytest.fixture
def dialogue(book: PlanBook, store: Store) -> Dialogue:
    return Dialogue(Services(book, store, FixedClock(KAOHSIUNG_DAY)))


def make_channel(
    fake: FakeTelegramAPI,
    dialogue: Any,
    web: WebServer | None = None,
    *,
    webhook_url: str | None = None,
    secret: str | None = None,
    **options: Any,
) -> TelegramChannel:
    settings = TelegramSettings(fake.token, fake.url, webhook_url, secret)
    options.setdefault("rate_limiter", ChatRateLimiter(chat_interval=0.01, group_interval=0.01))
    options.setdefault("retry", RetryPolicy(first_pause=0.05))
    return TelegramChannel(settings, dialogue, web, **options)


@pytest.fixture
async def polling(fake: FakeTelegramAPI, dialogue: Dialogue) -> AsyncIterator[TelegramChannel]:
    channel = make_channel(fake, dialogue)
    await channel.start()
    yield channel
    await channel.stop()


@pytest.fixture
def person(fake: FakeTelegramAPI, polling: TelegramChannel) -> Callable[..., Person]:
    """A person who talks to the polling bot: person(chat_id, language_code=...)."""

    async def queue(update: JSON) -> None:
        fake.queue_update(update)

    return lambda chat_id, **kw: Person(fake, polling, chat_id, queue, **kw)


class Webhook:
    """The webhook bot behind the shared web server, and a client that POSTs like Telegram."""

    def __init__(self, channel: TelegramChannel, url: str, session: aiohttp.ClientSession) -> None:
        self.channel, self.url, self.session = channel, url, session

    async def post(self, body: bytes | JSON, secret: str | None = SECRET) -> int:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        kwargs: dict[str, Any] = {"data": body} if isinstance(body, bytes) else {"json": body}
        async with self.session.post(self.url, headers=headers, **kwargs) as response:
            return response.status

    async def deliver(self, update: JSON) -> None:
        assert await self.post(update) == 200


@pytest.fixture
async def webhook(fake: FakeTelegramAPI, dialogue: Dialogue, unused_tcp_port: int) -> AsyncIterator[Webhook]:
    web = WebServer("127.0.0.1", unused_tcp_port)
    channel = make_channel(fake, dialogue, web, webhook_url=PUBLIC_URL, secret=SECRET)
    await channel.start()
    await web.start()
    async with aiohttp.ClientSession() as session:
        yield Webhook(channel, f"http://127.0.0.1:{unused_tcp_port}/telegram/webhook", session)
    await web.stop()
    await channel.stop()
