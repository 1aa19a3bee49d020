"""Overview per plan: people per channel, where they stand per bundle (a chart), rewards
earned, days to each deadline, and how the figures moved since the last reminder run.
Aggregates only, from the same `collect` as `python -m bot stats`; any figure below 5
people is shown as 「少於 5 人」. Also the CSV export of the same figures."""

from __future__ import annotations

from collections import Counter
from typing import Any

from aiohttp import web

from bot.admin.stats import SMALL, STATES, Moved, PlanStats, collect, deadlines, movement, small, stats_csv
from bot.console_web.charts import Row, stacked_bars
from bot.console_web.context import actor_of, console_of
from bot.console_web.render import page
from bot.core.services import Services
from bot.i18n import t
from bot.render.numbers import num


def moved(n: int) -> str:
    """A change in a count of people, signed, with the small rule: +12, −7, 0, +少於 5 人."""
    if n == 0:
        return "0"
    sign = "+" if n > 0 else "−"
    return sign + (small(abs(n)) if abs(n) < SMALL else str(abs(n)))


def _plan_view(services: Services, p: PlanStats, since: Moved | None) -> dict[str, Any]:
    plan = services.tools[p.plan_id].plan
    legend = {s: t(f"console.state.{s}") for s in STATES}
    rows = []
    for b in plan.bundles:
        counts = dict(p.bundles.get(b.id, Counter()))
        rows.append(Row(b.name, counts, {s: small(counts.get(s, 0)) for s in STATES}))
    return {
        "id": p.plan_id,
        "title": p.title,
        "total": small(sum(p.people.values())),
        "channels": [(channel, small(n)) for channel, n in sorted(p.people.items())],
        "active": small(p.active),
        "standing": {s: small(p.standing[s]) for s in STATES},
        "bundles": rows,
        "chart": stacked_bars(rows, STATES, legend, t("console.overview.chart", plan=p.title)),
        "comp_leave_people": small(p.comp_leave_people),
        # hours earned by fewer than 5 people would tell what each earned
        "comp_leave_hours": num(p.comp_leave_hours) if p.comp_leave_people >= SMALL else small(p.comp_leave_people),
        "commendation_people": small(p.commendation_people),
        "deadlines": deadlines(services, p.plan_id),
        "moved": _moved(services, p, since),
    }


def _moved(services: Services, p: PlanStats, since: Moved | None) -> dict[str, Any] | None:
    if since is None:
        return None
    names = {b.id: b.name for b in services.tools[p.plan_id].plan.bundles}
    return {
        "since": since.since,
        "people": moved(since.people),
        "standing": {s: moved(since.standing.get(s, 0)) for s in STATES},
        "finished": [(names.get(b, b), moved(n)) for b, n in since.finished_per_bundle.items()],
        "comp_leave_people": moved(since.comp_leave_people),
        "commendation_people": moved(since.commendation_people),
    }


async def show(request: web.Request) -> web.StreamResponse:
    services = console_of(request).services
    figures = await collect(services)
    since = await movement(services, figures)
    plans = [_plan_view(services, p, since.get(p.plan_id)) for p in figures.plans]
    return page(
        request, "overview.html", title=t("console.nav.overview"), as_of=figures.as_of, plans=plans,
        states=STATES, without_plan=small(figures.without_plan) if figures.without_plan else None,
    )  # fmt: skip


async def export(request: web.Request) -> web.StreamResponse:
    """The figures as CSV, as `python -m bot stats --csv` gives them (no chat ids) with the
    small rule applied, audited."""
    services = console_of(request).services
    figures = await collect(services)
    await services.store.audit(actor_of(request), "stats.export", {"csv": True, "via": "console"})
    name = f"elearn-stats-{figures.as_of.isoformat()}.csv"
    return web.Response(
        body=stats_csv(figures, small_counts=True).encode("utf-8-sig"),  # with a BOM: Excel opens it as UTF-8
        content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )  # fmt: skip
