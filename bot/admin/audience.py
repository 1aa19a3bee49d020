"""Who an announcement reaches: the people on a plan, all of them or only those who have
not finished (or not started), judged by the same eligibility engine as their status."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.core.services import Services
from bot.domain.standing import standing
from bot.features.status import completion_of
from bot.storage.outbox import AUDIENCES, PUSH_CHANNELS


@dataclass(frozen=True)
class Audience:
    plan_id: str
    kind: str  # one of AUDIENCES
    user_ids: list[int] = field(default_factory=list)
    by_channel: Counter[str] = field(default_factory=Counter)

    @property
    def size(self) -> int:
        return len(self.user_ids)


async def select_audience(services: Services, plan_id: str, kind: str) -> Audience:
    if kind not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}, not {kind!r}")
    tools = services.tools[plan_id]
    today = services.today()
    found = Audience(plan_id, kind)
    async for page in services.store.iter_users_of_plan(plan_id):
        people = [u for u in page if u.channel in PUSH_CHANNELS]
        marks = await services.store.marks_of([u.id for u in people], plan_id) if kind != "all" else {}
        for user in people:
            if kind != "all":
                where = standing(tools.assessor.assess([completion_of(m) for m in marks[user.id]], today))
                if where == "finished" or (kind == "not-started" and where != "not_started"):
                    continue
            found.user_ids.append(user.id)
            found.by_channel[user.channel] += 1
    return found
