"""The storage interface the bot's core talks to, and the values it exchanges.

Feature modules only see `Store` and these dataclasses, never a database driver, so the
SQLite implementation can be swapped for a PostgreSQL one without touching them. The
data kept is deliberately small: a chat identity, preferences, dialogue state and which
courses a person finished; no names, national ids or passwords.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Any, Literal, Self

from bot.storage.console import ConsoleSession, FigureSnapshot, PublishedPlan, Setting
from bot.storage.outbox import AuditEntry, Broadcast, DeliveryKind, Job, Outcome, Sweep

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
    # From the store's one growing counter (`next_epoch`), at creation and at each plan switch, so
    # buttons from older messages, and from before a /forget, are recognised as outdated.
    epoch: int = 0
    active: bool = True  # False once the person blocked/unfollowed the bot
    staff: dict[str, bool] = field(default_factory=dict)  # answers to "are you 約聘僱人員?" and the like
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
    async def next_epoch(self) -> int:
        """A button epoch never handed out before, to anyone: a new person gets one, and so does a
        person switching plan, so no old button can ever match again."""

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

    # ---- people in bulk: reminders, announcements, statistics ----

    @abstractmethod
    async def users_of_plan(
        self, plan_id: str, *, after_id: int = 0, limit: int = 1000, reminders_only: bool = False
    ) -> list[User]:
        """Onboarded, active people on a plan with id > after_id, by id: page through with the last id."""

    async def iter_users_of_plan(self, plan_id: str, *, reminders_only: bool = False) -> AsyncIterator[list[User]]:
        """Pages of `users_of_plan`, so 100,000 people never sit in memory at once."""
        after = 0
        while page := await self.users_of_plan(plan_id, after_id=after, reminders_only=reminders_only):
            yield page
            after = page[-1].id

    @abstractmethod
    async def marks_of(self, user_ids: Sequence[int], plan_id: str) -> dict[int, list[Mark]]:
        """Marks of many people at once (one query per page, not per person)."""

    @abstractmethod
    async def people_by_plan_channel(self) -> list[tuple[str | None, str, int, int]]:
        """(plan_id, channel, people, of whom active) for every combination that has people."""

    @abstractmethod
    async def frequent_unanswered(self, limit: int = 10) -> list[tuple[str, int]]:
        """The questions asked most often that the bot could not answer, with how often."""

    # ---- the outbox: see bot/storage/outbox.py ----

    @abstractmethod
    async def queue_reminders(self, plan_id: str, deadline: date, offset_days: int) -> int:
        """Queue this reminder for everyone on the plan with reminders on (Telegram and LINE: the
        console cannot be reached unprompted); returns how many rows
        were new (a person already queued for it is not queued again)."""

    @abstractmethod
    async def queue_broadcast(
        self,
        plan_id: str,
        audience: str,
        text: str,
        author: str,
        user_ids: Sequence[int],
        *,
        send_at: datetime | None = None,
    ) -> Broadcast:
        """Store an announcement with one delivery row per recipient, in one transaction. With
        `send_at` (aware) its rows wait until then (their `not_before`), and it records
        `scheduled_for`: claimed by whichever instance's sender comes first after that time."""

    @abstractmethod
    async def cancel_broadcast(self, broadcast_id: int) -> bool:
        """Cancel an announcement before its first send: every row becomes skipped ("cancelled")
        and `cancelled_at` is set, atomically against a sender claiming its rows. False (nothing
        changed) when unknown, cancelled already, or any row was claimed or sent."""

    @abstractmethod
    async def claim(self, channel: str, limit: int, *, kinds: Sequence[DeliveryKind], batch_key: str) -> list[Job]:
        """Mark up to `limit` pending deliveries of a channel as sending and return them.

        Rows due for another try (their `not_before` passed) come first, with the rows of their
        earlier batch and under its key, so that retry keys stay the same; then new rows under
        `batch_key`. A broadcast's rows are claimed together only with rows of the same broadcast
        and language (so one LINE multicast can carry them); reminders come one batch at a time."""

    @abstractmethod
    async def reclaim_orphans(self, uncertain_channels: Sequence[str] = ("telegram",)) -> list[Job]:
        """Deliveries left "sending" by a sender that stopped, returned with their batch keys to
        be sent again under the same keys; those of `uncertain_channels` (no idempotency key,
        so they may arrive twice) are flagged uncertain."""

    @abstractmethod
    async def finish(self, outcomes: Sequence[Outcome]) -> None:
        """Record the fate of sent deliveries, in one transaction."""

    @abstractmethod
    async def open_deliveries(self) -> dict[str, int]:
        """Pending or sending rows per channel."""

    @abstractmethod
    async def outbox_depth(self) -> dict[tuple[str, str], int]:
        """(channel, kind) → pending or sending rows: the outbox's backlog, for /metrics (rows of
        an announcement scheduled for later count from its time on)."""

    @abstractmethod
    async def broadcast(self, broadcast_id: int) -> Broadcast | None:
        """One announcement with its delivery counts."""

    @abstractmethod
    async def broadcasts(self, limit: int = 20) -> list[Broadcast]:
        """The latest announcements, newest first."""

    @abstractmethod
    async def finished_unreported(self) -> list[Broadcast]:
        """Announcements with every delivery final whose author has not had the report yet;
        sets their finished_at."""

    @abstractmethod
    async def delayed_unreported(self) -> list[Broadcast]:
        """Announcements with rows waiting to retry whose author has not been told yet."""

    @abstractmethod
    async def mark_delay_reported(self, broadcast_id: int) -> None:
        """The author knows the announcement is delayed: tell them once."""

    @abstractmethod
    async def mark_reported(self, broadcast_id: int) -> None:
        """The author has the delivery report: do not send it again."""

    @abstractmethod
    async def reminder_deliveries(self, plan_id: str, deadline: date, offset_days: int) -> dict[str, int]:
        """How the deliveries of one reminder stand: status → rows."""

    @abstractmethod
    async def reminder_statuses(self, plan_id: str, deadline: date, offset_days: int) -> dict[int, str]:
        """user id → outbox status of one reminder, for those it was queued for."""

    @abstractmethod
    async def record_sweep(self, day: date, status: Literal["done", "skipped"], queued: int, note: str = "") -> None:
        """Remember that a day's reminders were queued (or why they were skipped)."""

    @abstractmethod
    async def sweep(self, day: date) -> Sweep | None:
        """That day's reminder run, if there was one."""

    @abstractmethod
    async def last_sweep_day(self) -> date | None:
        """The latest day a reminder run was recorded for."""

    # ---- HR's console: see bot/storage/console.py ----

    @abstractmethod
    async def issue_console_link(self, digest: str, admin: str, expires_at: datetime) -> None:
        """Keep a one-time login link, by the SHA-256 hex digest of its token (never the token)."""

    @abstractmethod
    async def redeem_console_link(self, digest: str, now: datetime) -> str | None:
        """The admin key (e.g. "telegram:123") of a link, exactly once, atomically across
        instances; None when unknown, used already or expired at `now`."""

    @abstractmethod
    async def open_console_session(self, digest: str, admin: str, csrf: str, expires_at: datetime) -> None:
        """Keep a console session by the SHA-256 hex digest of its cookie's token."""

    @abstractmethod
    async def console_session(self, digest: str, now: datetime) -> ConsoleSession | None:
        """The session a cookie's digest names, unless it ended (expired at `now` or closed)."""

    @abstractmethod
    async def close_console_session(self, digest: str) -> None:
        """Logout: the session is gone for every instance."""

    @abstractmethod
    async def store_published_plan(self, filename: str, text: str, actor: str) -> PublishedPlan:
        """Keep a new version of a plan file (the previous ones stay); validate it first
        (bot/plans/published.py does)."""

    @abstractmethod
    async def published_plans(self) -> list[PublishedPlan]:
        """The latest version of each published plan file, by file name."""

    @abstractmethod
    async def plan_versions(self, filename: str) -> list[PublishedPlan]:
        """Every version of one file, newest first."""

    @abstractmethod
    async def plans_version(self) -> int:
        """A number that grows with every publication (0 for none): cheap to poll."""

    @abstractmethod
    async def put_setting(self, name: str, value: str, actor: str) -> None:
        """Set a value every instance reads (see console.REMINDERS_PAUSED)."""

    @abstractmethod
    async def setting(self, name: str) -> Setting | None:
        """A shared setting, or None when never set."""

    @abstractmethod
    async def save_snapshot(self, day: date, plan_id: str, figures: dict[str, Any]) -> None:
        """Keep a plan's figures as they are at a reminder run (one per day and plan; the
        day's later run replaces it)."""

    @abstractmethod
    async def latest_snapshot(self, plan_id: str, before: date | None = None) -> FigureSnapshot | None:
        """The latest snapshot of a plan (before `before`, when given)."""

    # ---- audit and coordination ----

    @abstractmethod
    async def audit(self, actor: str, action: str, detail: dict[str, Any], audience_size: int | None = None) -> None:
        """Write an admin action to the audit log."""

    @abstractmethod
    async def audit_log(self, limit: int = 50) -> list[AuditEntry]:
        """The latest admin actions, newest first."""

    @abstractmethod
    async def acquire_lease(self, name: str, holder: str, seconds: float) -> bool:
        """Take or renew a named lease (e.g. "sender"); False when another holder's is still valid."""

    @abstractmethod
    async def release_lease(self, name: str, holder: str) -> None:
        """Give a lease up at shutdown so the next process need not wait for it to expire."""

    @abstractmethod
    async def lease_holders(self, prefix: str) -> list[str]:
        """Holders of the unexpired leases whose names start with `prefix` (e.g. the live
        instances, each renewing "instance:<holder>"), by lease name."""

    @abstractmethod
    async def first_sighting(self, key: str, keep: timedelta) -> bool:
        """True the first time `key` (a platform's event id) is offered within `keep`; False
        for a resend, whichever instance took the first one."""

    def person_turn(self, key: str) -> AbstractAsyncContextManager[object]:
        """One person's messages handled one at a time across instances (held while one is
        handled). One process on SQLite needs nothing beyond its in-memory locks."""
        return nullcontext()

    @property
    def shared(self) -> bool:
        """True when several instances may serve from this store at once."""
        return False

    @abstractmethod
    async def probe(self) -> None:
        """A write that commits and a read of the people table, for /readyz: raises StoreError
        when the database is unreachable, read-only, full or corrupt."""


__all__ = [
    "CHANNELS",
    "ConsoleSession",
    "FigureSnapshot",
    "Mark",
    "PublishedPlan",
    "Setting",
    "Store",
    "StoreError",
    "UnansweredQuestion",
    "User",
    "check_identity",
]
