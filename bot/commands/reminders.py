"""`python -m bot reminders preview|send --date YYYY-MM-DD`: look at or run a day's reminders by hand.

`preview` changes nothing. `send` queues that day's reminders with the same outbox keys as
the service's daily run (so nobody gets one twice) and delivers them, or leaves them to
the running service.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import TextIO

from bot.admin.broadcast import show_moment
from bot.commands.operator import deliver_now, operator, session
from bot.config import Settings
from bot.i18n import t
from bot.reminders.pause import paused_by
from bot.reminders.sweep import preview, queue_day, take_snapshot
from bot.render.numbers import num, show_date


async def run_preview(settings: Settings, day: date, as_json: bool, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    async with session(settings, day) as dialogue:
        rows = await preview(dialogue.services, day)
        paused = await paused_by(dialogue.services)
    if paused is not None and not as_json:  # who would get what once resumed: say that nothing goes now
        print(t("cli.reminders_paused_preview", by=paused.updated_by, at=show_moment(paused.updated_at)), file=out)
    if as_json:
        print(json.dumps({"date": day.isoformat(), "reminders": [r.as_dict() for r in rows]}, ensure_ascii=False),
              file=out)  # fmt: skip
        return 0
    if not rows:
        print(t("cli.reminders_none", date=show_date(day)), file=out)
        return 0
    groups: dict[tuple[str, date, int], list[str]] = {}
    for r in rows:
        already = t("cli.already", status=r.already) if r.already else ""
        line = t(
            "cli.reminder_row", channel=r.channel, user=r.user, lang=r.lang, standing=t(f"cli.standing.{r.standing}"),
            hours=num(r.hours_done), comp=num(r.comp_leave_hours), already=already,
        )  # fmt: skip
        groups.setdefault((r.plan_id, r.deadline, r.days_before), []).append(line)
    for (plan_id, deadline, days), lines in groups.items():
        print(t("cli.reminders_due", plan=plan_id, deadline=show_date(deadline), days=days, count=len(lines)), file=out)
        print("\n".join(lines), file=out)
    return 0


async def run_send(settings: Settings, day: date, force: bool, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    quiet = settings.reminders
    async with session(settings, day) as dialogue:
        services = dialogue.services
        if quiet.quiet(services.clock.now().time()) and not force:
            print(t("cli.quiet", start=f"{quiet.quiet_start:%H:%M}", end=f"{quiet.quiet_end:%H:%M}"), file=sys.stderr)
            return 1
        paused = await paused_by(services)
        if paused is not None:
            print(t("cli.reminders_paused", by=paused.updated_by, at=show_moment(paused.updated_at)), file=sys.stderr)
            return 1
        queued = await queue_day(services, day)
        await take_snapshot(services, day)
        count = sum(q.new for q in queued)
        await services.store.audit(operator(), "reminders.send", {"date": day.isoformat()}, count)
        print(t("cli.reminders_queued", date=show_date(day), count=count), file=out)
        print(await deliver_now(settings, dialogue, night=force), file=out)
    return 0
