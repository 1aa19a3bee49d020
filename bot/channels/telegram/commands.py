"""The command menu Telegram shows beside the text box (setMyCommands), in both languages.

Telegram picks the list by the app's language: ``zh`` (Telegram has no ``zh-TW``) and
the default list (every other language) get Traditional Chinese, ``en`` gets English.
The commands themselves are the core's (`bot.core.dialogue.COMMANDS`); here they only
get descriptions, which live in `locales/` as ``telegram.command.<name>``.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot, BotCommand
from telegram.error import TelegramError

from bot.i18n import t, using

log = logging.getLogger(__name__)
COMMANDS = (
    "start",
    "help",
    "steps",
    "bundles",
    "done",
    "undo",
    "status",
    "deadline",
    "remind",
    "lang",
    "plan",
    "forget",
)
MENUS = (("", "zh-TW"), ("zh", "zh-TW"), ("en", "en"))  # (Telegram language_code, our language)


def command_list(lang: str) -> list[BotCommand]:
    with using(lang):
        return [BotCommand(name, t(f"telegram.command.{name}")) for name in COMMANDS]


async def register_commands(bot: Bot) -> bool:
    """Set every menu; a failure is logged, not raised: the bot works without a menu."""
    try:  # one round trip for all three, not three in turn
        await asyncio.gather(
            *(bot.set_my_commands(command_list(lang), language_code=code or None) for code, lang in MENUS)
        )
    except TelegramError as error:
        log.warning("could not set the Telegram command menu: %r", error)
        return False
    return True
