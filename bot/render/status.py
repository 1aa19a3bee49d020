"""Words for an Assessment: the status a person reads in the chat and from `check`.

Shared by every channel and the command line, so the figures a person sees are always
those of the one eligibility engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.domain.eligibility import Assessment, BundleProgress, Note, RewardOutcome
from bot.domain.record import RecordRow
from bot.i18n import current_lang, t
from bot.plans.model import Plan
from bot.render.numbers import num, show_date, show_hours, show_time

BAR_WIDTH = 10


def bar(done: float, total: float) -> str:
    filled = round(BAR_WIDTH * done / total) if total else 0
    if 0 < done < total:
        filled = min(max(filled, 1), BAR_WIDTH - 1)
    return "▓" * filled + "░" * (BAR_WIDTH - filled)


def join_names(names: Iterable[str]) -> str:
    return t("list.separator").join(names)


def bundle_title(plan: Plan, bundle_id: str) -> str:
    group = plan.group_of(bundle_id)
    name = plan.bundles_by_id[bundle_id].name
    return t("bundle.in_group", name=name, group=group.name, need=group.need) if group else name


def target_label(plan: Plan, target: str) -> str:
    if target in plan.groups_by_id:
        group = plan.groups_by_id[target]
        return t("target.group_any", group=group.name, need=group.need)
    return plan.target_name(target)


def note_text(note: Note) -> str:
    p = dict(note.params)
    for key in ("day", "deadline"):
        if key in p and p[key] is not None:
            p[key] = show_date(p[key])
    if note.kind == "office_hours":
        start, end = p.pop("start"), p.pop("end")
        p.update(day=show_date(start), start=show_time(start), end=show_time(end))
    if "hours" in p:
        p["hours"] = show_hours(p["hours"])
    for key in ("record", "plan"):
        if key in p:
            p[key] = num(p[key])
    if "courses" in p:
        p["courses"] = join_names(f"「{c}」" for c in p["courses"])
    return t(f"note.{note.kind}", **p)


def bundle_line(b: BundleProgress, plan: Plan) -> str:
    head = t(
        "status.bundle_line",
        name=bundle_title(plan, b.bundle.id),
        bar=bar(b.hours_done, b.hours_required),
        done=num(b.hours_done),
        total=num(b.hours_required),
    )
    details = [note_text(r) for r in b.reasons]
    if not b.complete and not details:
        details.append(
            note_text(Note("incomplete", {"missing": len(b.missing), "hours": b.hours_required - b.hours_done}))
        )
    if 0 < len(b.missing) <= 3 and b.hours_done > 0:
        details.append(t("status.missing", courses=join_names(f"「{c.name}」" for c in b.missing)))
    if b.complete and not details:
        details.append(t("status.bundle_complete"))
    return head + "\n" + t("status.bundle_detail", details=t("list.reason_separator").join(details))


def reward_line(plan: Plan, r: RewardOutcome) -> str:
    deadline = show_date(r.reward.finish_by)
    if r.reward.type == "comp_leave":
        cap = r.reward.cap_hours
        text = t("status.comp_leave", hours=show_hours(r.hours))
        if cap is not None:
            text += t("status.comp_leave_cap", cap=show_hours(cap))
        if r.blocked_by_unpaid_leave:
            text += t("status.comp_leave_unpaid")
        elif r.excluded_as is not None:
            key = "status.comp_leave_only_for" if r.only_for_others else "status.comp_leave_excluded"
            text += t(key, category=r.excluded_as)
        elif r.days_left < 0:
            text += t("status.deadline_passed", deadline=deadline)
        elif r.potential_hours > 0:
            text += t("status.comp_leave_more", hours=show_hours(r.potential_hours), deadline=deadline)
        if r.pending_off_duty > 0:
            text += t("status.comp_leave_pending", hours=show_hours(r.pending_off_duty))
        hand_in = r.reward.hand_in_by
        if r.earned and hand_in is not None and r.submit_days_left is not None and r.submit_days_left >= 0:
            text += t("status.submit_record", deadline=show_date(hand_in))
        return text
    label = r.reward.label.get(current_lang()) if r.reward.label else ""
    if r.excluded_as is not None:
        key = "status.only_for" if r.only_for_others else "status.commendation_excluded"
        return t(key, label=label, category=r.excluded_as)
    if r.earned:
        return t("status.commendation_yes", label=label)
    missing = join_names(target_label(plan, m) for m in r.missing_targets)
    if r.days_left < 0:
        return t("status.commendation_missed", label=label, deadline=deadline)
    return t("status.commendation_no", label=label, missing=missing, deadline=deadline)


def reward_name(r: RewardOutcome) -> str:
    return r.reward.label.get(current_lang()) if r.reward.label else t("reward.comp_leave")


def deadline_lines(a: Assessment) -> list[str]:
    """Each date of the plan with the days left: finishing the courses, handing in the claim."""
    lines = []
    for day in a.plan.deadlines:
        left = (day - a.as_of).days
        names = join_names(
            reward_name(r) if kind == "complete" or r.reward.hand_in_by == r.reward.finish_by
            else t("status.submit_name", name=reward_name(r))
            for r in a.rewards
            for kind, date in r.reward.dates
            if date == day
        )  # fmt: skip
        key = "status.days_left" if left > 0 else "status.due_today" if left == 0 else "status.days_past"
        lines.append(t(key, names=names, deadline=show_date(day), days=abs(left)))
    return lines


def render_summary(a: Assessment) -> str:
    """Bundles, rewards and deadlines: where the person stands."""
    plan = a.plan
    parts = [t("status.title", title=plan.plan.title.get(current_lang()), date=show_date(a.as_of))]
    parts.extend(bundle_line(b, plan) for b in a.bundles)
    parts.append("")
    parts.extend(reward_line(plan, r) for r in a.rewards)
    parts.extend(deadline_lines(a))
    if a.on_unpaid_leave:
        parts.append(t("status.unpaid_leave_assumed"))
    return "\n".join(parts)


def render_notes(a: Assessment, unmatched: Sequence[RecordRow] = (), extra_notes: Sequence[Note] = ()) -> str:
    """Why something does not count (office hours, late, not passed, not in the plan); "" if nothing."""
    notes = [note_text(n) for n in (*extra_notes, *a.notes)]
    notes.extend(t("note.unmatched", course=row.label) for row in unmatched)
    if not notes:
        return ""
    return "\n".join([t("status.notes_header"), *(f"・{n}" for n in dict.fromkeys(notes))])


def render_assessment(
    a: Assessment,
    unmatched: Sequence[RecordRow] = (),
    extra_notes: Sequence[Note] = (),
) -> str:
    notes = render_notes(a, unmatched, extra_notes)
    return render_summary(a) + ("\n\n" + notes if notes else "")
