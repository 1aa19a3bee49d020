"""Report progress: mark courses or whole bundles done, say whether it was off-duty time,
undo a mark, or paste the platform's learning record to replace guesses with facts.

Buttons: rep → rep:<bundle>[:<page>] → d:<bundle>:<course> / da:<bundle>
         → od:<course>:y|n, odb:<bundle>:y|n (only where a reward needs off-duty time)
         u:<course> undoes one mark; undo lists the marks to undo.
A learning record instead of reported marks: features.record.
"""

from __future__ import annotations

from bot.core.messages import Button, Reply
from bot.core.turn import Turn, button, reply
from bot.i18n import t
from bot.plans.model import Bundle, Plan
from bot.render.numbers import show_hours
from bot.storage import Mark

PAGE = 10


def _needs_off_duty(plan: Plan) -> bool:
    return any(r.off_duty_required for r in plan.rewards)


async def marks_by_course(turn: Turn) -> dict[str, Mark]:
    """The person's marks on their plan, by course."""
    marks = await turn.services.store.marks(turn.user.id, turn.tools.plan.id)
    return {m.course_key: m for m in marks}


async def choose_bundle(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    plan = turn.tools.plan
    if args:
        bundle = plan.bundles_by_id.get(args[0])
        if bundle is None:
            return [reply(t("button.outdated"), button("button.mark_done", "rep"), button("button.menu", "menu"))]
        page = int(args[1]) if len(args) > 1 and args[1].isdigit() else 0
        return await choose_course(turn, bundle, page)
    buttons = [Button(b.name, f"rep:{b.id}") for b in plan.bundles]
    return [
        reply(
            t("report.choose_bundle"),
            *buttons,
            button("button.record", "rec"),
            button("button.undo", "undo"),
            button("button.menu", "menu"),
        )
    ]


async def choose_course(turn: Turn, bundle: Bundle, page: int) -> list[Reply]:
    done = await marks_by_course(turn)
    courses = bundle.courses[page * PAGE : (page + 1) * PAGE]
    if not courses:
        page, courses = 0, bundle.courses[:PAGE]
    buttons = [
        Button(
            ("✅ " if c.key in done else "⬜ ") + c.name[:18],
            f"u:{c.key}" if c.key in done else f"d:{bundle.id}:{c.key}",
        )
        for c in courses
    ]
    if (page + 1) * PAGE < len(bundle.courses):
        buttons.append(button("button.more", f"rep:{bundle.id}:{page + 1}"))
    hours = sum(c.hours for c in bundle.courses if c.key in done)
    text = t("report.choose_course", bundle=bundle.name, done=show_hours(hours), total=show_hours(bundle.hours))
    return [reply(text, *buttons, button("button.all_done", f"da:{bundle.id}"), button("button.menu", "menu"))]


def _off_duty_question(turn: Turn, payload_yes: str, payload_no: str, undo: str) -> list[Button]:
    return [
        button("button.off_duty_yes", payload_yes),
        button("button.off_duty_no", payload_no),
        button("button.undo", undo),
    ]


async def mark_course(turn: Turn, args: tuple[str, ...]) -> list[Reply]:
    plan = turn.tools.plan
    key = args[-1] if args else ""
    course = plan.courses_by_key.get(key)
    if course is None:
        return [reply(t("button.outdated"), button("button.mark_done", "rep"), button("button.menu", "menu"))]
    await turn.services.store.set_mark(turn.user.id, plan.id, Mark(key, "self", completed_on=turn.today))
    text = t("report.marked", course=course.name, hours=show_hours(course.hours)) + _late_warning(turn)
    if _needs_off_duty(plan):
        return [
            reply(
                text + "\n" + t("report.ask_off_duty"),
                *_off_duty_question(turn, f"od:{key}:y", f"od:{key}:n", f"u:{key}"),
            )
        ]
    bundle = plan.bundles_of_course(key)[0]
    return [
        reply(
            text,
            button("button.continue_report", f"rep:{bundle.id}"),
            button("button.status", "st"),
            button("button.undo", f"u:{key}"),
        )
    ]


async def mark_bundle(turn: Turn, args: tuple[str, ...]) -> list[Reply]:
    plan = turn.tools.plan
    bundle = plan.bundles_by_id.get(args[0]) if args else None
    if bundle is None:
        return [reply(t("button.outdated"), button("button.mark_done", "rep"), button("button.menu", "menu"))]
    done = await marks_by_course(turn)
    for c in bundle.courses:
        if c.key not in done:
            await turn.services.store.set_mark(turn.user.id, plan.id, Mark(c.key, "self", completed_on=turn.today))
    text = t("report.bundle_marked", bundle=bundle.name, hours=show_hours(bundle.hours)) + _late_warning(turn)
    if _needs_off_duty(plan):
        return [
            reply(
                text + "\n" + t("report.ask_off_duty_bundle"),
                *_off_duty_question(turn, f"odb:{bundle.id}:y", f"odb:{bundle.id}:n", f"rep:{bundle.id}"),
            )
        ]
    return [
        reply(text, button("button.status", "st"), button("button.mark_done", "rep"), button("button.menu", "menu"))
    ]


def _late_warning(turn: Turn) -> str:
    plan = turn.tools.plan
    late = [r for r in plan.rewards if r.finish_by < turn.today]
    return "\n" + t("report.after_deadline") if late and len(late) == len(plan.rewards) else ""


async def set_off_duty(turn: Turn, args: tuple[str, ...], whole_bundle: bool = False) -> list[Reply]:
    plan = turn.tools.plan
    if len(args) != 2 or args[1] not in ("y", "n"):
        return [reply(t("button.outdated"), button("button.menu", "menu"))]
    target, answer = args
    keys = (
        [c.key for c in plan.bundles_by_id[target].courses]
        if whole_bundle and target in plan.bundles_by_id
        else [target]
    )
    done = await marks_by_course(turn)
    changed = 0
    for key in keys:
        mark = done.get(key)
        if mark is not None and mark.source == "self":
            await turn.services.store.set_mark(
                turn.user.id, plan.id, Mark(key, "self", mark.completed_on, answer == "y")
            )
            changed += 1
    if not changed:
        return [reply(t("button.outdated"), button("button.menu", "menu"))]
    text = t("report.off_duty_yes") if answer == "y" else t("report.off_duty_no")
    return [
        reply(text, button("button.status", "st"), button("button.mark_done", "rep"), button("button.menu", "menu"))
    ]


async def undo(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    plan = turn.tools.plan
    if args:
        course = plan.courses_by_key.get(args[0])
        removed = course is not None and await turn.services.store.remove_mark(turn.user.id, plan.id, args[0])
        if not removed:
            return [reply(t("undo.nothing"), button("button.status", "st"), button("button.menu", "menu"))]
        assert course is not None
        return [reply(t("undo.done", course=course.name), button("button.status", "st"), button("button.menu", "menu"))]
    done = await marks_by_course(turn)
    if not done:
        return [reply(t("undo.none"), button("button.mark_done", "rep"), button("button.menu", "menu"))]
    buttons = [Button("↩️ " + plan.courses_by_key[k].name[:18], f"u:{k}") for k in done if k in plan.courses_by_key]
    return [reply(t("undo.choose"), *buttons[:12], button("button.menu", "menu"))]
