"""Telegram `Update` → the core's `Incoming`, or None for what the core must not see.

The core serves one person at a time about their own learning record, so only private
chats reach it: a person's Telegram user id (an int) becomes the string `user_id`, and
their app language becomes the `lang_hint` (a language they chose in the bot wins later).
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatMemberStatus, ChatType

from bot.core.messages import Incoming

CHANNEL = "telegram"
# What Telegram should send us (webhook and polling alike); anything else is never asked for.
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")


def to_incoming(update: Update) -> Incoming | None:
    """A private text (or media: the core then asks for text), a button press, or a block."""
    message = update.message
    if message is not None:
        user = message.from_user
        if message.chat.type != ChatType.PRIVATE or user is None or user.is_bot:
            return None
        text = _text(message)
        if text is None:
            return None  # a service message (pinned, etc.): nothing the person said
        return Incoming(CHANNEL, str(user.id), text=text, lang_hint=user.language_code)
    query = update.callback_query
    if query is not None:
        chat = query.message.chat if query.message is not None else None
        if chat is None or chat.type != ChatType.PRIVATE or query.data is None:
            return None
        person = query.from_user
        return Incoming(CHANNEL, str(person.id), button=query.data, lang_hint=person.language_code)
    member = update.my_chat_member
    blocked = member is not None and member.new_chat_member.status == ChatMemberStatus.BANNED  # "kicked"
    if member is not None and blocked and member.chat.type == ChatType.PRIVATE:
        return Incoming(CHANNEL, str(member.from_user.id), event="unfollow")
    return None


def is_group_command(update: Update) -> bool:
    """A command typed in a group (in privacy mode the only messages a bot sees there):
    worth one polite line pointing to a private chat, unlike the group's other chatter."""
    message = update.message
    return (
        message is not None
        and message.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
        and (message.text or "").startswith("/")
    )


def _text(message: Message) -> str | None:
    if message.text is not None:
        return message.text
    if message.caption is not None:
        return message.caption
    if message.effective_attachment is not None:
        return ""  # a photo or sticker: the core answers an empty message by asking for text
    return None
