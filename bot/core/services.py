"""What every turn of the dialogue needs, built once at start: plans and their matchers
(each built when its plan is first asked of), the store and the clock."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from bot.config import ReminderSettings
from bot.core.clock import Clock
from bot.core.messages import Reply
from bot.core.remembered import Memory, RememberingMatcher
from bot.domain.course_match import CourseMatcher
from bot.domain.eligibility import Assessor
from bot.domain.ocr import OcrEngine, default_engine
from bot.downloads import Downloads
from bot.plans.loader import PlanBook
from bot.plans.model import Plan
from bot.qa.features import Vocabulary
from bot.qa.matcher import Matcher, Topic, load_topics
from bot.storage import Store

if TYPE_CHECKING:
    from bot.channels.line.quota import Quota


@dataclass
class PlanTools:
    plan: Plan
    matcher: Matcher
    assessor: Assessor
    courses: CourseMatcher
    # General answers, by (topics, entities, concepts, day, language): see bot.core.remembered.
    answers: Memory[Hashable, Reply] = field(default_factory=Memory, repr=False, compare=False)


class PlanToolbox(dict[str, PlanTools]):
    """Each plan's tools, built the first time the plan is asked of: start-up does not grow
    with every year's rules file that HR adds (a plan's matcher takes some 30 ms), and a plan
    nobody is on costs nothing. `in` and `get` answer for every plan of the book, built or not."""

    def __init__(self, book: PlanBook, built: dict[str, PlanTools] | None = None) -> None:
        super().__init__(built or {})
        self.book = book
        self._shared: tuple[Vocabulary, list[Topic]] | None = None

    def __missing__(self, plan_id: str) -> PlanTools:
        plan = self.book.get(plan_id)
        if plan is None:
            raise KeyError(plan_id)
        tools = self[plan_id] = self.build(plan)  # on the loop's thread (a reload builds a new toolbox in another)
        return tools

    def __contains__(self, plan_id: object) -> bool:
        return isinstance(plan_id, str) and self.book.get(plan_id) is not None

    def get(self, plan_id: str, default: PlanTools | None = None) -> PlanTools | None:  # type: ignore[override]
        return self[plan_id] if plan_id in self else default  # noqa: SIM401 (this is get: it builds)

    def build(self, plan: Plan) -> PlanTools:
        if self._shared is None:
            self._shared = (Vocabulary.load(), load_topics())
        vocabulary, topics = self._shared
        return PlanTools(plan, RememberingMatcher(plan, vocabulary, topics), Assessor(plan), CourseMatcher(plan))


def plan_tools(book: PlanBook, reuse: dict[str, PlanTools] | None = None) -> PlanToolbox:
    """Matchers and assessors for every plan, built now (a reload builds them off the loop);
    those of `reuse` already built whose plan is unchanged are kept."""
    reuse = reuse or {}
    toolbox = PlanToolbox(book)
    for plan in book:
        kept = dict.get(reuse, plan.id)  # only what is built: never build an old plan to compare
        toolbox[plan.id] = kept if kept is not None and kept.plan == plan else toolbox.build(plan)
    return toolbox


@dataclass
class Services:
    book: PlanBook
    store: Store
    clock: Clock
    tools: PlanToolbox = field(init=False, repr=False)  # the book's plans, each built when first asked of
    admins: frozenset[str] = frozenset()  # "channel:id" allowed /broadcast and /stats (BOT_ADMINS)
    wake_outbox: Callable[[], None] = field(default=lambda: None)  # the courier, when one runs
    ocr: Callable[[], OcrEngine] = field(default=default_engine)  # reads screenshots; loaded on first use
    downloads: Downloads | None = None  # short-lived links to files, served by the web server (BOT_PUBLIC_URL)
    public_url: str | None = None
    reminder_settings: ReminderSettings = field(default_factory=ReminderSettings)  # quiet hours, for announcements
    line_quota: Callable[[], Awaitable[Quota]] | None = None  # LINE's monthly quota, when LINE is configured
    plans_version: int = 0  # the published plans served (bot.plans.published): the store's counter when read
    reloading: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False, compare=False)  # one reload at a time

    def is_admin(self, channel: str, user_id: str) -> bool:
        return f"{channel}:{user_id}" in self.admins

    def __post_init__(self) -> None:
        self.tools = PlanToolbox(self.book)

    def reload(self, book: PlanBook, tools: PlanToolbox | None = None) -> None:
        """Serve another set of plans (a plan published in the console) without a restart:
        the tools are built first (or given, built elsewhere), then book and tools are
        swapped together; a turn in progress keeps the plan it started with."""
        tools = plan_tools(book, self.tools) if tools is None else tools
        self.book, self.tools = book, tools

    def today(self) -> date:
        return self.clock.now().date()

    def offered_plans(self) -> list[Plan]:
        """Plans whose period covers today, else the most recent plan of each city."""
        today = self.today()
        current = [p for p in self.book if p.plan.period.effective_start <= today <= p.plan.period.end]
        if current:
            return sorted(current, key=lambda p: p.id)
        latest: dict[str, Plan] = {}
        for p in self.book:
            city = p.plan.city.zh_TW
            if city not in latest or p.plan.roc_year > latest[city].plan.roc_year:
                latest[city] = p
        return sorted(latest.values(), key=lambda p: p.id)
