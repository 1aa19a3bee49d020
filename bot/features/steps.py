"""The steps to take part, one per message with back and next buttons."""

from __future__ import annotations

from bot.core.messages import Card, CardRow, Reply
from bot.core.turn import Turn, button, reply
from bot.i18n import t
from bot.qa.answers import Context, step_text
from bot.qa.entities import Entities


async def show_step(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    plan = turn.plan
    assert plan is not None
    steps = plan.steps
    index = int(args[0]) if args and args[0].isdigit() else 0
    if index >= len(steps):
        return [reply(t("button.outdated"), button("button.steps", "steps:0"), button("button.menu", "menu"))]
    step = steps[index]
    ctx = Context(plan, turn.today, Entities())
    text = t("steps.counter", n=index + 1, total=len(steps)) + "\n" + step_text(ctx, step)
    nav = []
    if index > 0:
        nav.append(button("button.back", f"steps:{index - 1}"))
    if index + 1 < len(steps):
        nav.append(button("button.next", f"steps:{index + 1}"))
    rows = []
    if step.app:
        rows.append(CardRow(t("steps.app"), step.app.get(turn.lang)))
    if step.pc:
        rows.append(CardRow(t("steps.pc"), step.pc.get(turn.lang)))
    rows.extend(CardRow("⚠️", w.get(turn.lang)) for w in step.warnings)
    card = Card(f"{index + 1}/{len(steps)} {step.title.get(turn.lang)}", tuple(rows))
    return [reply(text, *nav, button("button.menu", "menu"), card=card, kind="steps")]
