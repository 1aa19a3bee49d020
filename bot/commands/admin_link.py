"""`python -m bot admin link CHANNEL:ID`: the same one-time console link as `/console` in the
chat, for an operator on the server (e.g. when the admin's chat is not at hand)."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.commands.operator import operator, session
from bot.config import Settings
from bot.console_web.links import LINK_TTL, issue_link
from bot.i18n import DEFAULT_LANG, t, using


async def run_admin_link(settings: Settings, admin: str, out: TextIO | None = None) -> int:
    """Print the link; exit 1, nothing issued, when `admin` is not in BOT_ADMINS or
    BOT_PUBLIC_URL is unset."""
    out, err = out or sys.stdout, sys.stderr
    channel, _, user_id = admin.strip().partition(":")
    key = f"{channel.strip().lower()}:{user_id.strip()}"
    with using(DEFAULT_LANG):
        if key not in settings.admins:
            print(t("console.cli.not_admin", admin=admin), file=err)
            return 1
        if settings.public_url is None:
            print(t("console.cli.no_public_url"), file=err)
            return 1
        async with session(settings) as dialogue:
            url = await issue_link(dialogue.services, key, operator(), via="cli")
        print(url, file=out)
        print(t("console.cli.valid", minutes=int(LINK_TTL.total_seconds() // 60)), file=err)
    return 0
