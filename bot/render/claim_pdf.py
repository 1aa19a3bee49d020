"""The document a person hands in to claim comp leave (補休), pre-filled from their record.

Which form is printed follows the plan's comp-leave reward, not the plan's id:
- off-duty time required (Kaohsiung 112: 「公餘時間完成數位學習補休申請表」, 附件3): an
  application form with every course's study period, the conditions, the applicant's
  declaration and boxes for 申請人、單位主管、人事單位;
- the record handed to HR by a date (Hsinchu 109): a cover sheet for the personnel office
  with boxes for 申請人 and 人事單位;
- anything else: a generic application form with the three boxes.
Every figure comes from the Assessment and its Plan; every label from the locales.
The applicant's name, unit and title are typed for this document only and never stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

from bot.domain.calendar import TAIPEI, taipei
from bot.domain.claims import claimable, comp_leave
from bot.domain.eligibility import Assessment, Assessor, BundleProgress, Completion, CourseStatus
from bot.i18n import t, using
from bot.plans.model import Reward
from bot.render.claim_applicant import Applicant, ApplicantError
from bot.render.claim_layout import ClaimDoc, Row, draw
from bot.render.numbers import num, roc_year, show_date, show_hours, show_time

ANNEX = re.compile(r"附件\s*\d+")
FORM_NAME = re.compile(r"「([^「」]{2,40}(?:申請表|申請書|送件單))」")


def _periods(assessment: Assessment, completions: Iterable[Completion]) -> dict[str, Completion]:
    """Per course, the completion the assessment counted (same day, same off-duty verdict, earliest)."""
    assessor = Assessor(assessment.plan)
    statuses = {s.course.key: s for b in assessment.bundles for s in b.courses if s.done}
    chosen: dict[str, Completion] = {}
    for c in completions:
        status = statuses.get(c.course_key)
        if status is None or c.finished_on != status.finished_on:
            continue
        if assessor.off_duty(c)[0] != status.off_duty:
            continue
        current = chosen.get(c.course_key)
        if current is None or (c.end is not None and current.end is not None and taipei(c.end) < taipei(current.end)):
            chosen[c.course_key] = c
    return chosen


def period_text(status: CourseStatus, done: Completion | None) -> str:
    """112年1月1日（日）19:00–20:00, as the platform's record shows it, in 民國 form."""
    if done is not None and done.start is not None and done.end is not None:
        start, end = taipei(done.start), taipei(done.end)
        if start.date() == end.date():
            return t("claim.period", day=show_date(start), start=show_time(start), end=show_time(end))
        return t(
            "claim.period_span",
            start_day=show_date(start),
            start=show_time(start),
            end_day=show_date(end),
            end=show_time(end),
        )
    if status.finished_on is not None:
        return t("claim.period_self", day=show_date(status.finished_on))
    return t("claim.period_unknown")


def _rows(bundles: list[BundleProgress], periods: dict[str, Completion]) -> list[Row]:
    rows: list[Row] = []
    number = 0
    for b in bundles:
        label = t("claim.bundle_row", name=b.bundle.name, count=len(b.courses))
        rows.append(Row("bundle", (label, num(b.hours_done), num(b.comp_leave_hours))))
        for s in b.courses:
            number += 1
            period = period_text(s, periods.get(s.course.key))
            rows.append(Row("course", (str(number), s.course.name, period, num(s.course.hours), "")))
    return rows


def _form_title(claim_zh: str, variant: str) -> str:
    """The form's own name when the plan's claim text quotes it (「…申請表」), else the locale's."""
    found = FORM_NAME.search(claim_zh)
    return found.group(1) if found and variant == "off_duty" else t(f"claim.form.{variant}")


def _variant(reward: Reward) -> str:
    return "off_duty" if reward.off_duty_required else "submit" if reward.hand_in_by is not None else "generic"


