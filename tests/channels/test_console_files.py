"""The console takes a screenshot by its path and saves the claim form in its folder."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest

from bot.channels.console import ConsoleChat
from bot.core.clock import FixedClock
from bot.core.dialogue import Dialogue
from bot.core.services import Services
from bot.domain.calendar import TAIPEI
from bot.plans.loader import PlanBook
from bot.plans.model import Plan
from bot.storage import Store
from tests.support.screenshots import FONT_DIR, Row, pc_table

pytestmark = [
    pytest.mark.skipif(
        not (FONT_DIR / "NotoSansCJK-Regular.ttc").exists(),
        reason="needs Debian's fonts-noto-cjk (.ci/run installs it)",
    ),
    pytest.mark.usefixtures("ocr_ready"),
]


async def test_a_screenshot_by_path_and_the_claim_form_as_a_file(
    book: PlanBook, store: Store, kaohsiung: Plan, tmp_path: Path
) -> None:
    dialogue = Dialogue(Services(book, store, FixedClock(datetime(2023, 6, 1, 20, 0, tzinfo=TAIPEI))))
    await dialogue.prepare_ready("console", "me", "kaohsiung-112", "zh-TW")
    rows = [
        Row(c.name, f"2023-03-{n + 4:02d} 19:00:00", f"2023-03-{n + 4:02d} {19 + int(c.hours)}:00:00")
        for n, c in enumerate(kaohsiung.bundles_by_id["exing"].courses)
    ]
    shot = tmp_path / "record.png"
    shot.write_bytes(pc_table(rows))
    out = io.StringIO()
    chat = ConsoleChat(dialogue, "me", out, folder=tmp_path)
    await chat.send(f"'{shot}'")  # as a terminal pastes a dropped file
    assert "已讀取 1 張截圖" in out.getvalue() and "可申請補休 4 小時" in out.getvalue()
    await chat.send("/claim")
    await chat.send("王小明，人事處，科員")
    (saved,) = tmp_path.glob("*.pdf")
    assert saved.read_bytes().startswith(b"%PDF") and f"已存成檔案：{saved}" in out.getvalue()
