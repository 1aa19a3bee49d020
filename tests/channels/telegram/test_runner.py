"""`python -m bot run` with Telegram configured from the environment, in both modes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from bot.config import Settings
from bot.runner import serve
from tests.channels.telegram.conftest import SECRET
from tests.fakes.telegram_api import FakeTelegramAPI

GINA = 860001


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_run_serves_telegram(fake: FakeTelegramAPI, tmp_path: Path, unused_tcp_port: int, mode: str) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_URL": fake.url,
        "BOT_HTTP_HOST": "127.0.0.1",
        "BOT_HTTP_PORT": str(unused_tcp_port),
        "DATABASE_URL": f"sqlite:///{tmp_path}/run.sqlite3",
    }
    if mode == "webhook":
        env |= {"TELEGRAM_WEBHOOK_URL": "https://bot.example.gov.tw/", "TELEGRAM_WEBHOOK_SECRET": SECRET}
    stop = asyncio.Event()
    running = asyncio.create_task(serve(Settings.from_env(env), stop))
    base = f"http://127.0.0.1:{unused_tcp_port}"
    async with aiohttp.ClientSession() as session:
        async with asyncio.timeout(5):
            while True:  # until the web server is up, i.e. every channel started
                try:
                    async with session.get(f"{base}/healthz") as response:
                        health = await response.json()
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.02)
        update = fake.make_message_update(GINA, "/start")
        if mode == "webhook":
            assert health["webhooks"] == ["telegram"]
            assert fake.webhook["url"] == "https://bot.example.gov.tw/telegram/webhook"
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            async with session.post(f"{base}/telegram/webhook", json=update, headers=headers) as response:
                assert response.status == 200
        else:
            assert health["webhooks"] == []
            fake.queue_update(update)
        [reply] = await fake.wait_for_sent(1)
    stop.set()
    await asyncio.wait_for(running, 5)
    assert reply["chat_id"] == GINA and "請選擇語言" in reply["message"]["text"]
