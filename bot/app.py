"""Build the core once: settings → plans → store → services → dialogue."""

from __future__ import annotations

import logging

from bot import logsafe
from bot.config import ConfigError, Settings
from bot.core.clock import Clock, SystemClock
from bot.core.dialogue import Dialogue
from bot.core.services import Services
from bot.plans.loader import load_rules_dir
from bot.storage import StoreError, open_store


def setup_logging(level: str, settings: Settings | None = None) -> None:
    """Log to stderr at `level`, with `settings`' secrets masked on every handler (bot.logsafe)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs URLs, bot token included
    logsafe.install(root.handlers, secrets(settings))


def secrets(settings: Settings | None) -> list[str]:
    """What must never reach a log: the configured tokens and secrets."""
    found: list[str | None] = []
    if settings is not None and settings.telegram:
        found += [settings.telegram.token, settings.telegram.webhook_secret]
    if settings is not None and settings.line:
        found += [settings.line.channel_secret, settings.line.access_token]
    return [s for s in found if s]


async def build_dialogue(settings: Settings, clock: Clock | None = None, database_url: str | None = None) -> Dialogue:
    book = load_rules_dir(settings.rules_dir)
    try:
        store = await open_store(database_url or settings.database_url)
    except StoreError as error:  # at start, a store that cannot be opened is a setting to fix
        raise ConfigError(f"DATABASE_URL: {error}") from None
    services = Services(book, store, clock or SystemClock(), admins=settings.admins, public_url=settings.public_url)
    return Dialogue(services)
