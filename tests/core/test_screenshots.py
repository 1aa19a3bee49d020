"""Screenshots of the record in the chat, read by the real OCR engine: three overlapping
phone shots sent together are one record and get one full answer; a picture that is not
a record, or not a picture, gets a plain answer and changes nothing."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.dialogue import Dialogue
from bot.core.messages import Incoming
from bot.plans.model import Plan
from bot.storage import Store
from tests.core.chat import Chat
from tests.support.records import evening_rows
from tests.support.screenshots import FONT_DIR, phone_shots
from tests.support.screenshots import Row as ShotRow

pytestmark = pytest.mark.skipif(
    not (FONT_DIR / "NotoSansCJK-Regular.ttc").exists(), reason="needs Debian's fonts-noto-cjk (.ci/run installs it)"
)


async def test_three_phone_shots_sent_together_are_one_record(
    ready: Chat, dialogue: Dialogue, store: Store, kaohsiung: Plan
) -> None:
    shots = phone_shots(evening_rows(kaohsiung, "ema", ShotRow), per_shot=4, overlap=1)
    assert len(shots) == 3
    answers = await asyncio.gather(*(dialogue.handle(Incoming("console", ready.user, image=shot)) for shot in shots))
    texts = ["\n".join(r.text for r in replies) for replies in answers]
    assert "收到第 1 張截圖" in texts[0] and "收到第 2 張截圖" in texts[1]
    assert "已讀取 3 張截圖" in texts[2] and "10／10 小時" in texts[2] and "可申請補休 4 小時" in texts[2]
    user = await store.get_user("console", ready.user)
    assert user is not None
    marks = await store.marks(user.id, "kaohsiung-112")
    assert len(marks) == 8 and all(m.source == "record" and m.start is not None for m in marks)


async def test_a_shot_sent_later_adds_to_the_record(ready: Chat, dialogue: Dialogue, kaohsiung: Plan) -> None:
    first, second, _ = phone_shots(evening_rows(kaohsiung, "ema", ShotRow), per_shot=4, overlap=1)
    one = "\n".join(r.text for r in await dialogue.handle(Incoming("console", ready.user, image=first)))
    assert "已讀取 1 張截圖" in one and "4／10 小時" in one
    two = "\n".join(r.text for r in await dialogue.handle(Incoming("console", ready.user, image=second)))
    # The fourth course was in both shots: counted once. The seventh is cut at the bottom of the second.
    assert (
        "已讀取 2 張截圖" in two
        and "6／10 小時" in two
        and "截圖最下面的「我國性別平等政策綱領與重要議題」被截斷了" in two
    )


async def test_a_picture_that_is_not_a_record_or_not_a_picture(ready: Chat, dialogue: Dialogue) -> None:
    from PIL import Image, ImageDraw

    from tests.support.screenshots import font

    picture = Image.new("RGB", (900, 400), "white")
    ImageDraw.Draw(picture).text((40, 150), "今天天氣很好，一起去爬山", font=font(48), fill="black")
    import io

    out = io.BytesIO()
    picture.save(out, "PNG")
    text = "\n".join(r.text for r in await dialogue.handle(Incoming("console", ready.user, image=out.getvalue())))
    assert "這張截圖裡找不到學習紀錄的課程" in text
    broken = "\n".join(r.text for r in await dialogue.handle(Incoming("console", ready.user, image=b"not a picture")))
    assert "這張圖片讀不出來" in broken
