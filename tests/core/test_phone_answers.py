"""Answers fit a phone: a first message of bounded length with the rest one tap away
(「更多」), never a line twice, never two identical buttons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.dialogue import Dialogue
from bot.render.phone import LIMIT, dedupe, split
from tests.core.chat import Chat
from tests.core.conftest import HSINCHU_DAY, onboard


def test_split_keeps_whole_lines_and_the_asked_line() -> None:
    text = "head\n" + "\n".join(f"line {n} " + "x" * 80 for n in range(12)) + "\nthe desk 02-2192-7111"
    first, rest = split(text, 300, question="desk phone")
    assert first.startswith("head") and "02-2192-7111" in first and len(first) <= 300
    assert set(first.split("\n")) | set(rest.split("\n")) == set(text.split("\n"))
    assert split("short", 300) == ("short", "")


def test_dedupe_drops_repeated_lines() -> None:
    assert dedupe("a\nb\na\n\nb\nc") == "a\nb\n\nc"


async def test_long_answers_continue_behind_more(make_dialogue: Callable[[datetime], Dialogue]) -> None:
    chat = Chat(make_dialogue(HSINCHU_DAY))
    await onboard(chat, plan_label="新竹市")
    await chat.say("用Google帳號登入平臺會怎樣？要怎麼登入")
    first = chat.replies[0].text
    assert len(first) <= LIMIT
    lines = [line for line in first.split("\n") if line.strip()]
    assert len(lines) == len(set(lines))  # the same warning is never printed twice
    labels = [b.label for r in chat.replies for b in r.buttons]
    assert len(labels) == len(set(labels))
    if any("更多" in label for label in labels):
        rest = await chat.press("更多")
        assert rest and not set(rest.split("\n")) & set(lines)


async def test_common_questions_fit(ready: Chat) -> None:
    for question in ("APP要去哪裡下載", "要怎麼登入", "客服電話", "怎麼整批選課", "補休最多幾小時？"):
        await ready.say(question)
        assert len(ready.replies[0].text) <= LIMIT, question
        labels = [b.label for r in ready.replies for b in r.buttons]
        assert len(labels) == len(set(labels)), question
