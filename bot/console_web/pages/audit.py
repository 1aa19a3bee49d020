"""The audit log: who did what and when, newest first (admin actions in the chat, on the
command line and here)."""

from __future__ import annotations

import json

from aiohttp import web

from bot.console_web.context import console_of
from bot.console_web.render import page
from bot.i18n import t

SHOWN = 200


async def show(request: web.Request) -> web.StreamResponse:
    entries = await console_of(request).services.store.audit_log(SHOWN)
    rows = [(e, json.dumps(e.detail, ensure_ascii=False, sort_keys=True)) for e in entries]
    return page(request, "audit.html", title=t("console.nav.audit"), rows=rows)
