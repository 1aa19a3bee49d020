"""`python -m bot check [FILE ...]`: read a learning record (text or screenshots, or standard
input) and say where one stands."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from bot.domain.eligibility import Assessment, Assessor, Note
from bot.domain.image_kind import looks_like_image
from bot.domain.ocr import ImageError, OcrEngine, default_engine
from bot.domain.record import RecordError, RecordRow, parse_record
from bot.domain.record_reading import RecordReading, read_record
from bot.i18n import current_lang, t, using
from bot.plans.model import Plan
from bot.render.record_notes import period_text, refusal, row_name
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
            {"reward": r.reward.id, "kind": kind, "date": day.isoformat(), "days_left": (day - a.as_of).days}
            for r in a.rewards
            for kind, day in r.reward.dates
        ],
        "lang": current_lang(),
    }


def read_inputs(files: Sequence[str], stdin: TextIO, engine: OcrEngine | None = None) -> str:
    """The record's text from files (text, or screenshots read by OCR: several files are one
    record, e.g. three phone screenshots) or, with no file, from standard input."""
    if not files:
        return stdin.read()
    texts = []
    for name in files:
        data = Path(name).read_bytes()
        if looks_like_image(data):
            texts.append("\n".join((engine or default_engine()).read(data)))
        else:
            texts.append(data.decode("utf-8", errors="replace"))
    return "\n".join(texts)


def unclear_lines(reading: RecordReading) -> list[str]:
    lines = []
    for u in reading.unclear:
        if not u.row.name:
            lines.append(note_text(Note("unclear_unnamed", {"period": period_text(u.row.start, u.row.end)})))
        elif u.field == "status":
            lines.append(t("check.unclear_status", row=row_name(u.row)))
        else:
            lines.append(t("check.unclear_name", row=row_name(u.row), course=u.course.name if u.course else "?"))
    return lines


def run_check(
    plan: Plan, stdin: TextIO, as_of: date, unpaid_leave: bool, as_json: bool, lang: str,
    files: Sequence[str] = (), engine: OcrEngine | None = None,
) -> int:  # fmt: skip
    with using(lang):
        try:
            rows = parse_record(read_inputs(files, stdin, engine))
        except RecordError as exc:
            print(t(exc.reason), file=sys.stderr)
            return 1
        except ImageError as exc:
            print(t(exc.reason), file=sys.stderr)
            return 1
        except OSError as exc:
            print(t("check.not_a_file", file=exc.filename, reason=exc.strerror), file=sys.stderr)
            return 2
        reading = read_record(plan, rows, today=as_of)
        if reading.problems:
            print(refusal(plan, reading.problems), file=sys.stderr)
            return 1
        if not reading.completions and not any(r.passed is False for r in rows) and reading.unmatched:
            print(t("check.nothing_matched", plan=plan.plan.title.get(lang)), file=sys.stderr)
        a = Assessor(plan).assess(reading.completions, as_of, on_unpaid_leave=unpaid_leave)
        unclear = unclear_lines(reading)
        if as_json:
            notes = [note_text(n) for n in (*reading.notes, *a.notes)]
            notes += [t("note.unmatched", course=r.label) for r in reading.unmatched]
            print(
                json.dumps(assessment_json(a, list(reading.unmatched), notes + unclear), ensure_ascii=False, indent=2)
            )
        else:
            text = render_assessment(a, reading.unmatched, reading.notes)
            print(text + ("\n" + "\n".join(f"・{line}" for line in unclear) if unclear else ""))
    return 0
