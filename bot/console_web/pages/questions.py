"""Questions people asked that the bot could not answer, most frequent first: what to add to
the plan file. Logged without who asked (bot.storage), so nothing here names anyone."""

from __future__ import annotations

from aiohttp import web

from bot.console_web.context import console_of
from bot.console_web.render import page
from bot.i18n import t

SHOWN = 100


async def show(request: web.Request) -> web.StreamResponse:
    asked = await console_of(request).services.store.frequent_unanswered(SHOWN)
    return page(request, "questions.html", title=t("console.nav.questions"), asked=asked)
