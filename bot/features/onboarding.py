"""First contact: language, plan, reminders, then a short privacy notice.

States (user.state while not yet onboarded):

    (new) ──► ask_lang ──lang:X──► ask_plan ──plan:ID──► ask_remind ──rem:on|off──► done
                 ▲ skipped when the language is preset   ▲ skipped when the plan is preset

Anything else typed during onboarding repeats the current question, so a person can
never get stuck or half-registered.
"""

from __future__ import annotations

from bot.core.messages import Button, Reply
from bot.core.turn import Turn, button, reply
from bot.features.menu import main_buttons
from bot.i18n import LANGS, t, using
from bot.plans.model import Plan


def plan_label(plan: Plan, lang: str) -> str:
    return t("plan.label", city=plan.plan.city.get(lang), year=plan.plan.roc_year)


def lang_buttons() -> list[Button]:
    return [button(f"lang.{code}", f"lang:{code}") for code in LANGS]


def plan_buttons(turn: Turn) -> list[Button]:
    return [Button(plan_label(p, turn.lang), f"plan:{p.id}") for p in turn.services.offered_plans()]


def remind_buttons() -> list[Button]:
    return [button("button.remind_on", "rem:on"), button("button.remind_off", "rem:off")]


def _next_step(turn: Turn) -> list[Reply]:
    """Ask whatever is still missing."""
    if turn.user.state == "ask_lang":
        return [reply(t("onboard.welcome") + "\n\n" + t("onboard.ask_lang"), *lang_buttons())]
    if turn.user.plan_id is None:
        turn.set_state("ask_plan")
        return [reply(t("onboard.ask_plan"), *plan_buttons(turn))]
    turn.set_state("ask_remind")
    return [reply(t("onboard.ask_remind"), *remind_buttons())]


async def start(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    """Begin (or restart) onboarding; a preset language or plan skips its question."""
    turn.user.onboarded = False
    preset_lang = turn.user.state_data.get("preset_lang")
    turn.set_state("ask_plan" if preset_lang else "ask_lang")
    if preset_lang:
        turn.user.lang = str(preset_lang)
    with using(turn.user.lang):
        replies = _next_step(turn)
    await turn.save()
    return replies


async def handle(turn: Turn, action: str | None, args: tuple[str, ...]) -> list[Reply]:
    """One input while onboarding: a button of the current question, or a repeat of it."""
    if not turn.user.state:
        return await start(turn)
    state = turn.user.state
    if state == "ask_lang" and action == "lang" and args and args[0] in LANGS:
        turn.user.lang = args[0]
        turn.user.state = "ask_plan" if turn.user.plan_id is None else "ask_remind"
    elif state == "ask_plan" and action == "plan" and args and turn.services.book.get(args[0]):
        turn.user.plan_id = args[0]
        turn.user.state = "ask_remind"
    elif state == "ask_remind" and action == "rem" and args and args[0] in ("on", "off"):
        turn.user.reminders = args[0] == "on"
        return await finish(turn)
    else:
        turn.user.state = state
    with using(turn.user.lang):
        replies = _next_step(turn)
    await turn.save()
    return replies


async def finish(turn: Turn) -> list[Reply]:
    turn.user.onboarded = True
    turn.set_state("")
    await turn.save()
    plan = turn.plan
    assert plan is not None
    with using(turn.user.lang):
        remind = t("onboard.remind_on") if turn.user.reminders else t("onboard.remind_off")
        text = "\n\n".join(
            [
                t("onboard.done", plan=plan.plan.title.get(turn.lang)),
                remind,
                t("privacy.notice"),
            ]
        )
        return [reply(text, *main_buttons(turn), kind="menu")]
