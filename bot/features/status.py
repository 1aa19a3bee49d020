"""Where a person stands: the same eligibility engine as `python -m bot check`."""

from __future__ import annotations

from datetime import datetime, time

from bot.core.messages import Card, CardRow, Reply
from bot.core.turn import Turn, button, reply
from bot.domain.calendar import TAIPEI
from bot.domain.eligibility import Assessment, Completion, Note
from bot.domain.record import RecordRow
from bot.features.onboarding import plan_label
from bot.i18n import current_lang, t
from bot.render.numbers import num
from bot.render.status import bundle_title, deadline_lines, note_text, render_notes, render_summary, reward_line
from bot.storage import Mark


def completion_of(mark: Mark) -> Completion:
    if mark.start is not None and mark.end is not None:
        return Completion(mark.course_key, end=mark.end, start=mark.start, source="record")
    end = datetime.combine(mark.completed_on, time(0, 0), TAIPEI) if mark.completed_on else None
    return Completion(mark.course_key, end=end, off_duty_claim=mark.off_duty, source="self")


async def assess(turn: Turn) -> Assessment:
    marks = await turn.services.store.marks(turn.user.id, turn.tools.plan.id)
    return turn.tools.assessor.assess([completion_of(m) for m in marks], turn.today)


def status_card(a: Assessment) -> Card:
    rows = [
        CardRow(
            bundle_title(a.plan, b.bundle.id),
            f"{num(b.hours_done)}/{num(b.hours_required)}　"
            + t("list.reason_separator").join(note_text(r) for r in b.reasons),
            b.hours_done / b.hours_required,
        )
        for b in a.bundles
    ]
    footer = "\n".join([*(reward_line(a.plan, r) for r in a.rewards), *deadline_lines(a)])
    return Card(plan_label(a.plan, current_lang()), tuple(rows), footer)


async def show_status(
    turn: Turn, args: tuple[str, ...] = (), unmatched: tuple[RecordRow, ...] = (), notes: tuple[Note, ...] = ()
) -> list[Reply]:
    a = await assess(turn)
    buttons = (button("button.mark_done", "rep"), button("button.record", "rec"), button("button.menu", "menu"))
    summary = reply(render_summary(a), *buttons, card=status_card(a), kind="status")
    why = render_notes(a, unmatched, notes)
    if not why:
        return [summary]
    # The notes go in a message of their own: channels that show the summary as a card
    # (LINE's Flex) would otherwise leave them in the alt text only.
    return [reply(summary.text, card=summary.card, kind="status"), reply(why, *buttons)]
