"""HR's console in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright
for Python), against `python -m bot run`'s own server (bot.runner.serve) with Telegram and
LINE configured to the fake platforms of tests/fakes.

The admin gets the link the way HR would, by sending /console to the bot on (fake) Telegram;
signs in; compares the overview with `python -m bot stats`; composes, previews, schedules
(in the quiet hours, confirmed) and watches an announcement arrive on both platforms exactly
once while a second one, cancelled, never does; sees LINE's quota refuse one it cannot
cover; visits every page; and tries every refusal. Screenshots of each page at 1280 and 390
pixels wide go to /tmp/console-shots/. One bot and one browser for the whole module.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.dialogue import Dialogue
from bot.core.services import Services
from bot.domain.calendar import TAIPEI
from bot.plans.loader import load_rules_dir
from bot.runner import serve
from bot.storage import Mark, open_store
from tests.conftest import ROOT
from tests.console_web.conftest import free_port
from tests.fakes.line_api import FakeLineAPI, new_user_id
from tests.fakes.telegram_api import FakeTelegramAPI

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    reason = f"{CHROMIUM} is not installed (.ci/run installs Debian's chromium)"
    if os.environ.get("REQUIRE_BROWSER"):  # CI has it: a skip there would hide the browser tests
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)
playwright_api = pytest.importorskip("playwright.async_api")

pytestmark = pytest.mark.asyncio(loop_scope="module")
SHOTS = Path("/tmp/console-shots")
ADMIN, STRANGER = 870001, 870002
STAFF = [920001 + i for i in range(6)]
PLAN = "kaohsiung-112"
TEXT = "各位同仁：本年度數位學習請於 8 月 31 日前完成，謝謝配合。"
CANCELLED = "這則公告會被取消，不應送達任何人。"
LINK = re.compile(r"http://\S+/console/login/[A-Za-z0-9_-]+")
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@dataclass
class Bot:
    base: str
    env: dict[str, str]
    telegram: FakeTelegramAPI
    line: FakeLineAPI
    line_users: list[str]
    quiet: tuple[datetime, datetime]
    scheduled: tuple[str, datetime] | None = None  # the progress page and time of the one scheduled

    async def chat(self, chat_id: int, text: str) -> str:
        """Send a message on (fake) Telegram; the bot's answer."""
        before = len(self.telegram.sent)
        self.telegram.queue_update(self.telegram.make_message_update(chat_id, text))
        await self.telegram.wait_for(lambda: len(self.telegram.sent) > before, 10, "an answer")
        return "\n".join(str(s["text"]) for s in self.telegram.sent[before:] if s["chat_id"] == chat_id)

    async def link(self) -> str:
        found = LINK.search(await self.chat(ADMIN, "/console"))
        assert found, "no console link in the chat's answer"
        return found[0]

    def telegram_got(self, text: str) -> list[int]:
        return [s["chat_id"] for s in self.telegram.sent if text in str(s["text"])]

    def line_got(self, text: str) -> list[str]:
        got = [to for m in self.line.multicasts if text in m["messages"][0].get("text", "") for to in m["to"]]
        return got + [p["to"] for p in self.line.pushes if text in p["messages"][0].get("text", "")]


