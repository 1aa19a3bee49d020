"""Short, correct answers drawn from the plan's rules file, one builder per topic.

The figures (hours, dates, phone numbers) always come from the plan; the wording comes
from locales/. Each answer ends with buttons that lead on, so nobody has to guess the
next question.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.core.messages import Button, Reply
from bot.i18n import current_lang, t, tn
from bot.plans.model import Bundle, Course, Group, Plan, Reward, Step, Text
from bot.qa.entities import Entities
from bot.qa.outcome import DECLINED
from bot.render.numbers import show_date, show_hours
from bot.render.status import join_names


@dataclass(frozen=True)
class Context:
    plan: Plan
    today: date
    entities: Entities
    concepts: frozenset[str] = frozenset()  # what the question spoke of (app, browser…): the part to show

    def tr(self, text: Text | None) -> str:
        return text.get(current_lang()) if text else ""


ENGLISH = "english"  # the vocabulary's concept of English courses
# Topics whose silence in the plan leaves the question open, whatever is answered beside it: the
# asker's unpaid leave (Hsinchu), the day to hand a claim in (Kaohsiung sets only a day to finish by).
OPEN_WHEN_SILENT = frozenset({"unpaid_leave", "claim"})
HAND_IN = "hand_in"  # the vocabulary's pattern for a day to hand a claim in
ASKS_ISSUED = frozenset({"deadline", "maximum"})  # of the plan's letter: its date, its number


def _b(key: str, payload: str) -> Button:
    return Button(t(key), payload)


MENU = ("button.menu", "menu")
STATUS = ("button.status", "st")


def _reply(text: str, *buttons: tuple[str, str], kind: str = "answer") -> Reply:
    return Reply(text, tuple(_b(k, p) for k, p in (*buttons, MENU)), kind=kind)


def _step(plan: Plan, step_id: str) -> tuple[int, Step] | None:
    return next(((i, s) for i, s in enumerate(plan.steps) if s.id == step_id), None)


def _days(ctx: Context, day: date) -> str:
    left = (day - ctx.today).days
    if left > 0:
        return t("qa.days_left", days=left)
    return t("qa.today") if left == 0 else t("qa.passed")


def _reward_name(r: Reward) -> str:
    return r.label.get(current_lang()) if r.label else t("reward.comp_leave")


def _options(plan: Plan, g: Group) -> str:
    """「英語大聲公或機智英檢生活」: the bundles a group lets one choose from."""
    return t("list.or").join(plan.bundles_by_id[b].name for b in g.bundles)


def _group_hours(plan: Plan, g: Group) -> str:
    return show_hours(sum(plan.bundles_by_id[b].hours for b in g.bundles))


def _targets(plan: Plan, targets: tuple[str, ...], hours: bool = False) -> str:
    """The bundles and groups an award asks for; with `hours`, each bundle's hours beside it
    (「新竹市政府109年度數位學習組裝課程（30 小時）」: what finishing it takes)."""
    names = []
    for target in targets:
        if target in plan.groups_by_id:
            g = plan.groups_by_id[target]
            names.append(t("qa.group_choice", group=g.name, need=g.need, options=_options(plan, g)))
        elif hours:
            b = plan.bundles_by_id[target]
            names.append(t("qa.bundle_hours", name=b.name, hours=show_hours(b.hours)))
        else:
            names.append(plan.bundles_by_id[target].name)
    return join_names(names)


def deadline(ctx: Context) -> Reply:
    plan = ctx.plan
    lines = [t("qa.deadline.head")]
    for r in plan.rewards:
        for kind, day in r.dates:  # finish the courses by…, hand the claim in by…
            key = "qa.deadline.submit" if kind == "submit" else "qa.deadline.complete"
            lines.append(t(key, reward=_reward_name(r), date=show_date(day), left=_days(ctx, day)))
    lines.append(t("qa.deadline.period", end=show_date(plan.plan.period.end)))
    return _reply("\n".join(lines), STATUS, ("button.remind", "rem"))


def _comp_rewards(plan: Plan) -> list[Reward]:
    return [r for r in plan.rewards if r.type == "comp_leave"]


def _date_terms(r: Reward) -> str:
    """「109年9月30日前檢附學習紀錄」 is the day to hand the record in, not only to finish by."""
    key = {"complete": "qa.comp.by", "submit": "qa.comp.submit_by"}
    if len(r.dates) == 1:
        key["submit"] = "qa.comp.finish_and_submit"
    return t("list.reason_separator").join(t(key[kind], date=show_date(day)) for kind, day in r.dates)


def comp_leave(ctx: Context) -> Reply:
    plan = ctx.plan
    rewards = _comp_rewards(plan)
    if not rewards:
        return _reply(t("qa.comp.none"))
    lines = []
    for r in rewards:
        if r.mode == "highest":
            lines.append(t("qa.comp.head_highest"))
        else:
            lines.append(t("qa.comp.head", cap=show_hours(r.cap_hours)) if r.cap_hours else t("qa.comp.head_nocap"))
            each = per_bundle(r)
            if each:
                lines.append(each)
        lines += _award_lines(ctx, r)
        cond = [_date_terms(r)]
        if r.off_duty_required:
            cond.append(t("qa.comp.off_duty"))
        if r.unpaid_leave == "excluded":
            cond.append(t("qa.comp.unpaid_excluded"))
        outside = [*plan.plan.audience.excluded_staff, *r.excluded]
        if outside:
            cond.append(t("qa.comp.excluded", categories=join_names(outside)))
        lines.append(t("qa.conditions", text=t("list.reason_separator").join(cond)))
        lines.append(t("qa.how_to_claim", text=ctx.tr(r.claim)))
    return _reply("\n".join(lines), STATUS, ("button.topic_off_duty", "topic:off_duty"))


def per_bundle(r: Reward) -> str | None:
    """「每完成 1 套組裝課程，補休 4 小時」 when every award is one bundle's, all alike (Kaohsiung)."""
    single = [a for a in r.awards if a.amount is None and len(a.requires) == 1]
    each = {a.hours for a in single}
    if len(each) == 1 and len(single) == len(r.awards) > 1:
        return t("qa.comp.each", hours=show_hours(each.pop() or 0))
    return None


