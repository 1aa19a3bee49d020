"""Build the core once: settings → plans → store → services → dialogue."""

from __future__ import annotations

import logging

from bot.config import Settings
from bot.core.clock import Clock, SystemClock
from bot.core.dialogue import Dialogue
from bot.core.services import Services
from bot.plans.loader import load_rules_dir
from bot.storage import open_store


def setup_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs URLs, bot token included


async def build_dialogue(settings: Settings, clock: Clock | None = None, database_url: str | None = None) -> Dialogue:
    book = load_rules_dir(settings.rules_dir)
    store = await open_store(database_url or settings.database_url)
    return Dialogue(Services(book, store, clock or SystemClock(), admins=settings.admins))
