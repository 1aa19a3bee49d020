"""Reply → Telegram messages: escaping, splitting at 4,096 characters, keyboards."""

from __future__ import annotations

import pytest

from bot.channels.telegram.render import MAX_UNITS, escape, keyboard, render, split_text
from bot.core.messages import Button, Reply
from tests.fakes.telegram_api import parse_html

COURSE = '「性別主流化」<進階> 課程 A&B - 第1~2講 [線上] "e等公務園"+'


def shown(html: str) -> str:
    """What Telegram displays for our HTML (the fake parses it strictly, as Telegram does)."""
    return parse_html(html, strict=True)[0]


def test_everything_is_escaped_and_shown_as_typed() -> None:
    [message] = render(Reply(COURSE))
    assert "<進階>" not in message.html and "&lt;進階&gt;" in message.html and "A&amp;B" in message.html
    assert shown(message.html) == COURSE
    assert shown(escape("<b>not bold</b> &amp;")) == "<b>not bold</b> &amp;"


def test_long_reply_is_split_on_line_breaks_with_the_keyboard_last() -> None:
    lines = [f"{n:03d}. {COURSE} 已通過，認證 1 小時" for n in range(200)]
    text = "\n".join(lines)
    assert len(text) > 2 * 4096
    messages = render(Reply(text, (Button("📊 我的進度", "0|st"), Button("選單", "0|menu"))))
    assert len(messages) == 3
    parts = [shown(m.html) for m in messages]
    assert all(len(p) <= 4096 for p in parts)
    assert "\n".join(parts) == text  # cut only at line breaks, nothing lost
    assert [m.keyboard is not None for m in messages] == [False, False, True]


def test_no_word_or_entity_is_cut() -> None:
    words = ("R&D <tag> " * 1200).strip()  # no line break: cut at spaces
    parts = split_text(words)
    assert len(parts) == 3 and all(len(p) <= MAX_UNITS for p in parts)
    assert all(set(p.split(" ")) == {"R&D", "<tag>"} for p in parts) and " ".join(parts) == words
    for message in render(Reply(words)):
        assert len(shown(message.html)) <= 4096  # entities whole: the strict parser accepts it

    chinese = "數位學習課程。" * 1000  # no spaces at all: cut between CJK characters
    parts = split_text(chinese)
    assert "".join(parts) == chinese and all(len(p) <= MAX_UNITS for p in parts)
    assert all(p.endswith("。") for p in parts[:-1])  # after a sentence, not inside a word

    mixed = "課" * 4090 + " emoji🙂 and more"
    assert split_text(mixed) == ["課" * 4090, "emoji🙂 and more"]

    endless = "x" * 5000  # one "word" longer than a message: cut anyway, at the limit
    assert [len(p) for p in split_text(endless)] == [4096, 904]


def test_limit_counts_utf16_units() -> None:
    emoji = "🙂" * 3000  # 6,000 UTF-16 units
    parts = split_text(emoji)
    assert [len(p) for p in parts] == [2048, 952]


def test_blank_text() -> None:
    assert render(Reply("   ")) == []
    [only] = render(Reply("", (Button("選單", "0|menu"),)))
    assert only.keyboard is not None and shown(only.html).strip()


@pytest.mark.parametrize(
    ("labels", "rows"),
    [
        (["中文（繁體）", "English"], [2]),
        (["📊 我的進度", "👣 參加步驟", "📚 組裝課程"], [2, 1]),
        (["e見鍾情戀高雄－高雄市政府業務介紹", "選單", "說明"], [1, 2]),
        (["選單", "e見鍾情戀高雄－高雄市政府業務介紹", "說明"], [1, 1, 1]),
    ],
)
def test_buttons_in_rows_of_one_or_two(labels: list[str], rows: list[int]) -> None:
    markup = keyboard([Button(label, f"0|x:{n}") for n, label in enumerate(labels)])
    assert markup is not None
    assert [len(row) for row in markup.inline_keyboard] == rows
    assert [b.text for row in markup.inline_keyboard for b in row] == labels  # order and labels kept
    payloads = [b.callback_data for row in markup.inline_keyboard for b in row]
    assert payloads == [f"0|x:{n}" for n in range(len(labels))]
    assert keyboard([]) is None
