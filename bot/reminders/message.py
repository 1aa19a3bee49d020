"""What a reminder says to one person: days left and their own standing.

Someone who has not started gets the first steps; someone in progress gets their hours
per bundle, the comp leave earned so far and what one more bundle would add; someone
already done gets a congratulation and what to hand in, not a nag.
"""

from __future__ import annotations

from datetime import date

from bot.core.messages import Reply
from bot.core.turn import button
from bot.domain.eligibility import Assessment
from bot.domain.standing import next_award, rewards_due, standing
from bot.i18n import current_lang, t
from bot.plans.model import Plan, Reward
from bot.render.numbers import show_date, show_hours
from bot.render.status import join_names, render_summary, reward_line, target_label


def reward_names(rewards: list[Reward]) -> str:
    return join_names(r.label.get(current_lang()) if r.label else t("reward.comp_leave") for r in rewards)


def best_case(plan: Plan, rewards: list[Reward]) -> str:
    """补休 at most N hours, and the commendation: what finishing everything brings."""
    parts = []
    for r in rewards:
        if r.type == "comp_leave":
            total = sum(a.hours or 0 for a in r.awards)
            hours = min(total, r.cap_hours) if r.cap_hours is not None else total
            parts.append(t("reminder.best_comp_leave", hours=show_hours(hours)))
        elif r.label:
            parts.append(r.label.get(current_lang()))
    return join_names(parts)


def _when(deadline: date, days: int) -> str:
    return (
        t("reminder.today", deadline=show_date(deadline))
        if days == 0
        else t("reminder.days_left", deadline=show_date(deadline), days=days)
    )


def reminder_replies(a: Assessment, deadline: date) -> list[Reply]:
    """The reminder for one person on `a.as_of`, about the rewards due on `deadline`."""
    plan = a.plan
    outcomes = rewards_due(a, deadline)
    rewards = [o.reward for o in outcomes]
    days = (deadline - a.as_of).days
    names = reward_names(rewards) if rewards else t("reminder.plan_end")
    when = _when(deadline, days)
    where = standing(a, deadline)
    if where == "finished":
        lines = [t("reminder.finished", names=names), *(reward_line(plan, o) for o in outcomes)]
        claims = [f"・{r.claim.get(current_lang())}" for r in rewards]
        if claims:
            lines += ["", t("reminder.hand_in", when=when), *claims]
        return [
            Reply("\n".join(lines), (button("button.status", "st"), button("button.menu", "menu")), kind="reminder")
        ]
    if where == "not_started":
        steps = join_names(s.title.get(current_lang()) for s in plan.steps[:3])
        text = "\n".join(
            [
                t("reminder.header", names=names, when=when),
                t("reminder.not_started", best=best_case(plan, rewards) or names),
                t("reminder.first_steps", steps=steps),
            ]
        )
        buttons = (button("button.steps", "steps:0"), button("button.mark_done", "rep"), button("button.remind", "rem"))
        return [Reply(text, buttons, kind="reminder")]
    lines = [t("reminder.header", names=names, when=when), "", render_summary(a)]
    for outcome in outcomes:
        step = next_award(a, outcome)
        if step is not None:
            lines += [
                "",
                t(
                    "reminder.next_award",
                    target=join_names(target_label(plan, x) for x in step.targets),
                    missing=show_hours(step.missing_hours),
                    gain=show_hours(step.gain_hours),
                ),
            ]
    buttons = (button("button.mark_done", "rep"), button("button.record", "rec"), button("button.steps", "steps:0"))
    return [Reply("\n".join(lines), buttons, kind="reminder")]
