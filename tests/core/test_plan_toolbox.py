"""Each plan's matcher is built when its plan is first asked of: a rules folder that gains a
file every year does not lengthen start-up or idle memory for plans nobody is on."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from bot.core.clock import FixedClock
from bot.core.dialogue import Dialogue
from bot.core.messages import Incoming
from bot.core.services import Services, plan_tools
from bot.domain.calendar import TAIPEI
from bot.plans.loader import DEFAULT_RULES_DIR, load_rules_dir
from bot.storage import Store

OTHER_PLANS = Path(__file__).resolve().parents[1] / "data" / "plans"


def five_plans(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    for found in [*DEFAULT_RULES_DIR.glob("*.yaml"), *OTHER_PLANS.glob("*.yaml")]:
        shutil.copy(found, rules)
    return rules


async def test_only_the_plans_asked_of_are_built_and_each_answers_from_its_own_file(
    tmp_path: Path, store: Store
) -> None:
    book = load_rules_dir(five_plans(tmp_path))
    assert len(book) == 5
    services = Services(book, store, FixedClock(datetime(2023, 6, 1, 20, 0, tzinfo=TAIPEI)))
    assert dict(services.tools) == {}  # nothing built at start
    assert all(p.id in services.tools for p in book)  # yet every plan is served
    dialogue = Dialogue(services)
    await dialogue.prepare_ready("console", "k", "kaohsiung-112", "zh-TW")
    (reply, *_) = await dialogue.handle(Incoming("console", "k", text="補休最多幾小時"))
    assert "16 小時" in reply.text
    await dialogue.prepare_ready("console", "t", "taoyuan-113", "zh-TW")
    (reply, *_) = await dialogue.handle(Incoming("console", "t", text="有哪些組裝課程"))
    assert "必修組裝課程" in reply.text and "e馬當先" not in reply.text
    assert set(dict(services.tools)) == {"kaohsiung-112", "taoyuan-113"}
    assert services.tools.get("no-such-plan") is None and "no-such-plan" not in services.tools


def test_a_reload_keeps_what_was_built_and_builds_what_changed(tmp_path: Path) -> None:
    book = load_rules_dir(five_plans(tmp_path))
    first = plan_tools(book)
    again = plan_tools(book, first)
    assert all(dict.__getitem__(again, p.id) is dict.__getitem__(first, p.id) for p in book)
