"""The storage interface the bot's core talks to, and the values it exchanges.

Feature modules only see `Store` and these dataclasses, never a database driver, so the
SQLite implementation can be swapped for a PostgreSQL one without touching them. The
data kept is deliberately small: a chat identity, preferences, dialogue state and which
courses a person finished; no names, national ids or passwords.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType
from typing import Any, Literal, Self

CHANNELS = ("console", "telegram", "line")
MARK_SOURCES = ("self", "record")


class StoreError(Exception):
    """Storage failed or was misconfigured; the message says what to do about it."""


@dataclass
class User:
    """One person on one channel; the same human on LINE and Telegram is two users."""

    id: int
    channel: str  # "console" | "telegram" | "line"
    channel_user_id: str  # always a string (Telegram ints become strings at the edge)
    plan_id: str | None = None
    lang: str = "zh-TW"
    reminders: bool = False
    state: str = ""  # dialogue state name; "" = idle
    state_data: dict[str, Any] = field(default_factory=dict)  # JSON-serialisable
    # Bumped on plan switch or forget, so buttons from older messages are recognised as outdated.
    epoch: int = 0
    active: bool = True  # False once the person blocked/unfollowed the bot
    onboarded: bool = False
    created_at: datetime | None = None  # timezone-aware UTC
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Mark:
    """One course a person marked done (self-report) or that their learning record shows."""

    course_key: str
    source: Literal["self", "record"]
    completed_on: date | None = None
    off_duty: bool | None = None  # None = not known
    start: datetime | None = None  # timezone-aware; from a record
    end: datetime | None = None

    def __post_init__(self) -> None:
        """Refuse values that would be stored ambiguously (a naive time has no offset)."""
        if self.source not in MARK_SOURCES:
            raise ValueError(f"Mark.source must be one of {MARK_SOURCES}, not {self.source!r}")
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"Mark.{name} must be timezone-aware, got {value.isoformat()}")


@dataclass(frozen=True)
class UnansweredQuestion:
    """A question the bot could not answer, kept for HR without saying who asked it."""

    plan_id: str | None
    lang: str
    text: str
    created_at: datetime


def check_identity(channel: str, channel_user_id: str) -> None:
    """Catch an int Telegram id or a misspelt channel before it creates a second person."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; expected one of {CHANNELS}")
    if not isinstance(channel_user_id, str) or not channel_user_id:
        raise TypeError(f"channel_user_id must be a non-empty str, got {channel_user_id!r}")


class Store(ABC):
    """Everything the bot persists, behind one small async interface.

    Use `async with store:` or call `open()` at start and `close()` at shutdown.
    """

    @abstractmethod
    async def open(self) -> None:
        """Connect and bring the schema up to date; fails early on a database it cannot use."""

    @abstractmethod
    async def close(self) -> None:
        """Release the connection; safe to call twice."""

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @abstractmethod
    async def get_user(self, channel: str, channel_user_id: str) -> User | None:
        """The person behind a chat id, or None when they never talked to the bot."""

    @abstractmethod
    async def get_or_create_user(self, channel: str, channel_user_id: str, lang: str = "zh-TW") -> tuple[User, bool]:
        """(user, created); atomic, so two first messages arriving together make one person."""

    @abstractmethod
    async def save_user(self, user: User) -> None:
        """Persist the mutable fields (not id, channel, created_at) and set `updated_at`."""

    @abstractmethod
    async def set_active(self, channel: str, channel_user_id: str, active: bool) -> None:
        """Record a block/unfollow (or return) so nobody is messaged in vain; no-op when unknown."""

    @abstractmethod
    async def set_mark(self, user_id: int, plan_id: str, mark: Mark) -> None:
        """Insert or replace the one mark per (user, plan, course_key)."""

    @abstractmethod
    async def remove_mark(self, user_id: int, plan_id: str, course_key: str) -> bool:
        """Undo a mark; True when there was one."""

    @abstractmethod
    async def marks(self, user_id: int, plan_id: str) -> list[Mark]:
        """The person's marks for one plan, ordered by course_key."""

    @abstractmethod
    async def replace_marks(self, user_id: int, plan_id: str, marks: Sequence[Mark]) -> None:
        """Replace all marks for the plan in one transaction (a re-read learning record)."""

    @abstractmethod
    async def log_unanswered(self, plan_id: str | None, lang: str, text: str) -> None:
        """Keep a question the bot could not answer; no user id: HR sees questions, not people."""

    @abstractmethod
    async def unanswered(self, limit: int = 100) -> list[UnansweredQuestion]:
        """The latest unanswered questions, newest first."""

    @abstractmethod
    async def delete_user(self, user_id: int) -> None:
        """Forget a person: the user row and all their marks, in one transaction."""

    @abstractmethod
    async def count_users(self) -> int:
        """How many people the bot knows, active or not."""


__all__ = [
    "CHANNELS",
    "Mark",
    "Store",
    "StoreError",
    "UnansweredQuestion",
    "User",
    "check_identity",
]
