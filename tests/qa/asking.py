"""Questions asked through the whole dialogue, as `python -m bot ask` would: what the person sees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.core.clock import FixedClock
from bot.core.dialogue import Dialogue
from bot.core.messages import Incoming
from bot.core.services import Services
from bot.plans.loader import load_rules_dir
from bot.qa.outcome import Outcome, outcome_of
from bot.storage import open_store
from tests.qa.test_accuracy import DAYS


@dataclass(frozen=True)
class Seen:
    first: str  # the first message, as it fits a phone
    text: str  # every message of the reply
    outcome: Outcome
    buttons: tuple[str, ...]  # the first message's button labels


async def ask(
    tmp_path: Path, plan: str, lang: str, questions: list[str], rules: Path | None = None, day: datetime | None = None
) -> list[Seen]:
    """Ask one person's questions in turn; `rules` and `day` for a plan other than the shipped ones."""
    store = await open_store(f"sqlite:///{tmp_path}/asking.sqlite3")
    try:
        book = load_rules_dir(rules) if rules else load_rules_dir()
        dialogue = Dialogue(Services(book, store, FixedClock(day or DAYS[plan])))
        await dialogue.prepare_ready("console", "asker", plan, lang)
        seen = []
        for q in questions:
            replies = await dialogue.handle(Incoming("console", "asker", text=q))
            labels = tuple(b.label for b in replies[0].buttons)
            seen.append(Seen(replies[0].text, "\n".join(r.text for r in replies), outcome_of(replies), labels))
        return seen
    finally:
        await store.close()


async def not_declined(tmp_path: Path, plan: str, lang: str, questions: list[str]) -> list[tuple[str, str]]:
    """The questions the bot did not decline, each with its outcome: [] when it declined them all."""
    seen = await ask(tmp_path, plan, lang, questions)
    return [(q, s.outcome) for q, s in zip(questions, seen, strict=True) if s.outcome != "declined"]
