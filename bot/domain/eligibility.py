"""Where a person stands under a plan: progress per bundle and the rewards earned.

Pure domain logic, no I/O: given a plan, the courses a person completed and a date, it
decides hours done per bundle, complete bundles, comp-leave hours (with per-bundle
reasons), the commendation, what is missing and the days left. Every condition comes
from the plan's rules file, so plans differ exactly where their documents differ
(Kaohsiung's comp leave needs off-duty time and excludes unpaid leave; Hsinchu's has
neither condition).

Reasons are returned as `Note(kind, params)` so that the chat and the command line can
word them in the person's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal

from bot.domain.calendar import TAIPEI, Overlap, WorkCalendar, taipei
from bot.plans.model import Award, Bundle, Course, Plan, Reward


@dataclass(frozen=True)
class Completion:
    """One course a person finished.

    From the platform's record it carries the study period; from a self-report it may
    carry only the day and the person's word on whether it was off-duty time.
    """

    course_key: str
    end: datetime | None = None
    start: datetime | None = None
    off_duty_claim: bool | None = None
    source: Literal["record", "self"] = "self"
    label: str | None = None

    @property
    def finished_on(self) -> date | None:
        return taipei(self.end).date() if self.end else None


@dataclass(frozen=True)
class Note:
    kind: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CourseStatus:
    course: Course
    done: bool
    off_duty: bool | None  # None: unknown (self-reported without saying)
    finished_on: date | None
    overlap: Overlap | None = None


@dataclass(frozen=True)
class BundleProgress:
    bundle: Bundle
    courses: tuple[CourseStatus, ...]
    hours_done: float
    complete: bool
    finished_on: date | None
    comp_leave_hours: float
    reasons: tuple[Note, ...]

    @property
    def hours_required(self) -> float:
        return self.bundle.hours

    @property
    def missing(self) -> list[Course]:
        return [c.course for c in self.courses if not c.done]

    @property
    def off_duty_ok(self) -> bool | None:
        flags = [c.off_duty for c in self.courses if c.done]
        if any(f is False for f in flags):
            return False
        return None if any(f is None for f in flags) else True


@dataclass(frozen=True)
class RewardOutcome:
    reward: Reward
    earned: bool  # comp leave: any hours earned; commendation: granted
    hours: float  # comp leave hours earned, capped (0 for a commendation)
    potential_hours: float  # comp leave still within reach before the deadline
    pending_off_duty: float  # hours that need the person to confirm off-duty time
    days_left: int
    blocked_by_unpaid_leave: bool
    missing_targets: tuple[str, ...]  # bundle/group ids still needed for the full reward
    excluded_as: str | None = None  # the staff category (the person's answer) this reward leaves out
    only_for_others: bool = False  # excluded_as is the category the reward is only for, which the person is not
    ask_staff: tuple[str, ...] = ()  # categories it leaves out that the person has not answered about
    submit_days_left: int | None = None  # days to hand the claim in, when the plan sets that date
    claim_closed: bool = False  # the day to hand the claim in has passed: nothing can be claimed now

    @property
    def blocked(self) -> bool:
        return self.blocked_by_unpaid_leave or self.excluded_as is not None


@dataclass(frozen=True)
class Assessment:
    plan: Plan
    as_of: date
    bundles: tuple[BundleProgress, ...]
    rewards: tuple[RewardOutcome, ...]
    notes: tuple[Note, ...]
    on_unpaid_leave: bool

    @property
    def comp_leave_hours(self) -> float:
        return sum(r.hours for r in self.rewards if r.reward.type == "comp_leave")

    @property
    def commendation(self) -> bool | None:
        found = [r.earned for r in self.rewards if r.reward.type == "commendation"]
        return any(found) if found else None

    def bundle(self, bundle_id: str) -> BundleProgress:
        return next(b for b in self.bundles if b.bundle.id == bundle_id)


def calendar_for(plan: Plan) -> WorkCalendar:
    return WorkCalendar([(w.start, w.end) for w in plan.local.office_hours])


def _deadline_end(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), TAIPEI)


def _counts_by(plan: Plan) -> date:
    """Completions after the last day that counts for a reward (or the plan's end) do not count."""
    return plan.last_finish


class Assessor:
    """Applies one plan's rules; build once per plan and reuse."""

    def __init__(self, plan: Plan, calendar: WorkCalendar | None = None) -> None:
        self.plan = plan
        self.calendar = calendar or calendar_for(plan)

    def off_duty(self, c: Completion) -> tuple[bool | None, Overlap | None]:
        if c.start is not None and c.end is not None:
            overlap = self.calendar.office_overlap(c.start, c.end)
            return overlap is None, overlap
        return c.off_duty_claim, None

    def _best(self, completions: Sequence[Completion], notes: list[Note]) -> dict[str, Completion]:
        """Per course, the completion that helps most: in time, off-duty, earliest. One finished
        after the last day that counts still completes its bundle (the person sees it done), but
        earns nothing: each reward checks when its bundle was finished."""
        cutoff = _deadline_end(_counts_by(self.plan))
        best: dict[str, Completion] = {}
        for c in completions:
            if c.course_key not in self.plan.courses_by_key:
                continue
            if c.end is not None and taipei(c.end) > cutoff:
                notes.append(
                    Note("after_deadline", {"course": self._name(c), "day": c.finished_on, "deadline": cutoff.date()})
                )
            current = best.get(c.course_key)
            if current is None or self._rank(c, cutoff) < self._rank(current, cutoff):
                best[c.course_key] = c
        return best

    def _rank(self, c: Completion, cutoff: datetime) -> tuple[bool, int, datetime]:
        off, _ = self.off_duty(c)
        order = {True: 0, None: 1, False: 2}[off]
        end = taipei(c.end) if c.end else datetime.max.replace(tzinfo=TAIPEI)
        return end > cutoff, order, end

    def _name(self, c: Completion) -> str:
        course = self.plan.courses_by_key.get(c.course_key)
        return course.name if course else (c.label or c.course_key)

    def assess(
        self,
        completions: Iterable[Completion],
        as_of: date,
        on_unpaid_leave: bool = False,
        staff: Mapping[str, bool] | None = None,
    ) -> Assessment:
        """Where a person stands on `as_of`. `staff`: their answers to "are you …?" for the
        categories a reward leaves out (e.g. {"約聘僱人員": False}); unanswered ones are asked."""
        notes: list[Note] = []
        best = self._best(list(completions), notes)
        comp = next((r for r in self.plan.rewards if r.type == "comp_leave"), None)
        needs_off_duty = bool(comp and comp.off_duty_required)

        progress: dict[str, BundleProgress] = {}
        for bundle in self.plan.bundles:
            statuses = []
            for course in bundle.courses:
                done = best.get(course.key)
                off, overlap = self.off_duty(done) if done else (None, None)
                statuses.append(
                    CourseStatus(course, done is not None, off, done.finished_on if done else None, overlap)
                )
                if done and needs_off_duty and off is False and overlap is not None:
                    notes.append(
                        Note("office_hours", {"course": course.name, "start": overlap.start, "end": overlap.end})
                    )
            hours = sum(s.course.hours for s in statuses if s.done)
            complete = bundle.complete_with(sum(1 for s in statuses if s.done), hours)
            days = [s.finished_on for s in statuses if s.finished_on]
            finished_on = max(days) if complete and days else None
            progress[bundle.id] = BundleProgress(bundle, tuple(statuses), hours, complete, finished_on, 0.0, ())

        outcomes = [self._reward(r, progress, as_of, on_unpaid_leave, staff or {}) for r in self.plan.rewards]
        bundles = tuple(self._with_reasons(progress[b.id], outcomes, on_unpaid_leave) for b in self.plan.bundles)
        return Assessment(self.plan, as_of, bundles, tuple(o for o, _ in outcomes), tuple(notes), on_unpaid_leave)

    # ---- rewards ----

    def _qualifies(self, p: BundleProgress, reward: Reward) -> bool | None:
        """True/False, or None when it hinges on off-duty time the person has not stated."""
        if not p.complete:
            return False
        if p.finished_on is not None and p.finished_on > reward.finish_by:
            return False
        if reward.off_duty_required:
            return p.off_duty_ok
        return True

    def _target(
        self, target: str, reward: Reward, progress: dict[str, BundleProgress]
    ) -> tuple[bool | None, str | None]:
        """Whether a bundle or group is satisfied, and by which bundle."""
        if target in progress:
            return self._qualifies(progress[target], reward), target
        group = self.plan.groups_by_id[target]
        results = [(self._qualifies(progress[b], reward), b) for b in group.bundles]
        yes = [b for ok, b in results if ok]
        if len(yes) >= group.need:
            return True, yes[0]
        maybe = [b for ok, b in results if ok is None]
        if len(yes) + len(maybe) >= group.need:
            return None, (maybe or yes)[0]
        return False, None

    def _reward(
        self, reward: Reward, progress: dict[str, BundleProgress], as_of: date, unpaid: bool,
        staff: Mapping[str, bool],
    ) -> tuple[RewardOutcome, dict[str, float]]:  # fmt: skip
        outside = [*self.plan.plan.audience.excluded_staff, *reward.excluded]
        excluded_as = next((c for c in outside if staff.get(c)), None)
        only_for_others = bool(reward.only_for) and all(staff.get(c) is False for c in reward.only_for)
        if excluded_as is None and only_for_others:
            excluded_as = reward.only_for[0]  # the reward is only for these, and the person is not one
        blocked = (unpaid and reward.unpaid_leave == "excluded") or excluded_as is not None
        reached: list[tuple[Award, list[tuple[bool | None, str | None]]]] = []
        pending_awards: list[Award] = []
        open_awards: list[Award] = []
        missing: list[str] = []
        for award in reward.awards:
            states = [self._target(t, reward, progress) for t in award.requires]
            if all(ok for ok, _ in states) and not blocked:
                reached.append((award, states))
                continue
            missing.extend(t for t, (ok, _) in zip(award.requires, states, strict=True) if not ok)
            if not blocked and all(ok is not False for ok, _ in states):
                pending_awards.append(award)
            else:
                open_awards.append(award)
        if reward.mode == "highest":  # tiers: only the best one reached counts, alone
            reached = sorted(reached, key=lambda r: r[0].hours or 0.0)[-1:]
            missing = [] if reached and reached[0][0] is _top(reward) else missing
        credited: dict[str, float] = {}
        for award, states in reached:
            for _, by in states[:1]:
                if by:
                    credited[by] = credited.get(by, 0.0) + (award.hours or 0.0)
        hand_in = reward.hand_in_by
        claim_closed = hand_in is not None and as_of > hand_in  # too late to hand the claim in
        if claim_closed:
            reached, credited = [], {}
        earned_hours = sum(a.hours or 0.0 for a, _ in reached)
        cap = reward.cap_hours
        capped = min(earned_hours, cap) if cap is not None else earned_hours
        days_left = (reward.finish_by - as_of).days
        room = (cap - capped) if cap is not None else float("inf")
        if reward.mode == "highest":
            best_open = max((a.hours or 0.0 for a in (*pending_awards, *open_awards)), default=0.0)
            pending = max(0.0, max((a.hours or 0.0 for a in pending_awards), default=0.0) - capped)
            remaining = max(0.0, best_open - capped)
        else:
            pending = sum(a.hours or 0.0 for a in pending_awards)
            remaining = pending + sum(a.hours or 0.0 for a in open_awards)
        potential = 0.0 if blocked or claim_closed or days_left < 0 else min(remaining, room)
        all_met = not missing and not pending_awards and (reward.mode == "highest" or not open_awards)
        earned = capped > 0 if reward.type == "comp_leave" else (bool(reached) and all_met and not blocked)
        outcome = RewardOutcome(
            reward=reward,
            earned=earned,
            hours=capped if reward.type == "comp_leave" else 0.0,
            potential_hours=potential if reward.type == "comp_leave" else 0.0,
            pending_off_duty=min(pending, room) if reward.type == "comp_leave" else 0.0,
            days_left=days_left,
            blocked_by_unpaid_leave=unpaid and reward.unpaid_leave == "excluded",
            missing_targets=tuple(dict.fromkeys(missing)),
            excluded_as=excluded_as,
            only_for_others=only_for_others,
            ask_staff=tuple(c for c in (*reward.excluded, *reward.only_for) if c not in staff) if not blocked else (),
            submit_days_left=(hand_in - as_of).days if hand_in is not None else None,
            claim_closed=claim_closed,
        )
        return outcome, credited

    def _with_reasons(
        self,
        p: BundleProgress,
        outcomes: list[tuple[RewardOutcome, dict[str, float]]],
        unpaid: bool,
    ) -> BundleProgress:
        reasons: list[Note] = []
        hours = 0.0
        bundle = p.bundle
        for outcome, credited in outcomes:
            reward = outcome.reward
            if reward.type != "comp_leave" or not any(
                bundle.id in a.requires or self._in_group(bundle.id, a.requires) for a in reward.awards
            ):
                continue
            got = credited.get(bundle.id, 0.0)
            hours += got
            if got:
                reasons.append(Note("earned", {"hours": got}))
            elif not p.complete:
                reasons.append(Note("incomplete", {"missing": len(p.missing), "hours": bundle.hours - p.hours_done}))
            elif p.finished_on and p.finished_on > reward.finish_by:
                reasons.append(Note("late", {"day": p.finished_on, "deadline": reward.finish_by}))
            elif outcome.blocked_by_unpaid_leave:
                reasons.append(Note("unpaid_leave", {}))
            elif outcome.excluded_as is not None:
                reasons.append(Note("excluded_staff", {"category": outcome.excluded_as}))
            elif reward.off_duty_required and p.off_duty_ok is False:
                bad = [s.course.name for s in p.courses if s.off_duty is False]
                reasons.append(Note("not_off_duty", {"courses": bad}))
            elif reward.off_duty_required and p.off_duty_ok is None:
                unknown = [s.course.name for s in p.courses if s.done and s.off_duty is None]
                reasons.append(Note("off_duty_unknown", {"courses": unknown}))
            elif (group := self.plan.group_of(bundle.id)) is not None:
                reasons.append(Note("group_counted", {"group": group.name}))
        return BundleProgress(p.bundle, p.courses, p.hours_done, p.complete, p.finished_on, hours, tuple(reasons))

    def _in_group(self, bundle_id: str, targets: Sequence[str]) -> bool:
        group = self.plan.group_of(bundle_id)
        return group is not None and group.id in targets


def _top(reward: Reward) -> Award:
    """The best tier of a reward in "highest" mode: reaching it leaves nothing missing."""
    return max(reward.awards, key=lambda a: a.hours or 0.0)