async def prepare(url: str) -> list[str]:
    """Staff on the plan before the bot starts: 8 on Telegram (the admin included), 3 on LINE."""
    store = await open_store(url)
    try:
        book = load_rules_dir(ROOT / "rules")
        dialogue = Dialogue(Services(book, store, SystemClock()))
        for chat in [ADMIN, STRANGER, *STAFF]:
            await dialogue.prepare_ready("telegram", str(chat), PLAN, "zh-TW")
        plan = book.get(PLAN)
        assert plan is not None
        first, second = plan.bundles[0], plan.bundles[1]
        for i, chat in enumerate(STAFF[:5]):  # five finished the first bundle, two began the second
            user = await store.get_user("telegram", str(chat))
            assert user is not None
            courses = list(first.courses) + (list(second.courses[:1]) if i < 2 else [])
            for course in courses:
                await store.set_mark(user.id, PLAN, Mark(course.key, "self", date(2023, 6, 1), True))
        users = [new_user_id() for _ in range(3)]
        for user in users:
            await dialogue.prepare_ready("line", user, PLAN, "zh-TW")
        for _ in range(3):
            await store.log_unanswered(PLAN, "zh-TW", "線上課程可以用平板上嗎")
        await store.log_unanswered(PLAN, "zh-TW", "停車費可以報帳嗎")
        return users
    finally:
        await store.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Bot]:
    folder = tmp_path_factory.mktemp("console")
    url = f"sqlite:///{folder}/bot.sqlite3"
    users = await prepare(url)
    now = datetime.now(TAIPEI)
    quiet = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    quiet_end = quiet + timedelta(minutes=30)  # every time scheduled below falls in here
    port = free_port()
    async with FakeTelegramAPI() as telegram:
        line = FakeLineAPI()
        await line.start()
        env = {
            "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_URL": telegram.url,
            "LINE_CHANNEL_SECRET": "line-secret", "LINE_CHANNEL_ACCESS_TOKEN": line.access_token,
            "LINE_API_URL": line.url, "BOT_ADMINS": f"telegram:{ADMIN}",
            "BOT_PUBLIC_URL": f"http://127.0.0.1:{port}", "BOT_HTTP_HOST": "127.0.0.1", "BOT_HTTP_PORT": str(port),
            "DATABASE_URL": url, "REMINDER_QUIET_HOURS": f"{quiet:%H:%M}-{quiet_end:%H:%M}",
            "REMINDER_TIME": f"{quiet_end + timedelta(hours=1):%H:%M}",
        }  # fmt: skip
        stop = asyncio.Event()
        running = asyncio.create_task(serve(Settings.from_env(env), stop))
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as http:
            async with asyncio.timeout(60):
                while True:
                    try:
                        async with http.get(f"{base}/readyz") as response:
                            if response.status == 200:
                                break
                    except aiohttp.ClientConnectionError:
                        pass
                    await asyncio.sleep(0.1)
        try:
            yield Bot(base, env, telegram, line, users, (quiet, quiet_end))
        finally:
            stop.set()
            await asyncio.wait_for(running, 30)
            await line.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[object]:
    async with playwright_api.async_playwright() as p:
        launched = await p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield launched
        await launched.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def admin(bot: Bot, browser: object) -> AsyncIterator[object]:
    """The admin's browser tab, signed in through the link the chat gave."""
    context = await browser.new_context(viewport=WIDTHS["desktop"], locale="zh-TW", timezone_id="Asia/Taipei")
    page = await context.new_page()
    page.set_default_timeout(30_000)  # a loaded CI machine
    await page.goto(await bot.link())
    await shoot(page, "login")
    await page.get_by_role("button", name="登入").click()
    await page.wait_for_url(f"{bot.base}/console/")
    yield page
    await context.close()