def form_name(assessment: Assessment, lang: str) -> str:
    """What the form is called (the plan's own name where it quotes one), in `lang`."""
    outcome = comp_leave(assessment)
    if outcome is None:
        raise ValueError("claim.error.not_claimable")
    variant = _variant(outcome.reward)
    with using(lang):
        return _form_title(outcome.reward.claim.zh_TW, variant) if lang == "zh-TW" else t(f"claim.form.{variant}")


def build(
    assessment: Assessment, applicant: Applicant, lang: str, today: date, completions: Iterable[Completion]
) -> ClaimDoc:
    """Everything printed, as text: the layout only places it."""
    outcome = comp_leave(assessment)
    if outcome is None:
        raise ValueError("claim.error.not_claimable")
    reward, info = outcome.reward, assessment.plan.plan
    variant = _variant(reward)
    with using(lang):
        bundles = [b for b in assessment.bundles if b.comp_leave_hours > 0]
        rows = _rows(bundles, _periods(assessment, completions))
        total_key = "claim.total_cap" if reward.cap_hours is not None else "claim.total"
        cap = show_hours(reward.cap_hours) if reward.cap_hours is not None else ""
        rows.append(Row("total", (t(total_key, cap=cap), num(outcome.hours))))
        lines = [t(f"claim.deadline.{kind}", date=show_date(day)) for kind, day in reward.dates]
        if variant == "off_duty":
            lines.append(t("claim.attach.platform", platform=info.platform.name))
        else:
            lines.append(t("claim.attach.portal", year=roc_year(reward.finish_by)))
        texts = [reward.claim.get(lang)] + ([reward.notes.get(lang)] if reward.notes else [])
        notes = [t("claim.note_item", n=n, text=text) for n, text in enumerate(texts, 1)]
        declarations = []
        if reward.off_duty_required:
            declarations.append(t("claim.declare.off_duty"))
        if reward.unpaid_leave == "excluded":
            declarations.append(t("claim.declare.unpaid_leave"))
        signers = ["applicant", "personnel"] if variant == "submit" else ["applicant", "supervisor", "personnel"]
        annex = ANNEX.search(reward.claim.zh_TW)
        basis = (
            t("claim.basis_issued", title=info.title.get(lang), issued=info.issued)
            if info.issued
            else t("claim.basis", title=info.title.get(lang))
        )
        return ClaimDoc(
            lang=lang,
            annex=annex.group(0).replace(" ", "") if annex else None,
            plan_title=info.title.get(lang),
            form_title=form_name(assessment, lang),
            recipient=t("claim.recipient") if variant == "submit" else None,
            basis=basis,
            applicant=(
                (t("claim.field.name"), applicant.name, t("claim.field.title"), applicant.title),
                (t("claim.field.unit"), applicant.unit, t("claim.field.date"), show_date(today)),
            ),
            headings=tuple(t(f"claim.col.{c}") for c in ("no", "course", "period", "hours", "comp")),
            rows=tuple(rows),
            lines=tuple(lines),
            notes_header=t("claim.notes_header"),
            notes=tuple(notes),
            declare_header=t("claim.declare_header"),
            declarations=tuple(declarations),
            sign_header=t("claim.sign_header"),
            signatures=tuple(t(f"claim.sign.{s}") for s in signers),
            footer=t("claim.generated", platform=info.platform.name),
            page_label=t("claim.page", page="{page}", pages="{pages}"),
        )


def claim_pdf(
    assessment: Assessment,
    applicant: Applicant,
    lang: str = "zh-TW",
    today: date | None = None,
    *,
    completions: Iterable[Completion] = (),
) -> bytes:
    """The claim form as PDF bytes (A4, font embedded). `completions` are the record's rows,
    whose study periods (start–end) the assessment does not keep; without them the form
    shows the day each course was finished.

    Raises ValueError("claim.error.not_claimable") when no comp-leave hours were earned, and
    ClaimFontError when no installed font can print every character.
    """
    day = today or datetime.now(TAIPEI).date()
    return draw(build(assessment, applicant, lang, day, completions))


__all__ = ["Applicant", "ApplicantError", "claim_pdf", "claimable", "comp_leave", "form_name"]
