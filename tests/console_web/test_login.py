"""Signing in to the console without a password, and every refusal: a reused, expired,
forged or non-admin link, no session, a missing or wrong CSRF token. Each refusal is a
polite page and nothing is done (no session opened, no announcement queued)."""

from __future__ import annotations

import io
from datetime import timedelta

from bot.commands.admin_link import run_admin_link
from bot.config import Settings
from bot.plans.loader import PlanBook
from bot.storage import Store, open_store
from tests.console_web.conftest import ADMIN, STRANGER, Site, start_site

ANNOUNCE = {"text": "請於 8 月 31 日前完成課程", "plan": "kaohsiung-112", "audience": "all", "when": "now"}


async def actions(site: Site) -> list[str]:
    return [e.action for e in await site.services.store.audit_log(100)]


async def test_the_chat_link_signs_an_admin_in_once(site: Site) -> None:
    answer = await site.chat("/console")
    assert "10 分鐘內有效，只能使用一次" in answer and f"{site.base}/console/login/" in answer
    link = answer.split()[-1]
    status, landing = await site.page(link.removeprefix(site.base))  # looking does not use it up
    assert status == 200 and "登入人事管理台" in landing
    async with await site.open(link) as response:
        assert response.status == 303 and response.headers["Location"] == "/console/"
        cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # BOT_PUBLIC_URL is http:// here
    assert "Max-Age=32400" in cookie  # a working day: 9 hours
    status, overview = await site.page("/console/")
    assert status == 200 and "總覽" in overview and "登出" in overview
    assert {"console.link_issued", "console.login"} <= set(await actions(site))
    entry = next(e for e in await site.services.store.audit_log(10) if e.action == "console.login")
    assert entry.actor == f"telegram:{ADMIN}"

    async with await site.open(link) as again:  # the same link a second time
        assert again.status == 403 and "Set-Cookie" not in again.headers
        assert "連結已使用過、已逾期" in await again.text()
    assert "console.login_refused" in await actions(site)


async def test_an_expired_link_is_refused(site: Site) -> None:
    link = await site.link()
    site.clock.advance(timedelta(minutes=10, seconds=1))
    async with await site.open(link) as response:
        assert response.status == 403 and "Set-Cookie" not in response.headers
    status, page = await site.page("/console/")
    assert status == 401 and "請先登入" in page


async def test_a_forged_link_is_refused(site: Site) -> None:
    real = await site.link()
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    async with await site.open(forged) as response:
        assert response.status == 403 and "Set-Cookie" not in response.headers
    async with site.http.post(f"{site.base}/console/login", data={}, allow_redirects=False) as empty:
        assert empty.status == 403
    async with await site.open(real) as response:  # the real one still works: nothing was used up
        assert response.status == 303


async def test_no_link_without_a_public_address(site: Site) -> None:
    site.services.public_url = None  # BOT_PUBLIC_URL unset
    answer = await site.chat("/console")
    assert "BOT_PUBLIC_URL" in answer and "/console/login/" not in answer
    assert "console.link_issued" not in await actions(site)


async def test_only_admins_get_a_link(site: Site) -> None:
    answer = await site.chat("/console", user=STRANGER)
    assert "僅限管理者" in answer and "/console/login/" not in answer
    assert "console.denied" in await actions(site)


async def test_a_link_of_an_admin_no_longer_configured_is_refused(book: PlanBook, store: Store) -> None:
    server, site, http = await start_site(book, store)
    try:
        link = await site.link()
        site.services.admins = frozenset({"telegram:999"})  # BOT_ADMINS changed since
        async with await site.open(link) as response:
            assert response.status == 403 and "Set-Cookie" not in response.headers
    finally:
        await http.close()
        await server.stop()


async def test_no_session_nothing_done(site: Site) -> None:
    status, page = await site.page("/console/announcements")
    assert status == 401 and "請先登入" in page
    status, page = await site.post("/console/announcements", {**ANNOUNCE, "csrf": "x"})
    assert status == 401 and "未執行任何動作" in page
    status, _ = await site.page("/console/export.csv")
    assert status == 401
    status, _ = await site.page("/console/announcements/1/progress")
    assert status == 401
    assert await site.services.store.broadcasts() == []


