"""Typed, frozen models of one plan's rules file (`rules/<city>-<year>.yaml`).

The file is the single source of a plan's figures: bundles, courses, hours, rewards and
their conditions, steps and help desks. Validation is strict (unknown fields are errors)
so that a typo in HR's file fails at load, not in front of a staff member.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from datetime import date, time
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Lang = Literal["zh-TW", "en"]
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,23}$"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Text(Frozen):
    """A text in Traditional Chinese, with an optional English version (falls back to Chinese)."""

    zh_TW: str = Field(alias="zh-TW", min_length=1)
    en: str | None = Field(default=None, min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _from_plain_string(cls, value: Any) -> Any:
        return {"zh-TW": value} if isinstance(value, str) else value

    def get(self, lang: str) -> str:
        return self.en if lang == "en" and self.en else self.zh_TW


def course_key(name: str) -> str:
    """A short stable id for a course, derived from its name so that reordering a file
    never re-points stored progress marks at another course."""
    canonical = unicodedata.normalize("NFKC", name).replace(" ", "")
    return hashlib.sha1(canonical.encode()).hexdigest()[:8]


class Course(Frozen):
    name: str = Field(min_length=1, max_length=120)
    hours: float = Field(gt=0, le=100)
    category: str | None = None
    section: str | None = None
    code: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{4,40}$")
    note: str | None = None  # who teaches it, as the plan prints it (陳慈陽講座)
    id: str | None = Field(default=None, pattern=r"^[a-z0-9-]{1,16}$")

    @cached_property
    def key(self) -> str:
        return self.id or course_key(self.name)


class Choose(Frozen):
    """Electives inside a bundle: 「任選3門以上，且時數合計達5小時以上」 — done with at least
    `courses` of its courses and at least `hours` of their hours (either may be absent)."""

    courses: int | None = Field(default=None, ge=1)
    hours: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _something(self) -> Choose:
        if self.courses is None and self.hours is None:
            raise ValueError("give courses (at least N courses), hours (at least H hours), or both")
        return self


class Bundle(Frozen):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    subtitle: Text | None = None
    summary: Text | None = None  # what the plan says the bundle covers (「課程內容包含…」)
    platform_title: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    hours: float = Field(gt=0)  # the sum of its courses; with `choose`, the hours it asks for
    courses: tuple[Course, ...] = Field(min_length=1)
    choose: Choose | None = None

    @model_validator(mode="after")
    def _hours_add_up(self) -> Bundle:
        keys = [c.key for c in self.courses]
        twice = [c.name for i, c in enumerate(self.courses) if c.key in keys[:i]]
        if twice:  # first: a course given twice also makes the hours wrong
            raise ValueError(f"a course is listed twice in this bundle: {', '.join(twice)}")
        total = sum(c.hours for c in self.courses)
        if self.choose is None:
            if abs(total - self.hours) > 1e-6:
                raise ValueError(f"hours is {self.hours:g} but its courses add up to {total:g}; fix one of them")
            return self
        choose = self.choose
        if choose.courses is not None and choose.courses > len(self.courses):
            raise ValueError(f"choose.courses is {choose.courses} but the bundle has only {len(self.courses)} courses")
        if choose.hours is not None and choose.hours > total + 1e-6:
            raise ValueError(f"choose.hours is {choose.hours:g} but all its courses add up to only {total:g}")
        least = choose.hours if choose.hours is not None else self._fewest_hours(choose.courses or 1)
        if abs(least - self.hours) > 1e-6:
            raise ValueError(
                f"hours is {self.hours:g} but what choose asks for is {least:g} hours; with electives, hours is "
                "the least that completes the bundle"
            )
        return self

    def _fewest_hours(self, courses: int) -> float:
        return sum(sorted(c.hours for c in self.courses)[:courses])

    def complete_with(self, count: int, hours: float) -> bool:
        """Whether `count` done courses of `hours` complete the bundle."""
        if self.choose is None:
            return count == len(self.courses)
        enough_courses = self.choose.courses is None or count >= self.choose.courses
        return enough_courses and hours + 1e-6 >= self.hours


class Group(Frozen):
    """Bundles of which any `need` count, such as Kaohsiung's two English bundles."""

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    subtitle: Text | None = None
    platform_title: str | None = None
    aliases: tuple[str, ...] = ()
    bundles: tuple[str, ...] = Field(min_length=2)
    need: int = Field(default=1, ge=1)
    note: Text | None = None

    @model_validator(mode="after")
    def _need_fits(self) -> Group:
        if self.need > len(self.bundles):
            raise ValueError(f"need is {self.need} but the group has only {len(self.bundles)} bundles")
        return self


