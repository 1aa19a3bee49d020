"""What the outbox keeps: reminders and announcements waiting to go out, and their fate.

Every unprompted message is a delivery row, written before anything is sent, keyed so
the same reminder (person, plan, deadline, offset) or announcement (broadcast, person)
can only ever be queued once. A sender claims rows (pending → sending) before it sends
and records the outcome after, so after a crash the rows still "sending" are exactly
the ones whose fate is unknown: nothing else is lost or sent again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

DeliveryKind = Literal["reminder", "broadcast"]
DeliveryStatus = Literal["pending", "sending", "sent", "blocked", "failed", "skipped"]
FINAL_STATUSES: tuple[DeliveryStatus, ...] = ("sent", "blocked", "failed", "skipped")
AUDIENCES = ("all", "unfinished", "not-started")
PUSH_CHANNELS = ("telegram", "line")  # the console cannot be reached unprompted


def reminder_key(plan_id: str, deadline: date, offset_days: int, user_id: int) -> str:
    """One reminder per person, plan, deadline and offset: the outbox's unique key."""
    return f"reminder:{plan_id}:{deadline.isoformat()}:{offset_days}:{user_id}"


@dataclass(frozen=True)
class Job:
    """One claimed delivery and what is needed to compose and send it."""

    id: int
    kind: DeliveryKind
    user_id: int
    channel: str
    channel_user_id: str
    lang: str
    epoch: int
    user_plan_id: str | None  # the person's plan now (they may have switched since queuing)
    reminders: bool  # the person's setting now
    active: bool
    plan_id: str  # the reminder's or the announcement's plan
    deadline: date | None  # reminders
    offset_days: int | None  # reminders
    broadcast_id: int | None
    batch_key: str  # a UUID shared by the rows claimed together; LINE's retry keys derive from it
    uncertain: bool  # claimed by a sender that stopped before recording the outcome
    queued_at: datetime | None = None  # when queued (or scheduled for): bounds how long a failing send is retried
    attempts: int = 0  # claims so far, this one included
    staff: dict[str, bool] = field(default_factory=dict)  # the person's "are you …?" answers


@dataclass(frozen=True)
class Outcome:
    """The fate of one claimed row. `retry_in` with status "pending": the platform failed
    for now (5xx, timeout, no connection); the row waits that long (by the store's clock)
    and is claimed again."""

    delivery_id: int
    status: DeliveryStatus
    detail: str | None = None
    retry_in: timedelta | None = None


@dataclass(frozen=True)
class Broadcast:
    """An announcement and how far its delivery has got."""

    id: int
    plan_id: str
    audience: str
    text: str
    author: str  # "telegram:12345", "line:U…" or "cli:<operator>"
    created_at: datetime
    finished_at: datetime | None
    reported_at: datetime | None
    counts: dict[str, int] = field(default_factory=dict)  # status → rows ("retrying": pending after a failure)
    uncertain: int = 0  # sent again after a crash: may have arrived twice (Telegram only)
    delay_reported_at: datetime | None = None  # the author was told that delivery is being retried
    scheduled_for: datetime | None = None  # sent from then on (None: at once)
    cancelled_at: datetime | None = None  # cancelled before its first send: nothing was sent

    @property
    def scheduled(self) -> bool:
        """Still waiting for its time: scheduled, not cancelled, nothing claimed yet."""
        return self.scheduled_for is not None and self.cancelled_at is None and not self.started

    @property
    def started(self) -> bool:
        """Any row claimed or final (cancelled rows aside)."""
        waiting = self.counts.get("pending", 0)
        return self.cancelled_at is None and self.recipients > waiting

    @property
    def recipients(self) -> int:
        return sum(self.counts.values())

    @property
    def retrying(self) -> int:
        """Rows waiting to be sent again after a platform failure."""
        return self.counts.get("retrying", 0)

    @property
    def open(self) -> int:
        """Rows not yet final."""
        return self.counts.get("pending", 0) + self.counts.get("sending", 0) + self.retrying


@dataclass(frozen=True)
class Sweep:
    """One day's reminder run: done (queued so many) or skipped (missed, why)."""

    day: date
    status: Literal["done", "skipped"]
    queued: int
    note: str
    at: datetime


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]
    audience_size: int | None