def _award_lines(ctx: Context, r: Reward) -> list[str]:
    """・完成e馬當先育職能：補休 4 小時 — what each award of a reward asks and gives."""
    lines = []
    for a in r.awards:
        if a.amount is not None:
            lines.append(t("qa.comp.award_amount", targets=_targets(ctx.plan, a.requires), amount=ctx.tr(a.amount)))
        else:
            targets = _targets(ctx.plan, a.requires, hours=True)
            lines.append(t("qa.comp.award", targets=targets, hours=show_hours(a.hours or 0)))
    return lines


def off_duty(ctx: Context) -> Reply:
    plan = ctx.plan
    needing = [r for r in plan.rewards if r.off_duty_required]
    hours = join_names(f"{w.start:%H:%M}–{w.end:%H:%M}" for w in plan.local.office_hours)
    if not needing:  # what the plan does ask by a date (Hsinchu: the record handed in by 9/30)
        lines = [t("qa.off_duty.not_required", rewards=join_names(_reward_name(r) for r in plan.rewards))]
        lines += [t("qa.off_duty.dates", reward=_reward_name(r), text=_date_terms(r)) for r in plan.rewards]
        return _reply("\n".join(lines))
    text = t("qa.off_duty.rule", rewards=join_names(_reward_name(r) for r in needing), office=hours)
    others = [r for r in plan.rewards if not r.off_duty_required]
    if others:
        text += "\n" + t("qa.off_duty.others", rewards=join_names(_reward_name(r) for r in others))
    return _reply(text, ("button.topic_comp_leave", "topic:comp_leave"))


def unpaid_leave(ctx: Context) -> Reply:
    """What each reward says of unpaid leave; where the plan says nothing of it for any reward
    (Hsinchu), that is no answer to stand behind: declined, with who to ask."""
    lines, silent = [], True
    for r in ctx.plan.rewards:
        key = {"excluded": "qa.unpaid.excluded", "allowed": "qa.unpaid.allowed"}.get(r.unpaid_leave, "qa.unpaid.silent")
        silent = silent and key == "qa.unpaid.silent"
        lines.append(t(key, reward=_reward_name(r)))
    text = "\n".join(lines) or t("qa.unpaid.silent", reward=t("reward.comp_leave"))
    return _reply(text, kind=DECLINED) if silent else _reply(text)


