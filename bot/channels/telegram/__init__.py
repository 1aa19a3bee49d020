"""The Telegram channel (python-telegram-bot), a thin adapter around the core.

Modules: `channel` (lifecycle, polling or webhook, the update handler), `translate`
(Update → Incoming), `render` (Reply → HTML text and keyboards), `delivery` (sending and
what to do on each error), `limiter` (pacing and flood waits), `webhook` (the HTTP
route), `commands` (the command menu), `aiohttp_request` (the HTTP transport).
Nothing outside this package imports `telegram`.
"""

import os

# PTB 22 reports `retry_after` as a timedelta only when asked; without this a 429 prints a
# deprecation warning. Must be set before python-telegram-bot is imported.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from bot.channels.telegram.channel import TelegramChannel

__all__ = ["TelegramChannel"]
