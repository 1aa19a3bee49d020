"""LINE webhook events → the core's `Incoming`: the only place that reads LINE events.

Served: 1:1 chats (a `user` source with a userId) in active mode: text, images (a
screenshot of the record: the channel fetches its content), other messages as their kind
(sticker, location, file, audio, video: the core says what it can read), postbacks (the
button payload), follow and unfollow. A group or room gets a one-time note that the bot
works one to one (`GroupNote`). Everything else (standby mode, event types the SDK does
not know) is handed back as a reason to log, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from linebot.v3.models.events import UnknownEvent
from linebot.v3.webhooks import (
    AudioMessageContent,
    Event,
    FileMessageContent,
    FollowEvent,
    GroupSource,
    ImageMessageContent,
    JoinEvent,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    RoomSource,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
    UserSource,
    VideoMessageContent,
)

from bot.core.messages import Incoming

CHANNEL = "line"


@dataclass(frozen=True)
class Received:
    """One event to process: what the core sees, and how to answer it."""

    event_id: str
    incoming: Incoming
    reply_token: str | None
    content_id: str | None = None  # an image message's id: its bytes come from the content endpoint


@dataclass(frozen=True)
class GroupNote:
    """A group or room the bot is in: worth one note that it works in a one-to-one chat."""

    event_id: str
    chat_id: str  # the groupId or roomId
    reply_token: str | None


_MEDIA = (
    (StickerMessageContent, "sticker"), (LocationMessageContent, "location"), (FileMessageContent, "file"),
    (AudioMessageContent, "audio"), (VideoMessageContent, "video"),
)  # fmt: skip


def parse_event(raw: Any) -> Event | None:
    """As the SDK's WebhookParser does for each event, but one bad event does not lose
    the others in the same body: unknown type or missing type-specific field →
    `UnknownEvent`; missing common field (or not an object) → None."""
    if not isinstance(raw, dict):
        return None
    try:
        return Event.from_dict(raw)
    except ValueError:  # pydantic's ValidationError is a ValueError too
        pass
    try:
        return UnknownEvent.new_from_json_dict(raw)
    except (ValueError, TypeError):
        return None


def to_received(event: Event) -> Received | GroupNote | str:
    """What to process, or why the event is not served (for the log)."""
    kind = getattr(event, "type", "?")
    if isinstance(event, UnknownEvent):
        return f"UnknownEvent (type {kind!r}: a field the SDK requires is missing, or a new event type)"
    source = event.source
    if isinstance(source, GroupSource | RoomSource):
        chat_id = source.group_id if isinstance(source, GroupSource) else source.room_id
        if isinstance(event, JoinEvent | MessageEvent) and chat_id:
            return GroupNote(event.webhook_event_id, chat_id, getattr(event, "reply_token", None))
        return f"{kind} in a {source.type} (only 1:1 chats are served)"
    if not isinstance(source, UserSource) or not source.user_id:
        return f"{kind} from a {getattr(source, 'type', None) or 'missing'} source (only 1:1 chats are served)"
    user_id = source.user_id
    if isinstance(event, UnfollowEvent):  # also in standby mode: the person is gone either way
        return Received(event.webhook_event_id, Incoming(CHANNEL, user_id, event="unfollow", files=False), None)
    mode = getattr(event.mode, "value", event.mode)
    if mode != "active":
        return f"{kind} in {mode} mode (another module answers this chat)"
    token = getattr(event, "reply_token", None)
    if isinstance(event, MessageEvent):
        message = event.message
        if isinstance(message, TextMessageContent):
            return Received(event.webhook_event_id, Incoming(CHANNEL, user_id, text=message.text, files=False), token)
        if isinstance(message, ImageMessageContent):
            incoming = Incoming(CHANNEL, user_id, media="image", files=False)
            return Received(event.webhook_event_id, incoming, token, content_id=message.id)
        media = next((name for cls, name in _MEDIA if isinstance(message, cls)), "file")
        return Received(event.webhook_event_id, Incoming(CHANNEL, user_id, media=media, files=False), token)
    if isinstance(event, PostbackEvent):
        incoming = Incoming(CHANNEL, user_id, button=event.postback.data, files=False)
        return Received(event.webhook_event_id, incoming, token)
    if isinstance(event, FollowEvent):
        return Received(event.webhook_event_id, Incoming(CHANNEL, user_id, event="follow", files=False), token)
    return f"{kind} event (not used by this bot)"
