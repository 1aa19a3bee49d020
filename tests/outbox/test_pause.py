"""Reminders paused from the console, on both backends: the daily run queues nothing and says
who paused them, a second instance sees the pause, reminders queued before it are held (and
lapse once their day has passed), `reminders send` refuses and says so, announcements still
go; after resuming the next reminder day goes out. The outlook: counts and a sample message."""

from __future__ import annotations

import io
from datetime import date

import pytest

from bot.admin.broadcast import queue_announcement
from bot.commands.reminders import run_send
from bot.config import Settings
from bot.core.services import Services
from bot.i18n import using
from bot.reminders.pause import pause_reminders, reminder_outlook, reminders_paused, resume_reminders
from tests.outbox.conftest import Bot, at
from tests.outbox.test_reminders import ema_marks
from tests.support.backends import Backend

DEADLINE = date(2023, 8, 31)
HR = "telegram:870001"


async def test_paused_reminders_are_not_sent_and_resumed_ones_are(bot: Bot, backend: Backend) -> None:
    await bot.person("1001")
    await bot.person("1002")
    await pause_reminders(bot.services, HR)
    other = backend.make()  # a second instance on the same database sees it
    async with other:
        assert await reminders_paused(Services(bot.book, other, bot.clock))
    assert await bot.day("2023-08-24") == 0  # 7 days before: skipped
    assert bot.channels["telegram"].received == []
    sweep = await bot.store.sweep(date(2023, 8, 24))
    assert sweep is not None and sweep.status == "skipped" and f"paused by {HR}" in sweep.note
    await bot.day("2023-08-24", hour=15)
    assert bot.channels["telegram"].received == []

    await resume_reminders(bot.services, "line:U1")
    assert not await reminders_paused(bot.services)
    await bot.day("2023-08-28")  # 3 days before
    assert bot.channels["telegram"].per_person() == {"1001": 1, "1002": 1}
    assert "還有 3 天" in bot.channels["telegram"].texts("1001")[0]
    audit = [(e.actor, e.action) for e in await bot.store.audit_log()]
    assert (HR, "reminders.paused") in audit and ("line:U1", "reminders.resumed") in audit


async def test_reminders_queued_before_a_pause_are_held_and_announcements_still_go(bot: Bot) -> None:
    await bot.person("1001")
    bot.clock.moment = at("2023-08-24")
    await bot.scheduler.run_today()  # queued, not yet sent
    await pause_reminders(bot.services, HR)
    stored, _ = await queue_announcement(bot.services, "kaohsiung-112", "all", "記得填補休申請表", HR)
    assert stored is not None
    await bot.courier.deliver_pending()
    (only,) = bot.channels["telegram"].texts("1001")
    assert "記得填補休申請表" in only  # the announcement, not the reminder
    assert await bot.store.reminder_deliveries("kaohsiung-112", DEADLINE, 7) == {"pending": 1}
    bot.clock.moment = at("2023-08-25")
    await resume_reminders(bot.services, HR)
    await bot.courier.deliver_pending()  # "7 days left" would be wrong now: skipped, not sent
    assert bot.channels["telegram"].texts("1001") == [only]
    assert await bot.store.reminder_deliveries("kaohsiung-112", DEADLINE, 7) == {"skipped": 1}


async def test_reminders_send_refuses_while_paused_and_says_who_paused(
    bot: Bot, backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    await bot.person("1001")
    await pause_reminders(bot.services, HR)
    settings = Settings(database_url=backend.url)
    with using("zh-TW"):
        assert await run_send(settings, date(2023, 8, 24), force=True, out=io.StringIO()) == 1
    err = capsys.readouterr().err
    assert f"提醒已由 {HR} 於" in err and "暫停" in err
    assert await bot.store.reminder_deliveries("kaohsiung-112", DEADLINE, 7) == {}


async def test_the_outlook_counts_who_gets_which_reminder_with_a_sample(bot: Bot) -> None:
    await bot.person("1001")
    await bot.person("1002")
    await bot.person("1003", marks=ema_marks(bot))
    await bot.person("Uaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", channel="line")
    await bot.person("1004", reminders=False)
    with using("zh-TW"):
        outlook = await reminder_outlook(bot.services, date(2023, 8, 1), days=31)
    assert [d.day for d in outlook] == [date(2023, 8, d) for d in (1, 17, 24, 28, 30)]
    first = outlook[1].items[0]
    assert (first.plan_id, first.deadline, first.days_before, first.people) == ("kaohsiung-112", DEADLINE, 14, 4)
    assert outlook[1].people == 4 and outlook[0].items[0].days_before == 30
    assert first.by_channel == {"line": 1, "telegram": 3}
    assert first.by_standing == {"not_started": 3, "in_progress": 1}
    assert "還有 14 天" in first.sample and "還沒有回報" in first.sample  # the most common standing's message
    assert "1001" not in repr(outlook) and "Uaaaa" not in repr(outlook)  # no chat ids
    assert first.queued == 0
    with using("en"):
        english = await reminder_outlook(bot.services, date(2023, 8, 24), days=1)
    assert [d.day for d in english] == [date(2023, 8, 24)] and "7 days left" in english[0].items[0].sample


async def test_the_preview_says_reminders_are_paused(bot: Bot, backend: Backend) -> None:
    from bot.commands.reminders import run_preview

    await bot.person("1001")
    await pause_reminders(bot.services, HR)
    out = io.StringIO()
    with using("zh-TW"):
        assert await run_preview(Settings(database_url=backend.url), date(2023, 8, 24), False, out) == 0
    assert f"⏸ 提醒已由 {HR} 於" in out.getvalue() and "1001" in out.getvalue()
    await resume_reminders(bot.services, HR)
    out = io.StringIO()
    with using("zh-TW"):
        await run_preview(Settings(database_url=backend.url), date(2023, 8, 24), False, out)
    assert "暫停" not in out.getvalue()
