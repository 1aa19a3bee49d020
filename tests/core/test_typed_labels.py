"""A button's label typed (with or without its emoji) does what pressing the button does.

Two people go through the same conversation in lockstep: one presses each button, the other
types its label. Whatever the buttons are (taken from the replies, so from the code that
builds them and the locale catalog), both must see the same answer.
"""

from __future__ import annotations

import random
import re

from bot.core.dialogue import Dialogue
from bot.core.messages import Button
from bot.i18n import catalog
from tests.core.chat import Chat
from tests.core.conftest import onboard

# Pressing these ends the walk's conversation or needs an administrator.
SKIP_ACTIONS = ("fg", "bc", "claim", "lang", "plan")
_EMOJI = re.compile(r"[^\w\s\u3400-\u9fff/／]+")


def without_emoji(label: str) -> str:
    return _EMOJI.sub("", label).strip()


def _payload(b: Button) -> str:
    return b.payload.partition("|")[2]


async def _lockstep(dialogue: Dialogue, lang_label: str, seed: int, steps: int, plan: str = "高雄市") -> set[str]:
    presser, typist = Chat(dialogue, user=f"p{seed}"), Chat(dialogue, user=f"t{seed}")
    for chat in (presser, typist):
        await onboard(chat, lang_label=lang_label, plan_label=plan)
        await chat.say("/menu")
    rng = random.Random(seed)
    seen: set[str] = set()
    for n in range(steps):
        usable = [b for b in presser.buttons if not _payload(b).startswith(SKIP_ACTIONS)]
        labels = [b.label for b in usable]
        if not usable or len(set(labels)) != len(labels):
            await presser.say("/menu")
            await typist.say("/menu")
            continue
        fresh = [b for b in usable if b.label not in seen] or usable
        choice = rng.choice(fresh)
        seen.add(choice.label)
        typed = choice.label if n % 2 else without_emoji(choice.label)
        pressed_text = await presser.press_payload(choice.payload)
        typed_text = await typist.say(typed)
        assert typed_text == pressed_text, f"typed {typed!r} ≠ pressed {choice.label!r}"
    return seen


async def test_typed_labels_do_what_the_buttons_do(dialogue: Dialogue) -> None:
    seen: set[str] = set()
    for seed in range(4):
        seen |= await _lockstep(dialogue, "中文", seed, 60)
    seen |= await _lockstep(dialogue, "English", 9, 60, plan="Kaohsiung")
    with_text = {without_emoji(s) for s in seen}
    for wanted in ("下一步", "貼上學習紀錄", "我的進度", "回報完成", "Next"):
        assert any(wanted in s for s in with_text), f"the walk never met {wanted!r}"


async def test_every_menu_and_settings_label_works_from_anywhere(ready: Chat) -> None:
    """The labels of buttons that mean the same everywhere work even when not on screen."""
    zh = catalog("zh-TW")
    cases = {
        "button.status": "計算日期",
        "button.steps": "步驟 1／6",
        "button.record": "請傳學習紀錄給我",
        "button.remind_off": "不會傳提醒",
        "button.remind_on": "會在截止日前提醒",
        "button.faq": "常見問題",
        "button.deadline": "112年8月31日",
    }
    for key, expected in cases.items():
        label = zh.gettext(key)
        for typed in (label, without_emoji(label)):
            await ready.say("你好")
            assert expected in await ready.say(typed), typed


async def test_remind_phrasings(ready: Chat) -> None:
    assert "不會傳提醒" in await ready.say("不要再提醒我了")
    assert "會在截止日前提醒" in await ready.say("提醒我")


async def test_typed_cancel_leaves_the_claim_and_record_questions(ready: Chat) -> None:
    await ready.say("貼上學習紀錄")
    assert "請選擇" in await ready.say("取消")
    await ready.say("/record")
    assert "請選擇" in await ready.say("✖️ 取消") or "請選擇" in ready.text


async def test_next_with_no_step_on_screen_starts_the_steps(ready: Chat) -> None:
    await ready.say("客服電話")
    assert "步驟 1／6" in await ready.say("下一步")
    assert "步驟 2／6" in await ready.say("下一步")


async def test_every_topic_label_typed_gets_an_answer(ready: Chat) -> None:
    from bot.qa.answers import ANSWERS

    zh = catalog("zh-TW")
    for topic in ANSWERS:
        label = zh.gettext(f"topic.{topic}")
        assert (await ready.say(label)).strip(), label


async def test_a_step_left_behind_is_not_taken_up_again(ready: Chat) -> None:
    """An answer that offers only buttons meaning the same everywhere keeps nothing of its own,
    but it still clears the step buttons of the answer before: 「下一步」 typed after it starts
    the steps again, as for someone who never saw them."""
    assert "步驟 1／6" in await ready.say("下一步")
    assert "步驟 2／6" in await ready.say("下一步")
    await ready.say("客服電話")
    assert "步驟 1／6" in await ready.say("下一步")
