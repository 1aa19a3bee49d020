"""`python -m bot ask --json` says how far the bot stands behind each answer."""

from __future__ import annotations

import io
import json
from pathlib import Path

from bot.commands.ask import run_ask
from bot.core.clock import FixedClock
from bot.core.dialogue import Dialogue
from bot.core.services import Services
from bot.plans.loader import load_rules_dir
from bot.storage import open_store
from tests.qa.test_accuracy import DAYS


async def _ask(tmp_path: Path, plan: str, questions: list[str]) -> list[dict[str, object]]:
    store = await open_store(f"sqlite:///{tmp_path}/ask.sqlite3")
    try:
        dialogue = Dialogue(Services(load_rules_dir(), store, FixedClock(DAYS[plan])))
        out = io.StringIO()
        await run_ask(dialogue, plan, "zh-TW", io.StringIO("\n".join(questions) + "\n"), out, True)
    finally:
        await store.close()
    return [json.loads(line) for line in out.getvalue().splitlines()]


async def test_each_object_has_an_outcome(tmp_path: Path) -> None:
    rows = await _ask(tmp_path, "kaohsiung-112", ["補休最多幾小時", "明天高雄會下雨嗎", "嗯嗯嗯嗯嗯嗯嗯嗯"])
    assert [r["outcome"] for r in rows] == ["answered", "declined", "declined"]
    assert all({"question", "text", "buttons", "outcome"} <= r.keys() for r in rows)