def claim(ctx: Context) -> Reply:
    """How each reward is claimed; asked by when to hand the claim in where the plan sets only a
    day to finish by (Kaohsiung), that day is said, and that no later date is: no answer to stand by."""
    lines = [t("qa.claim.line", reward=_reward_name(r), text=ctx.tr(r.claim)) for r in ctx.plan.rewards]
    comp = _comp_rewards(ctx.plan)
    undated = [r for r in comp if r.hand_in_by is None]
    if HAND_IN in ctx.concepts and undated and len(undated) == len(comp):
        told = t("qa.claim.no_date", reward=_reward_name(undated[0]), date=show_date(undated[0].finish_by))
        text = "\n".join([told, *lines, desk_short(ctx)])
        return _reply(text, ("button.topic_print_record", "topic:print_record"), kind=DECLINED)
    return _reply("\n".join(lines), ("button.topic_print_record", "topic:print_record"))


def commendation(ctx: Context) -> Reply:
    plan = ctx.plan
    found = [r for r in plan.rewards if r.type == "commendation"]
    if not found:
        lines = [t("qa.commend.none", rewards=join_names(_reward_name(r) for r in plan.rewards))]
        lines += [line for r in _comp_rewards(plan) for line in _award_lines(ctx, r)]  # what it does give
        return _reply("\n".join(lines), ("button.topic_comp_leave", "topic:comp_leave"))
    lines = []
    for r in found:
        targets = _targets(plan, r.awards[0].requires)
        total = t("qa.commend.total", hours=show_hours(r.total_hours)) if r.total_hours else ""
        lines.append(
            t("qa.commend.rule", label=_reward_name(r), date=show_date(r.finish_by), targets=targets, total=total)
        )
        if r.unpaid_leave == "allowed":
            lines.append(t("qa.unpaid.allowed", reward=_reward_name(r)))
        if not r.off_duty_required:
            lines.append(t("qa.commend.any_time"))
        lines.append(t("qa.how_to_claim", text=ctx.tr(r.claim)))
    return _reply("\n".join(lines), STATUS)


def bundle_summary(plan: Plan, b: Bundle) -> str:
    return t("qa.bundles.line", name=b.name, subtitle=_subtitle(b), hours=show_hours(b.hours), courses=len(b.courses))


def bundles(ctx: Context) -> Reply:
    plan = ctx.plan
    if ENGLISH in ctx.concepts and not plan.groups:  # 「有英文的組裝課程嗎」: none in this plan
        return english(ctx)
    if len(plan.bundles) == 1:  # one bundle: show what is in it
        b = plan.bundles[0]
        return Reply(bundle_text(plan, b), (_b("button.mark_done", f"rep:{b.id}"), _b(*MENU)), kind="bundle")
    parts = len(plan.groups) + sum(1 for b in plan.bundles if plan.group_of(b.id) is None)
    head = "qa.bundles.head_parts" if plan.groups else "qa.bundles.head"  # 「分為…4部分」: a group is one part
    lines = [t(head, count=len(plan.bundles), platform=plan.plan.platform.name, parts=parts)]
    for b in plan.bundles:
        lines.append(bundle_summary(plan, b))
    lines.extend(group_line(plan, g.id) for g in plan.groups)
    buttons = tuple(Button(b.name, f"bun:{b.id}") for b in plan.bundles)
    return Reply("\n".join(lines), (*buttons, _b(*MENU)), kind="answer")


