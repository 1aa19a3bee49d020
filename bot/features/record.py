"""The learning record, in whatever form a person has it: pasted text, screenshots read by
OCR, the lifelong-learning portal's table. Refused whole, naming the rows, when something
cannot be right; asked about row by row where something could not be read; else it replaces
the marks the person reported by hand.

    rec ─► state await_record ─► a pasted record ─► take_rows
    a picture ─► receive_image (OCR; shots within IMAGE_WINDOW are one record) ─► take_rows
    take_rows ─► refused | state confirm_record: rc:<index>:y|n per unclear row ─► stored
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

from bot.core.messages import Reply
from bot.core.turn import Turn, button, reply
from bot.domain.calendar import taipei
from bot.domain.eligibility import Completion, Note
from bot.domain.ocr import ImageError
from bot.domain.record import RecordError, RecordRow, parse_record
from bot.domain.record_reading import Unclear, read_record
from bot.features.progress import marks_by_course
from bot.features.status import show_status
from bot.i18n import t
from bot.render.record_notes import period_text, refusal, row_name
from bot.storage import Mark

IMAGE_WINDOW = timedelta(minutes=10)  # screenshots sent closer together than this are one record


async def ask_record(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    turn.set_state("await_record")
    await turn.save()
    return [reply(t("record.how"), button("button.cancel", "cancel"))]


async def receive_record(turn: Turn, text: str) -> list[Reply]:
    turn.set_state("")
    await turn.save()
    try:
        rows = parse_record(text)
    except RecordError as exc:
        return [reply(t(exc.reason), button("button.record", "rec"), button("button.menu", "menu"))]
    return await take_rows(turn, rows)


async def receive_image(turn: Turn, image: bytes) -> list[Reply]:
    """A screenshot of the record, read by OCR (the picture itself is not kept). Screenshots
    sent within IMAGE_WINDOW of each other are one record, read again as a whole each time
    (a course in two overlapping shots counts once); while more of the person's messages
    wait, only a short note is sent, so three shots get one answer."""
    try:
        lines = await asyncio.to_thread(turn.services.ocr().read, image)
    except ImageError as exc:
        return [reply(t(exc.reason), button("button.record", "rec"), button("button.menu", "menu"))]
    data, now = turn.user.state_data, turn.services.clock.now()
    earlier, shots = "", 1
    recent = data.get("ocr_at") and now - datetime.fromisoformat(data["ocr_at"]) < IMAGE_WINDOW
    if turn.user.state in ("img_record", "confirm_record") and data.get("ocr") and recent:
        earlier, shots = data["ocr"], int(data.get("shots", 1)) + 1
    text = "\n".join([earlier, *lines]).strip()
    keep = {"ocr": text, "ocr_at": now.isoformat(), "shots": shots}
    try:
        rows = parse_record(text)
    except RecordError:
        turn.set_state("img_record", ocr=earlier, ocr_at=now.isoformat(), shots=shots - 1)
        await turn.save()
        return [reply(t("record.image_no_record"), button("button.record", "rec"), button("button.menu", "menu"))]
    if turn.others_waiting():
        turn.set_state("img_record", **keep)
        await turn.save()
        return [reply(t("record.image_more", shots=shots))]
    return await take_rows(turn, rows, [reply(t("record.image_read", shots=shots))], keep)


async def take_rows(
    turn: Turn, rows: list[RecordRow], head: list[Reply] | None = None, keep: dict[str, object] | None = None
) -> list[Reply]:
    """A record read from text or screenshots: refused whole when a row cannot be right,
    asked about row by row where something could not be read, else stored and shown.
    `keep`: the screenshots' text so far, kept while more shots may follow."""
    plan = turn.tools.plan
    reading = read_record(plan, rows, turn.tools.courses, turn.today)
    if reading.problems:
        return [reply(refusal(plan, reading.problems), button("button.record", "rec"), button("button.menu", "menu"))]
    unclear = list(reading.unclear)
    notes = [[n.kind, n.params] for n in reading.notes]
    if keep is not None and (cut := _cut_at_bottom(rows, unclear)) is not None:
        unclear.remove(cut)
        notes.append(["cut_at_bottom", {"course": cut.course.name if cut.course else cut.row.name}])
    asks = [_ask_item(u) for u in unclear if u.row.name]
    notes += [["unmatched", {"course": r.label}] for r in reading.unmatched]
    notes += [["unclear_unnamed", {"period": period_text(u.row.start, u.row.end)}] for u in unclear if not u.row.name]
    if not reading.completions and not asks:
        return _nothing_usable(len(rows))
    done = [_done_item(c) for c in reading.completions]
    turn.set_state(
        "confirm_record", done=done, ask=asks, at=0, rows=len(rows), notes=notes, portal=reading.portal, **(keep or {})
    )
    await turn.save()
    return [*(head or []), *await _next_question(turn)]


