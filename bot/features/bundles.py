"""Browse the plan's bundles and their courses with hours."""

from __future__ import annotations

from bot.core.messages import Card, CardRow, Reply
from bot.core.turn import Turn, button, reply
from bot.i18n import t
from bot.qa.answers import Context, bundle_text, bundles
from bot.qa.entities import Entities
from bot.render.numbers import show_hours


async def show_bundles(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    plan = turn.plan
    assert plan is not None
    if not args:
        return [bundles(Context(plan, turn.today, Entities()))]
    bundle = plan.bundles_by_id.get(args[0])
    if bundle is None:
        return [reply(t("button.outdated"), button("button.bundles", "bun"), button("button.menu", "menu"))]
    rows = tuple(CardRow(c.name, show_hours(c.hours)) for c in bundle.courses)
    card = Card(f"{bundle.name}（{show_hours(bundle.hours)}）", rows, footer=bundle.platform_title)
    return [
        reply(
            bundle_text(plan, bundle),
            button("button.mark_done", f"rep:{bundle.id}"),
            button("button.bundles", "bun"),
            button("button.menu", "menu"),
            card=card,
            kind="bundle",
        )
    ]
