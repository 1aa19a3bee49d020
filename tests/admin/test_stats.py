"""The console's figures, on both backends: the same as `python -m bot stats`, any count below
5 people shown as 「少於 5 人」 (CSV too), days to each deadline, and how the figures moved
since the last reminder run (a snapshot kept at each run)."""

from __future__ import annotations

import csv
import io
from datetime import date

from bot.admin.stats import collect, deadlines, movement, small, stats_csv
from bot.commands.stats import run_stats
from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.services import Services
from bot.i18n import using
from tests.outbox.conftest import Bot, at
from tests.outbox.test_reminders import ema_marks
from tests.support.backends import Backend

PLAN = "kaohsiung-112"


def rows(text: str) -> dict[tuple[str, str, str], str]:
    return {(r["section"], r["plan"], r["item"]): r["value"] for r in csv.DictReader(io.StringIO(text))}


def test_a_count_below_five_people_reads_fewer_than_five() -> None:
    with using("zh-TW"):
        assert [small(n) for n in (0, 1, 4, 5, 12)] == ["少於 5 人"] * 3 + ["5", "12"]
    with using("en"):
        assert small(3) == "fewer than 5"


async def test_the_figures_agree_with_python_m_bot_stats(bot: Bot, backend: Backend) -> None:
    for i in range(6):
        await bot.person(f"10{i:02d}", marks=ema_marks(bot) if i < 2 else ())
    await bot.person("Uaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", channel="line")
    await bot.store.log_unanswered(PLAN, "zh-TW", "可以用手機上課嗎")
    now = Services(bot.book, bot.store, SystemClock())  # the command's clock
    out = io.StringIO()
    assert await run_stats(Settings(database_url=backend.url), True, out) == 0
    figures = await collect(now)
    assert out.getvalue() == stats_csv(figures)
    cli = rows(out.getvalue())
    (p,) = figures.plans
    assert cli[("people", PLAN, "telegram")] == str(p.people["telegram"]) == "6"
    assert cli[("people", PLAN, "line")] == "1"
    for state in ("not_started", "in_progress", "finished"):
        assert cli[("standing", PLAN, state)] == str(p.standing[state])
    assert "1001" not in out.getvalue() and "Uaaaa" not in out.getvalue()  # no chat ids

    shown = rows(stats_csv(figures, small_counts=True))
    assert shown[("people", PLAN, "telegram")] == "6"  # 5 or more: as it is
    with using("zh-TW"):
        shown = rows(stats_csv(figures, small_counts=True))
    assert shown[("people", PLAN, "line")] == "少於 5 人"
    assert p.comp_leave_people == 2 and shown[("rewards", PLAN, "comp_leave_people")] == "少於 5 人"
    assert shown[("rewards", PLAN, "comp_leave_hours")] == "少於 5 人"  # the hours of two people would give them away
    assert {k: v for k, v in shown.items() if v != "少於 5 人"}.items() <= cli.items()


async def test_deadlines_count_the_days_left(bot: Bot) -> None:
    with using("zh-TW"):
        found = deadlines(bot.services, PLAN)
    assert [(d.day, d.days_left) for d in found][:1] == [(date(2023, 8, 31), 91)]
    assert {d.kind for d in found} <= {"complete", "submit"} and all(d.label for d in found)


async def test_the_figures_moved_since_the_last_reminder_run(bot: Bot) -> None:
    people = [await bot.person(f"20{i:02d}") for i in range(6)]
    await bot.day("2023-08-01")  # 30 days before: a run, and its snapshot
    snap = await bot.store.latest_snapshot(PLAN)
    assert snap is not None and snap.day == date(2023, 8, 1) and snap.figures["standing"]["not_started"] == 6
    bot.clock.moment = at("2023-08-05")
    for user in people[:2]:
        await bot.store.replace_marks(user.id, PLAN, ema_marks(bot))  # two finish e馬當先
    await bot.person("2099")  # one more person
    stats = await collect(bot.services)
    moved = (await movement(bot.services, stats))[PLAN]
    assert moved.since == date(2023, 8, 1) and moved.people == 1
    assert moved.standing == {"not_started": -1, "in_progress": 2, "finished": 0}
    assert moved.finished_per_bundle["ema"] == 2 and moved.comp_leave_people == 2
    assert await movement(bot.services, stats) and PLAN in await movement(bot.services, stats)
