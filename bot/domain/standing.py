"""Where a person stands, in the words HR and reminders use: not started, in progress,
finished; and what the next bundle would bring. Pure functions over an Assessment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from bot.domain.eligibility import Assessment, RewardOutcome

Standing = Literal["not_started", "in_progress", "finished"]
BundleState = Literal["not_started", "in_progress", "finished"]


def started(a: Assessment) -> bool:
    return any(b.hours_done > 0 for b in a.bundles)


def rewards_due(a: Assessment, deadline: date | None = None) -> list[RewardOutcome]:
    return [r for r in a.rewards if deadline is None or deadline in (day for _, day in r.reward.dates)]


def finished(a: Assessment, deadline: date | None = None) -> bool:
    """Everything the rewards (of one deadline) ask for is met; with no rewards, every bundle done.
    Hours whose off-duty time is not yet confirmed do not count as met."""
    rewards = rewards_due(a, deadline)
    if not rewards:
        return all(b.complete for b in a.bundles)
    return all(not r.missing_targets and not r.blocked for r in rewards)


def standing(a: Assessment, deadline: date | None = None) -> Standing:
    if finished(a, deadline):
        return "finished"
    return "in_progress" if started(a) else "not_started"


def bundle_state(a: Assessment, bundle_id: str) -> BundleState:
    b = a.bundle(bundle_id)
    if b.complete:
        return "finished"
    return "in_progress" if b.hours_done > 0 else "not_started"


@dataclass(frozen=True)
class NextAward:
    """The cheapest open award of a comp-leave reward: finish `targets` (missing_hours more)
    and earn `gain_hours` more comp leave (within the cap)."""

    targets: tuple[str, ...]
    missing_hours: float
    gain_hours: float


def _missing_hours(a: Assessment, target: str) -> float:
    plan = a.plan
    if target in plan.bundles_by_id:
        b = a.bundle(target)
        return b.hours_required - b.hours_done
    group = plan.groups_by_id[target]
    gaps = sorted(a.bundle(b).hours_required - a.bundle(b).hours_done for b in group.bundles)
    return sum(gaps[: group.need])


def next_award(a: Assessment, outcome: RewardOutcome) -> NextAward | None:
    """What one more bundle would add; None when nothing more can be earned by the deadline."""
    reward = outcome.reward
    if reward.type != "comp_leave" or outcome.potential_hours <= 0:
        return None
    room = reward.cap_hours - outcome.hours if reward.cap_hours is not None else float("inf")
    options = []
    for award in reward.awards:
        missing = sum(_missing_hours(a, t) for t in award.requires)
        if missing > 0 and award.hours:
            options.append(NextAward(award.requires, missing, min(award.hours, room)))
    options = [o for o in options if o.gain_hours > 0]
    return min(options, key=lambda o: (o.missing_hours, -o.gain_hours), default=None)
