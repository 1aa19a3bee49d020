"""What every console page needs, kept on the console's aiohttp application."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from bot.config import ReminderSettings
from bot.core.services import Services
from bot.storage.console import ConsoleSession

if TYPE_CHECKING:
    from bot.channels.base import Channel


@dataclass
class Console:
    services: Services
    reminders: ReminderSettings = field(default_factory=ReminderSettings)
    channels: Mapping[str, Channel] = field(default_factory=dict)  # the running chat channels
    secure_cookies: bool = False  # BOT_PUBLIC_URL is https: cookies only over HTTPS


CONSOLE = web.AppKey("console", Console)
SESSION = web.RequestKey("console_session", ConsoleSession)  # the session of a signed-in request


def console_of(request: web.Request) -> Console:
    return request.app[CONSOLE]


def session_of(request: web.Request) -> ConsoleSession:
    return request[SESSION]


def actor_of(request: web.Request) -> str:
    """Who did it, for the audit log: the admin's chat key, as in the chat's admin actions."""
    return session_of(request).admin
