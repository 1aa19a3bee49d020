"""Core replies → LINE messages, cut into request-sized batches.

- Text: one text message per reply, split at 5,000 UTF-16 units (LINE's limit).
- A reply with a `Card` (status, a bundle's courses, a step): one Flex bubble instead of
  its text; the text becomes the altText (≤ 1,500), which notifications and the chat
  list show.
- Buttons: the buttons of all replies of one turn, in order, become quick replies on the
  last message (LINE only shows the quick replies of the newest message), as postback
  actions whose data is the core's payload and whose displayText is the label.
- More than 13 buttons (LINE's quick-reply limit): all of them go into one Flex bubble of
  buttons after the replies, and there are no quick replies. Nothing is dropped (a plan
  or a course the person needs may be the 14th), and they stay in one list rather than
  split between quick replies and a bubble. Bubbles stay in the history, which is safe:
  payloads carry the person's epoch, and the core answers an outdated one politely.
- At most 5 messages per request: adjacent text messages are joined first, and anything
  still beyond 5 goes into further batches (the channel pushes them).
"""

from __future__ import annotations

from collections.abc import Sequence

from linebot.v3.messaging import FlexMessage, Message, QuickReply, QuickReplyItem, TextMessage

from bot.channels.line.flex import buttons_bubble, card_bubble, postback
from bot.channels.line.limits import (
    ELLIPSIS,
    MAX_ALT_TEXT,
    MAX_MESSAGES,
    MAX_QUICK_REPLIES,
    MAX_TEXT,
    clip,
    split_text,
    utf16_len,
)
from bot.core.messages import Button, Reply

Batch = list[Message]


def alt_text(text: str) -> str:
    return clip(text.strip() or ELLIPSIS, MAX_ALT_TEXT)


def shown_text(message: Message) -> str:
    """What a person reads of a message in the chat list: its text, or a Flex message's altText."""
    return str(message.text) if isinstance(message, TextMessage) else str(getattr(message, "alt_text", ""))


def turn_buttons(replies: Sequence[Reply]) -> list[Button]:
    """Every button of the turn once, in order (the same payload twice is one button)."""
    seen: dict[str, Button] = {}
    for reply in replies:
        for b in reply.buttons:
            seen.setdefault(b.payload, b)
    return list(seen.values())


def reply_messages(reply: Reply) -> list[Message]:
    if reply.card is not None:
        return [FlexMessage(alt_text=alt_text(reply.text or reply.card.title), contents=card_bubble(reply.card))]
    return [TextMessage(text=part) for part in split_text(reply.text)]


def button_list(buttons: Sequence[Button]) -> FlexMessage:
    labels = " / ".join(b.label for b in buttons)  # in the person's language, as the core made them
    return FlexMessage(alt_text=alt_text(labels), contents=buttons_bubble(buttons))


def quick_reply(buttons: Sequence[Button]) -> QuickReply:
    return QuickReply(items=[QuickReplyItem(action=postback(b)) for b in buttons])


def join_texts(messages: list[Message]) -> list[Message]:
    """Join adjacent text messages (blank line between) while there are more than 5,
    pairwise from the start, so the joined bubbles stay of similar length."""
    packed = list(messages)
    joined = True
    while len(packed) > MAX_MESSAGES and joined:
        joined, i = False, 0
        while len(packed) > MAX_MESSAGES and i < len(packed) - 1:
            a, b = packed[i], packed[i + 1]
            if (
                isinstance(a, TextMessage)
                and isinstance(b, TextMessage)
                and utf16_len(a.text) + 2 + utf16_len(b.text) <= MAX_TEXT
            ):
                packed[i : i + 2] = [TextMessage(text=f"{a.text}\n\n{b.text}")]
                joined = True
            i += 1
    return packed


def render(replies: Sequence[Reply]) -> list[Batch]:
    """The batches (≤ 5 messages each) to send for one turn, in order; [] when nothing."""
    buttons = turn_buttons(replies)
    messages = [m for r in replies for m in reply_messages(r)]
    as_list = len(buttons) > MAX_QUICK_REPLIES or (bool(buttons) and not messages)
    if as_list:
        messages.append(button_list(buttons))
    messages = join_texts(messages)
    if buttons and not as_list:
        messages[-1].quick_reply = quick_reply(buttons)
    return [messages[i : i + MAX_MESSAGES] for i in range(0, len(messages), MAX_MESSAGES)]
