"""Free-text questions: the matcher picks a topic and the answer comes from the rules file.

When the matcher is not sure, the person gets the three closest topics as buttons and
the help desks, and the question is logged (without who asked) for HR to improve the
answers.
"""

from __future__ import annotations

import logging

from bot.core.messages import Button, Reply
from bot.core.turn import Turn, button, reply
from bot.features import menu, personal, progress, status
from bot.features.onboarding import plan_label
from bot.i18n import current_lang, t
from bot.qa.answers import ANSWERS, Context, answer, desk_short
from bot.qa.audience_note import staff_note
from bot.qa.entities import Entities
from bot.qa.matcher import Match
from bot.qa.outcome import DECLINED, HEDGED
from bot.render import phone

MORE = "more"  # state_data key and topic argument: the rest of an answer cut to fit a phone
MINE = "mine"  # the vocabulary's concept of one's own standing
HOURS_CHECK = "hours_check"  # ...and of where one's hours are shown
# Topics a question about oneself can land on (None: not understood as a rule question either).
PERSONAL_TOPICS = frozenset({
    None, "status", "report", "claim", "commendation", "comp_leave", "deadline", "bundles", "bundle_courses",
    "english", "category", "course_info", "hours_check", "total_hours", "rewards",
})  # fmt: skip

log = logging.getLogger(__name__)
# Topics whose rules depend on who asks: a kind of staff named there is checked against the
# plan's audience first (the audience topic itself already says who is in and out).
ABOUT_STAFF = frozenset({"comp_leave", "commendation", "claim", "rewards", "off_duty", "unpaid_leave", "deadline"})


async def ask(turn: Turn, text: str) -> list[Reply]:
    tools = turn.tools
    match = tools.matcher.match(text)
    topic = match.topic
    about = personal_topic(match)
    if about in personal.ABOUT:
        mine = await personal.answer(turn, about, match.concepts)
        if mine is not None:
            return [await fit(turn, r, text) for r in mine]
    if topic == "status" or about is not None:
        shown = await status.show_status(turn)
        if HOURS_CHECK in match.concepts:  # 「怎麼看我自己上了多少」: and where the platform shows it
            where = answer((HOURS_CHECK,), Context(tools.plan, turn.today, Entities(), match.concepts))
            leads = tuple(b for b in where.buttons if b.payload != "menu")  # the status has the menu
            shown.append(await fit(turn, Reply(where.text, leads, kind=where.kind), text))
        return shown
    if topic == "report":
        return await report_text(turn, match.entities)
    if topic == "greeting":
        return await menu.greeting(turn)
    if topic == "thanks":
        return await menu.thanks(turn)
    if match.topics:
        ctx = Context(tools.plan, turn.today, match.entities, match.concepts)
        key = (match.topics, match.entities, match.concepts, turn.today, current_lang())
        reply_ = tools.answers.get(key, lambda: answer(match.topics, ctx))  # the same for all who ask
        note = staff_note(tools.plan, text, turn.lang) if set(match.topics) & ABOUT_STAFF else None
        if note is not None and note[1]:  # people the plan leaves out: that is the answer
            return [reply(note[0], *menu.topic_buttons(["audience"]), button("button.menu", "menu"))]
        if note is not None and match.topic != "audience":
            reply_ = Reply(note[0] + "\n" + reply_.text, reply_.buttons, reply_.card, reply_.kind)
        if match.partial and reply_.kind != DECLINED:  # a silence of the plan stays one, not a guess
            reply_ = Reply(reply_.text + "\n\n" + t("ask.partial"), reply_.buttons, reply_.card, HEDGED)
        if reply_.kind == DECLINED:  # a topic the plan is silent on (a course's lecturer): HR sees it
            await turn.services.store.log_unanswered(tools.plan.id, turn.lang, text)
        return [await fit(turn, reply_, text)]
    await turn.services.store.log_unanswered(tools.plan.id, turn.lang, text)
    log.info("unanswered question logged for plan %s", tools.plan.id)
    suggestions = [s for s in match.suggestions if s in ANSWERS][:3]
    if not suggestions:
        suggestions = ["deadline", "comp_leave", "help_desk"]
    ctx = Context(tools.plan, turn.today, Entities())
    title = tools.plan.plan.title.get(turn.lang)
    if match.outside:  # honest: not in the plan, and who can help instead
        text_out = t("ask.outside", plan=plan_label(tools.plan, turn.lang)) + "\n" + desk_short(ctx)
        return [reply(text_out, *menu.topic_buttons(["help_desk"]), button("button.menu", "menu"), kind=DECLINED)]
    head = t("ask.other_year", plan=title) if match.other_year else t("ask.unsure")
    text_out = head + "\n" + desk_short(ctx)
    return [reply(text_out, *menu.topic_buttons(suggestions), button("button.menu", "menu"), kind=DECLINED)]


def personal_topic(match: Match) -> str | None:
    """What a question about oneself asks (commendation, comp_leave, deadline, or status); None
    for a question about the rules. Standing words (了嗎, 目前, so far) with 我 or a deadline."""
    found = match.concepts
    if match.outside or match.other_year or MINE not in found or not ({"me", "deadline"} & found):
        return None
    if match.topic not in PERSONAL_TOPICS:  # 「我已經有公務帳號，APP登不進去」 is about logging in
        return None
    return next((c for c in personal.ABOUT if c in found), "status")


async def topic(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    """A topic button: answer it directly; `topic:more`: the rest of the last answer."""
    if args and args[0] == MORE:
        return await more(turn)
    if not args or args[0] not in ANSWERS:
        return [reply(t("button.outdated"), button("button.menu", "menu"))]
    return [await fit(turn, answer((args[0],), Context(turn.tools.plan, turn.today, Entities())))]


async def fit(turn: Turn, answer_: Reply, question: str = "") -> Reply:
    """The answer cut to a phone's screen, what the question asks first; the rest kept for 「更多」."""
    first, rest = phone.split(phone.dedupe(answer_.text), question=question)
    buttons = answer_.buttons
    if rest:
        turn.user.state_data = {**turn.user.state_data, MORE: rest}
        await turn.save()
        buttons = (button("button.more_text", f"topic:{MORE}"), *buttons)
    unique = tuple({b.label: b for b in buttons}.values())  # never two identical buttons
    return Reply(first, unique, answer_.card, answer_.kind, answer_.document)


async def more(turn: Turn) -> list[Reply]:
    rest = turn.user.state_data.get(MORE)
    if not isinstance(rest, str) or not rest:
        return [reply(t("more.none"), button("button.menu", "menu"))]
    turn.user.state_data = {k: v for k, v in turn.user.state_data.items() if k != MORE}
    await turn.save()
    return [await fit(turn, Reply(rest, (button("button.menu", "menu"),), kind="answer"))]


async def report_text(turn: Turn, entities: Entities) -> list[Reply]:
    """「我完成了 e馬當先」: mark a whole bundle; 「我上完友善職場」: one course."""
    plan = turn.tools.plan
    if entities.course:
        bundle = plan.bundles_of_course(entities.course)[0]
        return await progress.mark_course(turn, (bundle.id, entities.course))
    if entities.bundles:
        return await progress.mark_bundle(turn, (entities.bundles[0],))
    if entities.groups:
        group = plan.groups_by_id[entities.groups[0]]
        buttons = [Button(plan.bundles_by_id[b].name, f"rep:{b}") for b in group.bundles]
        return [reply(t("report.which_in_group", group=group.name), *buttons, button("button.menu", "menu"))]
    return await progress.choose_bundle(turn)
