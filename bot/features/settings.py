"""Switch language or plan, turn reminders on or off, delete one's data.

Forgetting is a two-step dialogue: `fg` asks, and only `fg:yes` pressed while the
question is open (state `confirm_forget`) deletes; an old "yes" button does nothing.
"""

from __future__ import annotations

import logging

from bot.core.messages import Reply
from bot.core.turn import Turn, button, reply
from bot.features.menu import main_buttons
from bot.features.onboarding import lang_buttons, plan_buttons, plan_label, remind_buttons
from bot.i18n import LANGS, t, using

log = logging.getLogger(__name__)


async def language(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    if args and args[0] in LANGS:
        turn.user.lang = args[0]
        await turn.save()
        with using(turn.user.lang):
            return [reply(t("settings.lang_set", lang=t(f"lang.{args[0]}")), *main_buttons(turn), kind="menu")]
    return [reply(t("onboard.ask_lang"), *lang_buttons())]


async def plan(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    chosen = turn.services.book.get(args[0]) if args else None
    if chosen is None:
        return [reply(t("settings.ask_plan"), *plan_buttons(turn))]
    if chosen.id != turn.user.plan_id:
        turn.user.plan_id = chosen.id
        turn.user.epoch = await turn.services.store.next_epoch()  # buttons about the old plan are now outdated
        await turn.save()
    return [reply(t("settings.plan_set", plan=plan_label(chosen, turn.lang)), *main_buttons(turn), kind="menu")]


async def remind(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    if args and args[0] in ("on", "off"):
        turn.user.reminders = args[0] == "on"
        await turn.save()
        key = "onboard.remind_on" if turn.user.reminders else "onboard.remind_off"
        return [reply(t(key), button("button.menu", "menu"))]
    now = t("settings.on") if turn.user.reminders else t("settings.off")
    return [reply(t("settings.ask_remind", now=now), *remind_buttons())]


async def forget(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    if not args:
        turn.set_state("confirm_forget")
        await turn.save()
        return [reply(t("forget.ask"), button("button.forget_yes", "fg:yes"), button("button.forget_no", "fg:no"))]
    if args[0] == "yes" and turn.user.state == "confirm_forget":
        await turn.services.store.delete_user(turn.user.id)
        log.info("person deleted their data (channel %s)", turn.user.channel)
        turn.user.id = -1  # nothing left to save
        return [reply(t("forget.done"))]
    if turn.user.state == "confirm_forget":
        turn.set_state("")
        await turn.save()
        return [reply(t("forget.kept"), button("button.menu", "menu"))]
    return [reply(t("button.outdated"), *main_buttons(turn), kind="menu")]