def compare(ctx: Context) -> Reply:
    """「英語大聲公跟機智英檢生活差在哪」: each bundle compared, side by side: what it is for (its
    subtitle), its courses and hours, and whether one of them is enough."""
    plan = ctx.plan
    named = list(ctx.entities.bundles)
    for gid in ctx.entities.groups:
        named += plan.groups_by_id[gid].bundles
    groups = {g.id: g for b in named if (g := plan.group_of(b))}
    if len(set(named)) < 2 and len(groups) == 1:  # 「大聲公跟另一套差在哪」: the others of its group
        named += next(iter(groups.values())).bundles
    if len(set(named)) < 2 and not groups and "english" in ctx.concepts and plan.groups:
        named += plan.groups[0].bundles  # 「兩套英文課差在哪」
    ids = [b.id for b in plan.bundles if b.id in named]
    if len(ids) < 2:
        return bundle_courses(ctx) if ids else bundles(ctx)
    compared = [plan.bundles_by_id[b] for b in ids]
    lines = [t("qa.compare.head", names=join_names(b.name for b in compared))]
    lines.extend(bundle_summary(plan, b) for b in compared)
    shared = {plan.group_of(b.id) for b in compared}
    if len(shared) == 1 and (g := shared.pop()) is not None:
        lines.append(t("qa.bundle.in_group", group=g.name, need=g.need))
        if g.note:
            lines.append(ctx.tr(g.note))
    buttons = tuple(Button(b.name, f"bun:{b.id}") for b in compared)
    return Reply("\n".join(lines), (*buttons, _b(*MENU)), kind="answer")


def group_line(plan: Plan, group_id: str) -> str:
    g = plan.groups_by_id[group_id]
    return t(
        "qa.bundles.group",
        group=g.name,
        subtitle=_subtitle(g),
        options=_options(plan, g),
        need=g.need,
        total=_group_hours(plan, g),
    )


def _subtitle(b: Bundle | Group) -> str:
    """The bundle's or group's subtitle (「e猶未盡上課趣（英語能力訓練）」); in English with the
    plan's own words too (市政專業知能訓練), as HR and the plan document name it."""
    if not b.subtitle:
        return ""
    zh, en = b.subtitle.zh_TW, b.subtitle.get("en")
    if current_lang() == "zh-TW":
        return f"（{zh}）"
    return f" ({zh}, {en})" if en and en != zh else f" ({zh})"


def bundle_text(plan: Plan, b: Bundle) -> str:
    lines = [t("qa.bundle.head", name=b.name, subtitle=_subtitle(b), hours=show_hours(b.hours))]
    if b.summary:
        lines.append(b.summary.get(current_lang()))
    for c in b.courses:
        cat = f"｜{c.category}" if c.category else ""
        cat += f"（{c.section}）" if c.section and c.category else ""
        lines.append(t("qa.bundle.course", name=c.name, hours=show_hours(c.hours), category=cat))
    group = plan.group_of(b.id)
    if group:
        lines.append(t("qa.bundle.in_group", group=group.name, need=group.need))
    lines.append(t("qa.bundle.where", title=b.platform_title))
    return "\n".join(lines)


def bundle_courses(ctx: Context) -> Reply:
    plan = ctx.plan
    if ENGLISH in ctx.concepts and not plan.groups:  # 「新竹英文組裝專區有哪些課」: the plan has none
        return english(ctx)
    if ctx.entities.bundles:
        b = plan.bundles_by_id[ctx.entities.bundles[0]]
        return Reply(
            bundle_text(plan, b),
            (_b("button.mark_done", f"rep:{b.id}"), _b("button.bundles", "bun"), _b(*MENU)),
            kind="bundle",
        )
    return english(ctx)


def course_info(ctx: Context) -> Reply:
    plan = ctx.plan
    key = ctx.entities.course
    course = plan.courses_by_key[key] if key else None
    if course is None and ctx.entities.courses:
        return _courses_named(ctx)
    if course is None:
        return bundles(ctx)
    owners = join_names(b.name for b in plan.bundles_of_course(course.key))
    extra = "".join(f"｜{x}" for x in (course.section, course.category) if x)
    note = f"（{course.note}）" if course.note else ""
    text = t(
        "qa.course.info", name=course.name, note=note, hours=show_hours(course.hours), bundles=owners, category=extra
    )
    first = plan.bundles_of_course(course.key)[0]
    return _reply(text, ("button.bundle_courses", f"bun:{first.id}"))


