"""Who an announcement reaches: the people on a plan, all of them or only those who have
not finished (or not started), judged by the same eligibility engine as their status."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.services import Services
from bot.domain.standing import standing
from bot.features.status import assessed_people
from bot.i18n import t
from bot.storage import User
from bot.storage.outbox import AUDIENCES, PUSH_CHANNELS


@dataclass(frozen=True)
class Audience:
    plan_id: str
    kind: str  # one of AUDIENCES
    user_ids: list[int] = field(default_factory=list)
    by_channel: Counter[str] = field(default_factory=Counter)

    def add(self, user: User) -> None:
        self.user_ids.append(user.id)
        self.by_channel[user.channel] += 1

    @property
    def size(self) -> int:
        return len(self.user_ids)


def per_channel(counts: Mapping[str, int]) -> str:
    """ "Line 3、Telegram 12": how many people each channel reaches."""
    return t("list.separator").join(f"{c.capitalize()} {n}" for c, n in sorted(counts.items()))


async def select_audience(services: Services, plan_id: str, kind: str) -> Audience:
    if kind not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}, not {kind!r}")
    found = Audience(plan_id, kind)
    if kind == "all":  # no need to know where anyone stands
        async for page in services.store.iter_users_of_plan(plan_id):
            for user in page:
                if user.channel in PUSH_CHANNELS:
                    found.add(user)
        return found
    async for user, a in assessed_people(services, plan_id, services.today(), channels=PUSH_CHANNELS):
        where = standing(a)
        if where != "finished" and (kind == "unfinished" or where == "not_started"):
            found.add(user)
    return found
