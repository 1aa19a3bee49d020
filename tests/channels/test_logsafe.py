"""LOG_LEVEL=DEBUG through a whole conversation on both channels: the log the operator reads
holds no token, no secret, nothing a person typed and no SQL parameter."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import aiohttp

from bot.app import setup_logging
from bot.channels.line import WEBHOOK_PATH, LineChannel
from bot.config import LineSettings, Settings, TelegramSettings
from bot.core.clock import FixedClock
from bot.core.dialogue import Dialogue
from bot.core.services import Services
from bot.domain.calendar import TAIPEI
from bot.logsafe import QUIET, Redact
from bot.plans.loader import PlanBook
from bot.storage import Store
from bot.web import WebServer
from tests.channels.line.conftest import FAST, LineBot
from tests.channels.line.conftest import SECRET as LINE_SECRET
from tests.channels.telegram.conftest import PUBLIC_URL, SECRET, Webhook, make_channel
from tests.channels.telegram.person import Person
from tests.fakes.line_api import FakeLineAPI
from tests.fakes.telegram_api import FakeTelegramAPI

LINE_TOKEN = "line-long-lived-access-token-for-log-tests"
WORDS_TG = "明天會不會放颱風假"  # unanswered: stored with an SQL parameter
WORDS_LINE = "火星上有沒有網路"


@contextmanager
def operator_log(settings: Settings) -> Iterator[io.StringIO]:
    """The root logger as `python -m bot run` sets it up, writing to a buffer; restored after."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, {name: logging.getLogger(name).level for name in (*QUIET, "httpx")}
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.handlers = [handler]
    try:
        setup_logging("DEBUG", settings)
        yield out
    finally:
        root.handlers, level, levels = saved
        root.setLevel(level)
        for name, value in levels.items():
            logging.getLogger(name).setLevel(value)


async def test_debug_log_has_no_secret_and_no_words(book: PlanBook, store: Store, unused_tcp_port: int) -> None:
    async with FakeTelegramAPI() as tg, FakeLineAPI(access_token=LINE_TOKEN) as line:
        settings = Settings(
            log_level="DEBUG",
            telegram=TelegramSettings(tg.token, tg.url, PUBLIC_URL, SECRET),
            line=LineSettings(LINE_SECRET, LINE_TOKEN, line.url),
        )
        with operator_log(settings) as out:
            logging.getLogger("bot.example").debug("our own debug line")
            dialogue = Dialogue(Services(book, store, FixedClock(datetime(2023, 6, 1, 20, 0, tzinfo=TAIPEI))))
            web = WebServer("127.0.0.1", unused_tcp_port)
            telegram = make_channel(tg, dialogue, web, webhook_url=PUBLIC_URL, secret=SECRET)  # logs its URL
            line_channel = LineChannel(settings.line, dialogue, web, retry=FAST)  # type: ignore[arg-type]
            await telegram.start()  # getMe, setWebhook with the secret
            await line_channel.start()
            await web.start()
            try:
                base = f"http://127.0.0.1:{unused_tcp_port}"
                async with aiohttp.ClientSession() as session:
                    carol = Person(tg, telegram, 830001, Webhook(telegram, f"{base}/telegram/webhook", session).deliver)
                    await carol.say("/start")
                    await carol.press("中文")
                    await carol.press("高雄市")
                    await carol.press("不用")
                    assert "不確定" in await carol.say(WORDS_TG)
                    lina = LineBot(line, line_channel, store, base + WEBHOOK_PATH, session)
                    assert await lina.say(WORDS_LINE)
                    # Someone else's code quoting the secrets, in a message and in an exception.
                    logging.getLogger("aiohttp.client").error("POST %s/bot%s/sendMessage failed", tg.url, tg.token)
                    try:
                        raise RuntimeError(f"Bearer {LINE_TOKEN} for {LINE_SECRET}, hook {SECRET}")
                    except RuntimeError:
                        logging.getLogger("somelib").exception("request failed")
            finally:
                await web.stop()
                await line_channel.stop()
                await telegram.stop()
        log = out.getvalue()
    assert "DEBUG bot.example: our own debug line" in log  # DEBUG stays useful for our code
    assert "request failed" in log and "RuntimeError: Bearer <redacted>" in log
    for secret in (tg.token, tg.token.partition(":")[2], SECRET, LINE_SECRET, LINE_TOKEN):
        assert secret not in log
    for words in (WORDS_TG, WORDS_LINE):
        assert words not in log
    assert "DEBUG aiosqlite" not in log and "DEBUG telegram" not in log  # SQL parameters, request parameters


def test_token_shapes_are_masked_without_configuration() -> None:
    redact = Redact()
    line = "GET https://api.telegram.org/bot123456789:AAFakeTokenForTestsOnly_abcdefghijkl/getMe: 404"
    assert redact.scrub(line) == "GET https://api.telegram.org/<redacted>/getMe: 404"
    assert redact.scrub("token 123456789:AAFakeTokenForTestsOnly_abcdefghijkl") == "token <redacted>"
    assert redact.scrub("telegram:12345 at 21:00:00") == "telegram:12345 at 21:00:00"
