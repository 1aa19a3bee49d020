"""Where a person stands: the same eligibility engine as `python -m bot check`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection
from datetime import date, datetime, time

from bot.core.messages import Button, Card, CardRow, Reply
from bot.core.services import Services
from bot.core.turn import Turn, button, reply
from bot.domain.calendar import TAIPEI
from bot.domain.claims import claimable
from bot.domain.eligibility import Assessment, Completion, Note
from bot.domain.record import RecordRow
from bot.features.onboarding import plan_label
from bot.i18n import current_lang, t
from bot.render.numbers import num
from bot.render.status import (
    bundle_title,
    deadline_lines,
    note_text,
    render_notes,
    render_summary,
    reward_line,
    reward_name,
)
from bot.storage import Mark, User

YIELD_EVERY = 50  # people judged between two looks at the event loop (~5 ms of CPU)


def completion_of(mark: Mark) -> Completion:
    if mark.start is not None and mark.end is not None:
        return Completion(mark.course_key, end=mark.end, start=mark.start, source="record")
    end = datetime.combine(mark.completed_on, time(0, 0), TAIPEI) if mark.completed_on else None
    return Completion(mark.course_key, end=end, off_duty_claim=mark.off_duty, source=mark.source)


async def assessed_people(
    services: Services, plan_id: str, as_of: date, *, reminders_only: bool = False,
    channels: Collection[str] | None = None,
) -> AsyncIterator[tuple[User, Assessment]]:  # fmt: skip
    """Everyone (onboarded, active) on a plan with where they stand as of a day, for reminders,
    audiences and statistics: a page of people at a time, their marks in one query per page.
    Judging a page is CPU alone: every YIELD_EVERY people the event loop serves what waits
    (replies first, even while the day's figures for a whole city are taken)."""
    store, assessor = services.store, services.tools[plan_id].assessor
    async for page in store.iter_users_of_plan(plan_id, reminders_only=reminders_only):
        people = [u for u in page if channels is None or u.channel in channels]
        marks = await store.marks_of([u.id for u in people], plan_id)
        for n, user in enumerate(people, 1):
            yield user, assessor.assess([completion_of(m) for m in marks[user.id]], as_of, staff=user.staff)
            if n % YIELD_EVERY == 0:
                await asyncio.sleep(0)


async def assess(turn: Turn) -> Assessment:
    return (await assess_with_completions(turn))[0]


async def assess_with_completions(turn: Turn) -> tuple[Assessment, list[Completion]]:
    """Where the person stands today, and the completions it was judged from (the claim form
    prints their study periods)."""
    marks = await turn.services.store.marks(turn.user.id, turn.tools.plan.id)
    completions = [completion_of(m) for m in marks]
    return turn.tools.assessor.assess(completions, turn.today, staff=turn.user.staff), completions


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
    buttons: tuple[Button, ...] = (button("button.mark_done", "rep"), button("button.record", "rec"))
    if claimable(a):
        buttons = (button("button.claim", "claim"), *buttons)
    buttons = (*buttons, button("button.menu", "menu"))
    summary = reply(render_summary(a), *buttons, card=status_card(a), kind="status")
    why = render_notes(a, unmatched, notes)
    question = staff_question(a)
    if not why:
        return [summary, *question]
    # The notes go in a message of their own: channels that show the summary as a card
    # (LINE's Flex) would otherwise leave them in the alt text only.
    return [reply(summary.text, card=summary.card, kind="status"), reply(why, *buttons), *question]


def staff_question(a: Assessment) -> list[Reply]:
    """ "Are you …?" for the first staff category a reward leaves out that the person has not
    answered: asked only when it changes what they can get."""
    for outcome in a.rewards:
        if not (outcome.hours > 0 or outcome.earned):
            continue  # nothing earned yet: the answer would change nothing
        for category in outcome.ask_staff:
            n = a.plan.staff_questions.index(category)
            return [
                reply(
                    t("status.ask_staff", reward=reward_name(outcome), category=category),
                    button("button.staff_yes", f"sf:{n}:y"),
                    button("button.staff_no", f"sf:{n}:n"),
                )
            ]
    return []


async def answer_staff(turn: Turn, args: tuple[str, ...]) -> list[Reply]:
    """The person's answer to "are you …?" (sf:<n>:y|n): kept as that answer only."""
    questions = turn.tools.plan.staff_questions
    if len(args) != 2 or not args[0].isdigit() or int(args[0]) >= len(questions) or args[1] not in ("y", "n"):
        return [reply(t("button.outdated"), button("button.menu", "menu"))]
    category = questions[int(args[0])]
    turn.user.staff = {**turn.user.staff, category: args[1] == "y"}
    await turn.save()
    noted = reply(t("staff.noted_yes" if args[1] == "y" else "staff.noted_no", category=category))
    return [noted, *await show_status(turn)]
