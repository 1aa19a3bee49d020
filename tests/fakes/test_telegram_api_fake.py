"""Self-test of the fake Bot API: the real python-telegram-bot stack must work against it."""

from __future__ import annotations

import asyncio
import datetime as dtm
import random
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
)

from tests.fakes.rate_window import RateWindow
from tests.fakes.telegram_api import FakeTelegramAPI, parse_html

CHAT = 900001


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without this opt-in PTB 22.8 emits a PTBDeprecationWarning whenever it *creates* a
    # RetryAfter (its __init__ reads the deprecated int-valued property), i.e. on every 429.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as server:
        yield server


@pytest_asyncio.fixture
async def bot(fake: FakeTelegramAPI) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=f"{fake.url}/bot") as real_bot:
        yield real_bot


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in data]])


@pytest.mark.asyncio
async def test_get_me_and_send_message_with_inline_keyboard(fake: FakeTelegramAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.username == fake.bot_user["username"] and me.is_bot and me.can_join_groups is True

    message = await bot.send_message(
        CHAT, "<b>請假</b> 申請 &amp; 查詢", parse_mode="HTML", reply_markup=keyboard("leave:apply", "leave:list")
    )
    assert message.text == "請假 申請 & 查詢"
    assert message.chat.type == "private" and message.from_user.id == me.id
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bold", 0, 2)]
    assert message.reply_markup == keyboard("leave:apply", "leave:list")

    [sent] = fake.sent
    assert sent["chat_id"] == CHAT and sent["method"] == "sendMessage"
    assert sent["text"] == "<b>請假</b> 申請 &amp; 查詢" and sent["parse_mode"] == "HTML"
    assert sent["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "leave:list"
    request = fake.requests[-1]
    assert request["encoding"] == "form" and request["params"]["chat_id"] == CHAT


@pytest.mark.asyncio
async def test_telegram_limits(fake: FakeTelegramAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(CHAT, "字" * 4097)
    await bot.send_message(CHAT, "字" * 4096)
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(CHAT, "  ")
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await bot.send_message(CHAT, "x", reply_markup=keyboard("資" * 22))  # 66 bytes
    for broken in ("a<br>b", "<b>unclosed", "<b><i>x</b></i>", "R&D", "1 < 2"):
        with pytest.raises(BadRequest, match="(?i)can't parse entities"):
            await bot.send_message(CHAT, broken, parse_mode="HTML")
    assert len(fake.sent) == 1

    message = await bot.send_message(CHAT, "選擇", reply_markup=keyboard("a"))
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("選擇", CHAT, message.message_id, reply_markup=keyboard("a"))
    edited = await bot.edit_message_text("已選擇", CHAT, message.message_id)
    assert edited.text == "已選擇" and edited.reply_markup is None  # keyboard dropped
    assert fake.sent[-1]["method"] == "editMessageText"
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", CHAT, 999)


def test_parse_html_entities() -> None:
    text, entities = parse_html('<a href="https://x.tw">連結</a> <pre>1</pre> &#x1F600;<tg-spoiler>s</tg-spoiler>')
    assert text == "連結 1 \U0001f600s"
    assert entities == [
        {"type": "text_link", "offset": 0, "length": 2, "url": "https://x.tw"},
        {"type": "pre", "offset": 3, "length": 1},
        {"type": "spoiler", "offset": 7, "length": 1},  # the emoji is 2 UTF-16 units
    ]
    assert parse_html("R&D > 1", strict=False)[0] == "R&D > 1"


@pytest.mark.asyncio
async def test_rate_limiter_retries_after_429(fake: FakeTelegramAPI) -> None:
    fake.fail_next("sendMessage", retry_after=1)
    async with ExtBot(fake.token, base_url=f"{fake.url}/bot", rate_limiter=AIORateLimiter(max_retries=2)) as ext_bot:
        started = time.monotonic()
        await ext_bot.send_message(CHAT, "第二次就會成功")
        assert time.monotonic() - started >= 1.0
    assert [r["status"] for r in fake.requests if r["method"] == "sendMessage"] == [429, 200]
    assert len(fake.sent) == 1


@pytest.mark.asyncio
async def test_429_without_rate_limiter_raises_retry_after(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.fail_next("sendMessage", retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "x")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    assert fake.sent == []


@pytest.mark.asyncio
async def test_blocked_chat_raises_forbidden(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.block_chat(CHAT)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "提醒")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(CHAT, "typing")
    await bot.send_message(CHAT + 1, "other people still get it")
    assert [s["chat_id"] for s in fake.sent] == [CHAT + 1]


@pytest.mark.asyncio
async def test_server_errors_and_dropped_connection(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.fail_next("sendMessage", status=500)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(CHAT, "x")
    fake.fail_next("sendMessage", drop=True)
    with pytest.raises(NetworkError):
        await bot.send_message(CHAT, "x")
    await bot.send_message(CHAT, "recovered")
    assert [s["text"] for s in fake.sent] == ["recovered"]


@pytest.mark.asyncio
async def test_slow_answer_times_out_but_message_was_sent(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.slow_next("sendMessage", 0.5)
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "重複風險", read_timeout=0.1)
    assert [s["text"] for s in fake.sent] == ["重複風險"]  # as on Telegram: retrying duplicates


@pytest.mark.asyncio
async def test_callback_queries_keyboards_and_webhook_updates(fake: FakeTelegramAPI, bot: Bot) -> None:
    message = await bot.send_message(CHAT, "確認?", reply_markup=keyboard("yes", "no"))
    with pytest.raises(ValueError):
        fake.make_callback_update(CHAT, message.message_id, "maybe")
    update = Update.de_json(fake.make_callback_update(CHAT, message.message_id, "yes"), bot)
    assert update.callback_query.message.message_id == message.message_id
    assert await update.callback_query.answer("好")
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await update.callback_query.answer()  # every query can be answered once
    edited = await bot.edit_message_reply_markup(CHAT, message.message_id, reply_markup=keyboard("undo"))
    assert edited.reply_markup == keyboard("undo") and edited.text == "確認?"
    assert [s["method"] for s in fake.sent] == ["sendMessage"]  # markup edits are not "sent"
    await bot.edit_message_reply_markup(CHAT, message.message_id)
    assert "reply_markup" not in fake.messages[(CHAT, message.message_id)]
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_reply_markup(CHAT, message.message_id)


@pytest.mark.asyncio
async def test_second_long_poll_terminates_the_first(fake: FakeTelegramAPI) -> None:
    url = f"{fake.url}/bot{fake.token}/getUpdates"
    async with aiohttp.ClientSession() as session:
        first = asyncio.create_task(session.post(url, data={"timeout": "5"}))
        await fake.wait_for(lambda: len(fake.calls("getUpdates")) == 1)
        async with session.post(url, data={"timeout": "0"}) as second:
            assert (await second.json())["result"] == []
        async with await first as response:
            assert response.status == 409
            assert "terminated by other getUpdates" in (await response.json())["description"]


@pytest.mark.asyncio
async def test_wrong_token_and_unknown_method(fake: FakeTelegramAPI) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("42:wrong", base_url=f"{fake.url}/bot"):
            pass
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{fake.url}/bot42:wrong/getMe") as response:
            assert response.status == 401
            assert await response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        async with session.post(f"{fake.url}/bot{fake.token}/sendSticker") as response:
            assert response.status == 404
            assert (await response.json())["description"] == "Not Found"


@pytest.mark.asyncio
async def test_json_body_and_long_polling(fake: FakeTelegramAPI) -> None:
    base = f"{fake.url}/bot{fake.token}"
    async with aiohttp.ClientSession() as session:
        started = time.monotonic()
        async with session.post(f"{base}/getUpdates", json={"timeout": 1}) as response:
            assert await response.json() == {"ok": True, "result": []}
        assert time.monotonic() - started >= 0.9

        async def queue_later() -> None:
            await asyncio.sleep(0.2)
            fake.user_message(CHAT, "/start hello")

        task = asyncio.create_task(queue_later())
        started = time.monotonic()
        async with session.post(f"{base}/getUpdates", json={"timeout": 10}) as response:
            [update] = (await response.json())["result"]
        await task
        assert time.monotonic() - started < 5
        assert update["message"]["entities"] == [{"offset": 0, "length": 6, "type": "bot_command"}]
        # Not confirmed yet: returned again; an offset above it confirms it.
        async with session.post(f"{base}/getUpdates", json={"offset": 0}) as response:
            assert len((await response.json())["result"]) == 1
        async with session.post(f"{base}/getUpdates", json={"offset": update["update_id"] + 1}) as response:
            assert (await response.json())["result"] == []
        markup = '{"inline_keyboard": [[{"text": "ok", "callback_data": "ok"}]]}'
        async with session.post(
            f"{base}/sendMessage", json={"chat_id": CHAT, "text": "hi", "reply_markup": markup}
        ) as response:
            result = (await response.json())["result"]
    assert result["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "ok"
    assert fake.requests[-1]["encoding"] == "json"


@pytest.mark.asyncio
async def test_webhook_and_commands_state(fake: FakeTelegramAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)https url must be provided"):
        await bot.set_webhook("http://example.org/hook")
    assert await bot.set_webhook("https://bot.example.gov.tw/tg", secret_token="s3cret_Token")
    assert fake.webhook["url"] == "https://bot.example.gov.tw/tg"
    assert fake.webhook["secret_token"] == "s3cret_Token"
    info = await bot.get_webhook_info()
    assert info.url == "https://bot.example.gov.tw/tg" and info.pending_update_count == 0
    with pytest.raises(Conflict, match="webhook is active"):  # not a NetworkError
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert fake.webhook["url"] == ""

    await bot.set_my_commands([("start", "開始"), ("leave", "請假")], language_code="zh")
    await bot.set_my_commands([("start", "Start")])
    with pytest.raises(BadRequest):
        await bot.set_my_commands([("start", "開始")], language_code="zh-hant")
    with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
        await bot.set_my_commands([("Leave", "請假")])
    assert [c["command"] for c in fake.commands["zh"]] == ["start", "leave"]
    assert [c.command for c in await bot.get_my_commands(language_code="zh")] == ["start", "leave"]
    assert [c.description for c in await bot.get_my_commands()] == ["Start"]

    assert await bot.log_out() and await bot.close()
    assert [r["method"] for r in fake.requests[-2:]] == ["logOut", "close"]

    update = fake.make_message_update(CHAT, "hello")  # for webhook tests: not queued
    assert Update.de_json(update, bot).message.text == "hello"
    assert fake.calls("getupdates") == [{}]  # the 409 one; PTB sends no None-valued fields


@pytest.mark.asyncio
async def test_application_polling_command_and_callback(fake: FakeTelegramAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        menu = keyboard("leave", "duty")
        await update.effective_message.reply_text("請選擇", reply_markup=menu)

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("收到")
        await query.edit_message_text(f"你選了 {query.data}")

    application = ApplicationBuilder().token(fake.token).base_url(f"{fake.url}/bot").build()
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(button))
    fake.user_message(CHAT, "/start", first_name="王小明")
    async with application:  # initialize / shutdown
        await application.start()
        await application.updater.start_polling(poll_interval=0, timeout=1)
        [menu] = await fake.wait_for_sent(1)
        assert menu["text"] == "請選擇" and menu["message"]["chat"]["first_name"] == "王小明"
        fake.press_button(CHAT, menu["message_id"], "duty")
        sent = await fake.wait_for_sent(2)
        await fake.wait_for(lambda: len(fake.callback_answers) == 1, what="callback answer")
        await application.updater.stop()
        await application.stop()

    assert sent[1]["method"] == "editMessageText" and sent[1]["text"] == "你選了 duty"
    assert sent[1]["message_id"] == menu["message_id"]
    assert fake.callback_answers[0]["text"] == "收到"
    methods = [r["method"] for r in fake.requests]
    assert methods[:3] == ["getMe", "deleteWebhook", "getUpdates"]
    assert methods[-1] == "getUpdates" and fake.requests[-1]["params"]["timeout"] == 0
    assert fake.messages[(CHAT, menu["message_id"])].get("reply_markup") is None


TOO_MANY = {
    "ok": False,
    "error_code": 429,
    "description": "Too Many Requests: retry after 1",
    "parameters": {"retry_after": 1},
}


@pytest.mark.asyncio
async def test_enforced_bot_limit_refuses_a_burst() -> None:
    async with FakeTelegramAPI(max_per_second=50) as fake, aiohttp.ClientSession() as session:

        async def send(i: int) -> tuple[int, dict]:
            data = {"chat_id": str(CHAT + i), "text": f"第 {i} 則"}
            async with session.post(f"{fake.url}/bot{fake.token}/sendMessage", data=data) as response:
                return response.status, await response.json()

        answers = await asyncio.gather(*(send(i) for i in range(80)))  # arrives within a few ms
        assert sorted(status for status, _ in answers) == [200] * 50 + [429] * 30
        assert all(body == TOO_MANY for status, body in answers if status == 429)
        assert fake.rate_limited == 30 and [r["status"] for r in fake.requests].count(429) == 30
        assert len(fake.sent) == 50 and len(fake.messages) == 50  # the refused ones were not sent
        assert {s["text"] for s in fake.sent} == {body["result"]["text"] for status, body in answers if status == 200}


@pytest.mark.asyncio
async def test_enforced_chat_limit_counts_sends_and_edits_only() -> None:
    async with FakeTelegramAPI(max_per_chat_per_second=1) as fake:
        async with Bot(fake.token, base_url=f"{fake.url}/bot") as bot:
            with pytest.raises(BadRequest):
                await bot.send_message(CHAT, " ")  # refused for another reason: does not count
            message = await bot.send_message(CHAT, "第一則")
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(CHAT, "太快了")
            assert caught.value.retry_after == dtm.timedelta(seconds=1)
            with pytest.raises(RetryAfter):
                await bot.edit_message_text("改過", CHAT, message.message_id)  # an edit is a message too
            await bot.send_chat_action(CHAT, "typing")  # not a message
            await bot.send_message(CHAT + 1, "別的聊天室")
    assert [s["text"] for s in fake.sent] == ["第一則", "別的聊天室"]
    assert fake.messages[(CHAT, message.message_id)]["text"] == "第一則"
    assert fake.rate_limited == 2 and fake.max_per_second is None


@pytest.mark.asyncio
async def test_paced_sending_below_the_limits_is_never_refused() -> None:
    # 0.8x both limits: 40 messages/s over 10 chats (4/s each, limit 5/s) for 1.3 s, i.e. more
    # messages than one window holds, for the bot (52 > 50) and for each chat (6 > 5).
    async with (
        FakeTelegramAPI(max_per_second=50, max_per_chat_per_second=5) as fake,
        aiohttp.ClientSession() as session,
    ):

        async def send(i: int) -> int:
            await asyncio.sleep(i / 40)  # on an absolute schedule: a late one does not delay the rest
            data = {"chat_id": str(CHAT + i % 10), "text": f"{i}"}
            async with session.post(f"{fake.url}/bot{fake.token}/sendMessage", data=data) as response:
                return response.status

        statuses = await asyncio.gather(*(send(i) for i in range(52)))
    assert statuses == [200] * 52 and fake.rate_limited == 0 and len(fake.sent) == 52


@pytest.mark.parametrize("limit", [1, 30, 50])
def test_rate_window_tolerance(limit: int) -> None:
    """The documented tolerance, on made-up arrival times: exact pacing with up to 20 ms of jitter
    passes; 10% faster for a second does not; neither does a burst of limit + 1."""
    jitter = random.Random(limit)

    def refusals(rate: float, seconds: float) -> int:
        window, refused = RateWindow(), 0
        arrivals = sorted(i / rate + jitter.uniform(0, 0.02) for i in range(int(rate * seconds) + 1))
        for now in arrivals:
            if window.wait(limit, now) > 0:
                refused += 1
            else:
                window.add(now)
        return refused

    assert refusals(limit, 3.0) == 0
    assert refusals(limit * 1.1, 1.0) > 0
    burst = RateWindow()
    for _ in range(limit):
        assert burst.wait(limit, 7.0) == 0.0
        burst.add(7.0)
    assert burst.wait(limit, 7.0) == pytest.approx(0.95)  # the window less the grace


# ---- files: getFile, downloads, sendDocument, media updates ---------------------------------
PNG = (  # a real 3x2 PNG: the fake reads its size for the full PhotoSize
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x03\x00\x00\x00\x02\x08\x02\x00\x00\x00\x12\x16\xf1M"
    b"\x00\x00\x00\x0fIDATx\x9cc\xf8\xcf\xc0\x00\xc2\x0c\x0c\x00\x0f\x8f\x02\xff\xa4\x88\x84\x1d"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest_asyncio.fixture
async def file_bot(fake: FakeTelegramAPI) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot") as real_bot:
        yield real_bot


@pytest.mark.asyncio
async def test_photo_update_get_file_and_download(fake: FakeTelegramAPI, file_bot: Bot) -> None:
    raw = fake.make_photo_update(CHAT, PNG, caption="打卡紀錄", media_group_id="13579")
    assert raw["message"]["from"]["id"] == CHAT and raw["message"]["chat"]["type"] == "private"
    message = Update.de_json(raw, file_bot).message
    assert message.caption == "打卡紀錄" and message.media_group_id == "13579" and message.text is None
    thumbnail, full = message.photo  # largest last
    assert (full.width, full.height) == (3, 2) and thumbnail.width <= full.width
    assert full.file_size == len(PNG) and full.file_id != thumbnail.file_id
    assert full.file_id.startswith("AgAC") and full.file_unique_id != thumbnail.file_unique_id
    assert (CHAT, message.message_id) in fake.messages

    file = await file_bot.get_file(full.file_id)
    assert file.file_size == len(PNG) and file.file_unique_id == full.file_unique_id
    assert file.file_path.startswith(f"{fake.url}/file/bot{fake.token}/photos/file_")
    assert file.file_path.endswith(".jpg")
    assert await (await file_bot.get_file(full.file_id)).download_as_bytearray() == bytearray(PNG)
    assert await (await file_bot.get_file(thumbnail)).download_as_bytearray() == bytearray(PNG)
    assert [d["status"] for d in fake.downloads] == [200, 200]
    assert fake.calls("getFile")[0] == {"file_id": full.file_id}

    async with aiohttp.ClientSession() as session:
        path = fake.files[full.file_id]["file_path"]
        async with session.get(f"{fake.url}/file/bot{fake.token}/{path}") as response:
            assert response.status == 200 and response.content_type == "image/png"  # the bytes' own type
            assert await response.read() == PNG
        async with session.post(f"{fake.url}/bot{fake.token}/getFile", json={"file_id": full.file_id}) as response:
            assert (await response.json())["result"]["file_path"] == path
    assert fake.requests[-1]["encoding"] == "json"

    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xc0\x00\x11\x08\x03\xc0\x05\x00"
    big = Update.de_json(fake.make_photo_update(CHAT, jpeg + bytes(10)), file_bot).message
    assert [(p.width, p.height) for p in big.photo] == [(90, 68), (1280, 960)]
    assert big.caption is None and big.media_group_id is None
    assert fake.make_photo_update(CHAT, b"not an image")["message"]["photo"][-1]["width"] == 1280


@pytest.mark.asyncio
async def test_get_file_and_download_errors(fake: FakeTelegramAPI, file_bot: Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)invalid file_id"):
        await file_bot.get_file("AgACAgUAAxkBAAI-unknown")
    too_big = fake.add_file(bytes(20 * 1024 * 1024 + 1), mime_type="application/pdf", file_name="big.pdf")
    assert set(too_big) == {"file_id", "file_unique_id", "file_size"} and too_big["file_size"] == 20 * 1024 * 1024 + 1
    with pytest.raises(BadRequest, match="(?i)file is too big"):
        await file_bot.get_file(too_big["file_id"])
    at_limit = fake.add_file(bytes(20 * 1024 * 1024))
    assert (await file_bot.get_file(at_limit["file_id"])).file_size == 20 * 1024 * 1024

    small = fake.add_file(b"hello", mime_type="text/plain", file_name="note.txt")
    fake.fail_next("getFile", status=500)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await file_bot.get_file(small["file_id"])
    fake.fail_next("getFile", retry_after=3)
    with pytest.raises(RetryAfter):
        await file_bot.get_file(small["file_id"])
    file = await file_bot.get_file(small["file_id"])
    assert file.file_path.endswith("/documents/file_2.txt")
    assert [r["status"] for r in fake.requests if r["method"] == "getFile"] == [400, 400, 200, 500, 429, 200]

    fake.fail_next("download", status=502)
    fake.fail_next("*", status=500)  # "*" is for Bot API methods: downloads are not affected
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await file.download_as_bytearray()
    assert await file.download_as_bytearray() == bytearray(b"hello")
    fake.fail_next("download", drop=True)
    with pytest.raises(NetworkError):
        await file.download_as_bytearray()
    assert [d["status"] for d in fake.downloads] == [502, 200, "dropped"]

    async with aiohttp.ClientSession() as session:
        path = fake.files[small["file_id"]]["file_path"]
        async with session.get(f"{fake.url}/file/bot{fake.token}/documents/file_99.txt") as response:
            assert response.status == 404
            assert await response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        async with session.get(f"{fake.url}/file/bot42:wrong/{path}") as response:
            assert response.status == 401
        async with session.get(f"{fake.url}/file/botnot-a-token/{path}") as response:
            assert response.status == 404
        async with session.get(f"{fake.url}/file/bot{fake.token}/{path}") as response:
            assert response.headers["Content-Type"] == "text/plain" and await response.read() == b"hello"


@pytest.mark.asyncio
async def test_document_and_other_media_updates_parse_in_ptb(fake: FakeTelegramAPI, file_bot: Bot) -> None:
    fake.user_message(CHAT, "hi", first_name="王小明")  # a known user keeps the name
    raw = fake.make_document_update(CHAT, PDF, mime_type="application/pdf", file_name="學習紀錄.pdf", caption="請查")
    document = Update.de_json(raw, file_bot).message.document
    assert raw["message"]["from"]["first_name"] == "王小明" and raw["message"]["caption"] == "請查"
    assert (document.file_name, document.mime_type, document.file_size) == ("學習紀錄.pdf", "application/pdf", len(PDF))
    file = await file_bot.get_file(document.file_id)
    assert file.file_path.endswith(".pdf") and await file.download_as_bytearray() == bytearray(PDF)
    image_as_file = fake.make_document_update(CHAT, PNG, mime_type="image/png", file_name="shot.png")
    assert "caption" not in image_as_file["message"]
    assert Update.de_json(image_as_file, file_bot).message.document.mime_type == "image/png"

    sticker = Update.de_json(fake.make_sticker_update(CHAT), file_bot).message.sticker
    assert (sticker.type, sticker.is_animated, sticker.is_video, sticker.width) == ("regular", False, False, 512)
    assert sticker.emoji == "👍"
    location = Update.de_json(fake.make_location_update(CHAT), file_bot).message.location
    assert (location.latitude, location.longitude) == (25.03, 121.56)
    moved = Update.de_json(fake.make_location_update(CHAT, latitude=22.6, longitude=120.3), file_bot).message
    assert moved.location.latitude == 22.6
    voice = Update.de_json(fake.make_voice_update(CHAT), file_bot).message.voice
    assert voice.duration == dtm.timedelta(seconds=3) and voice.mime_type == "audio/ogg"
    video = Update.de_json(fake.make_video_update(CHAT), file_bot).message.video
    assert (video.width, video.height, video.duration) == (1280, 720, dtm.timedelta(seconds=5))
    audio = Update.de_json(fake.make_audio_update(CHAT), file_bot).message.audio
    assert audio.mime_type == "audio/mpeg" and audio.file_name == "song.mp3"
    for media, extension in ((sticker, ".webp"), (voice, ".oga"), (video, ".mp4"), (audio, ".mp3")):
        file = await file_bot.get_file(media.file_id)
        assert file.file_path.endswith(extension) and file.file_size == media.file_size
        assert len(await file.download_as_bytearray()) == media.file_size

    fake.queue_update(fake.make_photo_update(CHAT, PNG))  # queued like any update
    [*_, queued] = await file_bot.get_updates()
    assert queued.message.photo[-1].file_size == len(PNG)


@pytest.mark.asyncio
async def test_send_document(fake: FakeTelegramAPI, file_bot: Bot) -> None:
    await file_bot.send_message(CHAT, "報表如下")
    message = await file_bot.send_document(
        CHAT, PDF, filename="報表.pdf", caption="<b>十月</b> 報表", parse_mode="HTML", reply_markup=keyboard("ok")
    )
    assert message.document.file_name == "報表.pdf" and message.document.mime_type == "application/pdf"
    assert message.document.file_size == len(PDF) and message.caption == "十月 報表"
    assert [(e.type, e.offset, e.length) for e in message.caption_entities] == [("bold", 0, 2)]
    assert message.reply_markup == keyboard("ok") and message.from_user.id == fake.bot_user["id"]

    text_sent, sent = fake.sent
    assert text_sent["message"]["text"] == "報表如下" and "document" not in text_sent
    assert (sent["method"], sent["chat_id"], sent["message_id"]) == ("sendDocument", CHAT, message.message_id)
    assert sent["text"] is None and sent["caption"] == "<b>十月</b> 報表" and sent["parse_mode"] == "HTML"
    assert sent["document"] == {"file_name": "報表.pdf", "mime_type": "application/pdf", "data": PDF}
    assert sent["message"]["document"]["file_id"] == message.document.file_id
    assert sent["message"]["caption"] == "十月 報表" and "text" not in sent["message"]
    assert sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "ok"
    assert fake.requests[-1]["encoding"] == "multipart"
    file = await file_bot.get_file(message.document)
    assert await file.download_as_bytearray() == bytearray(PDF)

    again = await file_bot.send_document(CHAT + 1, message.document.file_id)  # by file_id, no upload
    assert again.document.file_id == message.document.file_id and again.caption is None
    assert fake.sent[-1]["document"]["data"] == PDF and fake.sent[-1]["caption"] is None

    with pytest.raises(BadRequest, match="(?i)there is no text in the message to edit"):
        await file_bot.edit_message_text("x", CHAT, message.message_id)
    edited = await file_bot.edit_message_reply_markup(CHAT, message.message_id)
    assert edited.reply_markup is None and edited.document.file_id == message.document.file_id


@pytest.mark.asyncio
async def test_send_document_limits(fake: FakeTelegramAPI, file_bot: Bot) -> None:
    await file_bot.send_document(CHAT, PDF, filename="a.pdf", caption="字" * 1024)
    await file_bot.send_document(CHAT, PDF, filename="a.pdf", caption="<i>" + "字" * 1024 + "</i>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)message caption is too long"):
        await file_bot.send_document(CHAT, PDF, filename="a.pdf", caption="字" * 1025)
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await file_bot.send_document(CHAT, PDF, filename="a.pdf", caption="<b>x", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)wrong file identifier"):
        await file_bot.send_document(CHAT, "BQACAgUAAxkBAAI-unknown")
    fake.block_chat(CHAT + 1)
    with pytest.raises(Forbidden, match="blocked"):
        await file_bot.send_document(CHAT + 1, PDF, filename="a.pdf")
    unnamed = await file_bot.send_document(CHAT, b"\x00\x01")  # PTB names it application.octet-stream
    assert unnamed.document.mime_type == "application/octet-stream"
    with pytest.raises(NetworkError, match="Request Entity Too Large"):
        await file_bot.send_document(CHAT, bytes(50 * 1024 * 1024 + 1), filename="big.pdf")
    assert fake.requests[-1]["status"] == 413
    assert [s["method"] for s in fake.sent] == ["sendDocument"] * 3
