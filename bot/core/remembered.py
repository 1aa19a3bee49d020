"""A plan's matcher that remembers its answers: many people ask the same things.

`Matcher.match` is a pure function of the plan's vocabulary and the question's text, and the
costliest step of a turn (segmenting, pinyin, fuzzy course names: ~1 ms). Its `Match` is
frozen, so one can be shared by everybody who asks the same words. The memory belongs to the
plan's tools: a reloaded or published rules file builds new tools, and with them a new,
empty memory, so nothing from an old version of the plan is served.
"""

from __future__ import annotations

from collections import OrderedDict

from bot.plans.model import Plan
from bot.qa.features import Vocabulary
from bot.qa.matcher import Match, Matcher, Topic

REMEMBERED = 2048  # questions per plan (a Match is well under a kilobyte)


class RememberingMatcher(Matcher):
    """`Matcher`, the latest `REMEMBERED` distinct questions' matches kept (least recent out)."""

    def __init__(self, plan: Plan, vocabulary: Vocabulary, topics: list[Topic]) -> None:
        super().__init__(plan, vocabulary, topics)
        self._remembered: OrderedDict[str, Match] = OrderedDict()

    def match(self, text: str) -> Match:
        found = self._remembered.get(text)
        if found is not None:
            self._remembered.move_to_end(text)
            return found
        found = super().match(text)
        self._remembered[text] = found
        if len(self._remembered) > REMEMBERED:
            self._remembered.popitem(last=False)
        return found
