"""The main menu, help and settings: every action is a button away."""

from __future__ import annotations

from bot.core.messages import Button, Reply
from bot.core.turn import Turn, button, reply
from bot.i18n import t
from bot.qa.answers import topic_label

FAQ_TOPICS = ("deadline", "comp_leave", "commendation", "app", "login", "enrol", "hours_check",
              "print_record", "help_desk", "off_duty")  # fmt: skip


def main_buttons(turn: Turn | None = None) -> list[Button]:
    return [
        button("button.status", "st"),
        button("button.steps", "steps:0"),
        button("button.bundles", "bun"),
        button("button.mark_done", "rep"),
        button("button.record", "rec"),
        button("button.deadline", "topic:deadline"),
        button("button.faq", "faq"),
        button("button.settings", "set"),
    ]


async def show_menu(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    plan = turn.plan
    title = plan.plan.title.get(turn.lang) if plan else ""
    return [reply(t("menu.text", plan=title), *main_buttons(turn), kind="menu")]


async def show_help(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    return [reply(t("help.text"), *main_buttons(turn), kind="menu")]


async def show_faq(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    topics = [
        tp
        for tp in FAQ_TOPICS
        if tp != "commendation" or any(r.type == "commendation" for r in (turn.plan.rewards if turn.plan else ()))
    ]
    return [reply(t("faq.text"), *topic_buttons(topics), button("button.menu", "menu"))]


async def show_settings(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    plan = turn.plan
    status = t(
        "settings.text",
        plan=plan.plan.title.get(turn.lang) if plan else "—",
        lang=t(f"lang.{turn.lang}"),
        remind=t("settings.on") if turn.user.reminders else t("settings.off"),
    )
    return [
        reply(
            status,
            button("button.lang", "lang"),
            button("button.plan", "plan"),
            button("button.remind", "rem"),
            button("button.forget", "fg"),
            button("button.menu", "menu"),
        )
    ]


async def greeting(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    return [reply(t("greeting.text"), *main_buttons(turn), kind="menu")]


async def thanks(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    return [reply(t("thanks.text"), button("button.menu", "menu"))]


def topic_buttons(topics: list[str]) -> list[Button]:
    return [Button(topic_label(tp), f"topic:{tp}") for tp in topics]
