"""How far the bot stands behind an answer, for `python -m bot ask --json` and the benchmark.

The question feature marks its replies (Reply.kind): "declined" when it did not answer (not
in the plan, another year, not understood), "hedged" when it answered but said the answer may
not be the whole of it. Anything else is an answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from bot.core.messages import Reply

DECLINED = "declined"
HEDGED = "hedged"
Outcome = Literal["answered", "hedged", "declined"]


def outcome_of(replies: Iterable[Reply]) -> Outcome:
    kinds = {r.kind for r in replies}
    if DECLINED in kinds:
        return "declined"
    if HEDGED in kinds:
        return "hedged"
    return "answered"
