"""Figures for HR: people per plan and channel, progress per bundle, rewards earned, and
the questions the bot could not answer. Aggregates only: no chat ids leave this module.

For the console's overview also: `small` (a count below 5 people reads 「少於 5 人」),
`deadlines` (days to each), `movement` (since the last reminder run, whose figures
`snapshot_figures` keeps), and `stats_csv(…, small_counts=True)` for its export."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.admin.audience import per_channel
from bot.core.services import Services
from bot.domain.standing import bundle_state, standing
from bot.features.status import assessed_people
from bot.i18n import current_lang, t
from bot.render.numbers import num, show_date

STATES = ("not_started", "in_progress", "finished")
SMALL = 5  # a count of people below this is shown as "fewer than 5": nobody is picked out


def small(n: int) -> str:
    """A count of people as the console and its CSV show it: below 5, 「少於 5 人」."""
    return t("stats.fewer_than", n=SMALL) if n < SMALL else str(n)


@dataclass
class PlanStats:
    plan_id: str
    title: str
    people: Counter[str] = field(default_factory=Counter)  # channel → people (active or not)
    active: int = 0
    reminders_on: int = 0
    standing: Counter[str] = field(default_factory=Counter)
    bundles: dict[str, Counter[str]] = field(default_factory=dict)  # bundle id → state → people
    comp_leave_people: int = 0
    comp_leave_hours: float = 0.0
    commendation_people: int = 0


@dataclass
class Stats:
    as_of: date
    plans: list[PlanStats]
    without_plan: int
    unanswered: list[tuple[str, int]]


async def collect(services: Services, unanswered: int = 10) -> Stats:
    store, today = services.store, services.today()
    plans: dict[str, PlanStats] = {}
    without_plan = 0
    for plan_id, channel, people, _active in await store.people_by_plan_channel():
        if plan_id is None or plan_id not in services.tools:
            without_plan += people
            continue
        plan = services.tools[plan_id].plan
        entry = plans.setdefault(plan_id, PlanStats(plan_id, plan.plan.title.get(current_lang())))
        entry.people[channel] += people
    for plan_id, entry in plans.items():
        bundles = services.tools[plan_id].plan.bundles
        entry.bundles = {b.id: Counter() for b in bundles}
        async for user, a in assessed_people(services, plan_id, today):
            entry.active += 1
            entry.reminders_on += user.reminders
            entry.standing[standing(a)] += 1
            for b in bundles:
                entry.bundles[b.id][bundle_state(a, b.id)] += 1
            if a.comp_leave_hours > 0:
                entry.comp_leave_people += 1
                entry.comp_leave_hours += a.comp_leave_hours
            entry.commendation_people += bool(a.commendation)
    return Stats(today, sorted(plans.values(), key=lambda p: p.plan_id), without_plan,
                 await store.frequent_unanswered(unanswered))  # fmt: skip


def render_stats(stats: Stats, services: Services) -> str:
    lines = [t("stats.title", date=show_date(stats.as_of))]
    for p in stats.plans:
        plan = services.tools[p.plan_id].plan
        channels = per_channel(p.people)
        lines += [
            "",
            t("stats.plan", title=p.title),
            t("stats.people", total=sum(p.people.values()), channels=channels, active=p.active,
              reminders=p.reminders_on),
            t("stats.standing", **{s: p.standing[s] for s in STATES}),
            t("stats.bundles_header"),
            *(t("stats.bundle", name=b.name, **{s: p.bundles[b.id][s] for s in STATES}) for b in plan.bundles),
            t("stats.rewards", people=p.comp_leave_people, hours=num(p.comp_leave_hours),
              commendation=p.commendation_people),
        ]  # fmt: skip
    if not stats.plans:
        lines.append(t("stats.nobody"))
    if stats.without_plan:
        lines.append(t("stats.without_plan", count=stats.without_plan))
    lines += ["", t("stats.unanswered_header")]
    lines += [t("stats.unanswered", n=i, text=text[:80], count=n) for i, (text, n) in enumerate(stats.unanswered, 1)]
    if not stats.unanswered:
        lines.append(t("stats.unanswered_none"))
    return "\n".join(lines)


def stats_csv(stats: Stats, *, small_counts: bool = False) -> str:
    """One figure per row (section, plan, item, value): easy to pivot in a spreadsheet. With
    `small_counts` (the console's export) a count of people below 5 reads 「少於 5 人」, and
    comp-leave hours earned by fewer than 5 people are left out the same way."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["as_of", "section", "plan", "item", "value"])
    day = stats.as_of.isoformat()
    shown: Callable[[int], int | str] = small if small_counts else int

    for p in stats.plans:
        for channel, n in sorted(p.people.items()):
            writer.writerow([day, "people", p.plan_id, channel, shown(n)])
        writer.writerow([day, "people", p.plan_id, "active", shown(p.active)])
        writer.writerow([day, "people", p.plan_id, "reminders_on", shown(p.reminders_on)])
        for s in STATES:
            writer.writerow([day, "standing", p.plan_id, s, shown(p.standing[s])])
        for bundle_id, counts in p.bundles.items():
            for s in STATES:
                writer.writerow([day, "bundle", p.plan_id, f"{bundle_id}:{s}", shown(counts[s])])
        hours = num(p.comp_leave_hours)
        if small_counts and p.comp_leave_people < SMALL:
            hours = small(p.comp_leave_people)
        writer.writerow([day, "rewards", p.plan_id, "comp_leave_people", shown(p.comp_leave_people)])
        writer.writerow([day, "rewards", p.plan_id, "comp_leave_hours", hours])
        writer.writerow([day, "rewards", p.plan_id, "commendation_people", shown(p.commendation_people)])
    if stats.without_plan:
        writer.writerow([day, "people", "", "without_plan", shown(stats.without_plan)])
    for text, n in stats.unanswered:
        writer.writerow([day, "unanswered", "", text, n])
    return out.getvalue()


# ---- the console's overview: deadlines, and how the figures moved since the last reminder run


def plan_figures(p: PlanStats) -> dict[str, Any]:
    """A plan's figures as kept in a snapshot (JSON)."""
    return {
        "people": dict(sorted(p.people.items())), "active": p.active, "reminders_on": p.reminders_on,
        "standing": {s: p.standing[s] for s in STATES},
        "bundles": {b: {s: c[s] for s in STATES} for b, c in p.bundles.items()},
        "comp_leave_people": p.comp_leave_people, "comp_leave_hours": p.comp_leave_hours,
        "commendation_people": p.commendation_people,
    }  # fmt: skip


async def snapshot_figures(services: Services, day: date) -> int:
    """Keep every plan's figures as they are at a reminder run (the day's later run replaces
    them), so the overview can say how they moved since; returns how many plans."""
    stats = await collect(services, unanswered=0)
    for p in stats.plans:
        await services.store.save_snapshot(day, p.plan_id, plan_figures(p))
    return len(stats.plans)


@dataclass(frozen=True)
class Moved:
    """How a plan's figures moved since the reminder run of `since` (now minus then)."""

    since: date
    people: int
    standing: dict[str, int]
    finished_per_bundle: dict[str, int]
    comp_leave_people: int
    commendation_people: int


async def movement(services: Services, stats: Stats) -> dict[str, Moved]:
    """plan id → how it moved since the last reminder run's snapshot (plans without one left out)."""
    found: dict[str, Moved] = {}
    for p in stats.plans:
        then = await services.store.latest_snapshot(p.plan_id)
        if then is None:
            continue
        old = then.figures
        found[p.plan_id] = Moved(
            since=then.day,
            people=sum(p.people.values()) - sum(old.get("people", {}).values()),
            standing={s: p.standing[s] - old.get("standing", {}).get(s, 0) for s in STATES},
            finished_per_bundle={
                b: c["finished"] - old.get("bundles", {}).get(b, {}).get("finished", 0) for b, c in p.bundles.items()
            },
            comp_leave_people=p.comp_leave_people - old.get("comp_leave_people", 0),
            commendation_people=p.commendation_people - old.get("commendation_people", 0),
        )
    return found


@dataclass(frozen=True)
class Deadline:
    label: str  # the reward's name, in the current language
    kind: str  # "complete" (courses finished by) or "submit" (the claim handed in by)
    day: date
    days_left: int  # negative once past


def deadlines(services: Services, plan_id: str) -> list[Deadline]:
    """Each reward's dates with the days left from today, soonest first."""
    plan, today = services.tools[plan_id].plan, services.today()
    found = [
        Deadline(r.label.get(current_lang()) if r.label else t("reward.comp_leave"), kind, day, (day - today).days)
        for r in plan.rewards
        for kind, day in r.dates
    ]
    return sorted(found, key=lambda d: (d.day, d.label))
