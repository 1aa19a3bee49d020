"""A reward that leaves a staff category out (約聘僱人員 get 嘉獎 but not 補休): the bot asks
"are you …?" when the answer changes what the person gets, and keeps only that answer."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from bot.core.clock import FixedClock
from bot.core.dialogue import Dialogue
from bot.core.services import Services
from bot.domain.calendar import TAIPEI
from bot.plans.draft.emit import build, render
from bot.plans.loader import PlanBook, parse_plan
from bot.storage import Store
from tests.core.chat import Chat
from tests.support.records import Row, desktop

DATA = Path(__file__).resolve().parents[1] / "data" / "plans"


def taichung() -> PlanBook:
    facts = json.loads((DATA / "taichung-113-expected.json").read_text(encoding="utf-8"))
    plan = parse_plan(render(build(facts), "taichung-113-plan.txt"), "taichung-113", "taichung-113.yaml")
    return PlanBook({plan.id: plan})


async def test_asked_when_it_matters_and_only_the_answer_is_kept(store: Store) -> None:
    book = taichung()
    dialogue = Dialogue(Services(book, store, FixedClock(datetime(2024, 9, 1, 20, 0, tzinfo=TAIPEI))))
    await dialogue.prepare_ready("console", "c1", "taichung-113", "zh-TW")
    chat = Chat(dialogue, "c1")
    plan = book.get("taichung-113")
    assert plan is not None
    rows = [
        Row(c.name, f"2024-04-{n + 13:02d} 19:00:00", f"2024-04-{n + 13:02d} 21:00:00")
        for n, c in enumerate(plan.bundles[0].courses)
    ]
    text = await chat.say(desktop(rows))
    assert "補休：目前可申請 4 小時" in text
    assert "補休不適用於約聘僱人員。您是約聘僱人員嗎" in text
    noted = await chat.press("是")
    assert "記下了：您是約聘僱人員" in noted and "約聘僱人員不適用" in noted and "您是約聘僱人員嗎" not in noted
    user = await store.get_user("console", "c1")
    assert user is not None and user.staff == {"約聘僱人員": True}
    again = await chat.say("/status")
    assert "補休：目前可申請 0 小時" in again and "您是約聘僱人員嗎" not in again
