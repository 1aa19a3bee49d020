"""Telegram `Update` → the core's `Incoming`, or None for what the core must not see.

The core serves one person at a time about their own learning record, so only private
chats reach it: a person's Telegram user id (an int) becomes the string `user_id`, and
their app language becomes the `lang_hint` (a language they chose in the bot wins later).
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message, Update
from telegram.constants import ChatMemberStatus, ChatType

from bot.core.messages import Incoming

CHANNEL = "telegram"
# What Telegram should send us (webhook and polling alike); anything else is never asked for.
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")


def to_incoming(update: Update) -> Incoming | None:
    """A private text, picture (`media="image"`: the channel fetches it with `picture_of`) or
    other media, a button press, or a block."""
    message = update.message
    if message is not None:
        user = message.from_user
        if message.chat.type != ChatType.PRIVATE or user is None or user.is_bot:
            return None
        if picture_of(message) is not None:
            return Incoming(CHANNEL, str(user.id), media="image", lang_hint=user.language_code)
        if message.text is not None:
            return Incoming(CHANNEL, str(user.id), text=message.text, lang_hint=user.language_code)
        kind = media_of(message)
        if kind is None:
            return None  # a service message (pinned, etc.): nothing the person said
        return Incoming(CHANNEL, str(user.id), media=kind, lang_hint=user.language_code)
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


@dataclass(frozen=True)
class Picture:
    file_id: str
    size: int | None


def picture_of(message: Message) -> Picture | None:
    """A photo (its largest size, which comes last) or an image sent as a file."""
    if message.photo:
        largest = message.photo[-1]
        return Picture(largest.file_id, largest.file_size)
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return Picture(document.file_id, document.file_size)
    return None


_MEDIA = (
    ("sticker", "sticker"), ("location", "location"), ("venue", "location"), ("voice", "audio"),
    ("audio", "audio"), ("video", "video"), ("video_note", "video"), ("animation", "video"),
    ("document", "file"), ("contact", "file"), ("poll", "file"),
)  # fmt: skip


def media_of(message: Message) -> str | None:
    """What kind of non-text thing the person sent, in the core's words; None for service messages."""
    for attribute, kind in _MEDIA:
        if getattr(message, attribute, None) is not None:
            return kind
    if message.caption is not None or message.effective_attachment is not None:
        return "file"
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


def is_group_join(update: Update) -> bool:
    """The bot added to a group: worth one note that it works in a private chat, and how to open one."""
    member = update.my_chat_member
    return (
        member is not None
        and member.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
        and member.new_chat_member.status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR)
        and member.old_chat_member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
    )