async def test_missing_or_wrong_csrf_is_refused(site: Site) -> None:
    await site.dialogue.prepare_ready("telegram", "910001", "kaohsiung-112", "zh-TW")
    await site.sign_in()
    for data in (ANNOUNCE, {**ANNOUNCE, "csrf": "wrong"}, {**ANNOUNCE, "csrf": ""}):
        status, page = await site.post("/console/announcements", data)
        assert status == 403 and "安全代碼" in page
    assert await site.services.store.broadcasts() == []
    assert (await actions(site)).count("console.csrf_refused") == 3
    status, page = await site.post("/console/logout", {})  # even signing out needs the token
    assert status == 403
    status, _ = await site.page("/console/")
    assert status == 200


async def test_logout_ends_the_session_everywhere(site: Site) -> None:
    await site.sign_in()
    cookie = next(c for c in site.http.cookie_jar if c.key == "elearn_console")
    csrf = await site.csrf()
    status, page = await site.post("/console/logout", {"csrf": csrf})
    assert status == 200 and "已登出" in page
    site.http.cookie_jar.update_cookies({"elearn_console": cookie.value})  # a copy of the old cookie
    status, page = await site.page("/console/")
    assert status == 401
    assert "console.logout" in await actions(site)


async def test_a_session_ends_after_a_working_day(site: Site) -> None:
    await site.sign_in()
    site.clock.advance(timedelta(hours=8, minutes=59))
    assert (await site.page("/console/"))[0] == 200
    site.clock.advance(timedelta(minutes=2))
    assert (await site.page("/console/"))[0] == 401


async def test_cookies_are_secure_behind_https(book: PlanBook, store: Store) -> None:
    server, site, http = await start_site(book, store, public="https://bot.example.gov.tw")
    try:
        link = (await site.link()).replace("https://bot.example.gov.tw", site.base)
        async with await site.open(link) as response:
            assert response.status == 303 and "Secure" in response.headers["Set-Cookie"]
    finally:
        await http.close()
        await server.stop()


async def test_pages_carry_security_headers_and_switch_language(site: Site) -> None:
    await site.sign_in()
    async with site.http.get(f"{site.base}/console/?lang=en") as response:
        html = await response.text()
        assert response.headers["Referrer-Policy"] == "no-referrer"  # the link's token never leaks
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"
    assert "Overview" in html and "Sign out" in html and 'lang="en"' in html
    _, html = await site.page("/console/announcements")  # the choice is remembered
    assert "Write an announcement" in html


def settings_for(tmp_url: str, public: str | None = "https://bot.example.gov.tw") -> Settings:
    return Settings(database_url=tmp_url, admins=frozenset({f"telegram:{ADMIN}"}), public_url=public)


async def test_admin_link_prints_a_link_for_admins_only(book: PlanBook, tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/bot.sqlite3"
    out = io.StringIO()
    assert await run_admin_link(settings_for(url), f"telegram:{ADMIN}", out) == 0
    link = out.getvalue().strip()
    assert link.startswith("https://bot.example.gov.tw/console/login/")
    store = await open_store(url)  # the service on the same database takes it, once
    server, site, http = await start_site(book, store, public="https://bot.example.gov.tw")
    try:
        async with await site.open(link.replace("https://bot.example.gov.tw", site.base)) as response:
            assert response.status == 303
        entry = next(e for e in await store.audit_log(10) if e.action == "console.link_issued")
        assert entry.actor.startswith("cli:") and entry.detail["for"] == f"telegram:{ADMIN}"
        async with site.http.get(f"{site.base}/console", allow_redirects=False) as bare:  # without the slash
            assert bare.status == 308 and bare.headers["Location"] == "/console/"
    finally:
        await http.close()
        await server.stop()
        await store.close()
    out = io.StringIO()
    assert await run_admin_link(settings_for(url), "telegram:12345", out) == 1
    assert out.getvalue() == ""
    assert await run_admin_link(settings_for(url, None), f"telegram:{ADMIN}", out) == 1


async def test_a_session_is_served_by_every_instance(book: PlanBook, store: Store) -> None:
    """Two instances on one database: signed in on one, the other knows the session; signed
    out on the other, the first does not any more."""
    first, a, http_a = await start_site(book, store)
    second, b, http_b = await start_site(book, store)
    try:
        await a.sign_in()
        cookie = next(c for c in a.http.cookie_jar if c.key == "elearn_console").value
        b.http.cookie_jar.update_cookies({"elearn_console": cookie})
        assert (await b.page("/console/"))[0] == 200
        assert (await b.post("/console/logout", {"csrf": await b.csrf()}))[0] == 200
        assert (await a.page("/console/"))[0] == 401
    finally:
        for http in (http_a, http_b):
            await http.close()
        for server in (first, second):
            await server.stop()
