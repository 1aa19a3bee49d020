"""Flex bubbles: a core `Card` (status, a bundle's courses, a step) and a list of buttons.

Layout of a card bubble (one bubble, never a carousel, so it reads top to bottom):

    ┌────────────────────────────────┐
    │ Title (bold)                   │
    │ ────────────────────────────── │
    │ label                   value  │   short value: one line
    │ ██████████░░░░░░░░░░░░░░░░░░░░ │   progress: two boxes whose flex widths are
    │ label                          │   done% and (100 - done%)
    │ a long value that wraps…       │   long value: under its label
    │ footer (small, grey)           │
    └────────────────────────────────┘

A button list is a bubble of postback buttons, used when a reply has more buttons than
LINE's 13 quick replies (see render.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from linebot.v3.messaging import (
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexComponent,
    FlexSeparator,
    FlexText,
    PostbackAction,
)

from bot.channels.line.limits import MAX_DISPLAY_TEXT, clip, clip_label
from bot.core.messages import Button, Card, CardRow

GREEN = "#06C755"  # LINE's own green, so progress looks at home
TRACK = "#E6E6E6"
MUTED = "#8C8C8C"
SHORT_VALUE = 14  # a value up to this many characters sits on its label's line
MAX_FLEX_TEXT = 2_000  # keeps one bubble well under LINE's JSON size limit


def postback(button: Button) -> PostbackAction:
    """The one way a core button becomes a LINE action: the payload as postback data and
    the full label echoed as what the person "said", so the chat history reads naturally."""
    return PostbackAction(
        label=clip_label(button.label), data=button.payload, display_text=clip(button.label, MAX_DISPLAY_TEXT)
    )


def _text(text: str, **style: Any) -> FlexText:
    return FlexText(text=clip(text, MAX_FLEX_TEXT), wrap=True, **style)


def progress_bar(progress: float) -> FlexBox:
    done = round(min(max(progress, 0.0), 1.0) * 100)
    parts = []
    if done:
        parts.append(FlexBox(layout="vertical", contents=[], flex=done, background_color=GREEN))
    if done < 100:
        parts.append(FlexBox(layout="vertical", contents=[], flex=100 - done))
    return FlexBox(
        layout="horizontal", contents=parts, height="6px", margin="sm", background_color=TRACK, corner_radius="3px"
    )


def _row(row: CardRow) -> FlexBox:
    contents: list[FlexComponent] = []
    value = row.value.strip()
    if value and len(value) <= SHORT_VALUE:
        contents.append(
            FlexBox(
                layout="horizontal",
                spacing="md",
                contents=[
                    _text(row.label or " ", size="sm", flex=1),
                    FlexText(text=value, size="sm", flex=0, align="end", color=MUTED),
                ],
            )
        )
    else:
        contents.append(_text(row.label or " ", size="sm", weight="bold"))
        if value:
            contents.append(_text(value, size="sm", color=MUTED, margin="xs"))
    if row.progress is not None:
        contents.append(progress_bar(row.progress))
    return FlexBox(layout="vertical", contents=contents)


def card_bubble(card: Card) -> FlexBubble:
    contents: list[FlexComponent] = []
    if card.title.strip():
        contents += [_text(card.title, weight="bold", size="lg"), FlexSeparator(margin="md")]
    if card.rows:
        contents.append(FlexBox(layout="vertical", spacing="md", margin="md", contents=[_row(r) for r in card.rows]))
    if card.footer.strip():
        contents.append(_text(card.footer, size="xs", color=MUTED, margin="lg"))
    return FlexBubble(body=FlexBox(layout="vertical", contents=contents))


def buttons_bubble(buttons: Sequence[Button]) -> FlexBubble:
    rows: list[FlexComponent] = [FlexButton(action=postback(b), style="secondary", height="sm") for b in buttons]
    return FlexBubble(body=FlexBox(layout="vertical", spacing="sm", contents=rows))
