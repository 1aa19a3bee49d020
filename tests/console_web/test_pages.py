"""Every console page renders for a signed-in admin, shows what HR must see, and a bad form
changes nothing (plain HTTP, both backends; the browser tests drive the same pages)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.admin.stats import collect
from bot.domain.calendar import TAIPEI
from tests.conftest import ROOT
from tests.console_web.conftest import Site

PLAN = "kaohsiung-112"
KAOHSIUNG = (ROOT / "rules" / "kaohsiung-112.yaml").read_text(encoding="utf-8")


async def staff(site: Site, telegram: int = 6, line: int = 3) -> None:
    """People on Kaohsiung 112 with reminders on: 6 on Telegram, 3 on LINE."""
    people = [("telegram", str(920001 + i)) for i in range(telegram)] + [("line", f"U{i:032x}") for i in range(line)]
    for channel, chat in people:
        await site.dialogue.prepare_ready(channel, chat, PLAN, "zh-TW")
        user = await site.services.store.get_user(channel, chat)
        assert user is not None
        user.reminders = True
        await site.services.store.save_user(user)


async def test_overview_figures_agree_with_stats_and_hide_small_counts(site: Site) -> None:
    await staff(site)
    await site.sign_in()
    status, html = await site.page("/console/")
    assert status == 200
    figures = await collect(site.services)
    [p] = [p for p in figures.plans if p.plan_id == PLAN]
    section = html[html.index(f'id="plan-{PLAN}"') :]
    people = re.search(r'data-figure="people">([^<]+)<', section)
    assert people and people[1] == str(sum(p.people.values())) == "10"  # 6 + 3 + the admin
    assert 'data-figure="channel-telegram">7<' in section
    assert 'data-figure="channel-line">少於 5 人<' in section  # 3 people on LINE
    assert "<svg" in section and "未開始" in section
    assert "112年8月31日（四）" in section  # a deadline, as staff read dates
    for chat_id in ("920001", "U" + "0" * 32):
        assert chat_id not in html  # no chat ids anywhere


async def test_csv_export_is_audited_and_has_no_chat_ids(site: Site) -> None:
    await staff(site)
    await site.sign_in()
    async with site.http.get(f"{site.base}/console/export.csv") as response:
        assert response.status == 200 and response.content_type == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        body = (await response.read()).decode("utf-8-sig")
    assert body.startswith("as_of,section,plan,item,value")
    assert f"people,{PLAN},telegram,7" in body and f"people,{PLAN},line,少於 5 人" in body
    assert "920001" not in body
    assert "stats.export" in [e.action for e in await site.services.store.audit_log(10)]


async def test_every_page_renders(site: Site) -> None:
    await staff(site)
    await site.sign_in()
    await site.services.store.log_unanswered(PLAN, "zh-TW", "可以用手機上課嗎")
    expected = {
        "/console/announcements": "撰寫公告",
        "/console/reminders": "暫停所有提醒",
        "/console/questions": "可以用手機上課嗎",
        "/console/plans": "kaohsiung-112",
        "/console/audit": "console.login",
    }
    for path, text in expected.items():
        status, html = await site.page(path)
        assert status == 200 and text in html, path
        for field in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
            assert f'for="{field}"' in html, f"{path}: field {field} has no label"


async def test_a_bad_announcement_form_is_answered_and_nothing_queued(site: Site) -> None:
    await staff(site)
    await site.sign_in()
    csrf = await site.csrf("/console/announcements")
    past = {"csrf": csrf, "text": "x", "plan": PLAN, "audience": "all", "when": "later",
            "day": "2023-06-01", "time": "09:00"}  # fmt: skip
    for data, message in (
        ({"csrf": csrf, "text": "", "plan": PLAN, "audience": "all", "when": "now"}, "請輸入公告內容"),
        ({"csrf": csrf, "text": "x" * 2001, "plan": PLAN, "audience": "all", "when": "now"}, "超過上限"),
        ({"csrf": csrf, "text": "x", "plan": "nowhere-999", "audience": "all", "when": "now"}, "請選擇一個計畫"),
        ({"csrf": csrf, "text": "x", "plan": PLAN, "audience": "some", "when": "now"}, "請選擇對象"),
        (past, "時間已經過了"),
        ({**past, "day": "2023-13-01"}, "請填寫排定的日期與時間"),
    ):
        for path in ("/console/announcements/preview", "/console/announcements"):
            status, html = await site.post(path, data)
            assert status == 400 and message in html, (path, message)
    assert await site.services.store.broadcasts() == []


async def test_quiet_hours_need_the_tick_and_a_confirm_works_once(site: Site) -> None:
    await staff(site)
    await site.sign_in()
    csrf = await site.csrf("/console/announcements")
    night = (site.clock.now() + timedelta(days=1)).date().isoformat()
    form = {"csrf": csrf, "text": "明晚系統維護", "plan": PLAN, "audience": "all", "when": "later",
            "day": night, "time": "22:30"}  # fmt: skip
    status, html = await site.post("/console/announcements/preview", form)
    assert status == 200 and "夜間勿擾時段（21:00–08:00）" in html and 'name="quiet_ok"' in html
    assert "Telegram 6" not in html and "Telegram: 7" in html and "LINE: 3" in html
    nonce = re.search(r'name="nonce" value="([^"]+)"', html)
    assert nonce
    status, html = await site.post("/console/announcements", {**form, "nonce": nonce[1]})
    assert status == 409 and "請勾選確認" in html
    assert await site.services.store.broadcasts() == []
    status, html = await site.post("/console/announcements", {**form, "nonce": nonce[1], "quiet_ok": "yes"})
    assert status == 200 and "已排程" in html
    [queued] = await site.services.store.broadcasts()
    assert queued.scheduled_for is not None and queued.scheduled_for.astimezone(TAIPEI).hour == 22
    assert "112年6月2日（五） 22:30" in html  # Taipei time, as staff read dates
    status, html = await site.post("/console/announcements", {**form, "nonce": nonce[1], "quiet_ok": "yes"})
    assert status == 409 and "重複按下" in html  # pressed twice: queued once
    assert len(await site.services.store.broadcasts()) == 1

    status, html = await site.post(f"/console/announcements/{queued.id}/cancel", {"csrf": csrf})
    assert status == 200 and "已取消" in html
    cancelled = await site.services.store.broadcast(queued.id)
    assert cancelled is not None and cancelled.cancelled_at is not None
    status, html = await site.post(f"/console/announcements/{queued.id}/cancel", {"csrf": csrf})
    assert "無法取消" in html


async def test_plans_check_try_and_publish(site: Site) -> None:
    await site.sign_in()
    csrf = await site.csrf("/console/plans")
    broken = KAOHSIUNG.replace("roc_year: 112", "roc_year: 113", 1)
    status, html = await site.post("/console/plans/check", {"csrf": csrf, "filename": "kaohsiung-112.yaml",
                                                            "text": broken})  # fmt: skip
    assert status == 400 and "roc_year" in html and "個錯誤" in html
    assert 'id="publish"' not in html
    status, html = await site.post("/console/plans/check", {"csrf": csrf, "filename": "../x.yaml", "text": "a"})
    assert status == 400 and "檔名須為小寫英文" in html
    changed = KAOHSIUNG + "\n# 人事處修訂\n"
    status, html = await site.post("/console/plans/try", {"csrf": csrf, "filename": "kaohsiung-112.yaml",
                                                          "text": changed, "questions": "補休最多幾小時？"})  # fmt: skip
    assert status == 200 and "最高 16 小時" in html and "檢查通過" in html
    assert "plan.tried" in [e.action for e in await site.services.store.audit_log(10)]
    status, html = await site.post("/console/plans/publish", {"csrf": csrf, "filename": "kaohsiung-112.yaml",
                                                              "text": changed})  # fmt: skip
    assert status == 200 and "已發布 kaohsiung-112.yaml 第 1 版" in html
    published = next(e for e in await site.services.store.audit_log(10) if e.action == "plan.published")
    assert published.actor == "telegram:870001" and published.detail["version"] == 1
    status, html = await site.page("/console/plans")
    assert "已發布 1 個版本" in html


async def test_reminders_pause_and_resume(site: Site) -> None:
    await site.sign_in()
    csrf = await site.csrf("/console/reminders")
    status, html = await site.post("/console/reminders/pause", {"csrf": csrf})
    assert status == 200 and 'data-paused="yes"' in html and "telegram:870001" in html
    status, html = await site.post("/console/reminders/resume", {"csrf": csrf})
    assert status == 200 and 'data-paused="no"' in html
    actions = [e.action for e in await site.services.store.audit_log(10)]
    assert "reminders.paused" in actions and "reminders.resumed" in actions


async def test_reminders_page_shows_the_coming_days_with_counts_and_a_sample(site: Site) -> None:
    await staff(site)
    site.clock.advance(timedelta(days=61))  # 1 August 2023: 30 days before Kaohsiung's 31 August
    await site.sign_in()
    status, html = await site.page("/console/reminders")
    assert status == 200
    day = html[html.index('data-day="2023-08-01"') :]
    assert "112年8月1日（二）" in day and "112年8月31日（四） 前 30 天的提醒" in day
    people = re.search(r'data-figure="people">(\d+)', day)
    assert people and people[1] == "9"  # everyone with reminders on (not the admin), on Telegram or LINE
    assert "範例訊息" in day and "8月31日" in day
    for chat_id in ("920001", "U" + "0" * 32):
        assert chat_id not in html


def test_every_message_the_templates_name_is_in_both_catalogs() -> None:
    from babel.messages.pofile import read_po

    from bot.console_web.render import TEMPLATES
    from bot.i18n import LOCALES_DIR

    used = {
        k
        for p in TEMPLATES.glob("*.html")
        for k in re.findall(r"t\(\s*[\"']([a-z_]+\.[a-z0-9_.]+)[\"']", p.read_text())
    }
    used = {k for k in used if not k.endswith((".", "_"))}  # a prefix joined with ~ in the template
    assert len(used) > 50
    for lang in ("zh_TW", "en"):
        with (LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            known = {m.id for m in read_po(fh) if isinstance(m.id, str)}
        assert used - known == set(), lang


async def test_every_page_in_english(site: Site, caplog: pytest.LogCaptureFixture) -> None:
    await staff(site)
    await site.sign_in()
    await site.page("/console/?lang=en")
    for path, text in {"/console/": "Overview", "/console/announcements": "Write an announcement",
                       "/console/reminders": "Pause all reminders", "/console/questions": "Unanswered questions",
                       "/console/plans": "Upload a new or changed plan file", "/console/audit": "Audit log"}.items():  # fmt: skip
        status, html = await site.page(path)
        assert status == 200 and text in html and 'lang="en"' in html, path
    assert "missing message" not in caplog.text


async def test_an_announcement_lines_quota_cannot_cover_is_refused_with_nothing_queued(site: Site) -> None:
    from bot.channels.line.quota import Quota

    async def almost_spent() -> Quota:
        return Quota(limit=200, used=198)  # 2 left, 3 on LINE

    site.services.line_quota = almost_spent
    await staff(site)
    await site.sign_in()
    csrf = await site.csrf("/console/announcements")
    form = {"csrf": csrf, "text": "請完成課程", "plan": PLAN, "audience": "all", "when": "now"}
    status, html = await site.post("/console/announcements/preview", form)
    assert status == 200 and 'data-quota="short"' in html and "確認立即發送" not in html
    status, html = await site.post("/console/announcements", {**form, "nonce": "forged-by-hand"})
    assert status == 409 and "LINE 本月剩餘訊息額度 2 則" in html
    assert await site.services.store.broadcasts() == []
    assert "broadcast.refused" in [e.action for e in await site.services.store.audit_log(10)]
