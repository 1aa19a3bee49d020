"""Starting and stopping: a refused token, graceful and bounded stops, a failing core."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.channels.telegram import TelegramChannel
from bot.config import ConfigError, TelegramSettings
from bot.core.dialogue import Dialogue
from bot.core.messages import Incoming, Reply
from bot.web import WebServer
from tests.channels.telegram.conftest import make_channel
from tests.channels.telegram.person import Person
from tests.fakes.telegram_api import FakeTelegramAPI

ERIN, FRANK = 850001, 850002


class HangingCore:
    """A core that never finishes (a stuck database, say)."""

    def __init__(self, dialogue: Dialogue) -> None:
        self.services = dialogue.services
        self.started = asyncio.Event()

    async def handle(self, incoming: Incoming, others_waiting: object = None) -> list[Reply]:
        self.started.set()
        await asyncio.Event().wait()
        return []


class BrokenFor:
    """The real core, except that it raises for one person."""

    def __init__(self, dialogue: Dialogue, user_id: int) -> None:
        self.dialogue, self.user_id, self.services = dialogue, str(user_id), dialogue.services

    async def handle(self, incoming: Incoming, others_waiting: object = None) -> list[Reply]:
        if incoming.user_id == self.user_id:
            raise RuntimeError("bug in the core")
        return await self.dialogue.handle(incoming)


async def test_refused_token_is_a_config_error(fake: FakeTelegramAPI, dialogue: Dialogue) -> None:
    settings = TelegramSettings("42:wrongwrongwrongwrongwrong", fake.url)
    channel = TelegramChannel(settings, dialogue)
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN") as caught:
        await channel.start()
    assert "wrongwrong" not in str(caught.value)  # the token stays out of logs
    await channel.stop()  # harmless after a failed start


async def test_webhook_mode_needs_the_web_server_and_a_secret(fake: FakeTelegramAPI, dialogue: Dialogue) -> None:
    with pytest.raises(ValueError, match="web server"):
        make_channel(fake, dialogue, webhook_url="https://bot.example.gov.tw", secret="s")
    with pytest.raises(ValueError, match="secret"):
        web = WebServer("127.0.0.1", 0)
        make_channel(fake, dialogue, web, webhook_url="https://bot.example.gov.tw")


async def test_stop_lets_a_reply_in_flight_arrive(fake: FakeTelegramAPI, dialogue: Dialogue) -> None:
    channel = make_channel(fake, dialogue)
    await channel.start()
    fake.slow_next("sendMessage", 0.3)
    fake.user_message(ERIN, "/start")
    await fake.wait_for(lambda: any(r["method"] == "sendMessage" for r in fake.requests))
    await channel.stop()
    assert [s["chat_id"] for s in fake.sent] == [ERIN]
    assert fake.requests[-1]["method"] == "getUpdates"  # offsets confirmed before the end


async def test_stop_is_bounded(fake: FakeTelegramAPI, dialogue: Dialogue) -> None:
    core = HangingCore(dialogue)
    channel = make_channel(fake, core, stop_grace=0.2)
    await channel.start()
    fake.user_message(ERIN, "/start")
    await asyncio.wait_for(core.started.wait(), 5)
    started = time.monotonic()
    await channel.stop()
    assert time.monotonic() - started < 2
    assert fake.sent == []


async def test_a_failing_core_costs_one_apology(fake: FakeTelegramAPI, dialogue: Dialogue) -> None:
    channel = make_channel(fake, BrokenFor(dialogue, ERIN))
    await channel.start()
    try:

        async def queue(update: dict[str, object]) -> None:
            fake.queue_update(update)

        erin = Person(fake, channel, ERIN, queue)
        frank = Person(fake, channel, FRANK, queue, language_code="en")
        assert "出了點問題" in await erin.say("/start")
        assert "Please choose a language" in await frank.say("/start")
        assert "出了點問題" in await erin.say("還在嗎")
    finally:
        await channel.stop()
