"""A general answer is composed once for everyone who asks it, and never served stale: a new
day, another language or a changed rules file gives a new one."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.core.clock import FixedClock
from bot.core.dialogue import Dialogue
from bot.core.services import Services
from bot.plans.loader import PlanBook, load_rules_dir, parse_plan
from bot.storage import Store
from tests.core.chat import Chat
from tests.core.conftest import KAOHSIUNG_DAY, onboard

RULES = Path(__file__).resolve().parents[2] / "rules" / "kaohsiung-112.yaml"
QUESTION = "截止日期是什麼時候"


async def test_the_same_answer_for_all_until_the_day_or_the_plan_changes(store: Store) -> None:
    clock = FixedClock(KAOHSIUNG_DAY)
    services = Services(load_rules_dir(), store, clock)
    dialogue = Dialogue(services)
    first, second, third = Chat(dialogue, "u1"), Chat(dialogue, "u2"), Chat(dialogue, "u3")
    for chat in (first, second, third):
        await onboard(chat)
    asked = await first.say(QUESTION)
    assert "112年8月31日" in asked and "還有 91 天" in asked
    assert await second.say(QUESTION) == asked

    clock.advance(timedelta(days=1))
    assert "還有 90 天" in await third.say(QUESTION)

    later = RULES.read_text(encoding="utf-8").replace("2023-08-31", "2023-09-15")
    plan = parse_plan(later, "kaohsiung-112", "kaohsiung-112.yaml")
    book = load_rules_dir()
    services.reload(PlanBook({**book.plans, plan.id: plan}))
    moved = await first.say(QUESTION)
    assert "112年9月15日" in moved and "112年8月31日" not in moved


async def test_each_language_gets_its_own(store: Store) -> None:
    dialogue = Dialogue(Services(load_rules_dir(), store, FixedClock(KAOHSIUNG_DAY)))
    chinese, english = Chat(dialogue, "zh"), Chat(dialogue, "en")
    await onboard(chinese)
    await onboard(english, lang_label="English", plan_label="Kaohsiung")
    assert "112年8月31日" in await chinese.say(QUESTION)
    answered = await english.say("When is the deadline?")
    assert "Aug 31, 2023 (91 days left)" in answered and "112年" not in answered
    assert "還有 91 天" in await chinese.say("When is the deadline?")  # the same question, in Chinese