class Deadline(Frozen):
    date: date
    # "complete": courses must be finished by the date; "submit": the record must also
    # be handed to HR by then (which implies finishing before it).
    action: Literal["complete", "submit"] = "complete"


class Award(Frozen):
    requires: tuple[str, ...] = Field(min_length=1)
    hours: float | None = Field(default=None, gt=0)
    amount: Text | None = None  # as the plan says it, e.g. 補休1日（8小時）


class Reward(Frozen):
    """One reward. Its dates: `complete_by` (the courses finished), `submit_by` (the claim handed
    in), either of which may be missing; or the seeds' shorthand `deadline` (one date that is
    either). `mode`: "additive" adds up every award reached (within `cap_hours`); "highest"
    gives only the best award reached (tiers that must not be claimed twice)."""

    id: str = Field(pattern=ID_PATTERN)
    type: Literal["comp_leave", "commendation"]
    label: Text | None = None
    deadline: Deadline | None = None
    complete_by: date | None = None
    submit_by: date | None = None
    mode: Literal["additive", "highest"] = "additive"
    awards: tuple[Award, ...] = Field(min_length=1)
    cap_hours: float | None = Field(default=None, gt=0)
    cap_amount: Text | None = None  # the cap as the plan says it, e.g. 補休1日（8小時）為上限
    total_hours: float | None = Field(default=None, gt=0)
    off_duty_required: bool = False
    unpaid_leave: Literal["allowed", "excluded", "unspecified"] = "unspecified"
    excluded: tuple[str, ...] = ()  # staff categories outside this reward, e.g. 約聘僱人員
    only_for: tuple[str, ...] = ()  # when set, the reward is only for these categories (獎狀 instead of 嘉獎)
    claim: Text
    notes: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Reward:
        if self.type == "comp_leave" and any(a.hours is None for a in self.awards):
            raise ValueError("every award of a comp_leave reward needs hours")
        if self.type == "commendation" and self.label is None:
            raise ValueError("a commendation needs a label, e.g. 嘉獎1次")
        if self.deadline is not None and (self.complete_by or self.submit_by):
            raise ValueError("give either deadline or complete_by/submit_by, not both")
        if self.deadline is None and self.complete_by is None and self.submit_by is None:
            raise ValueError(
                "a reward needs a date: complete_by (courses finished), submit_by (claim handed in), or both"
            )
        if self.complete_by and self.submit_by and self.submit_by < self.complete_by:
            raise ValueError(
                f"submit_by {self.submit_by.isoformat()} is before complete_by {self.complete_by.isoformat()}"
            )
        if self.mode == "highest" and len(self.awards) < 2:
            raise ValueError('mode "highest" needs at least two awards (tiers) to choose the best from')
        return self

    @property
    def finish_by(self) -> date:
        """The last day on which finishing the courses still counts."""
        if self.complete_by is not None:
            return self.complete_by
        if self.deadline is not None:
            return self.deadline.date
        assert self.submit_by is not None
        return self.submit_by

    @property
    def hand_in_by(self) -> date | None:
        """The day the claim must be handed in by, if the plan sets one."""
        if self.submit_by is not None:
            return self.submit_by
        return self.deadline.date if self.deadline is not None and self.deadline.action == "submit" else None

    @property
    def dates(self) -> list[tuple[Literal["complete", "submit"], date]]:
        """Each date of this reward, in order: finish the courses, hand in the claim."""
        hand_in = self.hand_in_by
        if hand_in is not None and hand_in == self.finish_by:
            return [("submit", hand_in)]
        found: list[tuple[Literal["complete", "submit"], date]] = [("complete", self.finish_by)]
        return [*found, ("submit", hand_in)] if hand_in is not None else found


