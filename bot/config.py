"""Settings from environment variables (12-factor), read and checked once at start.

A bad value stops the bot with one line naming the variable and what is wrong, rather
than failing later in the middle of a conversation.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

from bot.plans.loader import DEFAULT_RULES_DIR


class ConfigError(Exception):
    """One setting is wrong; the message names the variable."""


TELEGRAM_DEFAULT_API = "https://api.telegram.org"
LINE_DEFAULT_API = "https://api.line.me"
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    api_url: str = TELEGRAM_DEFAULT_API  # without the trailing /bot
    webhook_url: str | None = None  # set: webhook mode; unset: long polling
    webhook_secret: str | None = None

    @property
    def base_url(self) -> str:
        """What python-telegram-bot wants: the API URL ending in /bot (it appends the token)."""
        return self.api_url.rstrip("/") + "/bot"


@dataclass(frozen=True)
class LineSettings:
    channel_secret: str
    access_token: str
    api_url: str = LINE_DEFAULT_API


@dataclass(frozen=True)
class ReminderSettings:
    """When reminders go out (Asia/Taipei): a daily time, and quiet hours nothing is sent in."""

    send_at: time = time(10, 0)
    quiet_start: time = time(21, 0)  # quiet from here…
    quiet_end: time = time(8, 0)  # …until here (may wrap past midnight)

    def quiet(self, moment: time) -> bool:
        if self.quiet_start <= self.quiet_end:
            return self.quiet_start <= moment < self.quiet_end
        return moment >= self.quiet_start or moment < self.quiet_end


ADMIN_CHANNELS = ("telegram", "line", "console")


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///data/bot.sqlite3"
    rules_dir: Path = DEFAULT_RULES_DIR
    log_level: str = "INFO"
    http_host: str = "0.0.0.0"
    http_port: int = 8080
    telegram: TelegramSettings | None = None
    line: LineSettings | None = None
    admins: frozenset[str] = frozenset()  # "channel:id" of the people allowed /broadcast and /stats
    public_url: str | None = None  # where people reach the HTTP server: links to files (and the HR console)
    reminders: ReminderSettings = field(default_factory=ReminderSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        database_url = env.get("DATABASE_URL", cls.database_url).strip()
        if not database_url.startswith(("sqlite://", "postgresql://", "postgres://")):
            raise ConfigError(
                f"DATABASE_URL must look like sqlite:///path/to/file or postgresql://…, got {database_url!r}"
            )
        rules_dir = rules_dir_from_env(env)
        log_level = env.get("LOG_LEVEL", cls.log_level).upper()
        if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}")
        port_text = env.get("BOT_HTTP_PORT", str(cls.http_port)).strip()
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise ConfigError(f"BOT_HTTP_PORT must be a port number (1–65535), got {port_text!r}")
        return cls(
            database_url=database_url,
            rules_dir=rules_dir,
            log_level=log_level,
            http_host=env.get("BOT_HTTP_HOST", cls.http_host).strip() or cls.http_host,
            http_port=int(port_text),
            telegram=_telegram(env),
            line=_line(env),
            admins=_admins(env),
            public_url=_url(env, "BOT_PUBLIC_URL", None),
            reminders=_reminders(env),
        )


def rules_dir_from_env(env: Mapping[str, str] | None = None) -> Path:
    """The folder of plans: `RULES_DIR`, else the shipped plans (the checkout's `rules/` or the
    installed wheel's copy); for the commands that need only the plans, not the other settings."""
    env = os.environ if env is None else env
    rules_dir = Path(env.get("RULES_DIR", "").strip() or DEFAULT_RULES_DIR)
    if not rules_dir.is_dir():
        raise ConfigError(f"RULES_DIR {str(rules_dir)!r} is not a folder")
    return rules_dir


def _url(env: Mapping[str, str], name: str, default: str | None, https: bool = False) -> str | None:
    value = env.get(name, "").strip() or default
    if value is None:
        return None
    if not re.match(r"^https?://[^\s/]+", value):
        raise ConfigError(f"{name} must be an http(s) URL, got {value!r}")
    if https and not value.startswith("https://"):
        raise ConfigError(f"{name} must start with https:// (Telegram only calls HTTPS webhooks), got {value!r}")
    return value.rstrip("/")


def _telegram(env: Mapping[str, str]) -> TelegramSettings | None:
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        for name in ("TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET"):
            if env.get(name, "").strip():
                raise ConfigError(f"{name} is set but TELEGRAM_BOT_TOKEN is not; set the token to enable Telegram")
        return None
    if not re.match(r"^\d+:[A-Za-z0-9_-]{20,}$", token):
        raise ConfigError("TELEGRAM_BOT_TOKEN does not look like a bot token (digits:letters, from @BotFather)")
    api_url = _url(env, "TELEGRAM_API_URL", TELEGRAM_DEFAULT_API) or TELEGRAM_DEFAULT_API
    api_url = api_url.removesuffix("/bot")
    webhook_url = _url(env, "TELEGRAM_WEBHOOK_URL", None, https=True)
    secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or None
    if webhook_url and not secret:
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_WEBHOOK_URL is set")
    if secret and not _SECRET.match(secret):
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET must be 1–256 characters of A–Z, a–z, 0–9, _ and -")
    return TelegramSettings(token, api_url, webhook_url, secret)


def _line(env: Mapping[str, str]) -> LineSettings | None:
    secret = env.get("LINE_CHANNEL_SECRET", "").strip()
    token = env.get("LINE_CHANNEL_ACCESS_TOKEN", "").strip()
    if not secret and not token:
        return None
    if not secret:
        raise ConfigError("LINE_CHANNEL_SECRET is required when LINE_CHANNEL_ACCESS_TOKEN is set")
    if not token:
        raise ConfigError("LINE_CHANNEL_ACCESS_TOKEN is required when LINE_CHANNEL_SECRET is set")
    api_url = _url(env, "LINE_API_URL", LINE_DEFAULT_API) or LINE_DEFAULT_API
    return LineSettings(secret, token, api_url)


def _admins(env: Mapping[str, str]) -> frozenset[str]:
    """BOT_ADMINS=telegram:12345,line:U4af4…: who may broadcast and see statistics."""
    found: set[str] = set()
    for item in env.get("BOT_ADMINS", "").replace(";", ",").split(","):
        item = item.strip()
        if not item:
            continue
        channel, _, user_id = item.partition(":")
        channel, user_id = channel.strip().lower(), user_id.strip()
        if channel not in ADMIN_CHANNELS or not user_id:
            raise ConfigError(
                f"BOT_ADMINS entry {item!r} must be channel:id with channel one of {', '.join(ADMIN_CHANNELS)}, "
                "e.g. telegram:12345678,line:U4af4980629…"
            )
        if channel == "telegram" and not user_id.isdigit():
            raise ConfigError(f"BOT_ADMINS entry {item!r}: a Telegram id is a number (ask @userinfobot)")
        if channel == "line" and not re.fullmatch(r"U[0-9a-f]{32}", user_id):
            raise ConfigError(f"BOT_ADMINS entry {item!r}: a LINE user id is U followed by 32 hex digits")
        found.add(f"{channel}:{user_id}")
    return frozenset(found)


def _clock_time(env: Mapping[str, str], name: str, default: time) -> time:
    text = env.get(name, "").strip()
    if not text:
        return default
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ConfigError(f"{name} must be a time of day HH:MM (Asia/Taipei), got {text!r}")
    return time(int(match[1]), int(match[2]))


def _reminders(env: Mapping[str, str]) -> ReminderSettings:
    defaults = ReminderSettings()
    quiet = env.get("REMINDER_QUIET_HOURS", "").strip()
    quiet_start, quiet_end = defaults.quiet_start, defaults.quiet_end
    if quiet:
        start, sep, end = quiet.partition("-")
        if not sep:
            raise ConfigError(f"REMINDER_QUIET_HOURS must look like 21:00-08:00, got {quiet!r}")
        quiet_start = _clock_time({"REMINDER_QUIET_HOURS": start}, "REMINDER_QUIET_HOURS", quiet_start)
        quiet_end = _clock_time({"REMINDER_QUIET_HOURS": end}, "REMINDER_QUIET_HOURS", quiet_end)
        if quiet_start == quiet_end:
            raise ConfigError("REMINDER_QUIET_HOURS must not start and end at the same time")
    settings = ReminderSettings(_clock_time(env, "REMINDER_TIME", defaults.send_at), quiet_start, quiet_end)
    if settings.quiet(settings.send_at):
        raise ConfigError(
            f"REMINDER_TIME {settings.send_at:%H:%M} falls in the quiet hours "
            f"{settings.quiet_start:%H:%M}-{settings.quiet_end:%H:%M}; reminders are never sent at night"
        )
    return settings
