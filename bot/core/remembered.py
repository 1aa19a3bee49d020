"""A plan's matcher and answers that remember: many people ask the same things.

`Matcher.match` is a pure function of the plan's vocabulary and the question's text, and the
costliest step of a turn (segmenting, pinyin, fuzzy course names: ~1 ms). Its `Match` is
frozen, so one can be shared by everybody who asks the same words. The memory belongs to the
plan's tools: a reloaded or published rules file builds new tools, and with them a new,
empty memory, so nothing from an old version of the plan is served.

A general answer (not one about the person asking) is likewise a pure function of the plan,
the topics and entities matched, the day (days left) and the language; `PlanTools.answers`
keeps those, so the same answer is not composed again for everyone who asks it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from bot.plans.model import Plan
from bot.qa.features import Vocabulary
from bot.qa.matcher import Match, Matcher, Topic

REMEMBERED = 2048  # questions (or answers) per plan (a Match or a Reply is well under a kilobyte)
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memory(Generic[K, V]):
    """The values of the latest `size` distinct keys (least recently used out)."""

    def __init__(self, size: int = REMEMBERED) -> None:
        self.size = size
        self._kept: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K, make: Callable[[], V]) -> V:
        """The value kept for `key`, else `make()`'s, kept from now on."""
        found = self._kept.get(key)
        if found is not None:
            self._kept.move_to_end(key)
            return found
        made = make()
        self._kept[key] = made
        if len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return made


class RememberingMatcher(Matcher):
    """`Matcher`, the latest `REMEMBERED` distinct questions' matches kept."""

    def __init__(self, plan: Plan, vocabulary: Vocabulary, topics: list[Topic]) -> None:
        super().__init__(plan, vocabulary, topics)
        self._remembered: Memory[str, Match] = Memory()

    def match(self, text: str) -> Match:
        return self._remembered.get(text, lambda: super(RememberingMatcher, self).match(text))
