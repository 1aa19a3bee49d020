"""What an announcement will look like before it is queued: who it reaches on each channel,
the message exactly as Telegram and as LINE will show it (header and all, composed by the
outbox's own composer and cut by each channel's own renderer), and whether LINE's remaining
monthly quota covers it. Changes nothing."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.admin.audience import select_audience
from bot.admin.schedule import QuotaCheck, check_line_quota
from bot.core.messages import Reply
from bot.core.services import Services
from bot.i18n import current_lang
from bot.outbox.compose import announcement_replies

if TYPE_CHECKING:
    from bot.channels.line.quota import Quota


@dataclass(frozen=True)
class Preview:
    plan_id: str
    audience: str  # one of AUDIENCES
    by_channel: dict[str, int] = field(default_factory=dict)  # channel → recipients
    telegram: list[str] = field(default_factory=list)  # the messages Telegram will show, as plain text
    line: list[str] = field(default_factory=list)  # the LINE messages' text
    check: QuotaCheck | None = None

    @property
    def total(self) -> int:
        return sum(self.by_channel.values())

    @property
    def quota(self) -> Quota | None:
        return self.check.quota if self.check else None

    @property
    def quota_covers(self) -> bool:
        return self.check.covers if self.check else True

    @property
    def quota_message(self) -> str:
        """Why LINE's month cannot take it, in the current language ("" when it can)."""
        return self.check.message if self.check else ""

    @property
    def telegram_text(self) -> str:
        return "\n\n".join(self.telegram)

    @property
    def line_text(self) -> str:
        return "\n\n".join(self.line)


def as_telegram(replies: list[Reply]) -> list[str]:
    """The Telegram channel's rendering (split at its limit), unescaped: what people read."""
    from bot.channels.telegram.render import render  # the SDK loads only for a preview

    return [html.unescape(part.html) for reply in replies for part in render(reply)]


def as_line(replies: list[Reply]) -> list[str]:
    from bot.channels.line.render import render, shown_text  # the SDK loads only for a preview

    return [shown_text(m) for batch in render(replies) for m in batch]


async def preview(services: Services, plan_id: str, audience_kind: str, text: str, lang: str | None = None) -> Preview:
    """The preview in `lang` (default: the current language; recipients each get their own)."""
    audience = await select_audience(services, plan_id, audience_kind)
    replies = announcement_replies(services, plan_id, text, lang or current_lang())
    check = await check_line_quota(services, audience.by_channel.get("line", 0))
    return Preview(
        plan_id,
        audience_kind,
        dict(sorted(audience.by_channel.items())),
        as_telegram(replies),
        as_line(replies),
        check,
    )