def _cut_at_bottom(rows: list[RecordRow], unclear: list[Unclear]) -> Unclear | None:
    """The last card of a screenshot whose status is below the shot's edge: not a question,
    the next screenshot shows it whole."""
    last = max((r.position for r in rows), default=0)
    return next((u for u in unclear if u.field == "status" and u.row.position == last), None)


def _nothing_usable(rows: int) -> list[Reply]:
    return [reply(t("record.nothing_usable", rows=rows), button("button.record", "rec"), button("button.menu", "menu"))]


def _done_item(c: Completion) -> list[str | None]:
    end = taipei(c.end) if c.end else None
    start = taipei(c.start) if c.start else None
    return [c.course_key, start.isoformat() if start else None, end.isoformat() if end else None]


def _ask_item(u: Unclear) -> dict[str, object]:
    row = u.row
    end = taipei(row.end).isoformat() if row.end else (row.recorded_on.isoformat() if row.recorded_on else None)
    return {
        "field": u.field, "course": u.course.key if u.course else None, "row": row_name(row),
        "start": taipei(row.start).isoformat() if row.start else None, "end": end, "passed": row.passed,
    }  # fmt: skip


async def _next_question(turn: Turn) -> list[Reply]:
    """Ask about the next unclear row, or store everything once nothing is left to ask."""
    data = turn.user.state_data
    asks, at = data.get("ask", []), int(data.get("at", 0))
    if at >= len(asks):
        return await _store_confirmed(turn)
    item = asks[at]
    course = turn.tools.plan.courses_by_key.get(item["course"] or "")
    left = len(asks) - at - 1
    suffix = ("\n" + t("record.confirm_progress", left=left)) if left else ""
    if item["field"] == "status":
        text = t("record.unclear_status", row=item["row"]) + suffix
        yes, no = button("button.record_passed", f"rc:{at}:y"), button("button.record_not_passed", f"rc:{at}:n")
    else:
        text = t("record.unclear_name", row=item["row"], course=course.name if course else "?") + suffix
        yes, no = button("button.record_yes", f"rc:{at}:y"), button("button.record_no", f"rc:{at}:n")
    return [reply(text, yes, no, button("button.cancel", "cancel"))]


async def confirm_row(turn: Turn, args: tuple[str, ...]) -> list[Reply]:
    """The person's answer about one unclear row (rc:<index>:y|n)."""
    data = turn.user.state_data
    asks, at = data.get("ask", []), int(data.get("at", 0))
    if turn.user.state != "confirm_record" or len(args) != 2 or args[0] != str(at) or at >= len(asks):
        return [reply(t("button.outdated"), button("button.menu", "menu"))]
    item = asks[at]
    if args[1] == "y" and item["course"]:
        if item["field"] == "name" and item["passed"] is None:
            asks.append({**item, "field": "status"})  # the course is known now; was it passed?
        elif item["field"] == "status" or item["passed"]:
            data.setdefault("done", []).append([item["course"], item["start"], item["end"]])
    data["at"] = at + 1
    await turn.save()
    return await _next_question(turn)


async def _store_confirmed(turn: Turn) -> list[Reply]:
    plan = turn.tools.plan
    data = turn.user.state_data
    marks = [_mark(key, start, end) for key, start, end in data.get("done", []) if key in plan.courses_by_key]
    notes = tuple(Note(kind, params) for kind, params in data.get("notes", []))
    rows = int(data.get("rows", 0))
    shots = {k: data[k] for k in ("ocr", "ocr_at", "shots") if k in data}
    turn.set_state("img_record" if shots else "", **shots)  # a next screenshot adds to this record
    await turn.save()
    if not marks:
        return _nothing_usable(rows)
    await turn.services.store.replace_marks(turn.user.id, plan.id, _keep_timed(await marks_by_course(turn), marks))
    head = reply(t("record.read", rows=rows, courses=len({m.course_key for m in marks})))
    return [head, *await show_status(turn, notes=notes)]


def _mark(key: str, start: str | None, end: str | None) -> Mark:
    """A course read from a record: with its study period, or (the portal) only the day its
    hours were recorded."""
    if start and end:
        begin, finish = datetime.fromisoformat(start), datetime.fromisoformat(end)
        return Mark(key, "record", completed_on=finish.date(), start=begin, end=finish)
    day = date.fromisoformat(end[:10]) if end else None
    return Mark(key, "record", completed_on=day)


def _keep_timed(existing: dict[str, Mark], marks: list[Mark]) -> list[Mark]:
    """A portal reading has no study times: where the platform's record already gave them for
    a course, that mark is kept, so off-duty proof is not lost."""
    kept = {m.course_key: m for m in marks}
    for key, old in existing.items():
        if old.source == "record" and old.start is not None and (key not in kept or kept[key].start is None):
            kept[key] = old
    return list(kept.values())
