"""What the store keeps for HR's console in the browser (issue 17), besides the outbox.

Login links and sessions are kept only as SHA-256 digests of their tokens, so someone reading
the database cannot log in with what they find. Published plans are plan files kept in the
database, every version, so that all instances on one database serve the same plans. Settings
are small values shared by the instances (e.g. reminders paused). A figure snapshot is what the
overview showed for a plan at a reminder run, to tell how the figures moved since.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

REMINDERS_PAUSED = "reminders.paused"  # a setting: "1" while paused


@dataclass(frozen=True)
class ConsoleSession:
    """An open console session: who it belongs to and the CSRF token its forms must carry."""

    admin: str  # "telegram:123", "line:U…"
    csrf: str
    expires_at: datetime


@dataclass(frozen=True)
class PublishedPlan:
    """One published version of a plan file."""

    filename: str  # e.g. "kaohsiung-113.yaml"
    version: int  # 1, 2, … per file name
    text: str
    published_by: str
    published_at: datetime
    id: int = 0  # grows with every publication of any file: the instances poll its maximum


@dataclass(frozen=True)
class Setting:
    name: str
    value: str
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True)
class FigureSnapshot:
    """A plan's figures (JSON-serialisable, see bot/admin/stats.py) as they were on `day`."""

    day: date
    plan_id: str
    taken_at: datetime
    figures: dict[str, Any] = field(default_factory=dict)


def pause_in_force(found: Setting | None) -> Setting | None:
    """The REMINDERS_PAUSED setting while it says paused (who paused, since when), else None."""
    return found if found is not None and found.value == "1" else None
