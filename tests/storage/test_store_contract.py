"""The storage contract, on every backend (SQLite and PostgreSQL, see tests/support/backends.py):
people, marks and questions are kept, races make one person, and bad values are refused."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bot.storage import Mark, Store, StoreError
from tests.support.backends import Backend

TAIPEI = timezone(timedelta(hours=8))


def ticking_clock(start: datetime) -> Callable[[], datetime]:
    """A clock that moves one second per reading, so ordering is deterministic."""
    moments = (start + timedelta(seconds=n) for n in range(1_000_000))
    return lambda: next(moments)


async def test_user_round_trip_keeps_state_data_and_epoch(store: Store) -> None:
    user, created = await store.get_or_create_user("telegram", "123456789", lang="en")
    assert created and user.lang == "en" and user.active and not user.onboarded and user.epoch > 0
    assert user.created_at is not None and user.created_at.utcoffset() == timedelta(0)

    user.plan_id = "kaohsiung-112"
    user.state = "report.pick_course"
    user.state_data = {"page": 2, "picked": ["PCENTER112100461"], "note": "第二頁", "nested": {"x": None}}
    user.epoch = 3
    user.reminders = True
    user.onboarded = True
    await store.save_user(user)

    again = await store.get_user("telegram", "123456789")
    assert again == user
    assert again is not None and again.state_data["note"] == "第二頁"
    same, created_again = await store.get_or_create_user("telegram", "123456789")
    assert not created_again and same.id == user.id and same.epoch == 3
    assert await store.get_user("line", "123456789") is None


async def test_state_data_that_is_not_json_is_refused(store: Store) -> None:
    user, _ = await store.get_or_create_user("console", "me")
    user.state_data = {"when": datetime.now(UTC)}
    with pytest.raises(StoreError, match="JSON"):
        await store.save_user(user)


async def test_int_telegram_id_is_caught_at_the_door(store: Store) -> None:
    with pytest.raises(TypeError, match="str"):
        await store.get_or_create_user("telegram", 123)  # type: ignore[arg-type]


async def test_set_active_marks_a_blocked_person_and_ignores_strangers(store: Store) -> None:
    await store.get_or_create_user("line", "U1")
    await store.set_active("line", "U1", False)
    await store.set_active("line", "nobody", False)
    user = await store.get_user("line", "U1")
    assert user is not None and not user.active
    assert await store.count_users() == 1


async def test_twenty_concurrent_first_messages_make_one_person(store: Store) -> None:
    results = await asyncio.gather(*(store.get_or_create_user("line", "Uabc") for _ in range(20)))
    assert len({user.id for user, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert await store.count_users() == 1


async def test_two_processes_racing_for_a_new_person_make_one(backend: Backend) -> None:
    first, second = backend.make(), backend.make()
    async with first, second:
        results = await asyncio.gather(
            *(s.get_or_create_user("telegram", "42") for _ in range(10) for s in (first, second))
        )
        assert len({user.id for user, _ in results}) == 1
        assert sum(created for _, created in results) == 1


async def test_marks_upsert_remove_and_list(store: Store) -> None:
    user, _ = await store.get_or_create_user("console", "me")
    start = datetime(2023, 3, 1, 19, 0, tzinfo=TAIPEI)
    from_record = Mark("B-course", "record", date(2023, 3, 1), None, start, start + timedelta(minutes=30))
    await store.set_mark(user.id, "kaohsiung-112", Mark("A-course", "self", date(2023, 2, 1), True))
    await store.set_mark(user.id, "kaohsiung-112", from_record)
    await store.set_mark(user.id, "hsinchu-109", Mark("A-course", "self"))

    marks = await store.marks(user.id, "kaohsiung-112")
    assert marks == [Mark("A-course", "self", date(2023, 2, 1), True), from_record]
    assert marks[1].off_duty is None
    assert marks[1].start is not None and marks[1].start.utcoffset() == timedelta(hours=8)

    await store.set_mark(user.id, "kaohsiung-112", Mark("A-course", "record", date(2023, 2, 2), False))
    updated = Mark("A-course", "record", date(2023, 2, 2), False)
    assert (await store.marks(user.id, "kaohsiung-112"))[0] == updated

    assert await store.remove_mark(user.id, "kaohsiung-112", "A-course")
    assert not await store.remove_mark(user.id, "kaohsiung-112", "A-course")
    assert await store.marks(user.id, "kaohsiung-112") == [from_record]
    assert await store.marks(user.id, "hsinchu-109") == [Mark("A-course", "self")]


def test_a_naive_time_cannot_become_a_mark() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Mark("A", "record", start=datetime(2023, 3, 1, 19))


async def test_a_mark_for_an_unknown_person_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="(?i)foreign key"):
        await store.set_mark(999, "kaohsiung-112", Mark("A", "self"))


async def test_replace_marks_replaces_all_or_nothing(store: Store) -> None:
    user, _ = await store.get_or_create_user("console", "me")
    old = [Mark("A", "self"), Mark("B", "self")]
    new = [Mark("B", "record", date(2023, 5, 1)), Mark("C", "record", date(2023, 5, 2))]
    await store.replace_marks(user.id, "kaohsiung-112", old)
    await store.set_mark(user.id, "hsinchu-109", Mark("Z", "self"))

    readers = await asyncio.gather(
        store.marks(user.id, "kaohsiung-112"),
        store.replace_marks(user.id, "kaohsiung-112", new),
        store.marks(user.id, "kaohsiung-112"),
    )
    assert readers[0] in (old, new) and readers[2] in (old, new)  # all or nothing, never a mix
    assert await store.marks(user.id, "kaohsiung-112") == new
    assert await store.marks(user.id, "hsinchu-109") == [Mark("Z", "self")]

    broken = [Mark("D", "self"), Mark(None, "self")]  # type: ignore[arg-type]  # NOT NULL fails mid-way
    with pytest.raises(StoreError):
        await store.replace_marks(user.id, "kaohsiung-112", broken)
    assert await store.marks(user.id, "kaohsiung-112") == new


async def test_fifty_concurrent_marks_all_persist(store: Store) -> None:
    user, _ = await store.get_or_create_user("telegram", "7")
    keys = [f"COURSE-{n:02d}" for n in range(50)]
    await asyncio.gather(*(store.set_mark(user.id, "kaohsiung-112", Mark(key, "self")) for key in keys))
    assert [mark.course_key for mark in await store.marks(user.id, "kaohsiung-112")] == keys


async def test_cancelled_writes_leave_the_store_usable(store: Store) -> None:
    user, _ = await store.get_or_create_user("telegram", "8")
    tasks = [
        asyncio.create_task(store.set_mark(user.id, "kaohsiung-112", Mark(f"C{n:02d}", "self"))) for n in range(20)
    ]
    await asyncio.sleep(0)  # the first task now waits on its BEGIN, the others on the lock
    for task in tasks[::2]:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await store.set_mark(user.id, "kaohsiung-112", Mark("after", "self"))
    kept = {mark.course_key for mark in await store.marks(user.id, "kaohsiung-112")}
    assert {f"C{n:02d}" for n in range(1, 20, 2)} | {"after"} <= kept


async def test_delete_user_forgets_the_person_and_only_their_marks(store: Store) -> None:
    gone, _ = await store.get_or_create_user("line", "Ugone")
    stays, _ = await store.get_or_create_user("line", "Ustays")
    for user in (gone, stays):
        await store.set_mark(user.id, "kaohsiung-112", Mark("A", "self"))

    await store.delete_user(gone.id)

    assert await store.get_user("line", "Ugone") is None
    assert await store.marks(gone.id, "kaohsiung-112") == []
    assert await store.marks(stays.id, "kaohsiung-112") == [Mark("A", "self")]
    assert await store.count_users() == 1
    user, created = await store.get_or_create_user("line", "Ugone")
    assert created and await store.marks(user.id, "kaohsiung-112") == []


async def test_unanswered_questions_newest_first_without_people(backend: Backend) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    async with backend.make(now=ticking_clock(start)) as store:
        await store.log_unanswered("kaohsiung-112", "zh-TW", "第一個問題")
        await store.log_unanswered(None, "en", "second")
        await store.log_unanswered("hsinchu-109", "zh-TW", "第三" * 1000)
        questions = await store.unanswered()
        assert [q.text[:2] for q in questions] == ["第三", "se", "第一"]
        assert [q.plan_id for q in questions] == ["hsinchu-109", None, "kaohsiung-112"]
        assert questions[2].created_at == start and questions[0].created_at > questions[1].created_at
        assert len(questions[0].text) <= 1000
        assert [q.text for q in await store.unanswered(limit=1)] == [questions[0].text]


async def test_epochs_never_repeat_even_for_a_forgotten_and_returning_person(store: Store) -> None:
    first, _ = await store.get_or_create_user("telegram", "42")
    first.epoch = await store.next_epoch()  # a plan switch
    await store.save_user(first)
    await store.delete_user(first.id)
    again, created = await store.get_or_create_user("telegram", "42")
    assert created and again.epoch > first.epoch
    assert await store.next_epoch() > again.epoch
