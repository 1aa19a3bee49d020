"""A real core (rules files, SQLite on disk, a fixed clock) for conversation tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from bot.core.clock import FixedClock
from bot.core.dialogue import Dialogue
from bot.core.services import Services
from bot.domain.calendar import TAIPEI
from bot.plans.loader import load_rules_dir
from bot.storage import Store
from tests.core.chat import Chat

KAOHSIUNG_DAY = datetime(2023, 6, 1, 20, 0, tzinfo=TAIPEI)  # Thursday evening, plan running
HSINCHU_DAY = datetime(2020, 6, 1, 20, 0, tzinfo=TAIPEI)


@pytest.fixture
def make_dialogue(store: Store) -> Callable[[datetime], Dialogue]:
    book = load_rules_dir()

    def make(moment: datetime = KAOHSIUNG_DAY) -> Dialogue:
        return Dialogue(Services(book, store, FixedClock(moment)))

    return make


@pytest.fixture
def dialogue(make_dialogue: Callable[[datetime], Dialogue]) -> Dialogue:
    return make_dialogue(KAOHSIUNG_DAY)


async def onboard(chat: Chat, lang_label: str = "中文", plan_label: str = "高雄市", remind: str = "🔔") -> None:
    await chat.say("/start")
    await chat.press(lang_label)
    await chat.press(plan_label)
    await chat.press(remind)


@pytest.fixture
async def ready(dialogue: Dialogue) -> Chat:
    chat = Chat(dialogue)
    await onboard(chat)
    return chat
