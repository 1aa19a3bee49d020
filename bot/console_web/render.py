"""Rendering a console page: the template, the common context, the security headers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.admin.stats import small
from bot.console_web.context import SESSION, console_of
from bot.domain.calendar import TAIPEI
from bot.i18n import current_lang, t
from bot.render.numbers import num, show_date

TEMPLATES = Path(__file__).with_name("templates")
BASE = "/console"
NAV = (  # (path under BASE, message key)
    ("/", "console.nav.overview"),
    ("/announcements", "console.nav.announcements"),
    ("/reminders", "console.nav.reminders"),
    ("/questions", "console.nav.questions"),
    ("/plans", "console.nav.plans"),
    ("/audit", "console.nav.audit"),
)
HEADERS = {
    # the login link's token must not leak to another site through Referer
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


CHANNEL_NAMES = {"telegram": "Telegram", "line": "LINE", "console": "Console"}


def channel_name(channel: str) -> str:
    return CHANNEL_NAMES.get(channel, channel)


def when(moment: datetime) -> str:
    """A moment as staff read it, in Taipei: 112年12月2日（三） 13:05."""
    local = moment.astimezone(TAIPEI)
    return f"{show_date(local.date())} {local:%H:%M}"


def setup(app: web.Application) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["channel"] = channel_name
    env.globals.update(t=t, small=small, num=num, show_date=show_date, when=when, base=BASE, nav=NAV)


def page(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    """A whole page, in the request's language, with the session's CSRF token for its forms."""
    session = request.get(SESSION)
    context.setdefault("title", "")
    common = {
        "lang": current_lang(),
        "csrf": session.csrf if session else "",
        "admin": session.admin if session else None,
        "path": request.path,
        "channels": sorted(console_of(request).channels),
    }
    response = aiohttp_jinja2.render_template(template, request, common | context, status=status)
    return response


def secure_headers(response: web.StreamResponse) -> None:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
