"""One message being handled: the person, their plan and language, and reply helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.core.messages import Button, Card, Incoming, Reply
from bot.core.services import PlanTools, Services
from bot.i18n import t
from bot.plans.model import Plan
from bot.storage import User


@dataclass
class Turn:
    services: Services
    user: User
    incoming: Incoming
    # Whether more of this person's messages wait behind this one (several screenshots), asked
    # when it matters: after reading a screenshot, by which time the others have arrived.
    others_waiting: Callable[[], bool] = lambda: False

    @property
    def plan(self) -> Plan | None:
        return self.services.book.get(self.user.plan_id) if self.user.plan_id else None

    @property
    def tools(self) -> PlanTools:
        assert self.user.plan_id is not None
        return self.services.tools[self.user.plan_id]

    @property
    def lang(self) -> str:
        return self.user.lang

    @property
    def today(self) -> date:
        return self.services.today()

    async def save(self) -> None:
        await self.services.store.save_user(self.user)

    def set_state(self, state: str, **data: object) -> None:
        self.user.state = state
        self.user.state_data = dict(data)


def button(key: str, payload: str, **params: object) -> Button:
    return Button(t(key, **params), payload)


def reply(text: str, *buttons: Button, card: Card | None = None, kind: str = "text") -> Reply:
    return Reply(text, tuple(buttons), card, kind)


def menu_button() -> Button:
    return button("button.menu", "menu")