class Step(Frozen):
    id: str = Field(pattern=ID_PATTERN)
    title: Text
    app: Text | None = None
    pc: Text | None = None
    warnings: tuple[Text, ...] = ()

    @model_validator(mode="after")
    def _has_body(self) -> Step:
        if self.app is None and self.pc is None:
            raise ValueError("a step needs an app text, a pc text, or both")
        return self


class HelpDesk(Frozen):
    id: str = Field(pattern=ID_PATTERN)
    name: Text
    phone: str | None = None
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    hours: Text | None = None
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    faq: str | None = Field(default=None, pattern=r"^https?://\S+$")
    aliases: tuple[str, ...] = ()
    topics: Text | None = None


class LearningChannel(Frozen):
    id: str = Field(pattern=ID_PATTERN)
    name: Text
    text: Text


class Period(Frozen):
    start: date | None = None
    start_text: Text | None = None
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.start is not None and self.start > self.end:
            raise ValueError("start is after end")
        if self.start is None and self.start_text is None:
            raise ValueError("give a start date, or start_text saying when the plan starts")
        return self

    @property
    def effective_start(self) -> date:
        """Where no start date is printed, the plan is taken to run from its year's start."""
        return self.start or date(self.end.year, 1, 1)


class Audience(Frozen):
    included: Text
    excluded: Text | None = None
    excluded_staff: tuple[str, ...] = ()  # staff categories outside the whole plan, e.g. 教師


class Platform(Frozen):
    name: str
    short_name: str | None = None
    url: str = Field(pattern=r"^https?://\S+$")
    app_name: str


class PlanInfo(Frozen):
    city: Text
    roc_year: int = Field(ge=1, le=300)
    title: Text
    issued: str | None = None
    period: Period
    legal_basis: Text | None = None
    purpose: Text | None = None
    organizers: Text | None = None
    audience: Audience
    platform: Platform
    funding: Text | None = None


