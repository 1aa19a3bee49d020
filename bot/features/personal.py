"""Questions about oneself (「我可以拿到嘉獎了嗎」, 「我現在上課還可以補休嗎」) answered from the
person's own standing and today's date, not with the general rules.

The standing is the status feature's (features.status.assess, the one eligibility engine);
the answer is the line that was asked about, says where its figures come from (what the
person reported, or a learning record they gave), and leaves the whole status one tap away.
"""

from __future__ import annotations

from bot.core.messages import Reply
from bot.core.turn import Turn, button, reply
from bot.domain.eligibility import Assessment, RewardOutcome
from bot.features.status import assess
from bot.i18n import t
from bot.plans.model import Plan
from bot.qa.answers import per_bundle
from bot.render.numbers import num, show_date, show_hours
from bot.render.status import reward_line, reward_name

ABOUT = ("deadline", "commendation", "comp_leave")  # what a personal question can be about, besides status
REWARD_TYPES = {"commendation": "commendation", "comp_leave": "comp_leave"}  # concept → reward type


def _source(sources: set[str]) -> str:
    if not sources:
        return t("personal.source.none")
    if sources == {"record"}:
        return t("personal.source.record")
    if sources == {"self"}:
        return t("personal.source.self")
    return t("personal.source.both")


def target_done(plan: Plan, a: Assessment, target: str) -> float:
    """Hours done towards one target: a bundle's hours, or a group's best bundle."""
    ids = plan.groups_by_id[target].bundles if target in plan.groups_by_id else (target,)
    return max((a.bundle(b).hours_done for b in ids), default=0.0)


def _hours_of(plan: Plan, a: Assessment, r: RewardOutcome) -> str:
    needed = r.reward.total_hours or sum(plan.target_hours(x) for aw in r.reward.awards for x in aw.requires)
    done = sum(target_done(plan, a, x) for aw in r.reward.awards for x in aw.requires)
    return t("personal.hours_of", done=num(min(done, needed)), needed=num(needed))


def _commendation(plan: Plan, a: Assessment, r: RewardOutcome) -> str:
    return _hours_of(plan, a, r) + "\n" + reward_line(plan, r)


def _deadline(r: RewardOutcome, a: Assessment) -> str:
    day = show_date(r.reward.finish_by)
    if r.days_left < 0:
        return t("personal.deadline.passed", reward=reward_name(r), date=day)
    if r.earned and not r.missing_targets:
        return t("personal.deadline.done", reward=reward_name(r), date=day)
    return t("personal.deadline.open", reward=reward_name(r), date=day, days=r.days_left)


def lines_about(about: str, a: Assessment, rewards: set[str]) -> list[str]:
    """The lines for one topic; `rewards`: the reward types the question names (none: all)."""
    plan = a.plan
    chosen = [r for r in a.rewards if not rewards or r.reward.type in rewards]
    if about == "deadline":
        return [_deadline(r, a) for r in chosen]
    lines = []
    for r in chosen:
        if r.reward.type != about:
            continue
        if r.days_left < 0 and not r.earned:  # the essential fact first: too late
            lines.append(_deadline(r, a))
            if about == "commendation":
                lines.append(_hours_of(plan, a, r))
            continue
        lines.append(_commendation(plan, a, r) if about == "commendation" else reward_line(plan, r))
        rule = per_bundle(r.reward) if about == "comp_leave" else None
        if rule:  # 「只上完一套可以先申請嗎」: what each bundle earns, beside what one has
            lines.append(rule)
    return lines


async def answer(turn: Turn, about: str, concepts: frozenset[str] = frozenset()) -> list[Reply] | None:
    """The person's own figures on one topic; None when the plan has nothing on it."""
    a = await assess(turn)
    lines = lines_about(about, a, {REWARD_TYPES[c] for c in concepts if c in REWARD_TYPES})
    if not lines:
        return None
    marks = await turn.services.store.marks(turn.user.id, turn.tools.plan.id)
    done = sum(b.hours_done for b in a.bundles)
    as_of = t("personal.as_of", date=show_date(a.as_of), hours=show_hours(done))
    lines.append(_source({m.source for m in marks}) + as_of)
    return [reply("\n".join(lines), button("button.status", "st"), button("button.mark_done", "rep"),
                  button("button.record", "rec"), button("button.menu", "menu"), kind="personal")]  # fmt: skip