def lecturer(ctx: Context) -> Reply:
    """「CEDAW那堂誰教的」: the lecturer where the plan names one (a course's note), else an
    honest "the plan does not say" with where to look (the platform's course page) and who to ask."""
    plan = ctx.plan
    keys = [ctx.entities.course] if ctx.entities.course else list(ctx.entities.courses)
    courses = [plan.courses_by_key[k] for k in keys if k in plan.courses_by_key]
    taught = [c for c in courses if c.note]

    def named(found: list[Course]) -> list[str]:
        return [t("qa.lecturer.line", name=c.name, note=c.note, hours=show_hours(c.hours)) for c in found]

    if taught:
        lines = named(taught)
        unknown = [c.name for c in courses if not c.note]
        if unknown:
            lines.append(t("qa.lecturer.none", courses=join_names(f"「{n}」" for n in unknown)))
        return _reply("\n".join(lines))
    if courses:
        lines = [t("qa.lecturer.none", courses=join_names(f"「{c.name}」" for c in courses))]
    else:  # no course of the plan named: which one is meant is not known, so nothing is asserted
        listed = [c for _, c in plan.iter_courses() if c.note]
        lines = [t("qa.lecturer.only" if listed else "qa.lecturer.none_at_all"), *named(listed)]
    return _reply("\n".join([*lines, t("qa.lecturer.where"), desk_short(ctx)]), kind=DECLINED)


def _courses_named(ctx: Context) -> Reply:
    """「有資安的課嗎」: every course whose name has the word, with its hours and bundle."""
    plan = ctx.plan
    found = [plan.courses_by_key[k] for k in ctx.entities.courses]
    head = "qa.courses.about" if ctx.entities.related else "qa.courses.head"
    lines = [t(head, word=ctx.entities.word, count=len(found))]
    for c in found:
        owner = plan.bundles_of_course(c.key)[0]
        lines.append(t("qa.category.course", name=c.name, hours=show_hours(c.hours), bundle=owner.name))
    return _reply("\n".join(lines))


def category(ctx: Context) -> Reply:
    plan = ctx.plan
    if not ctx.entities.categories:  # the 「課程類別」 button or label: every category, with its hours
        names = dict.fromkeys(x for _, c in plan.iter_courses() for x in (c.section, c.category) if x)
        heads = []
        for cat in names:
            found = [c for _, c in plan.iter_courses() if cat in (c.category, c.section)]
            hours = show_hours(sum(c.hours for c in found))
            heads.append(tn("qa.category.count", len(found), category=cat, hours=hours).rstrip("：:"))
        return _reply("\n".join(heads) or bundles(ctx).text)
    lines = []
    for cat in ctx.entities.categories[:2]:
        courses = [(b, c) for b, c in plan.iter_courses() if cat in (c.category, c.section)]
        total = sum(c.hours for _, c in courses)
        sections = {c.section for _, c in courses if c.section and c.section != cat}
        named = f"{cat}（{sections.pop()}）" if len(sections) == 1 else cat  # 性別主流化（民主治理價值課程）
        lines.append(tn("qa.category.count", len(courses), category=named, hours=show_hours(total)))
        lines.extend(
            t(
                "qa.category.course",
                name=c.name,
                hours=show_hours(c.hours),
                bundle=c.category if cat == c.section and c.category else b.name,
            )
            for b, c in courses
        )
    if "total" in ctx.concepts:  # 「必修幾小時，總共幾小時」: the plan's total as well
        lines.append(t("qa.total.all", hours=show_hours(plan.total_hours)))
    return _reply("\n".join(lines))


def total_hours(ctx: Context) -> Reply:
    plan = ctx.plan
    lines = []
    for b in plan.bundles:
        lines.append(bundle_summary(plan, b))
        sections = dict.fromkeys(c.section for c in b.courses if c.section)
        for section in sections:
            hours = sum(c.hours for c in b.courses if c.section == section)
            lines.append(t("qa.total.section", section=section, hours=show_hours(hours)))
    lines.append(t("qa.total.all", hours=show_hours(plan.total_hours)))
    lines.extend(group_line(plan, g.id) for g in plan.groups)
    for r in plan.rewards:
        if r.total_hours:
            lines.append(t("qa.total.reward", reward=_reward_name(r), hours=show_hours(r.total_hours)))
    return _reply("\n".join(lines))


