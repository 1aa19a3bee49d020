"""A real core, the real LINE channel on the bot's web server, and the fake Messaging API.

Tests post webhook bodies shaped and signed as LINE does (the fake's builders) and read
what the person got from `fake.replies` / `fake.pushes`, errbot-style.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import aiohttp
import pytest

from bot.channels.line import WEBHOOK_PATH, LineChannel
from bot.channels.line.sender import RetryPolicy
from bot.config import LineSettings
from bot.core.clock import FixedClock
from bot.core.dialogue import Dialogue
from bot.core.services import Services
from bot.domain.calendar import TAIPEI
from bot.downloads import ROUTE as DOWNLOAD_ROUTE
from bot.downloads import Downloads
from bot.plans.loader import load_rules_dir
from bot.storage import Store
from bot.web import WebServer
from tests.fakes.line_api import FakeLineAPI, new_user_id, postback_event, text_message_event
from tests.support.ports import free_port

SECRET = "line-channel-secret-for-tests"
FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, timeout=5)
Json = dict[str, Any]


def texts(messages: list[Json]) -> str:
    """What the person reads: text messages, and the altText of Flex messages."""
    return "\n\n".join(m.get("text") or m.get("altText", "") for m in messages)


def quick_items(messages: list[Json]) -> list[Json]:
    return [i for m in messages for i in (m.get("quickReply") or {}).get("items", [])]


class LineBot:
    """One person chatting with the bot over LINE."""

    def __init__(
        self, fake: FakeLineAPI, channel: LineChannel, store: Store, url: str, session: aiohttp.ClientSession
    ) -> None:
        self.fake, self.channel, self.store, self.url, self.session = fake, channel, store, url, session
        self.user = new_user_id()
        self.last: list[Json] = []

    async def post_body(self, body: bytes, signature: str | None) -> int:
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Line-Signature"] = signature
        async with self.session.post(self.url, data=body, headers=headers) as response:
            return response.status

    async def post(self, events: list[Json]) -> int:
        return await self.post_body(*self.fake.webhook_body(events, SECRET))

    async def send(self, event: Json) -> list[Json]:
        """Post one event, wait until it is handled; the messages it brought (reply or push)."""
        replies, pushes = len(self.fake.replies), len(self.fake.pushes)
        assert await self.post([event]) == 200
        await self.channel.drain(10)
        got = [m for r in self.fake.replies[replies:] for m in r["messages"]]
        got += [m for p in self.fake.pushes[pushes:] for m in p["messages"]]
        self.last = got or self.last
        return got

    async def say(self, text: str) -> list[Json]:
        return await self.send(text_message_event(self.user, text))

    def data(self, label: str) -> str:
        """The postback data of the last quick reply item whose label contains `label`."""
        found = [i["action"]["data"] for i in quick_items(self.last) if label in i["action"]["label"]]
        assert found, f"no quick reply {label!r} in {[i['action']['label'] for i in quick_items(self.last)]}"
        return found[0]

    async def press(self, label: str) -> list[Json]:
        return await self.send(postback_event(self.user, self.data(label)))


@pytest.fixture
async def fake() -> AsyncIterator[FakeLineAPI]:
    async with FakeLineAPI() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeLineAPI, store: Store) -> AsyncIterator[LineBot]:
    clock = FixedClock(datetime(2023, 6, 1, 20, 0, tzinfo=TAIPEI))  # Kaohsiung's plan is running
    dialogue = Dialogue(Services(load_rules_dir(), store, clock))
    port = free_port()
    web = WebServer("127.0.0.1", port)
    dialogue.services.downloads, dialogue.services.public_url = Downloads(), f"http://127.0.0.1:{port}"
    web.add_route("GET", DOWNLOAD_ROUTE, dialogue.services.downloads.serve)  # as the runner does
    channel = LineChannel(LineSettings(SECRET, fake.access_token, fake.url), dialogue, web, retry=FAST)
    await channel.start()
    await web.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield LineBot(fake, channel, store, f"http://127.0.0.1:{port}{WEBHOOK_PATH}", session)
    finally:
        await web.stop()
        await channel.stop()


async def onboard(bot: LineBot) -> None:
    from tests.fakes.line_api import follow_event

    await bot.send(follow_event(bot.user))
    await bot.press("中文")
    await bot.press("高雄市")
    assert "設定完成" in texts(await bot.press("🔔"))
