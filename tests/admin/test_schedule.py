"""Scheduled and cancelled announcements end to end, through the real courier and the real
Telegram and LINE channels to the fake platforms, on both backends: nothing before its time,
exactly once at it (however many instances), never once cancelled, kept across a restart,
sent in quiet hours when HR chose that time; and the refusal LINE's quota calls for."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.admin.broadcast import (
    AnnouncementRefused,
    cancel_announcement,
    in_quiet_hours,
    queue_announcement,
    render_report,
)
from bot.admin.preview import preview
from bot.commands.broadcast import status_line
from bot.config import ReminderSettings
from bot.core.clock import FixedClock
from bot.domain.calendar import TAIPEI
from bot.i18n import using
from bot.plans.loader import PlanBook
from tests.admin.conftest import HR, PLAN, START, line_texts, telegram_texts
from tests.fakes.line_api import FakeLineAPI
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.backends import Backend

TEXT = "8月31日前請完成「數位學習」課程，記得申請補休！"
HEADER = "📢 人事單位公告｜高雄市政府112年度推動數位學習－「雄心高飛·e表人才」實施計畫"
AUTHOR = "telegram:870001"


async def test_a_scheduled_announcement_goes_out_once_at_its_time_on_both_platforms(
    hr: HR, tg: FakeTelegramAPI, line: FakeLineAPI, clock: FixedClock
) -> None:
    chats, users = await hr.staff(telegram=3, line=2)
    at = START + timedelta(hours=5)  # 14:00 in Taipei
    stored, audience = await queue_announcement(hr.services, PLAN, "all", TEXT, AUTHOR, send_at=at)
    assert stored is not None and stored.scheduled_for == at and audience.by_channel == {"telegram": 3, "line": 2}
    with using("zh-TW"):
        assert "將於 112年6月1日（四） 14:00 發送給 5 人" in render_report(stored, "高雄")
        assert "排定 112年6月1日（四） 14:00 發送" in status_line(stored)

    for minutes in (0, 60, 299):  # the courier passes by all morning: nothing goes early
        clock.moment = START + timedelta(minutes=minutes)
        await hr.courier.deliver_pending()
    assert not tg.sent and not line.pushes and not line.multicasts

    clock.moment = at + timedelta(seconds=3)
    await hr.courier.deliver_pending()
    await hr.courier.deliver_pending()
    for chat in chats:
        assert telegram_texts(tg, chat) == [f"{HEADER}\n\n{TEXT}"]
    for user in users:
        assert line_texts(line, user) == [f"{HEADER}\n\n{TEXT}"]
    assert len(line.multicasts) == 1  # LINE's two people in one multicast
    done = await hr.store.broadcast(stored.id)
    assert done is not None and done.counts == {"sent": 5} and done.finished_at is not None
    actions = [(e.actor, e.action) for e in await hr.store.audit_log()]
    assert (AUTHOR, "broadcast.scheduled") in actions


async def test_two_instances_send_a_scheduled_announcement_once(
    hr: HR, book: PlanBook, backend: Backend, tg: FakeTelegramAPI, line: FakeLineAPI, clock: FixedClock
) -> None:
    chats, users = await hr.staff(telegram=4, line=3)
    other = await HR(book, backend, tg, line, clock, "instance-2").open()
    try:
        at = START + timedelta(hours=1)
        await queue_announcement(hr.services, PLAN, "all", TEXT, AUTHOR, send_at=at)
        clock.moment = at
        for _ in range(3):
            for bot in (hr, other):  # whichever holds the sender lease sends; the other stands by
                if await bot.courier.acquire():
                    await bot.courier.deliver_pending()
        assert sorted(str(s["chat_id"]) for s in tg.sent if str(s["chat_id"]) in chats) == sorted(chats)
        (report,) = telegram_texts(tg, AUTHOR.split(":")[1])  # the author hears once that it is done
        assert "發送完成" in report and "成功 7 人" in report
        assert sorted(u for c in line.multicasts for u in c["to"]) + [p["to"] for p in line.pushes] == sorted(users)
    finally:
        await other.close()


async def test_a_cancelled_announcement_is_never_sent_and_the_cancel_is_audited(
    hr: HR, tg: FakeTelegramAPI, line: FakeLineAPI, clock: FixedClock
) -> None:
    await hr.staff(telegram=2, line=2)
    at = START + timedelta(hours=2)
    stored, _ = await queue_announcement(hr.services, PLAN, "all", TEXT, AUTHOR, send_at=at)
    assert stored is not None
    clock.moment = START + timedelta(minutes=30)
    assert await cancel_announcement(hr.services, stored.id, "telegram:870002")
    clock.moment = at + timedelta(minutes=5)
    await hr.courier.deliver_pending()
    assert not tg.sent and not line.pushes and not line.multicasts
    gone = await hr.store.broadcast(stored.id)
    assert gone is not None and gone.counts == {"skipped": 4}
    with using("zh-TW"):
        assert "取消於 112年6月1日（四） 09:30，沒有發送給任何人" in render_report(gone, "高雄")
        assert "已於 112年6月1日（四） 09:30 取消，未發送" in status_line(gone)
    entry = next(e for e in await hr.store.audit_log() if e.action == "broadcast.cancelled")
    assert entry.actor == "telegram:870002" and entry.detail["broadcast"] == stored.id
    assert not await cancel_announcement(hr.services, stored.id, "telegram:870002")  # once


async def test_an_announcement_already_sending_cannot_be_cancelled(
    hr: HR, tg: FakeTelegramAPI, clock: FixedClock
) -> None:
    chats, _ = await hr.staff(telegram=3, line=0)
    stored, _ = await queue_announcement(hr.services, PLAN, "all", TEXT, AUTHOR)
    assert stored is not None
    await hr.courier.deliver_pending()
    assert not await cancel_announcement(hr.services, stored.id, AUTHOR)
    assert [telegram_texts(tg, c) for c in chats] == [[f"{HEADER}\n\n{TEXT}"]] * 3
    refused = next(e for e in await hr.store.audit_log() if e.action == "broadcast.cancel_refused")
    assert refused.actor == AUTHOR


async def test_a_scheduled_announcement_survives_a_restart(
    hr: HR, book: PlanBook, backend: Backend, tg: FakeTelegramAPI, line: FakeLineAPI, clock: FixedClock
) -> None:
    chats, users = await hr.staff(telegram=2, line=1)
    at = START + timedelta(days=1)
    await queue_announcement(hr.services, PLAN, "all", TEXT, AUTHOR, send_at=at)
    await hr.close()  # the process stops overnight
    clock.moment = at + timedelta(minutes=1)
    again = await HR(book, backend, tg, line, clock, "after-restart").open()
    try:
        await again.courier.deliver_pending()
        assert [telegram_texts(tg, c) for c in chats] == [[f"{HEADER}\n\n{TEXT}"]] * 2
        assert line_texts(line, users[0]) == [f"{HEADER}\n\n{TEXT}"]
    finally:
        await again.close()
    hr.store = again.store  # the fixture closes what it holds: closing twice is safe
    await hr.store.open()


async def test_quiet_hours_are_read_in_taipei_and_a_chosen_night_time_is_kept(
    hr: HR, tg: FakeTelegramAPI, clock: FixedClock
) -> None:
    rules = ReminderSettings()  # 21:00-08:00
    assert in_quiet_hours(rules, datetime(2023, 6, 1, 22, 30, tzinfo=TAIPEI))
    assert in_quiet_hours(rules, datetime(2023, 6, 1, 23, 30, tzinfo=TAIPEI).astimezone(TAIPEI))
    assert in_quiet_hours(hr.services, datetime(2023, 6, 1, 14, 30).replace(tzinfo=TAIPEI) - timedelta(hours=7))
    assert not in_quiet_hours(hr.services, datetime(2023, 6, 1, 10, 0, tzinfo=TAIPEI))
    with pytest.raises(ValueError, match="aware"):
        in_quiet_hours(rules, datetime(2023, 6, 1, 22, 30))
    chats, _ = await hr.staff(telegram=1, line=0)
    night = datetime(2023, 6, 1, 22, 0, tzinfo=TAIPEI)  # HR confirmed the night time in the console
    await queue_announcement(hr.services, PLAN, "all", TEXT, AUTHOR, send_at=night)
    clock.moment = night
    await hr.courier.deliver_pending()
    assert telegram_texts(tg, chats[0]) == [f"{HEADER}\n\n{TEXT}"]


async def test_the_preview_shows_both_platforms_and_lines_quota(hr: HR, line: FakeLineAPI) -> None:
    await hr.staff(telegram=2, line=3)
    line.quota, line.consumption = {"type": "limited", "value": 200}, 190
    with using("zh-TW"):
        shown = await preview(hr.services, PLAN, "all", TEXT)
        assert shown.by_channel == {"line": 3, "telegram": 2} and shown.total == 5
        assert shown.telegram == [f"{HEADER}\n\n{TEXT}"] and shown.line == [f"{HEADER}\n\n{TEXT}"]
        assert shown.quota is not None and (shown.quota.limit, shown.quota.used, shown.quota.remaining) == (
            200,
            190,
            10,
        )
        assert shown.quota_covers and shown.quota_message == ""
        line.consumption = 198
        short = await preview(hr.services, PLAN, "all", TEXT)
        assert not short.quota_covers
        assert "LINE 本月剩餘訊息額度 2 則（上限 200 則），不夠這則公告的 3 位 LINE 收件人" in short.quota_message
    assert await hr.store.broadcasts() == []  # a preview stores nothing
    with using("en"):
        english = await preview(hr.services, PLAN, "all", "Finish by 31 August")
        assert english.line_text == english.telegram_text
        assert english.telegram_text.startswith("📢 Announcement from your personnel office | Kaohsiung City")
        assert english.telegram_text.endswith('"Soaring Ambition, e-Talent"\n\nFinish by 31 August')


async def test_an_announcement_lines_quota_cannot_cover_is_refused_and_nothing_stored(
    hr: HR, tg: FakeTelegramAPI, line: FakeLineAPI
) -> None:
    await hr.staff(telegram=2, line=3)
    line.quota, line.consumption = {"type": "limited", "value": 200}, 198
    with using("zh-TW"), pytest.raises(AnnouncementRefused, match="不夠這則公告的 3 位 LINE 收件人") as refused:
        await queue_announcement(hr.services, PLAN, "all", TEXT, AUTHOR)
    assert refused.value.reason == "line_quota"
    assert await hr.store.broadcasts() == [] and await hr.store.open_deliveries() == {}
    entry = (await hr.store.audit_log())[0]
    assert (entry.actor, entry.action, entry.detail["reason"]) == (AUTHOR, "broadcast.refused", "line_quota")
    await hr.courier.deliver_pending()
    assert not tg.sent and not line.multicasts

    line.fail_next("quota", status=500)
    with using("en"), pytest.raises(AnnouncementRefused, match="could not be read") as unknown:
        await queue_announcement(hr.services, PLAN, "all", TEXT, AUTHOR)
    assert unknown.value.reason == "quota_unknown"

    line.quota = {"type": "none"}  # an unlimited plan
    stored, _ = await queue_announcement(hr.services, PLAN, "all", TEXT, AUTHOR)
    assert stored is not None and stored.recipients == 5


async def test_queued_line_deliveries_count_against_the_quota_first(hr: HR, line: FakeLineAPI) -> None:
    await hr.staff(telegram=0, line=3)
    line.quota, line.consumption = {"type": "limited", "value": 200}, 195
    first, _ = await queue_announcement(hr.services, PLAN, "all", TEXT, AUTHOR, send_at=START + timedelta(hours=3))
    assert first is not None  # 3 of the 5 left
    with pytest.raises(AnnouncementRefused):
        await queue_announcement(hr.services, PLAN, "all", "second", AUTHOR)  # 3 more would make 6
    assert len(await hr.store.broadcasts()) == 1


async def test_the_broadcast_command_refuses_what_lines_quota_cannot_cover(
    hr: HR, backend: Backend, line: FakeLineAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.commands.broadcast import run_broadcast
    from bot.config import LineSettings, Settings

    await hr.staff(telegram=1, line=2)
    line.quota, line.consumption = {"type": "limited", "value": 200}, 199
    settings = Settings(database_url=backend.url, line=LineSettings("secret", line.access_token, line.url))
    with using("zh-TW"):
        assert await run_broadcast(settings, PLAN, "all", TEXT, True) == 1
    assert "LINE 本月剩餘訊息額度 1 則" in capsys.readouterr().err
    assert await hr.store.broadcasts() == [] and not line.multicasts


async def test_an_admin_in_the_chat_is_told_why_lines_quota_refuses_it(hr: HR, line: FakeLineAPI) -> None:
    from bot.core.messages import Incoming

    await hr.staff(telegram=1, line=2)
    line.quota, line.consumption = {"type": "limited", "value": 200}, 199
    admin = AUTHOR.split(":")[1]
    await hr.dialogue.prepare_ready("telegram", admin, PLAN, "zh-TW")

    async def say(**what: str) -> list[str]:
        replies = await hr.dialogue.handle(Incoming("telegram", admin, **what))
        press.update({b.label: b.payload for r in replies for b in r.buttons})
        return [r.text for r in replies]

    press: dict[str, str] = {}
    await say(text="/broadcast")
    await say(text=TEXT)
    await say(button=next(p for label, p in press.items() if "高雄" in label))
    await say(button=next(p for label, p in press.items() if "全部" in label))
    (answer,) = await say(button=next(p for label, p in press.items() if "確定發送" in label))
    assert "LINE 本月剩餘訊息額度 1 則" in answer and "公告沒有排入" in answer
    assert await hr.store.broadcasts() == []