def english(ctx: Context) -> Reply:
    plan = ctx.plan
    if not plan.groups:  # the plan has no English bundles: say so, not list the others as if they were
        lines = [t("qa.english.none"), *(bundle_summary(plan, b) for b in plan.bundles)]
        lines += [t("qa.english.ask"), desk_short(ctx)]
        return _reply("\n".join(lines), kind=DECLINED)
    lines = []
    for g in plan.groups:
        sub = f"（{ctx.tr(g.subtitle)}）" if g.subtitle else ""
        lines.append(
            t(
                "qa.group.head",
                group=g.name,
                subtitle=sub,
                options=_options(plan, g),
                need=g.need,
                total=_group_hours(plan, g),
            )
        )
        for x in g.bundles:
            lines.append(bundle_summary(plan, plan.bundles_by_id[x]))
        if g.note:
            lines.append(ctx.tr(g.note))
        for r in plan.rewards:
            for a in r.awards:
                if g.id in a.requires and r.type == "comp_leave":
                    lines.append(t("qa.group.comp", group=g.name, need=g.need, hours=show_hours(a.hours or 0)))
    buttons = tuple(Button(plan.bundles_by_id[x].name, f"bun:{x}") for g in plan.groups for x in g.bundles)
    return Reply("\n".join(lines), (*buttons, _b(*MENU)), kind="answer")


def step_text(ctx: Context, step: Step, part: str = "both") -> str:
    lines = [t("qa.step.head", title=ctx.tr(step.title))]
    if step.app and part in ("both", "app"):
        lines.append(t("qa.step.app", text=ctx.tr(step.app)))
    if step.pc and part in ("both", "pc"):
        lines.append(t("qa.step.pc", text=ctx.tr(step.pc)))
    lines.extend(t("qa.step.warning", text=ctx.tr(w)) for w in step.warnings)
    return "\n".join(lines)


def _device(ctx: Context) -> str:
    """「手機要怎麼登入」 wants the phone's way only; 「電腦版」 the PC's; otherwise both."""
    phone, pc = "app" in ctx.concepts, "browser" in ctx.concepts
    if {"trouble", "devices", "certificate"} & ctx.concepts:  # 「APP登不進去」: the other device may be the way out
        return "both"  # (and a certificate is read on the PC: 「自然人憑證要裝什麼元件」)
    return "app" if phone and not pc else "pc" if pc and not phone else "both"


def _step_answer(ctx: Context, *step_ids: str, part: str = "both") -> Reply:
    part = _device(ctx) if part == "both" else part
    found = [f for f in (_step(ctx.plan, s) for s in step_ids) if f]
    if not found:
        return help_desk(ctx)
    text = "\n".join(step_text(ctx, step, part) for _, step in found)
    return _reply(text, ("button.steps_from_here", f"steps:{found[0][0]}"))


def app(ctx: Context) -> Reply:
    # 「app裡要從哪裡點進去」: the path inside the app too; 「APP去哪裡下載」 only where to get it
    where = ("enrol",) if "location" in ctx.concepts and "download" not in ctx.concepts else ()
    reply = _step_answer(ctx, "install", *where)
    name = ctx.plan.plan.platform.app_name
    return Reply(t("qa.app.name", app=name) + "\n" + reply.text, reply.buttons, kind=reply.kind)


def browser(ctx: Context) -> Reply:
    """The PC's way; both ways when asked whether a PC is needed at all (「一定要用電腦上課嗎」)."""
    return _step_answer(ctx, "install", part="both" if "devices" in ctx.concepts else "pc")


def login(ctx: Context) -> Reply:
    return _step_answer(ctx, "login")


def citizen_account(ctx: Context) -> Reply:
    found = _step(ctx.plan, "login")
    if found is None:
        return login(ctx)
    index, step = found
    lines = [ctx.tr(w) for w in step.warnings]
    return _reply("\n".join(lines), ("button.steps_from_here", f"steps:{index}"))


def platform_path(ctx: Context) -> Reply:
    return _step_answer(ctx, "enrol", "study")


