"""A learning record in the chat: refused naming the row when it cannot be right (nothing
stored), rows that could not be read asked about with buttons, then stored."""

from __future__ import annotations

from bot.storage import Store
from tests.core.chat import Chat
from tests.support.records import Row, cards, desktop

ROWS = [
    Row("政府數位轉型新視界", "2023-03-04 19:00:00", "2023-03-04 20:00:00"),
    Row("來玩六龜，遛溜忘歸", "2023-03-05 19:00:00", "2023-03-05 20:00:00"),
    Row("走訪新興探尋大港埔故事", "2023-03-06 19:00:00", "2023-03-06 20:00:00"),
]


async def marks(store: Store, chat: Chat) -> list[str]:
    user = await store.get_user("console", chat.user)
    assert user is not None
    return [m.course_key for m in await store.marks(user.id, "kaohsiung-112")]


async def test_an_impossible_date_is_named_and_nothing_changes(ready: Chat, store: Store) -> None:
    await ready.say(desktop(ROWS[:1]))
    before = await marks(store, ready)
    bad = [ROWS[0], Row(ROWS[1].name, "2023-02-30 19:00:00", "2023-02-30 20:00:00"), ROWS[2]]
    text = await ready.say(desktop(bad))
    assert "沒有記下任何進度" in text
    assert "第 2 筆「來玩六龜，遛溜忘歸」：上課開始時間「2023-02-30 19:00:00」不是存在的日期或時間" in text
    assert await marks(store, ready) == before


async def test_a_status_that_could_not_be_read_is_asked_with_buttons(ready: Chat, store: Store) -> None:
    text = cards(ROWS).replace("通過狀態：已通過", "", 1)  # the first card's status was cut off
    question = await ready.say(text)
    assert "「政府數位轉型新視界」的「通過狀態」看不清楚" in question and "這門課通過了嗎" in question
    assert len(await marks(store, ready)) == 0  # nothing stored before the answer
    status = await ready.press("已通過")
    assert "已讀取學習紀錄" in status and "3／10 小時" in status
    assert len(await marks(store, ready)) == 3


async def test_a_near_name_is_confirmed_not_guessed(ready: Chat, store: Store) -> None:
    rows = [*ROWS[:2], Row("智慧城市治理的趨勢與挑戰(土)", "2023-03-07 19:00:00", "2023-03-07 21:00:00")]
    question = await ready.say(desktop(rows))
    assert (
        "看起來像「智慧城市治理的趨勢與挑戰(上)」" in question or "看起來像「智慧城市治理的趨勢與挑戰(下)」" in question
    )
    status = await ready.press("不是")
    assert "2／10 小時" in status and len(await marks(store, ready)) == 2
