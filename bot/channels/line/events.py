"""LINE webhook events → the core's `Incoming`: the only place that reads LINE events.

Served: 1:1 chats (a `user` source with a userId) in active mode; text messages,
postbacks (the button payload), follow and unfollow. Everything else (stickers, images,
groups, standby mode, event types the SDK does not know) is handed back as a reason to
log, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from linebot.v3.models.events import UnknownEvent
from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
    UserSource,
)

from bot.core.messages import Incoming

CHANNEL = "line"


@dataclass(frozen=True)
class Received:
    """One event to process: what the core sees, and how to answer it."""

    event_id: str
    incoming: Incoming
    reply_token: str | None


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


def to_received(event: Event) -> Received | str:
    """What to process, or why the event is not served (for the log)."""
    kind = getattr(event, "type", "?")
    if isinstance(event, UnknownEvent):
        return f"UnknownEvent (type {kind!r}: a field the SDK requires is missing, or a new event type)"
    source = event.source
    if not isinstance(source, UserSource) or not source.user_id:
        return f"{kind} from a {getattr(source, 'type', None) or 'missing'} source (only 1:1 chats are served)"
    user_id = source.user_id
    if isinstance(event, UnfollowEvent):  # also in standby mode: the person is gone either way
        return Received(event.webhook_event_id, Incoming(CHANNEL, user_id, event="unfollow"), None)
    mode = getattr(event.mode, "value", event.mode)
    if mode != "active":
        return f"{kind} in {mode} mode (another module answers this chat)"
    token = getattr(event, "reply_token", None)
    if isinstance(event, MessageEvent):
        if isinstance(event.message, TextMessageContent):
            incoming = Incoming(CHANNEL, user_id, text=event.message.text)
            return Received(event.webhook_event_id, incoming, token)
        return f"{getattr(event.message, 'type', '?')} message (only text is read)"
    if isinstance(event, PostbackEvent):
        return Received(event.webhook_event_id, Incoming(CHANNEL, user_id, button=event.postback.data), token)
    if isinstance(event, FollowEvent):
        return Received(event.webhook_event_id, Incoming(CHANNEL, user_id, event="follow"), token)
    return f"{kind} event (not used by this bot)"
