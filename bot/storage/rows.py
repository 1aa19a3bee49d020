"""Column lists and row → value conversions shared by the SQL backends.

SQLite hands times back as the ISO text it stores and booleans as 0/1; PostgreSQL hands back
`datetime`, `date` and `bool`. Each converter takes either, so one query text and one
conversion serve both backends.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from bot.domain.calendar import TAIPEI
from bot.storage.base import Mark, User
from bot.storage.outbox import AuditEntry, Broadcast, Job, Sweep

# sqlite3.Row or asyncpg.Record: both read by column name and by index, and share no type.
Row = Any

USER_COLUMNS = (
    "id, channel, channel_user_id, plan_id, lang, reminders, state, state_data, "
    "epoch, active, onboarded, created_at, updated_at, staff"
)
MARK_COLUMNS = "course_key, source, completed_on, off_duty, start_at, end_at"
JOB_SELECT = """
    SELECT d.id, d.kind, d.user_id, u.channel, u.channel_user_id, u.lang, u.epoch, u.plan_id AS user_plan_id,
           u.reminders, u.active, d.plan_id, d.deadline, d.offset_days, d.broadcast_id, d.batch_key, d.uncertain,
           COALESCE((SELECT b.scheduled_for FROM broadcasts b WHERE b.id = d.broadcast_id), d.created_at) AS queued_at,
           d.attempts, u.staff
    FROM deliveries d JOIN users u ON u.id = d.user_id
"""
BROADCAST_COLUMNS = (
    "id, plan_id, audience, text, author, created_at, finished_at, reported_at, delay_reported_at, "
    "scheduled_for, cancelled_at"
)


def utc_text(moment: datetime) -> str:
    """The fixed-width UTC text SQLite stores, so that times compare as strings."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def as_time(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def as_date(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def as_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def as_json(value: str | dict[str, Any] | None) -> dict[str, Any]:
    if value is None:
        return {}
    return value if isinstance(value, dict) else json.loads(value)


def user(row: Row) -> User:
    return User(
        id=row["id"], channel=row["channel"], channel_user_id=row["channel_user_id"],
        plan_id=row["plan_id"], lang=row["lang"], reminders=bool(row["reminders"]),
        state=row["state"], state_data=as_json(row["state_data"]), epoch=row["epoch"],
        active=bool(row["active"]), onboarded=bool(row["onboarded"]), staff=as_json(row["staff"]),
        created_at=as_time(row["created_at"]), updated_at=as_time(row["updated_at"]),
    )  # fmt: skip


def mark(row: Row) -> Mark:
    return Mark(
        course_key=row["course_key"],
        source=row["source"],
        completed_on=as_date(row["completed_on"]),
        off_duty=as_bool(row["off_duty"]),
        start=_taipei(as_time(row["start_at"])),
        end=_taipei(as_time(row["end_at"])),
    )


def _taipei(moment: datetime | None) -> datetime | None:
    """Course times read as staff saw them: PostgreSQL gives them back in UTC."""
    return None if moment is None else moment.astimezone(TAIPEI)


def mark_params(user_id: int, plan_id: str, found: Mark, updated_at: datetime) -> tuple[Any, ...]:
    return (
        user_id, plan_id, found.course_key, found.source, found.completed_on, found.off_duty,
        found.start, found.end, updated_at,
    )  # fmt: skip


def job(row: Row) -> Job:
    return Job(
        id=row["id"], kind=row["kind"], user_id=row["user_id"], channel=row["channel"],
        channel_user_id=row["channel_user_id"], lang=row["lang"], epoch=row["epoch"],
        user_plan_id=row["user_plan_id"], reminders=bool(row["reminders"]), active=bool(row["active"]),
        plan_id=row["plan_id"], deadline=as_date(row["deadline"]),
        offset_days=row["offset_days"], broadcast_id=row["broadcast_id"], batch_key=row["batch_key"] or "",
        uncertain=bool(row["uncertain"]), queued_at=as_time(row["queued_at"]), attempts=int(row["attempts"]),
        staff=as_json(row["staff"]),
    )  # fmt: skip


def broadcast(row: Row, counts: dict[str, int], uncertain: int) -> Broadcast:
    created = as_time(row["created_at"])
    assert created is not None
    return Broadcast(
        id=row["id"], plan_id=row["plan_id"], audience=row["audience"], text=row["text"], author=row["author"],
        created_at=created, finished_at=as_time(row["finished_at"]),
        reported_at=as_time(row["reported_at"]), counts=counts, uncertain=uncertain,
        delay_reported_at=as_time(row["delay_reported_at"]), scheduled_for=as_time(row["scheduled_for"]),
        cancelled_at=as_time(row["cancelled_at"]),
    )  # fmt: skip


def sweep(row: Row) -> Sweep:
    day, at = as_date(row["day"]), as_time(row["at"])
    assert day is not None and at is not None
    return Sweep(day, row["status"], int(row["queued"]), row["note"], at)


def audit_entry(row: Row) -> AuditEntry:
    at = as_time(row["at"])
    assert at is not None
    return AuditEntry(at, row["actor"], row["action"], as_json(row["detail"]), row["audience_size"])