def enrol(ctx: Context) -> Reply:
    return _step_answer(ctx, "enrol", "study")


def hours_check(ctx: Context) -> Reply:
    return _step_answer(ctx, "hours")


def print_record(ctx: Context) -> Reply:
    return _step_answer(ctx, "record")


def desk_text(ctx: Context) -> str:
    lines = [t("qa.desk.head")]
    desks = ctx.plan.help_desks
    for d in desks:
        parts = [ctx.tr(d.name)]
        if d.phone:
            parts.append(t("qa.desk.phone", phone=d.phone))
        if d.email:
            parts.append(t("qa.desk.email", email=d.email))
        if d.hours:
            parts.append(t("qa.desk.hours", hours=ctx.tr(d.hours)))
        if d.url:
            parts.append(d.url)
        if d.faq:
            parts.append(t("qa.desk.faq", url=d.faq))
        line = "・" + t("list.reason_separator").join(parts)
        if d.topics:
            line += t("qa.desk.topics", topics=ctx.tr(d.topics))
        lines.append(line)
    lines.append(t("qa.desk.hr"))
    return "\n".join(lines)


def desk_short(ctx: Context) -> str:
    """The help desks by name and phone, and the personnel office: who to ask, in a few lines."""
    desks = ctx.plan.help_desks
    lines = [t("qa.desk.short", name=ctx.tr(d.name), phone=d.phone or d.email or d.url or "") for d in desks]
    return "\n".join([*lines, t("qa.desk.hr_short")])


def help_desk(ctx: Context) -> Reply:
    return _reply(desk_text(ctx))


def audience(ctx: Context) -> Reply:
    a = ctx.plan.plan.audience
    text = t("qa.audience.in", who=ctx.tr(a.included))
    if a.excluded:
        text += "\n" + t("qa.audience.out", who=ctx.tr(a.excluded))
    return _reply(text)


def period(ctx: Context) -> Reply:
    p = ctx.plan.plan.period
    told = "" if p.start else ctx.tr(p.start_text).strip()
    if _WHOLE_PERIOD.search(told):  # 「自本計畫核定之日起至113年12月31日止」: the file says it all
        return _reply(t("qa.period_told", text=told.rstrip("。."), title=ctx.tr(ctx.plan.plan.title)))
    start = show_date(p.start) if p.start else _bare_start(told)
    return _reply(t("qa.period", start=start, end=show_date(p.end), title=ctx.tr(ctx.plan.plan.title)))


_WHOLE_PERIOD = re.compile(r"[至迄止]|\b(?:to|until|through)\b")


def _bare_start(text: str) -> str:
    """「本計畫核定之日起」, "from the plan's approval": the template says 起 and "from" itself."""
    return text.strip().removesuffix("起").removeprefix("from ").removeprefix("From ")


def legal_basis(ctx: Context) -> Reply:
    info = ctx.plan.plan
    if not info.issued and ctx.concepts & ASKS_ISSUED:  # 「哪一天核定的」, 「發文字號是多少」: not printed
        return _reply("\n".join([t("qa.issued_unknown"), desk_short(ctx)]), kind=DECLINED)
    text = t("qa.basis", text=ctx.tr(info.legal_basis)) if info.legal_basis else t("qa.basis_unknown")
    if info.issued:
        text += "\n" + t("qa.issued", text=info.issued)
    return _reply(text)


def channels(ctx: Context) -> Reply:
    items = ctx.plan.channels
    if not items:
        return _reply(t("qa.channels.none", platform=ctx.plan.plan.platform.name))
    # Every channel named first (the answer to 「還有哪些管道」), then what each one is.
    lines = [t("qa.channels.names", names=join_names(ctx.tr(c.name) for c in items))]
    lines.extend(t("qa.channels.item", name=ctx.tr(c.name), text=ctx.tr(c.text)) for c in items)
    return _reply("\n".join(lines))


