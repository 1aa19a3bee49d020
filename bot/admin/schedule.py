"""Announcements at a chosen time, their cancellation, and the checks before one is queued:
quiet hours (the reminders' REMINDER_QUIET_HOURS) and LINE's remaining monthly quota.

A scheduled announcement is stored at once, with its deliveries waiting until `send_at`
(their `not_before`): it survives restarts, and whichever instance holds the sender lease
sends it once that time has come. A cancel before the first send skips every delivery in
one transaction that a sender's claim cannot overtake (see `Store.cancel_broadcast`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.config import ReminderSettings
from bot.core.services import Services
from bot.domain.calendar import TAIPEI
from bot.i18n import t

if TYPE_CHECKING:  # the LINE package (and its SDK) loads only where LINE is used
    from bot.channels.line.quota import Quota

log = logging.getLogger(__name__)


class AnnouncementRefused(Exception):
    """An announcement that must not be queued; `str(error)` is the reason, in the current
    language, for the person who wrote it. Nothing was stored."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # "line_quota", "quota_unknown", "past"


def in_quiet_hours(settings_or_services: ReminderSettings | Services, when: datetime) -> bool:
    """Whether `when` (aware) falls in the quiet hours, read in Asia/Taipei."""
    settings = (
        settings_or_services.reminder_settings if isinstance(settings_or_services, Services) else settings_or_services
    )
    if when.utcoffset() is None:
        raise ValueError(f"when must be timezone-aware, got {when.isoformat()}")
    return settings.quiet(when.astimezone(TAIPEI).time())


@dataclass(frozen=True)
class QuotaCheck:
    """Whether LINE's month can take `needed` more recipients, after what already waits."""

    quota: Quota | None  # None: no LINE channel, or LINE did not answer (see `error`)
    needed: int  # this announcement's LINE recipients
    waiting: int  # LINE deliveries already queued and not yet sent (they count first)
    covers: bool
    error: str = ""  # why the quota could not be read

    @property
    def message(self) -> str:
        """Why it does not cover, for the author (empty when it does)."""
        if self.covers:
            return ""
        if self.quota is None:
            return t("broadcast.quota_unknown", error=self.error)
        return t(
            "broadcast.quota_short", needed=self.needed, waiting=self.waiting,
            remaining=self.quota.remaining or 0, limit=self.quota.limit or 0,
        )  # fmt: skip


async def check_line_quota(services: Services, needed: int) -> QuotaCheck:
    """Read LINE's quota and this month's use (when LINE is configured) and compare."""
    from bot.channels.line.quota import quota_covers

    waiting = (await services.store.open_deliveries()).get("line", 0)
    if services.line_quota is None:
        return QuotaCheck(None, needed, waiting, True)
    try:
        quota = await services.line_quota()
    except Exception as error:  # LINE unreachable, the token refused, …: say so, do not guess
        log.warning("LINE quota: could not be read: %s", error)
        return QuotaCheck(None, needed, waiting, needed == 0, error=str(error) or type(error).__name__)
    return QuotaCheck(quota, needed, waiting, needed == 0 or quota_covers(quota, needed + waiting))


async def cancel_announcement(services: Services, broadcast_id: int, actor: str) -> bool:
    """Cancel before the first send: True when nothing of it was or will be sent. Audited
    either way (a refused cancel too: the announcement had started, or did not exist)."""
    done = await services.store.cancel_broadcast(broadcast_id)
    found = await services.store.broadcast(broadcast_id)
    detail: dict[str, object] = {"broadcast": broadcast_id, "cancelled": done}
    if found is not None:
        detail["scheduled_for"] = found.scheduled_for.isoformat() if found.scheduled_for else None
    await services.store.audit(
        actor,
        "broadcast.cancelled" if done else "broadcast.cancel_refused",
        detail,
        found.recipients if found else None,
    )
    log.info("announcement %d %s by %s", broadcast_id, "cancelled" if done else "not cancelled (started)", actor)
    return done
