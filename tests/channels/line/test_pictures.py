"""Learning records as pictures over LINE (the content endpoint, through the real SDK),
other messages and groups answered, and the claim form as a single-use download link."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from bot.plans.model import Plan
from tests.channels.line.conftest import LineBot, onboard, texts
from tests.fakes.line_api import (
    audio_message_event,
    file_message_event,
    group_text_event,
    image_message_event,
    join_event,
    location_message_event,
    new_group_id,
    sticker_message_event,
    video_message_event,
)
from tests.support.records import evening_rows
from tests.support.screenshots import FONT_DIR, phone_shots
from tests.support.screenshots import Row as ShotRow

pytestmark = [
    pytest.mark.skipif(
        not (FONT_DIR / "NotoSansCJK-Regular.ttc").exists(),
        reason="needs Debian's fonts-noto-cjk (.ci/run installs it)",
    ),
    pytest.mark.usefixtures("ocr_ready"),
]


async def test_an_image_set_of_phone_shots_is_one_record_and_the_form_is_a_link(bot: LineBot, kaohsiung: Plan) -> None:
    await onboard(bot)
    shots = phone_shots(evening_rows(kaohsiung, "ema", ShotRow), per_shot=4, overlap=1)
    events = []
    for index, shot in enumerate(shots, 1):
        event = image_message_event(bot.user, image_set=("set-1", index, len(shots)))
        bot.fake.add_content(event["message"]["id"], shot, "image/png")
        events.append(event)
    replies = len(bot.fake.replies)
    assert await bot.post(events) == 200
    await bot.channel.drain(60)
    got = texts([m for r in bot.fake.replies[replies:] for m in r["messages"]])
    assert got.count("收到第") == 2 and "已讀取 3 張截圖" in got and "10／10 小時" in got
    bot.last = [m for r in bot.fake.replies[replies:] for m in r["messages"]]
    assert "姓名、服務單位、職稱" in texts(await bot.press("補休申請表"))
    answer = texts(await bot.say("王小明，人事處，科員"))
    assert "已填好（4 小時）" in answer and "只能下載一次" in answer
    url = next(word for word in answer.split() if word.startswith("http://"))
    async with bot.session.get(url) as response:
        assert response.status == 200 and response.content_type == "application/pdf"
        pdf = PdfReader(io.BytesIO(await response.read()))
    assert "王小明" in "".join(page.extract_text() for page in pdf.pages)
    async with bot.session.get(url) as again:
        assert again.status == 410 and "過期或用過" in await again.text()


async def test_content_that_expired_is_answered(bot: LineBot) -> None:
    await onboard(bot)
    event = image_message_event(bot.user)
    assert "這張圖片讀不出來" in texts(await bot.send(event))  # never added: LINE answers 404


@pytest.mark.parametrize(
    "make",
    [sticker_message_event, location_message_event, file_message_event, audio_message_event, video_message_event],
)
async def test_other_messages_get_an_answer_saying_what_the_bot_reads(bot: LineBot, make: object) -> None:
    await onboard(bot)
    assert "看得懂學習紀錄的截圖" in texts(await bot.send(make(bot.user)))  # type: ignore[operator]


async def test_a_group_gets_one_note_that_the_bot_works_one_to_one(bot: LineBot) -> None:
    group = new_group_id()
    first = texts(await bot.send(join_event(group)))
    assert "只在一對一聊天中服務" in first
    replies = len(bot.fake.replies)
    await bot.send(group_text_event(group, bot.user, "補休怎麼申請"))
    await bot.send(group_text_event(group, bot.user, "有人在嗎"))
    assert len(bot.fake.replies) == replies  # told once, not at every message
    other = texts(await bot.send(group_text_event(new_group_id(), bot.user, "hi")))
    assert "只在一對一聊天中服務" in other
