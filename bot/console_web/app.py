"""HR's console in the browser (issue 17): the pages, mounted at /console on the bot's own
HTTP server. Server-rendered (aiohttp-jinja2), assets served by the bot (staff networks are
closed: no CDN), every route listed here, the guard in `auth`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from bot.config import Settings
from bot.console_web import auth, render
from bot.console_web.context import CONSOLE, Console
from bot.console_web.pages import announcements, audit, overview, plans, questions, reminders
from bot.core.services import Services
from bot.web import Handler, WebServer

if TYPE_CHECKING:
    from bot.channels.base import Channel

STATIC = Path(__file__).with_name("static")
MAX_UPLOAD = 1024 * 1024  # a plan file is some tens of kB

ROUTES: tuple[tuple[str, str, Handler, str], ...] = (
    ("GET", "/login/{token}", auth.login_page, "login_page"),
    ("POST", "/login", auth.login, "login"),
    ("GET", "/signed-out", auth.signed_out, "signed_out"),
    ("POST", "/logout", auth.logout, "logout"),
    ("GET", "/", overview.show, "overview"),
    ("GET", "/export.csv", overview.export, "export"),
    ("GET", "/announcements", announcements.index, "announcements"),
    ("POST", "/announcements/preview", announcements.preview, "announcement_preview"),
    ("POST", "/announcements/edit", announcements.edit, "announcement_edit"),
    ("POST", "/announcements", announcements.send, "announcement_send"),
    ("GET", "/announcements/{id:\\d+}", announcements.detail, "announcement"),
    ("GET", "/announcements/{id:\\d+}/progress", announcements.progress, "announcement_progress"),
    ("POST", "/announcements/{id:\\d+}/cancel", announcements.cancel, "announcement_cancel"),
    ("GET", "/reminders", reminders.show, "reminders"),
    ("POST", "/reminders/pause", reminders.pause, "reminders_pause"),
    ("POST", "/reminders/resume", reminders.resume, "reminders_resume"),
    ("GET", "/questions", questions.show, "questions"),
    ("GET", "/plans", plans.index, "plans"),
    ("POST", "/plans/check", plans.check, "plan_check"),
    ("POST", "/plans/try", plans.try_, "plan_try"),
    ("POST", "/plans/publish", plans.publish, "plan_publish"),
    ("GET", "/audit", audit.show, "audit"),
)


def build_app(console: Console) -> web.Application:
    app = web.Application(middlewares=[auth.guard], client_max_size=MAX_UPLOAD)
    app[CONSOLE] = console
    render.setup(app)
    for method, path, handler, name in ROUTES:
        app.router.add_route(method, path, handler, name=name)
    app.router.add_static("/static/", STATIC, name="static")
    return app


def mount(
    server: WebServer, services: Services, settings: Settings, channels: Mapping[str, Channel] | None = None
) -> None:
    """The console at /console on the bot's HTTP server (before it starts)."""
    secure = bool(settings.public_url and settings.public_url.startswith("https://"))
    console = Console(services, settings.reminders, dict(channels or {}), secure)
    server.add_subapp(render.BASE + "/", build_app(console))
