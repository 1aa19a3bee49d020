"""HR's console on the bot's real HTTP server (bot.web.WebServer with the console mounted),
the real core behind it, and an aiohttp client that behaves as a browser would for cookies.

The link comes the way an admin gets it: `/console` sent to the dialogue as a chat message.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import aiohttp
import pytest

from bot.config import ReminderSettings, Settings
from bot.console_web.app import mount
from bot.core.clock import FixedClock
from bot.core.dialogue import Dialogue
from bot.core.messages import Incoming
from bot.core.services import Services
from bot.domain.calendar import TAIPEI
from bot.plans.loader import PlanBook
from bot.storage import Store
from bot.web import WebServer
from tests.support.ports import free_port

ADMIN = "870001"  # telegram:870001 is in BOT_ADMINS
STRANGER = "870002"
DAY = datetime(2023, 6, 1, 14, 0, tzinfo=TAIPEI)  # a Thursday afternoon; Kaohsiung 112 running
URL = re.compile(r"https?://\S+/console/login/[A-Za-z0-9_-]+")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Site:
    """The console as an admin's browser sees it, and the chat that hands out its links."""

    def __init__(self, services: Services, base: str, http: aiohttp.ClientSession) -> None:
        self.services, self.base, self.http = services, base, http
        self.dialogue = Dialogue(services)
        self.clock = services.clock
        assert isinstance(self.clock, FixedClock)

    async def chat(self, text: str, user: str = ADMIN, channel: str = "telegram") -> str:
        """What the person reads in the chat (already onboarded on Kaohsiung 112)."""
        if await self.services.store.get_user(channel, user) is None:
            await self.dialogue.prepare_ready(channel, user, "kaohsiung-112", "zh-TW")
        replies = await self.dialogue.handle(Incoming(channel, user, text=text))
        return "\n".join(r.text for r in replies)

    async def link(self, user: str = ADMIN) -> str:
        """The link `/console` answers with, rebased on the test server's real address."""
        found = URL.search(await self.chat("/console", user))
        assert found, "no link in the answer"
        return found[0]

    async def open(self, link: str) -> aiohttp.ClientResponse:
        """What a click does: the landing page, then its sign-in button."""
        async with self.http.get(link) as landing:
            assert landing.status == 200
            page = await landing.text()
        token = re.search(r'name="token" value="([^"]+)"', page)
        assert token
        return await self.http.post(f"{self.base}/console/login", data={"token": token[1]}, allow_redirects=False)

    async def sign_in(self) -> None:
        async with await self.open(await self.link()) as response:
            assert response.status == 303, await response.text()

    async def page(self, path: str) -> tuple[int, str]:
        async with self.http.get(self.base + path) as response:
            return response.status, await response.text()

    async def csrf(self, path: str = "/console/") -> str:
        status, html = await self.page(path)
        assert status == 200, html
        found = CSRF.search(html)
        assert found
        return found[1]

    async def post(self, path: str, data: dict[str, Any], **kw: Any) -> tuple[int, str]:
        async with self.http.post(self.base + path, data=data, allow_redirects=kw.get("follow", True)) as response:
            return response.status, await response.text()


async def start_site(
    book: PlanBook, store: Store, public: str | None = None, admins: frozenset[str] | None = None
) -> tuple[WebServer, Site, aiohttp.ClientSession]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    services = Services(
        book, store, FixedClock(DAY), admins=admins or frozenset({f"telegram:{ADMIN}"}), public_url=public or base
    )
    server = WebServer("127.0.0.1", port, store=store)
    settings = Settings(public_url=public or base, reminders=ReminderSettings())
    mount(server, services, settings)
    await server.start()
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))  # cookies for 127.0.0.1
    return server, Site(services, base, http), http


@pytest.fixture
async def site(book: PlanBook, store: Store) -> AsyncIterator[Site]:
    server, found, http = await start_site(book, store)
    try:
        yield found
    finally:
        await http.close()
        await server.stop()
