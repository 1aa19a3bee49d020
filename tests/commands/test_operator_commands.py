"""HR's operators on the command line: preview and send a day's reminders, write an
announcement that the running service then delivers, read the figures as CSV."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.commands.broadcast import run_broadcast, run_status
from bot.commands.reminders import run_send
from bot.commands.stats import run_stats
from bot.config import Settings
from bot.domain.calendar import TAIPEI
from bot.plans.loader import load_rules_dir
from bot.runner import serve
from bot.storage import Mark, open_store
from tests.fakes.telegram_api import FakeTelegramAPI

STAFF = ("920001", "920002", "920003")


async def seed(url: str, plan_id: str = "kaohsiung-112") -> None:
    store = await open_store(url)
    try:
        for n, chat in enumerate(STAFF):
            user, _ = await store.get_or_create_user("telegram", chat)
            user.plan_id, user.onboarded, user.reminders = plan_id, True, n != 2
            await store.save_user(user)
        plan_user = await store.get_user("telegram", STAFF[1])
        assert plan_user is not None
        start = datetime(2023, 7, 1, 19, tzinfo=TAIPEI)
        plan = load_rules_dir().get(plan_id)
        assert plan is not None
        first = plan.bundles_by_id["ema"].courses[0]
        await store.set_mark(plan_user.id, plan_id, Mark(first.key, "record", start.date(), True, start,
                                                         start + timedelta(hours=1)))  # fmt: skip
    finally:
        await store.close()


@pytest.fixture
def env(tmp_path: Path, unused_tcp_port: int) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path}/bot.sqlite3",
        "BOT_HTTP_HOST": "127.0.0.1",
        "BOT_HTTP_PORT": str(unused_tcp_port),
        "LOG_LEVEL": "WARNING",
    }


def test_preview_lists_who_would_be_reminded_and_changes_nothing(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(seed(env["DATABASE_URL"]))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["reminders", "preview", "--date", "2023-08-24", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)["reminders"]
    assert [(r["user"], r["days_before"], r["standing"], r["already"]) for r in found] == [
        ("920001", 7, "not_started", None),
        ("920002", 7, "in_progress", None),
    ]  # fmt: skip  (920003 turned reminders off)
    assert main(["reminders", "preview", "--date", "2023-08-25"]) == 0
    assert "沒有要發送的提醒" in capsys.readouterr().out
    assert main(["broadcast", "status"]) == 0
    assert "還沒有任何公告" in capsys.readouterr().out


async def test_send_delivers_a_days_reminders_once(env: dict[str, str]) -> None:
    await seed(env["DATABASE_URL"])
    async with FakeTelegramAPI() as fake:
        settings = Settings.from_env(env | {"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_URL": fake.url})
        out = io.StringIO()
        assert await run_send(settings, date(2023, 8, 24), force=True, out=out) == 0
        assert await run_send(settings, date(2023, 8, 24), force=True, out=out) == 0
    assert "新排入 2 則" in out.getvalue() and "新排入 0 則" in out.getvalue()
    texts = {s["chat_id"]: s["message"]["text"] for s in fake.sent}
    assert len(fake.sent) == 2 and set(texts) == {920001, 920002}
    assert "還有 7 天" in texts[920001] and "1／10" in texts[920002]
    assert not [r for r in fake.requests if r["method"] == "getUpdates"]


async def test_an_announcement_stored_offline_is_delivered_by_the_next_run(env: dict[str, str]) -> None:
    await seed(env["DATABASE_URL"])
    out = io.StringIO()
    offline = Settings.from_env(env)  # no channel configured: stored, not sent
    assert await run_broadcast(offline, "kaohsiung-112", "unfinished", "下週一系統維護", yes=True, out=out) == 0
    assert "公告 #1 已儲存，共 3 人" in out.getvalue() and "沒有設定聊天頻道" in out.getvalue()
    async with FakeTelegramAPI() as fake:
        online = Settings.from_env(env | {"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_URL": fake.url})
        stop = asyncio.Event()
        running = asyncio.create_task(serve(online, stop))
        await fake.wait_for(lambda: len(fake.sent) >= 3, what="the announcement")
        stop.set()
        await asyncio.wait_for(running, 10)
    assert sorted(s["chat_id"] for s in fake.sent) == [920001, 920002, 920003]
    assert all("下週一系統維護" in s["message"]["text"] for s in fake.sent)
    status = io.StringIO()
    await run_status(online, None, status)
    assert "成功 3" in status.getvalue() and "（已完成）" in status.getvalue()
    store = await open_store(env["DATABASE_URL"])
    try:
        actions = [(e.action, e.audience_size) for e in await store.audit_log()]
    finally:
        await store.close()
    assert ("broadcast.queued", 3) in actions and ("broadcast.delivered", 3) in actions


async def test_stats_as_csv_holds_figures_not_people(env: dict[str, str]) -> None:
    await seed(env["DATABASE_URL"])
    out = io.StringIO()
    assert await run_stats(Settings.from_env(env), as_csv=True, out=out) == 0
    rows = out.getvalue().splitlines()
    assert rows[0] == "as_of,section,plan,item,value"
    assert any(r.endswith(",people,kaohsiung-112,telegram,3") for r in rows)
    assert any(r.endswith(",bundle,kaohsiung-112,ema:in_progress,1") for r in rows)
    assert not any(chat in out.getvalue() for chat in STAFF)
