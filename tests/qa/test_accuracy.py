"""Staff questions written from the plan documents alone (tests/data/qa) must get the
right facts, through the whole dialogue, exactly as a person would see the reply."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bot.core.clock import FixedClock
from bot.core.dialogue import Dialogue
from bot.core.messages import Incoming
from bot.core.services import Services
from bot.domain.calendar import TAIPEI
from bot.plans.loader import load_rules_dir
from bot.storage import open_store
from tests.qa.grading import load, passes

TARGET = 0.90
DAYS = {
    "kaohsiung-112": datetime(2023, 6, 1, 20, 0, tzinfo=TAIPEI),
    "hsinchu-109": datetime(2020, 6, 1, 20, 0, tzinfo=TAIPEI),
}


async def accuracy(tmp_path: Path, name: str) -> tuple[float, list[str], list[str]]:
    store = await open_store(f"sqlite:///{tmp_path}/qa.sqlite3")
    book = load_rules_dir()
    failures: list[str] = []
    wrong: list[str] = []
    rows = load(name)
    try:
        dialogues = {plan: Dialogue(Services(book, store, FixedClock(day))) for plan, day in DAYS.items()}
        for plan in DAYS:
            for lang in ("zh-TW", "en"):
                await dialogues[plan].prepare_ready("console", f"{plan}-{lang}", plan, lang)
        for row in rows:
            replies = await dialogues[row["plan"]].handle(
                Incoming("console", f"{row['plan']}-{row['lang']}", text=row["q"])
            )
            text = "\n".join(r.text for r in replies)
            if row["expect"] is None:  # out of scope: the bot must say it is unsure or may be off
                if not any(mark in text for mark in HEDGES):
                    wrong.append(f"{row['plan']} {row['q']!r} answered as if known")
            elif not passes(text, row["expect"]):
                failures.append(f"{row['plan']} {row['q']!r} expected {row['expect']}")
    finally:
        await store.close()
    answerable = sum(1 for row in rows if row["expect"] is not None)
    return (1 - len(failures) / answerable if answerable else 1.0), failures, wrong


HEDGES = (
    "不確定您問的是哪一項",
    "如果這沒有回答到您的問題",
    "其他年度的計畫",
    "我不確定答案，也不亂猜",
    "not sure what you are asking",
    "If this does not answer",
    "other years' plans",
    "I have no reliable answer",
)


# blind4 was measured untouched, once, at the end of issue 15's work: 181/200 (90.5%).
@pytest.mark.parametrize("name", ["dev", "heldout", "fresh", "blind", "blind2", "blind3", "blind4"])
async def test_answers_carry_the_right_facts(tmp_path: Path, name: str) -> None:
    score, failures, wrong = await accuracy(tmp_path, name)
    assert score >= TARGET, f"{score:.1%} < {TARGET:.0%}:\n" + "\n".join(failures)
    assert len(wrong) <= 3, "\n".join(wrong)  # fresh.jsonl has 30 out-of-scope questions


DECLINED_TARGET = 0.90  # issue 15: at least 90% of out-of-scope questions declined (measured 79/80)


async def test_out_of_scope_questions_are_declined(tmp_path: Path) -> None:
    _, _, wrong = await accuracy(tmp_path, "outofscope2")
    total = len(load("outofscope2"))
    assert 1 - len(wrong) / total >= DECLINED_TARGET, "\n".join(wrong)