def platform_url(ctx: Context) -> Reply:
    p = ctx.plan.plan.platform
    lines = [t("qa.url", platform=p.name, url=p.url, app=p.app_name)]
    lines.extend(f"・{ctx.tr(d.name)}：{d.url}" for d in ctx.plan.help_desks if d.url)
    lines.extend(f"・{ctx.tr(d.name)}：{t('qa.desk.faq', url=d.faq)}" for d in ctx.plan.help_desks if d.faq)
    return _reply("\n".join(lines))


def rewards(ctx: Context) -> Reply:
    parts = [comp_leave(ctx).text]
    if any(r.type == "commendation" for r in ctx.plan.rewards):
        parts.append(commendation(ctx).text)
    return _reply("\n".join(parts), STATUS)  # one paragraph: the line the question speaks of comes first


def title(ctx: Context) -> Reply:
    info = ctx.plan.plan
    lines = [t("qa.title", title=info.title.zh_TW)]
    if current_lang() != "zh-TW" and info.title.en:
        lines.append(info.title.en)
    lines.append(t("qa.title.bundles", names=join_names(_platform_titles(ctx.plan))))
    return _reply("\n".join(dict.fromkeys(lines)) + "\n" + period(ctx).text)


def _platform_titles(plan: Plan) -> list[str]:
    """Each bundle title as the platform lists it, once (both English bundles of Kaohsiung sit
    under one title), with the hours of the bundle it names when it names one."""
    shared: dict[str, list[Bundle]] = {}
    for b in plan.bundles:
        shared.setdefault(b.platform_title, []).append(b)
    return [
        t("qa.bundle_hours", name=f"「{name}」", hours=show_hours(found[0].hours)) if len(found) == 1 else f"「{name}」"
        for name, found in shared.items()
    ]


def purpose(ctx: Context) -> Reply:
    return _reply(ctx.tr(ctx.plan.plan.purpose) or ctx.tr(ctx.plan.plan.title))


def organizer(ctx: Context) -> Reply:
    info = ctx.plan.plan
    return _reply(ctx.tr(info.organizers) or t("qa.organizer.default", city=ctx.tr(info.city)))


def funding(ctx: Context) -> Reply:
    text = t("qa.funding.free", platform=ctx.plan.plan.platform.name)
    if ctx.plan.plan.funding:
        text += "\n" + t("qa.funding.source", text=ctx.tr(ctx.plan.plan.funding))
    return _reply(text)


ANSWERS: dict[str, Callable[[Context], Reply]] = {
    "deadline": deadline, "comp_leave": comp_leave, "off_duty": off_duty, "unpaid_leave": unpaid_leave,
    "claim": claim, "commendation": commendation, "bundles": bundles, "bundle_courses": bundle_courses,
    "course_info": course_info, "category": category, "total_hours": total_hours, "english": english,
    "app": app, "browser": browser, "login": login, "citizen_account": citizen_account,
    "platform_path": platform_path, "enrol": enrol, "hours_check": hours_check, "print_record": print_record,
    "help_desk": help_desk, "audience": audience, "period": period, "legal_basis": legal_basis,
    "channels": channels, "platform_url": platform_url, "purpose": purpose, "organizer": organizer,
    "funding": funding, "rewards": rewards, "title": title, "compare": compare, "lecturer": lecturer,
}  # fmt: skip


def answer(topics: tuple[str, ...], ctx: Context) -> Reply:
    """One topic's answer, or two close topics' answers together (both relevant)."""
    replies = [ANSWERS[topic](ctx) for topic in topics]
    # The plan silent on what such a topic was asked (OPEN_WHEN_SILENT) leaves the question open,
    # whatever else is answered beside it: said first, and not stood behind.
    open_ = [r for topic, r in zip(topics, replies, strict=True) if r.kind == DECLINED and topic in OPEN_WHEN_SILENT]
    replies = open_ + [r for r in replies if r.kind != DECLINED] or replies[:1]  # else a silent topic gives way
    if len(replies) == 1:
        return replies[0]
    text = "\n\n".join(dict.fromkeys(r.text for r in replies))
    buttons = tuple({b.payload: b for r in replies for b in r.buttons if b.payload != "menu"}.values())
    return Reply(text, (*buttons[:4], _b(*MENU)), kind=DECLINED if open_ else "answer")


def topic_label(topic: str) -> str:
    return t(f"topic.{topic}")
