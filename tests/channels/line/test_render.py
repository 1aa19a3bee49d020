"""Replies → LINE messages within LINE's limits (no network)."""

from __future__ import annotations

from typing import Any

from bot.channels.line.limits import MAX_ALT_TEXT, MAX_TEXT, clip, clip_label, split_text, utf16_len
from bot.channels.line.render import render
from bot.core.messages import Button, Card, CardRow, Reply


def dicts(replies: list[Reply]) -> list[list[dict[str, Any]]]:
    return [[m.to_dict() for m in batch] for batch in render(replies)]


def buttons(n: int) -> tuple[Button, ...]:
    return tuple(Button(f"選項 {i}", f"0|topic:t{i}") for i in range(n))


def test_long_text_is_split_within_5000_utf16_units() -> None:
    paragraph = "數位學習計畫說明。" * 100  # 900 characters
    text = "\n\n".join([paragraph] * 13)
    parts = split_text(text)
    assert len(parts) == 3 and all(utf16_len(p) <= MAX_TEXT for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")
    assert all(p.endswith("。") for p in parts)  # broken between paragraphs

    emoji = "📊" * 3000  # 6,000 UTF-16 units though 3,000 characters
    parts = split_text(emoji)
    assert [utf16_len(p) for p in parts] == [5000, 1000]
    assert split_text("") == [] and split_text("  \n") == []


def test_clipping() -> None:
    assert clip_label("✅ 身心障礙者權利公約與我國身障福利政策展望") == "✅ 身心障礙者權利公約與我國身障福利政…"
    assert len(clip_label("x" * 40)) == 20 and clip_label("短") == "短"
    assert utf16_len(clip("😀" * 1000, MAX_ALT_TEXT)) <= MAX_ALT_TEXT


def test_buttons_become_quick_replies_on_the_last_message() -> None:
    labels = ("✅ 身心障礙者權利公約與我國身障福利政策展望", "🏠 選單")
    replies = [Reply("已讀取"), Reply("進度如下", tuple(Button(lb, f"0|d:b:c{i}") for i, lb in enumerate(labels)))]
    (batch,) = dicts(replies)
    assert [m["text"] for m in batch] == ["已讀取", "進度如下"] and "quickReply" not in batch[0]
    items = [i["action"] for i in batch[1]["quickReply"]["items"]]
    assert items[0] == {
        "type": "postback",
        "label": clip_label(labels[0]),
        "data": "0|d:b:c0",
        "displayText": labels[0],
    }
    assert items[1]["label"] == "🏠 選單"


def test_thirteen_buttons_fit_and_fourteen_become_one_list() -> None:
    (batch,) = dicts([Reply("常見問題", buttons(13))])
    assert len(batch) == 1 and len(batch[0]["quickReply"]["items"]) == 13

    (batch,) = dicts([Reply("請選擇計畫", buttons(14))])
    assert [m["type"] for m in batch] == ["text", "flex"]
    assert all("quickReply" not in m for m in batch)
    listed = batch[1]["contents"]["body"]["contents"]
    assert [b["action"]["data"] for b in listed] == [f"0|topic:t{i}" for i in range(14)]
    assert all(b["type"] == "button" and b["action"]["displayText"] == b["action"]["label"] for b in listed)
    assert batch[1]["altText"].startswith("選項 0 / 選項 1")


def test_same_payload_twice_is_one_button() -> None:
    menu = Button("🏠 選單", "0|menu")
    (batch,) = dicts([Reply("a", (menu,)), Reply("b", (menu,))])
    assert len(batch[-1]["quickReply"]["items"]) == 1


def test_card_becomes_a_flex_bubble_with_alt_text() -> None:
    card = Card(
        "1/6 安裝 APP",
        (
            CardRow("📱 手機", "至 App Store 或 Google Play 下載並安裝「e等公務園」APP。"),
            CardRow("e馬當先育職能", "4/10", 0.4),
        ),
        footer="截止日 8/31",
    )
    (batch,) = dicts([Reply("步驟 1／6\n" + "很長的說明" * 500, (Button("下一步 ▶", "0|steps:1"),), card, "steps")])
    (message,) = batch
    assert message["type"] == "flex" and utf16_len(message["altText"]) <= MAX_ALT_TEXT
    assert message["altText"].startswith("步驟 1／6") and message["altText"].endswith("…")
    body = message["contents"]["body"]["contents"]
    assert body[0]["text"] == "1/6 安裝 APP" and body[-1]["text"] == "截止日 8/31"
    long_row, bar_row = body[2]["contents"]
    assert [c["type"] for c in long_row["contents"]] == ["text", "text"]  # long value under its label
    line, bar = bar_row["contents"]
    assert line["layout"] == "horizontal" and line["contents"][1]["text"] == "4/10"
    assert [p["flex"] for p in bar["contents"]] == [40, 60]
    assert message["quickReply"]["items"][0]["action"]["data"] == "0|steps:1"


def test_many_replies_are_joined_then_batched_by_five() -> None:
    (batch,) = dicts([Reply(f"第 {n} 則") for n in range(8)])
    assert [m["text"] for m in batch] == [
        "第 0 則\n\n第 1 則",
        "第 2 則\n\n第 3 則",
        "第 4 則\n\n第 5 則",
        "第 6 則",
        "第 7 則",
    ]
    cards = [Reply(str(n), (Button(f"b{n}", f"0|st:{n}"),), Card(str(n))) for n in range(6)]
    first, second = dicts(cards)
    assert len(first) == 5 and len(second) == 1
    assert "quickReply" not in first[-1] and len(second[0]["quickReply"]["items"]) == 6
    assert render([]) == [] and render([Reply("")]) == []
