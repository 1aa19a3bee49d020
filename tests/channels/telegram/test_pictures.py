"""Learning records as pictures over the real Telegram stack (getFile and the file download
from the fake Bot API), other media answered plainly, and the claim form sent as a PDF
whose typed name, unit and title are kept nowhere."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from pypdf import PdfReader

from bot.core.dialogue import Dialogue
from bot.plans.model import Plan
from bot.storage import Store
from tests.channels.telegram.person import Person
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.backends import everything_stored
from tests.support.records import evening_rows
from tests.support.screenshots import FONT_DIR, as_jpeg, pc_table
from tests.support.screenshots import Row as ShotRow

pytestmark = [
    pytest.mark.skipif(
        not (FONT_DIR / "NotoSansCJK-Regular.ttc").exists(),
        reason="needs Debian's fonts-noto-cjk (.ci/run installs it)",
    ),
    pytest.mark.usefixtures("ocr_ready"),
]
OCR = 30.0  # seconds a picture's turn may take on a busy 2-core machine
CHAT = 930001


def said(fake: FakeTelegramAPI, chat: int, since: int = 0) -> str:
    return "\n".join(s["message"].get("text") or "" for s in fake.sent[since:] if s["chat_id"] == chat)


@pytest.fixture
async def staff(dialogue: Dialogue, person: Callable[..., Person]) -> Person:
    await dialogue.prepare_ready("telegram", str(CHAT), "kaohsiung-112", "zh-TW")
    return person(CHAT)


async def test_a_photo_of_the_record_is_read_and_the_claim_form_comes_as_a_pdf(
    staff: Person, fake: FakeTelegramAPI, store: Store, kaohsiung: Plan
) -> None:
    photo = as_jpeg(pc_table(evening_rows(kaohsiung, "ema", ShotRow)))
    text = await staff.turn(fake.make_photo_update(CHAT, photo), replies=2, timeout=OCR)
    assert "已讀取 1 張截圖" in text and "10／10 小時" in text and "可申請補休 4 小時" in text
    assert any(d["file_path"] for d in fake.downloads)  # fetched from the file URL, not guessed
    assert "補休申請表" in " ".join(staff.labels)
    asked = await staff.press("補休申請表")
    assert "姓名、服務單位、職稱" in asked and "不會儲存" in asked
    before = len(fake.sent)
    await staff.turn(fake.make_message_update(CHAT, "王小明，人事處，科員"), replies=2, timeout=OCR)
    (document,) = [s for s in fake.sent[before:] if s.get("document")]
    assert document["document"]["mime_type"] == "application/pdf" or document["document"]["file_name"].endswith(".pdf")
    assert "已填好（4 小時）" in said(fake, CHAT, before)
    pdf = PdfReader(io.BytesIO(document["document"]["data"]))
    printed = "".join(page.extract_text() for page in pdf.pages)
    for field in ("王小明", "人事處", "科員", "政府數位轉型新視界", "e馬當先育職能", "112年3月4日"):
        assert field in printed, field
    user = await store.get_user("telegram", str(CHAT))
    assert user is not None and "王小明" not in str(user.state_data)
    stored = await everything_stored(store)
    assert "王小明" not in stored and "人事處" not in stored and "telegram" in stored


async def test_an_image_sent_as_a_file_is_read_too(staff: Person, fake: FakeTelegramAPI, kaohsiung: Plan) -> None:
    png = pc_table(evening_rows(kaohsiung, "ema", ShotRow)[:3])
    update = fake.make_document_update(CHAT, png, mime_type="image/png", file_name="record.png")
    text = await staff.turn(update, replies=2, timeout=OCR)
    assert "已讀取 1 張截圖" in text and "3／10 小時" in text


@pytest.mark.parametrize("kind", ["sticker", "location", "voice", "video", "audio"])
async def test_other_media_get_an_answer_saying_what_the_bot_reads(
    staff: Person, fake: FakeTelegramAPI, kind: str
) -> None:
    update = getattr(fake, f"make_{kind}_update")(CHAT)
    assert "看得懂學習紀錄的截圖" in await staff.turn(update)


async def test_a_pdf_file_is_not_a_picture(staff: Person, fake: FakeTelegramAPI) -> None:
    update = fake.make_document_update(CHAT, b"%PDF-1.4 ...", mime_type="application/pdf", file_name="x.pdf")
    assert "看得懂學習紀錄的截圖" in await staff.turn(update)
