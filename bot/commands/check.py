"""`python -m bot check`: read a learning record on standard input and say where one stands."""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Any, TextIO

from bot.domain.eligibility import Assessment, Assessor
from bot.domain.record import RecordError, RecordRow, parse_record
from bot.domain.record_reading import read_record
from bot.i18n import current_lang, t, using
from bot.plans.model import Plan
from bot.render.status import note_text, render_assessment


def _n(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def assessment_json(a: Assessment, unmatched: list[RecordRow], notes: list[str]) -> dict[str, Any]:
    comp = next((r for r in a.rewards if r.reward.type == "comp_leave"), None)
    return {
        "plan": a.plan.id,
        "as_of": a.as_of.isoformat(),
        "comp_leave_hours": _n(a.comp_leave_hours),
        "comp_leave_cap": _n(comp.reward.cap_hours) if comp and comp.reward.cap_hours else None,
        "comp_leave_within_reach": _n(comp.potential_hours) if comp else 0,
        "commendation": a.commendation,
        "bundles": [
            {
                "id": b.bundle.id,
                "name": b.bundle.name,
                "hours_done": _n(b.hours_done),
                "hours_required": _n(b.hours_required),
                "complete": b.complete,
                "comp_leave_hours": _n(b.comp_leave_hours),
                "missing": [c.name for c in b.missing],
                "reasons": [note_text(r) for r in b.reasons],
            }
            for b in a.bundles
        ],
        "unmatched": [{"no": r.number, "name": r.name, "code": r.code, "status": r.status} for r in unmatched],
        "notes": notes,
        "deadlines": [
            {"reward": r.reward.id, "date": r.reward.deadline.date.isoformat(), "days_left": r.days_left}
            for r in a.rewards
        ],
        "lang": current_lang(),
    }


def run_check(plan: Plan, stdin: TextIO, as_of: date, unpaid_leave: bool, as_json: bool, lang: str) -> int:
    with using(lang):
        try:
            rows = parse_record(stdin.read())
        except RecordError as exc:
            print(t(exc.reason), file=sys.stderr)
            return 1
        reading = read_record(plan, rows)
        if not reading.completions and not any(not r.passed for r in rows) and reading.unmatched:
            print(t("check.nothing_matched", plan=plan.plan.title.get(lang)), file=sys.stderr)
        a = Assessor(plan).assess(reading.completions, as_of, on_unpaid_leave=unpaid_leave)
        if as_json:
            notes = [note_text(n) for n in (*reading.notes, *a.notes)]
            notes += [t("note.unmatched", course=r.label) for r in reading.unmatched]
            print(json.dumps(assessment_json(a, list(reading.unmatched), notes), ensure_ascii=False, indent=2))
        else:
            print(render_assessment(a, reading.unmatched, reading.notes))
    return 0
