"""The Telegram channel (python-telegram-bot), a thin adapter around the core.

Modules: `channel` (lifecycle, polling or webhook, the update handler), `translate`
(Update → Incoming), `render` (Reply → HTML text and keyboards), `delivery` (sending and
what to do on each error), `limiter` (pacing and flood waits), `webhook` (the HTTP
route), `commands` (the command menu), `aiohttp_request` (the HTTP transport).
Nothing outside this package imports `telegram`.
"""

from bot.channels.telegram.channel import TelegramChannel

__all__ = ["TelegramChannel"]
