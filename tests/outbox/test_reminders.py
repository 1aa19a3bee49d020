"""Deadline reminders: each offset once per person, whatever restarts, repeated runs or
crashes happen, never at night, and only to people who still want them."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from bot.core.clock import FixedClock
from bot.outbox.courier import CLAIM_FACTOR
from bot.reminders.schedule import due_on, reminders_of
from bot.storage import Mark
from tests.outbox.conftest import Bot, at

DEADLINE = date(2023, 8, 31)
OFFSETS = (30, 14, 7, 3, 1)


def ema_marks(bot: Bot, count: int | None = None) -> list[Mark]:
    plan = bot.book.get("kaohsiung-112")
    assert plan is not None
    courses = plan.bundles_by_id["ema"].courses[:count]
    start = at("2023-07-01", 19)
    return [Mark(c.key, "record", start.date(), True, start, start + timedelta(hours=1)) for c in courses]


async def crash_mid_run(bot: Bot, channel: str, hang_after: int, sent: int, platform_got_it: bool = False) -> None:
    """Run the 24 August reminders and kill the process once `sent` outcomes are in the store
    and the send after `hang_after` deliveries hangs (taken by the platform or not): a crash with
    messages in flight. Then start a new process on the same database."""
    fake = bot.channels[channel]
    fake.hang_after, fake.platform_got_it = hang_after, platform_got_it
    bot.clock.moment = at("2023-08-24")
    await bot.scheduler.run_today()
    run = asyncio.create_task(bot.courier.deliver_pending())
    await asyncio.wait_for(fake.hanging.wait(), 5)
    for _ in range(500):
        if (await bot.store.reminder_deliveries("kaohsiung-112", DEADLINE, 7)).get("sent", 0) >= sent:
            break
        await asyncio.sleep(0.01)
    run.cancel()
    await asyncio.gather(run, return_exceptions=True)
    fake.hang_after = None
    await bot.restart(crashed=True)


def test_the_plan_file_names_the_offsets(bot: Bot) -> None:
    plan = bot.book.get("kaohsiung-112")
    assert plan is not None
    assert [(d.deadline, d.offset_days) for d in reminders_of(plan)] == [(DEADLINE, k) for k in OFFSETS]
    assert [d.offset_days for d in due_on(bot.book, date(2023, 8, 24))] == [7]


async def test_each_offset_reaches_each_person_once_over_the_whole_summer(bot: Bot) -> None:
    await bot.person("1001")
    await bot.person("1002", marks=ema_marks(bot))
    await bot.person("Uaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", channel="line", lang="en")
    day = date(2023, 7, 1)
    while day <= DEADLINE:
        await bot.day(day.isoformat())
        await bot.day(day.isoformat(), hour=15)  # a second run the same day changes nothing
        day += timedelta(days=1)
    sent = bot.channels["telegram"].per_person() + bot.channels["line"].per_person()
    assert sent == {"1001": 5, "1002": 5, "Uaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1": 5}
    first = bot.channels["telegram"].texts("1001")
    assert [t.split("還有 ")[1].split(" 天")[0] for t in first] == ["30", "14", "7", "3", "1"]


async def test_a_reminder_tells_the_person_where_they_stand(bot: Bot) -> None:
    await bot.person("1001")
    await bot.person("1002", marks=ema_marks(bot))
    await bot.person("1003", lang="en", marks=ema_marks(bot, 3))
    await bot.day("2023-08-24")
    tg = bot.channels["telegram"]
    (fresh,) = tg.texts("1001")
    assert "112年8月31日（四）" in fresh and "還有 7 天" in fresh and "還沒有回報" in fresh
    assert "補休最多 16 小時" in fresh and "嘉獎1次" in fresh
    assert tg.received[0].buttons == ("👣 參加步驟", "✅ 回報完成", "⏰ 提醒設定")
    (going,) = tg.texts("1002")
    assert "目前可申請 4 小時" in going and "10／10" in going
    assert "再完成e興盎然學專業（還差 10 小時），可再得補休 4 小時" in going
    (english,) = tg.texts("1003")
    assert "7 days left" in english and "3/10 h" in english and "Finish e馬當先育職能 (7 hours to go)" in english


async def test_someone_already_done_is_congratulated_and_told_what_to_hand_in(bot: Bot) -> None:
    plan = bot.book.get("kaohsiung-112")
    assert plan is not None
    start = at("2023-07-01", 19)
    everything = [
        Mark(c.key, "record", start.date(), True, start, start + timedelta(hours=1))
        for b in plan.bundles
        if b.id != "gept"
        for c in b.courses
    ]
    await bot.person("1001", marks=everything)
    await bot.day("2023-08-30")
    (text,) = bot.channels["telegram"].texts("1001")
    assert text.startswith("🎉") and "公餘時間完成數位學習補休申請表" in text and "還差" not in text


async def test_a_restart_between_offsets_neither_repeats_nor_forgets(bot: Bot) -> None:
    await bot.person("1001")
    await bot.day("2023-08-01")
    await bot.restart()
    await bot.day("2023-08-01", hour=16)  # the restarted service runs the same day again
    await bot.day("2023-08-17")
    assert bot.channels["telegram"].per_person() == {"1001": 2}


async def test_a_run_missed_while_down_is_caught_up_the_same_day(bot: Bot) -> None:
    await bot.person("1001")
    await bot.day("2023-08-16")  # a day without reminders: the run is still recorded
    bot.clock.moment = at("2023-08-17", 15)  # down at 10:00, back at 15:00
    await bot.restart()
    assert await bot.scheduler.catch_up() == 1
    await bot.courier.deliver_pending()
    assert "還有 14 天" in bot.channels["telegram"].texts("1001")[0]


async def test_a_day_missed_entirely_is_skipped_and_logged(bot: Bot, caplog: object) -> None:
    await bot.person("1001")
    await bot.day("2023-08-16")
    bot.clock.moment = at("2023-08-18", 9)  # down all of the 17th (14 days before)
    await bot.restart()
    await bot.scheduler.catch_up()
    await bot.courier.deliver_pending()
    assert bot.channels["telegram"].received == []
    missed = await bot.store.sweep(date(2023, 8, 17))
    assert missed is not None and missed.status == "skipped" and "not running" in missed.note
    await bot.day("2023-08-24")
    assert len(bot.channels["telegram"].texts("1001")) == 1


async def test_reminders_queued_but_not_sent_before_a_long_outage_are_not_sent_late(bot: Bot) -> None:
    await bot.person("1001")
    bot.clock.moment = at("2023-08-24")
    await bot.scheduler.run_today()  # queued, then the process died before sending
    bot.clock.moment = at("2023-08-25")
    await bot.restart()
    await bot.courier.deliver_pending()
    assert bot.channels["telegram"].received == []  # "7 days left" would be wrong today
    assert await bot.store.reminder_deliveries("kaohsiung-112", DEADLINE, 7) == {"skipped": 1}


async def test_nothing_goes_out_in_quiet_hours(bot: Bot) -> None:
    await bot.person("1001")
    bot.clock.moment = at("2023-08-24", 22)
    await bot.restart()
    assert await bot.scheduler.catch_up() == 0
    assert await bot.scheduler.run_today() == 0
    await bot.courier.deliver_pending()
    assert bot.channels["telegram"].received == []
    # queued in the evening rush, sent only when quiet hours are over (the same day)
    bot.clock.moment = at("2023-08-24", 20, 59)
    await bot.scheduler.run_today()
    bot.clock.moment = at("2023-08-24", 21, 1)
    await bot.courier.deliver_pending()
    assert bot.channels["telegram"].received == []


async def test_people_who_said_no_changed_plan_or_left_get_nothing(bot: Bot) -> None:
    await bot.person("1001", reminders=False)
    moved = await bot.person("1002")
    gone = await bot.person("1003")
    blocked = await bot.person("1004")
    await bot.person("1005")
    bot.channels["telegram"].blocked.add("1004")
    bot.clock.moment = at("2023-08-24")
    await bot.scheduler.run_today()
    moved.plan_id = "hsinchu-109"  # changed plan after the run queued them
    await bot.store.save_user(moved)
    await bot.store.delete_user(gone.id)
    await bot.courier.deliver_pending()
    assert bot.channels["telegram"].per_person() == {"1005": 1}
    assert await bot.store.reminder_deliveries("kaohsiung-112", DEADLINE, 7) == {
        "sent": 1, "skipped": 1, "blocked": 1
    }  # fmt: skip
    assert blocked.id  # the blocked person's row says so; the next run skips them
    await bot.store.set_active("telegram", "1004", False)
    bot.clock.moment = at("2023-08-28")
    assert await bot.scheduler.run_today() == 1  # only 1005


async def test_a_crash_mid_run_resumes_without_repeating_anyone(bot: Bot) -> None:
    tg = bot.channels["telegram"]
    for n in range(10):
        await bot.person(str(2000 + n))
    await crash_mid_run(bot, "telegram", hang_after=6, sent=6)  # the process dies while sending the 7th
    assert not await bot.courier.acquire()  # the dead process's lease has not run out yet
    bot.clock.advance(timedelta(seconds=61))
    assert await bot.courier.acquire()
    await bot.courier.resume()
    await bot.courier.deliver_pending()
    assert tg.per_person() == {str(2000 + n): 1 for n in range(10)}


async def test_a_crash_after_the_platform_took_a_message_is_counted_not_hidden(bot: Bot) -> None:
    """Telegram has no idempotency key: a message in flight at the crash may arrive twice,
    and only such messages; the outbox flags them."""
    tg = bot.channels["telegram"]
    for n in range(10):
        await bot.person(str(2000 + n))
    await crash_mid_run(bot, "telegram", hang_after=6, sent=6, platform_got_it=True)
    bot.clock.advance(timedelta(seconds=61))  # the dead process's lease runs out
    resent = await bot.courier.resume()
    await bot.courier.deliver_pending()
    counts = tg.per_person()
    assert set(counts) == {str(2000 + n) for n in range(10)}
    doubled = sum(1 for n in counts.values() if n > 1)
    assert 1 <= doubled <= tg.concurrency  # only sends in flight at the crash can be doubles
    assert doubled <= resent <= tg.concurrency * CLAIM_FACTOR  # the resent are flagged, an upper bound


async def test_line_resends_after_a_crash_are_refused_by_the_retry_key(bot: Bot) -> None:
    line = bot.channels["line"]
    users = [f"U{n:032x}" for n in range(40)]
    for u in users:
        await bot.person(u, channel="line")
    await crash_mid_run(bot, "line", hang_after=20, sent=16, platform_got_it=True)
    bot.clock.advance(timedelta(seconds=61))  # the dead process's lease runs out
    assert await bot.courier.resume() > 0
    await bot.courier.deliver_pending()
    assert line.per_person() == dict.fromkeys(users, 1)


def test_the_daily_run_is_scheduled_at_ten_in_taipei(bot: Bot) -> None:
    trigger = bot.scheduler.trigger()
    fire = trigger.get_next_fire_time(None, at("2023-08-23", 22))
    assert fire == at("2023-08-24", 10)
    assert isinstance(bot.clock, FixedClock)


async def test_a_platform_outage_in_the_morning_delays_reminders_not_loses_them(bot: Bot) -> None:
    for n in range(6):
        await bot.person(f"40{n}")
    telegram = bot.channels["telegram"]
    telegram.down = True
    assert await bot.day("2023-08-24") == 6
    assert telegram.received == []
    assert (await bot.store.reminder_deliveries("kaohsiung-112", DEADLINE, 7)) == {"pending": 6}
    for _ in range(3):  # Telegram answers 5xx for a quarter of an hour
        bot.clock.advance(timedelta(minutes=5))
        await bot.courier.deliver_pending()
    telegram.down = False
    bot.clock.advance(timedelta(minutes=5))
    await bot.courier.deliver_pending()
    assert telegram.per_person() == dict.fromkeys((f"40{n}" for n in range(6)), 1)
    assert "7 天" in telegram.texts("400")[0]


async def test_an_outage_until_the_evening_fails_the_reminder_with_the_reason(bot: Bot) -> None:
    await bot.person("501")
    bot.channels["telegram"].down = True
    await bot.day("2023-08-24")
    while bot.clock.now() < at("2023-08-24", 21):  # the service's courier looks every few seconds
        bot.clock.advance(timedelta(minutes=1))
        await bot.courier.deliver_pending()
    assert await bot.store.reminder_deliveries("kaohsiung-112", DEADLINE, 7) == {"failed": 1}
    bot.channels["telegram"].down = False
    await bot.day("2023-08-25")  # the next day it is out of date: never sent late
    assert bot.channels["telegram"].received == []
