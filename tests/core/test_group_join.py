"""The bot added to a Telegram group says once that it works in a private chat (LINE does the
same for a join, in bot/channels/line): nobody who adds it is left in silence."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.channels.telegram.translate import is_group_join, to_incoming


def _member_update(chat_type: str, old: str, new: str) -> Update:
    person: dict[str, Any] = {"id": 42, "is_bot": False, "first_name": "小明", "language_code": "zh-hant"}
    bot: dict[str, Any] = {"id": 7, "is_bot": True, "first_name": "bot"}
    data = {
        "update_id": 1,
        "my_chat_member": {
            "chat": {"id": -100, "type": chat_type, "title": "人事室"},
            "from": person,
            "date": 0,
            "old_chat_member": {"user": bot, "status": old},
            "new_chat_member": {"user": bot, "status": new},
        },
    }
    return Update.de_json(data, None)


def test_added_to_a_group_gets_the_note() -> None:
    for kind in ("group", "supergroup"):
        update = _member_update(kind, "left", "member")
        assert is_group_join(update) and to_incoming(update) is None


def test_other_member_changes_are_no_join() -> None:
    assert not is_group_join(_member_update("group", "member", "left"))
    assert not is_group_join(_member_update("private", "left", "member"))
