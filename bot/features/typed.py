"""A button's label typed instead of pressed does what the button does.

LINE for PC shows no rich menu and people retype what they see (「下一步」, 「貼上學習紀錄」),
with or without the emoji. Two sources, most specific first:

- the buttons of the person's last answer, remembered with their payloads (so 「下一步」 goes
  to the step after the one on screen, 「是」 answers the question just asked);
- the buttons that mean the same everywhere (the menu, settings, reminders, the FAQ topics),
  taken from the code that builds them, in every language.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

from bot.core.messages import Button, Reply
from bot.domain.textnorm import normalize
from bot.i18n import LANGS, t, using
from bot.storage import User
from bot.yamlfiles import read_yaml

PHRASINGS_FILE = Path(__file__).with_name("typed.yaml")
OFFERED = "offered"  # state_data key: folded label → payload of the last answer's buttons
MAX_LABEL = 40  # a longer text is a question, not a label


def fold(label: str) -> str:
    """「📋 貼上學習紀錄」, 「貼上學習紀錄」 and 「下一步 ▶」 fold to their words alone."""
    return normalize(label)


def remember(user: User, replies: Iterable[Reply]) -> bool:
    """Keep the buttons just offered (unstamped payloads); True when that changed the record.
    A button whose label does the same typed anywhere (「🏠 選單」, a topic's button) needs no
    keeping: an answer offering only such buttons writes nothing, unless it clears earlier ones."""
    buttons = [b for r in replies for b in r.buttons]
    if not buttons:  # a plain answer keeps the earlier buttons usable
        return False
    anywhere = everywhere()
    offered: dict[str, str] = {}
    for b in buttons:
        label = fold(b.label)
        if label and anywhere.get(label) != b.payload:
            offered.setdefault(label, b.payload)
    if (user.state_data.get(OFFERED) or {}) == offered:
        return False
    data = {k: v for k, v in user.state_data.items() if k != OFFERED}
    user.state_data = {**data, OFFERED: offered} if offered else data
    return True


def _everywhere() -> list[Button]:
    """Buttons whose payload never depends on the conversation, as their builders make them."""
    from bot.features.menu import main_buttons, topic_buttons
    from bot.features.onboarding import lang_buttons, remind_buttons
    from bot.qa.answers import ANSWERS

    fixed = [
        ("button.menu", "menu"), ("button.help", "help"), ("button.lang", "lang"), ("button.plan", "plan"),
        ("button.remind", "rem"), ("button.forget", "fg"), ("button.undo", "undo"), ("button.cancel", "cancel"),
        ("button.claim", "claim"), ("button.status", "st"),
    ]  # fmt: skip
    return [
        *main_buttons(None),
        *remind_buttons(),
        *lang_buttons(),
        *topic_buttons(list(ANSWERS)),
        *(Button(t(k), p) for k, p in fixed),
    ]


@cache
def everywhere() -> dict[str, str]:
    """Folded label → payload, for the labels of every language."""
    found: dict[str, str] = {}
    for lang in LANGS:
        with using(lang):
            for b in _everywhere():
                found.setdefault(fold(b.label), b.payload)
    phrasings = read_yaml(PHRASINGS_FILE)
    for payload, words in phrasings.items():
        for word in words:
            found.setdefault(fold(str(word)), str(payload))
    found.pop("", None)
    return found


def resolve(user: User, text: str) -> str | None:
    """The payload of the button whose label this text is, or None."""
    if len(text) > MAX_LABEL:
        return None
    folded = fold(text)
    if not folded:
        return None
    offered = user.state_data.get(OFFERED)
    if isinstance(offered, dict) and isinstance(offered.get(folded), str):
        return str(offered[folded])
    return everywhere().get(folded)
