"""Keep secrets and people's words out of the log, whoever writes the line.

Two filters on the root handlers, installed by `bot.app.setup_logging`:

* `Redact` replaces the configured secrets (Telegram bot token and webhook secret, LINE
  channel secret and access token) and anything shaped like a bot token in a URL
  (``/bot<digits>:<token>``) in every record's message, arguments, exception and stack
  text. python-telegram-bot logs its base URL (token included) and setWebhook's
  parameters (secret included) at DEBUG; an HTTP error may quote a URL at any level.
* `QuietLibraries` drops records below INFO from libraries that log what people type or
  what is stored: PTB logs every request's parameters (each message's ``text``) and every
  update, aiosqlite every operation with its SQL parameters, the LINE SDK response bodies
  (profiles), httpx/httpcore URLs. LOG_LEVEL=DEBUG is thereby for the bot's own code.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

MASK = "<redacted>"
# Loggers (and their children) whose DEBUG lines carry message texts, SQL parameters or URLs.
QUIET = ("telegram", "aiosqlite", "httpx", "httpcore", "linebot", "urllib3", "aiohttp.client")
MIN_SECRET = 8  # shorter configured values would mask ordinary words in every line
_TOKEN_SHAPES = (
    r"bot\d+:[A-Za-z0-9_-]+",  # a bot token in a Bot API URL: .../bot123456:AAE.../getMe
    r"(?<![\w-])\d{5,}:[A-Za-z0-9_-]{30,}",  # a bare bot token
)


class Redact(logging.Filter):
    """Masks the secrets in a record before any handler formats it (never drops a record)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        known = sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len, reverse=True)
        self._pattern = re.compile("|".join([*map(re.escape, known), *_TOKEN_SHAPES]))

    def scrub(self, text: str) -> str:
        return self._pattern.sub(MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what there is, without the arguments
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = self.scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True


class QuietLibraries(logging.Filter):
    """Drops the DEBUG records of the `QUIET` libraries, whatever their loggers' levels."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.INFO:
            return True
        return not any(record.name == name or record.name.startswith(name + ".") for name in QUIET)


def install(handlers: Iterable[logging.Handler], secrets: Iterable[str]) -> None:
    """Put both filters on each handler (replacing ones installed before) and keep the quiet
    libraries' loggers at INFO or above, so their DEBUG lines are not even built."""
    secrets = list(secrets)
    for handler in handlers:
        for old in [f for f in handler.filters if isinstance(f, Redact | QuietLibraries)]:
            handler.removeFilter(old)
        handler.addFilter(QuietLibraries())
        handler.addFilter(Redact(secrets))
    for name in QUIET:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)