class TimeWindow(Frozen):
    start: time
    end: time

    @field_validator("start", "end", mode="before")
    @classmethod
    def _quoted_time(cls, value: Any) -> Any:
        # Unquoted 08:00 is read by YAML 1.1 as the number 480: refuse it with a hint.
        if isinstance(value, int):
            raise ValueError('write the time in quotes, e.g. "08:00"')
        if isinstance(value, str) and not re.fullmatch(r"\d{1,2}:\d{2}", value.strip()):
            raise ValueError('expected a time such as "08:00"')
        return value

    @model_validator(mode="after")
    def _ordered(self) -> TimeWindow:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class LocalSettings(Frozen):
    office_hours: tuple[TimeWindow, ...] = Field(min_length=1)
    reminder_days_before: tuple[int, ...] = (30, 7, 1)

    @field_validator("reminder_days_before")
    @classmethod
    def _positive(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(d < 0 or d > 366 for d in value):
            raise ValueError("days must be between 0 and 366")
        return tuple(sorted(set(value), reverse=True))


class Plan(Frozen):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,40}$")
    schema_: Literal[1] = Field(alias="schema")
    plan: PlanInfo
    bundles: tuple[Bundle, ...] = Field(min_length=1)
    groups: tuple[Group, ...] = ()
    rewards: tuple[Reward, ...] = ()
    steps: tuple[Step, ...] = Field(min_length=1)
    help_desks: tuple[HelpDesk, ...] = Field(min_length=1)
    channels: tuple[LearningChannel, ...] = ()
    local: LocalSettings

    @model_validator(mode="after")
    def _references(self) -> Plan:
        ids = [b.id for b in self.bundles] + [g.id for g in self.groups]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"bundle and group ids must be unique; repeated: {', '.join(dupes)}")
        bundle_ids = {b.id for b in self.bundles}
        for g in self.groups:
            unknown = [b for b in g.bundles if b not in bundle_ids]
            if unknown:
                raise ValueError(f"group {g.id} names unknown bundles: {', '.join(unknown)}")
        for r in self.rewards:
            for a in r.awards:
                unknown = [t for t in a.requires if t not in ids]
                if unknown:
                    raise ValueError(f"reward {r.id} requires unknown bundles or groups: {', '.join(unknown)}")
            if r.total_hours is not None:
                derived = sum(self.target_hours(t) for a in r.awards for t in a.requires)
                if abs(derived - r.total_hours) > 1e-6:
                    raise ValueError(
                        f"reward {r.id} says total_hours {r.total_hours:g} but what it requires adds up to {derived:g}"
                    )
        for name, items in (("rewards", self.rewards), ("steps", self.steps), ("help_desks", self.help_desks)):
            seen = [i.id for i in items]
            twice = sorted({i for i in seen if seen.count(i) > 1})
            if twice:
                raise ValueError(f"{name}: ids must be unique; repeated: {', '.join(twice)}")
        self._dates_fit()
        return self

    def _dates_fit(self) -> None:
        """The ROC year is the period's, and every deadline falls inside the plan's period."""
        period = self.plan.period
        years = range(period.effective_start.year, period.end.year + 1)
        if self.plan.roc_year + 1911 not in years:
            raise ValueError(
                f"plan.roc_year {self.plan.roc_year} is {self.plan.roc_year + 1911}, but plan.period runs "
                f"{period.effective_start.isoformat()} to {period.end.isoformat()} (ROC year = year - 1911)"
            )
        for i, r in enumerate(self.rewards):
            for field, day in _date_fields(r):
                if period.start is not None and day < period.start:
                    raise ValueError(
                        f"rewards[{i}] ({r.id}).{field} {day.isoformat()} is before the plan starts "
                        f"({period.start.isoformat()})"
                    )
                if field != "submit_by" and day > period.end:  # a claim may be handed in after the plan
                    raise ValueError(
                        f"rewards[{i}] ({r.id}).{field} {day.isoformat()} is after the plan ends "
                        f"({period.end.isoformat()})"
                    )

    # ---- lookups used by the domain and the dialogue ----

    @cached_property
    def bundles_by_id(self) -> dict[str, Bundle]:
        return {b.id: b for b in self.bundles}

    @cached_property
    def groups_by_id(self) -> dict[str, Group]:
        return {g.id: g for g in self.groups}

    @cached_property
    def courses_by_key(self) -> dict[str, Course]:
        return {c.key: c for b in self.bundles for c in b.courses}

    def bundles_of_course(self, key: str) -> list[Bundle]:
        return [b for b in self.bundles if any(c.key == key for c in b.courses)]

    def iter_courses(self) -> Iterator[tuple[Bundle, Course]]:
        for b in self.bundles:
            for c in b.courses:
                yield b, c

    def target_hours(self, target: str) -> float:
        """Hours a bundle or group requires; a group needs its `need` smallest bundles."""
        if target in self.bundles_by_id:
            return self.bundles_by_id[target].hours
        group = self.groups_by_id[target]
        hours = sorted(self.bundles_by_id[b].hours for b in group.bundles)
        return sum(hours[: group.need])

    def target_name(self, target: str) -> str:
        item = self.bundles_by_id.get(target) or self.groups_by_id[target]
        return item.name

    def group_of(self, bundle_id: str) -> Group | None:
        return next((g for g in self.groups if bundle_id in g.bundles), None)

    @property
    def total_hours(self) -> float:
        return sum(b.hours for b in self.bundles)

    @property
    def course_count(self) -> int:
        return len(self.courses_by_key)

    @property
    def deadlines(self) -> list[date]:
        """Every date of every reward (finishing the courses, handing in the claim): reminders
        fall before each."""
        return sorted({day for r in self.rewards for _, day in r.dates})

    @property
    def last_finish(self) -> date:
        """After this day finishing a course counts for no reward (the plan's end without rewards)."""
        return max(r.finish_by for r in self.rewards) if self.rewards else self.plan.period.end

    @property
    def staff_questions(self) -> list[str]:
        """Staff categories some reward (or the plan) leaves out: worth asking a person about."""
        found = [*self.plan.audience.excluded_staff, *(c for r in self.rewards for c in (*r.excluded, *r.only_for))]
        return list(dict.fromkeys(found))


def _date_fields(reward: Reward) -> list[tuple[str, date]]:
    """A reward's dates with the field that gives each, for messages naming the field."""
    if reward.deadline is not None:
        return [("deadline.date", reward.deadline.date)]
    found = [("complete_by", reward.complete_by), ("submit_by", reward.submit_by)]
    return [(name, day) for name, day in found if day is not None]
