"""Settings from environment variables (12-factor), read and checked once at start.

A bad value stops the bot with one line naming the variable and what is wrong, rather
than failing later in the middle of a conversation.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.plans.loader import DEFAULT_RULES_DIR


class ConfigError(Exception):
    """One setting is wrong; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///data/bot.sqlite3"
    rules_dir: Path = DEFAULT_RULES_DIR
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        database_url = env.get("DATABASE_URL", cls.database_url).strip()
        if not database_url.startswith(("sqlite://", "postgresql://", "postgres://")):
            raise ConfigError(
                f"DATABASE_URL must look like sqlite:///path/to/file or postgresql://…, got {database_url!r}"
            )
        rules_dir = Path(env.get("RULES_DIR", str(cls.rules_dir)))
        if not rules_dir.is_dir():
            raise ConfigError(f"RULES_DIR {str(rules_dir)!r} is not a folder")
        log_level = env.get("LOG_LEVEL", cls.log_level).upper()
        if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}")
        return cls(database_url=database_url, rules_dir=rules_dir, log_level=log_level)