async def shoot(page: object, name: str, phone: bool = True) -> None:
    """The page as it is now at desktop width and (same page, narrowed) at phone width, where
    nothing may stick out sideways."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}-desktop.png"), full_page=True)
    if phone:
        await page.set_viewport_size(WIDTHS["phone"])
        try:
            await page.screenshot(path=str(SHOTS / f"{name}-phone.png"), full_page=True)
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= WIDTHS["phone"]["width"], f"{name}: the page is {width}px wide on a 390px phone"
        finally:
            await page.set_viewport_size(WIDTHS["desktop"])


def stats_command(env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "stats"], capture_output=True, text=True, cwd=ROOT, check=True,
        env={**os.environ, "DATABASE_URL": env["DATABASE_URL"]},
    )  # fmt: skip
    return result.stdout


async def test_overview_agrees_with_the_stats_command(bot: Bot, admin: object) -> None:
    page = admin
    text = await asyncio.to_thread(stats_command, bot.env)
    people = re.search(r"人數：(\d+)（Line (\d+)、Telegram (\d+)）", text)
    assert people, text
    total, line, telegram = (int(n) for n in people.groups())
    assert (total, line, telegram) == (11, 3, 8)
    plan = page.locator(f"#plan-{PLAN}")
    assert await plan.locator('[data-figure="people"]').inner_text() == str(total)
    assert await plan.locator('[data-figure="channel-telegram"]').inner_text() == str(telegram)
    assert await plan.locator('[data-figure="channel-line"]').inner_text() == "少於 5 人"  # 3 < 5
    not_started = re.search(r"整體進度：未開始 (\d+)", text)
    assert not_started and await plan.locator('[data-figure="not_started"]').inner_text() == not_started[1]
    rows = plan.locator("table.bundles tbody tr")
    for n, (name, *counts) in enumerate(re.findall(r"・(.+?)：(\d+)／(\d+)／(\d+)", text)):  # per bundle
        cells = await rows.nth(n).locator("td").all_inner_texts()
        assert cells[0] == name
        assert cells[1:] == [c if int(c) >= 5 else "少於 5 人" for c in counts]
    assert await rows.nth(0).locator('[data-state="finished"]').inner_text() == "5"  # five finished it
    assert await plan.locator("svg.chart rect").count() > 3
    await shoot(page, "overview")
    await page.get_by_role("link", name="English").click()
    await page.get_by_role("heading", name="Overview").wait_for()
    await shoot(page, "overview-en", phone=False)
    await page.get_by_role("link", name="中文").click()
    await page.get_by_role("heading", name="總覽").wait_for()


async def compose(page: object, bot: Bot, text: str, when: datetime | None) -> None:
    await page.goto(f"{bot.base}/console/announcements")
    await page.get_by_label("公告內容").fill(text)
    await page.get_by_label("計畫").select_option(PLAN)
    await page.get_by_label("全部同仁").check()
    if when is None:
        await page.get_by_label("立即發送").check()
    else:
        await page.get_by_label("排定時間發送").check()
        await page.get_by_label("日期").fill(f"{when:%Y-%m-%d}")
        await page.get_by_label("時間（臺北）").fill(f"{when:%H:%M}")
    await page.get_by_role("button", name="預覽").click()
    await page.get_by_role("heading", name="公告預覽").wait_for()


def next_minute(at_least: float = 15) -> datetime:
    now = datetime.now(TAIPEI)
    return (now + timedelta(seconds=at_least + 60)).replace(second=0, microsecond=0)


async def test_schedule_in_quiet_hours_confirm_and_it_arrives_once(bot: Bot, admin: object) -> None:
    page = admin
    await page.goto(f"{bot.base}/console/announcements")
    await shoot(page, "announcements")
    when = next_minute()
    assert bot.quiet[0] <= when < bot.quiet[1]
    bot.line.quota, bot.line.consumption = {"type": "limited", "value": 200}, 10
    await compose(page, bot, TEXT, when)
    assert "Telegram: 8" in await page.locator("#recipients").inner_text()
    assert "LINE: 3" in await page.locator("#recipients").inner_text()
    tg, ln = await page.locator("#preview-telegram").inner_text(), await page.locator("#preview-line").inner_text()
    assert TEXT in tg and TEXT in ln and "高雄市" in tg and "高雄市" in ln  # the plan's header, as staff see it
    assert "LINE 本月剩餘 190 則（上限 200 則" in await page.locator('[data-quota="ok"]').inner_text()
    assert "夜間勿擾時段" in await page.locator(".warn").inner_text()
    await page.screenshot(path=str(SHOTS / "preview-desktop.png"), full_page=True)
    await page.get_by_role("button", name="確認排程").click()  # not ticked: the browser holds the form
    assert await page.get_by_role("heading", name="公告預覽").is_visible()
    await page.get_by_label("我確定要在夜間勿擾時段發送").check()
    await page.get_by_role("button", name="確認排程").click()
    await page.locator("#progress .badge", has_text="已排程").wait_for()
    first = page.url
    assert bot.telegram_got(TEXT) == [] and bot.line_got(TEXT) == []  # it waits for its time
    await shoot(page, "announcement-scheduled")

    await compose(page, bot, CANCELLED, when)  # same time, then cancelled
    await page.get_by_label("我確定要在夜間勿擾時段發送").check()
    await page.get_by_role("button", name="確認排程").click()
    await page.get_by_role("button", name="取消這則排程公告").click()
    await page.get_by_text("已取消：這則公告不會發送給任何人。").wait_for()
    assert await page.locator("#cancel").count() == 0

    bot.line.quota, bot.line.consumption = {"type": "limited", "value": 200}, 198  # 2 left for 3 on LINE
    await compose(page, bot, "額度不足的公告", None)
    refusal = await page.locator('[data-quota="short"]').inner_text()
    assert "LINE 本月剩餘訊息額度 2 則" in refusal and "公告沒有排入" in refusal
    assert await page.get_by_role("button", name="確認立即發送").count() == 0
    await shoot(page, "preview-quota-refused")
    bot.line.quota, bot.line.consumption = {"type": "none"}, 0

    bot.scheduled = (first, when)  # checked last, once the other tests have used the wait


async def test_reminders_questions_plans_and_audit(bot: Bot, admin: object) -> None:
    page = admin
    await page.goto(f"{bot.base}/console/reminders")
    await page.get_by_role("button", name="暫停所有提醒").click()
    await page.locator('[data-paused="yes"]').wait_for()
    await shoot(page, "reminders-paused")
    await page.get_by_role("button", name="恢復提醒").click()
    await page.locator('[data-paused="no"]').wait_for()
    await shoot(page, "reminders")

    await page.goto(f"{bot.base}/console/questions")
    rows = page.locator("#unanswered tbody tr")
    assert "線上課程可以用平板上嗎" in await rows.nth(0).inner_text()  # most frequent first
    assert "停車費可以報帳嗎" in await rows.nth(1).inner_text()
    await shoot(page, "questions")

    await page.goto(f"{bot.base}/console/plans")
    await shoot(page, "plans")
    source = (ROOT / "rules" / "kaohsiung-112.yaml").read_text(encoding="utf-8")
    broken = source.replace("roc_year: 112", "roc_year: 113", 1)
    await page.get_by_label("計畫檔（.yaml）").set_input_files(
        files=[{"name": "kaohsiung-112.yaml", "mimeType": "text/yaml", "buffer": broken.encode()}]
    )
    await page.get_by_role("button", name="檢查").click()
    assert "roc_year" in await page.locator("ul.errors").inner_text()
    await shoot(page, "plan-errors")
    await page.goto(f"{bot.base}/console/plans")
    await page.get_by_label("計畫檔（.yaml）").set_input_files(
        files=[{"name": "kaohsiung-112.yaml", "mimeType": "text/yaml", "buffer": (source + "\n# 修訂\n").encode()}]
    )
    await page.get_by_role("button", name="檢查").click()
    await page.get_by_text("檢查通過，沒有錯誤。").wait_for()
    await page.get_by_label("問題（一行一題）").fill("補休最多幾小時？\n停車費可以報帳嗎")
    await page.get_by_role("button", name="試問").click()
    answers = page.locator("#answers > li")
    assert await answers.count() == 2 and "16 小時" in await answers.nth(0).inner_text()
    await page.screenshot(path=str(SHOTS / "plan-try-desktop.png"), full_page=True)
    await page.get_by_role("button", name="發布 kaohsiung-112.yaml").click()
    await page.locator("#published").wait_for()
    assert "第 1 版" in await page.locator("#published").inner_text()

    await page.goto(f"{bot.base}/console/audit")
    log = await page.locator("#audit").inner_text()
    for action in ("console.login", "broadcast.scheduled", "broadcast.cancelled", "reminders.paused", "plan.published"):
        assert action in log
    await shoot(page, "audit")
    async with page.expect_download() as download:
        await page.goto(f"{bot.base}/console/")
        await page.get_by_role("link", name="匯出 CSV").click()
    csv = Path(await (await download.value).path()).read_text(encoding="utf-8-sig")
    assert f"people,{PLAN},telegram,8" in csv and "920001" not in csv


async def test_every_refusal(bot: Bot, admin: object, browser: object) -> None:
    stranger = await bot.chat(STRANGER, "/console")
    assert "僅限管理者" in stranger and "/console/login/" not in stranger

    context = await browser.new_context(viewport=WIDTHS["desktop"])
    page = await context.new_page()
    await page.goto(f"{bot.base}/console/announcements")  # no session
    await page.get_by_role("heading", name="請先登入").wait_for()
    await shoot(page, "refused-no-session")
    link = await bot.link()
    forged = link[:-6] + ("abcdef" if not link.endswith("abcdef") else "ghijkl")
    await page.goto(forged)
    await page.get_by_role("button", name="登入").click()
    await page.get_by_role("heading", name="這個連結無法使用").wait_for()
    await shoot(page, "refused-link")
    await page.goto(link)
    await page.get_by_role("button", name="登入").click()
    await page.wait_for_url(f"{bot.base}/console/")
    await page.goto(link)  # reused
    await page.get_by_role("button", name="登入").click()
    await page.get_by_role("heading", name="這個連結無法使用").wait_for()

    await page.goto(f"{bot.base}/console/reminders")  # signed in by the real link: a form without its token
    await page.evaluate("document.querySelectorAll('input[name=csrf]').forEach(e => e.remove())")
    await page.get_by_role("button", name="暫停所有提醒").click()
    await page.get_by_role("heading", name="表單已失效").wait_for()
    await page.goto(f"{bot.base}/console/reminders")
    assert await page.locator('[data-paused="no"]').count() == 1  # nothing done

    await page.get_by_role("button", name="登出").click()
    await page.get_by_role("heading", name="已登出").wait_for()
    await page.goto(f"{bot.base}/console/")
    await page.get_by_role("heading", name="請先登入").wait_for()
    await context.close()


async def test_the_scheduled_announcement_arrived_once(bot: Bot, admin: object) -> None:
    page = admin
    assert bot.scheduled is not None
    first, when = bot.scheduled
    await page.goto(first)
    early = datetime.now(TAIPEI) < when - timedelta(seconds=3)
    if early:
        assert bot.telegram_got(TEXT) == [] and bot.line_got(TEXT) == []  # not before its time
        await page.evaluate("window.stillTheSamePage = true")
    wait = (when - datetime.now(TAIPEI)).total_seconds() + 40
    await page.locator("#progress .badge", has_text="已完成").wait_for(timeout=wait * 1000)
    if early:  # the progress refreshed itself, without reloading the page
        assert await page.evaluate("window.stillTheSamePage === true")
    assert await page.locator('[data-field="sent"]').inner_text() == "11"
    await shoot(page, "announcement-done")
    await asyncio.sleep(6)  # a courier poll later: still once
    assert sorted(bot.telegram_got(TEXT)) == sorted([ADMIN, STRANGER, *STAFF])
    assert sorted(bot.line_got(TEXT)) == sorted(bot.line_users)
    assert bot.telegram_got(CANCELLED) == [] and bot.line_got(CANCELLED) == []
