"""Every reward rule and condition of Kaohsiung 112's plan (補休 and 嘉獎)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.eligibility import Assessment, Assessor, Completion
from bot.domain.record import parse_record
from bot.domain.record_reading import read_record
from bot.plans.loader import parse_plan
from bot.plans.model import Plan
from tests.conftest import ROOT, bundle_rows, record_text

AS_OF = date(2023, 8, 1)
SUNDAY = "2023-03-05"
WEDNESDAY = "2023-03-01"
MAKEUP_SATURDAY = "2023-01-07"


def assess(plan: Plan, rows: list[tuple[str, ...]], as_of: date = AS_OF, unpaid: bool = False) -> Assessment:
    reading = read_record(plan, parse_record(record_text(rows)))  # type: ignore[arg-type]
    return Assessor(plan).assess(reading.completions, as_of, on_unpaid_leave=unpaid)


def rows_for(plan: Plan, *bundles: str, day: str = SUNDAY, hour: int = 19) -> list[tuple[str, ...]]:
    return [row for b in bundles for row in bundle_rows(plan, b, day, hour)]


@pytest.mark.parametrize("bundle", ["ema", "exing", "ejian", "loud", "gept"])
def test_each_bundle_earns_four_hours(kaohsiung: Plan, bundle: str) -> None:
    a = assess(kaohsiung, rows_for(kaohsiung, bundle))
    assert a.comp_leave_hours == 4
    progress = a.bundle(bundle)
    assert progress.complete and progress.hours_done == 10 and progress.comp_leave_hours == 4
    assert a.commendation is False


def test_english_group_counts_once(kaohsiung: Plan) -> None:
    a = assess(kaohsiung, rows_for(kaohsiung, "loud", "gept"))
    assert a.comp_leave_hours == 4
    assert a.bundle("loud").comp_leave_hours == 4 and a.bundle("gept").comp_leave_hours == 0
    assert [n.kind for n in a.bundle("gept").reasons] == ["group_counted"]


def test_all_bundles_reach_the_cap_of_sixteen(kaohsiung: Plan) -> None:
    a = assess(kaohsiung, rows_for(kaohsiung, "ema", "exing", "ejian", "loud", "gept"))
    assert a.comp_leave_hours == 16
    assert a.commendation is True
    comp = a.rewards[0]
    assert comp.potential_hours == 0


def test_cap_limits_hours_when_awards_exceed_it(kaohsiung: Plan) -> None:
    text = (ROOT / "rules" / "kaohsiung-112.yaml").read_text(encoding="utf-8").replace("cap_hours: 16", "cap_hours: 10")
    capped = parse_plan(text, "kaohsiung-112", "capped")
    a = assess(capped, rows_for(capped, "ema", "exing", "ejian"))
    assert a.comp_leave_hours == 10
    assert a.rewards[0].potential_hours == 0


def test_partial_bundle_earns_nothing_and_says_what_is_missing(kaohsiung: Plan) -> None:
    rows = rows_for(kaohsiung, "ema")[:-1]
    a = assess(kaohsiung, rows)
    ema = a.bundle("ema")
    assert not ema.complete and ema.hours_done == 8 and a.comp_leave_hours == 0
    assert [c.name for c in ema.missing] == ["認識日常生活中的「隱微」歧視"]
    assert a.rewards[0].potential_hours == 16


def test_weekday_office_hours_lose_the_bundles_comp_leave(kaohsiung: Plan) -> None:
    rows = rows_for(kaohsiung, "ema", day=WEDNESDAY, hour=10) + rows_for(kaohsiung, "exing", day=WEDNESDAY, hour=19)
    a = assess(kaohsiung, rows)
    assert a.bundle("ema").complete and a.bundle("ema").comp_leave_hours == 0
    assert a.bundle("ema").reasons[0].kind == "not_off_duty"
    assert a.bundle("exing").comp_leave_hours == 4
    assert a.comp_leave_hours == 4
    office = [n for n in a.notes if n.kind == "office_hours"]
    assert len(office) == 8 and office[0].params["course"] == "政府數位轉型新視界"


def test_one_course_in_office_hours_spoils_its_bundle(kaohsiung: Plan) -> None:
    rows = rows_for(kaohsiung, "ejian")
    name, _, _ = rows[2]
    rows[2] = (name, f"{WEDNESDAY} 16:00:00", f"{WEDNESDAY} 18:00:00")  # straddles closing time
    a = assess(kaohsiung, rows)
    assert a.bundle("ejian").complete and a.comp_leave_hours == 0


@pytest.mark.parametrize(
    ("day", "hour", "earned"),
    [
        ("2023-03-04", 10, 4),  # Saturday daytime
        ("2023-01-02", 10, 4),  # national holiday (observed), Monday daytime
        ("2023-02-28", 10, 4),  # 228 Peace Memorial Day, Tuesday daytime
        (MAKEUP_SATURDAY, 10, 0),  # make-up workday: office hours apply
        (MAKEUP_SATURDAY, 18, 4),  # make-up workday after hours
        (WEDNESDAY, 6, 4),  # before the office opens
    ],
)
def test_off_duty_days(kaohsiung: Plan, day: str, hour: int, earned: int) -> None:
    a = assess(kaohsiung, rows_for(kaohsiung, "ema", day=day, hour=hour))
    assert a.comp_leave_hours == earned


def test_unpaid_leave_loses_comp_leave_but_keeps_commendation(kaohsiung: Plan) -> None:
    a = assess(kaohsiung, rows_for(kaohsiung, "ema", "exing", "ejian", "gept"), unpaid=True)
    assert a.comp_leave_hours == 0
    assert a.rewards[0].blocked_by_unpaid_leave and a.rewards[0].potential_hours == 0
    assert a.commendation is True
    assert a.bundle("ema").reasons[0].kind == "unpaid_leave"


def test_commendation_needs_no_off_duty_time(kaohsiung: Plan) -> None:
    a = assess(kaohsiung, rows_for(kaohsiung, "ema", "exing", "ejian", "loud", day=WEDNESDAY, hour=9))
    assert a.commendation is True and a.comp_leave_hours == 0


def test_commendation_needs_three_bundles_and_one_english(kaohsiung: Plan) -> None:
    a = assess(kaohsiung, rows_for(kaohsiung, "ema", "exing", "loud", "gept"))
    assert a.commendation is False
    assert a.rewards[1].missing_targets == ("ejian",)
    b = assess(kaohsiung, rows_for(kaohsiung, "ema", "exing", "ejian"))
    assert b.commendation is False and b.rewards[1].missing_targets == ("english",)


def test_completions_after_the_deadline_do_not_count(kaohsiung: Plan) -> None:
    rows = rows_for(kaohsiung, "ema", day="2023-09-03") + rows_for(kaohsiung, "exing", day="2023-08-27")
    a = assess(kaohsiung, rows, as_of=date(2023, 9, 10))
    ema = a.bundle("ema")  # done, but after the deadline: shown as done, earning nothing
    assert ema.complete and ema.comp_leave_hours == 0 and [n.kind for n in ema.reasons] == ["late"]
    assert a.comp_leave_hours == 4
    assert sum(1 for n in a.notes if n.kind == "after_deadline") == 8
    assert a.rewards[0].days_left == -10 and a.rewards[0].potential_hours == 0


def test_deadline_day_itself_counts(kaohsiung: Plan) -> None:
    a = assess(kaohsiung, rows_for(kaohsiung, "ema", day="2023-08-31", hour=20), as_of=date(2023, 8, 31))
    assert a.comp_leave_hours == 4 and a.rewards[0].days_left == 0


def test_failed_and_unmatched_rows(kaohsiung: Plan) -> None:
    rows = rows_for(kaohsiung, "ema")
    name, start, end = rows[0]
    rows[0] = (name, start, end, "未通過")
    rows.append(("上班族如何維持規律的運動", f"{SUNDAY} 21:00:00", f"{SUNDAY} 22:00:00"))
    reading = read_record(kaohsiung, parse_record(record_text(rows)))
    assert [r.name for r in reading.unmatched] == ["上班族如何維持規律的運動"]
    assert [n.params["course"] for n in reading.notes if n.kind == "not_passed"] == [name]
    a = Assessor(kaohsiung).assess(reading.completions, AS_OF)
    assert not a.bundle("ema").complete and a.comp_leave_hours == 0


def test_the_plan_documents_sample_record(kaohsiung: Plan) -> None:
    text = (ROOT / "samples" / "kaohsiung-112-record.tsv").read_text(encoding="utf-8")
    reading = read_record(kaohsiung, parse_record(text))
    a = Assessor(kaohsiung).assess(reading.completions, AS_OF)
    # All on 1 January 2023, a Sunday and a national holiday: off-duty.
    assert a.bundle("ema").complete and a.comp_leave_hours == 4


def test_self_reported_marks_without_off_duty_are_pending(kaohsiung: Plan) -> None:
    marks = [Completion(c.key) for c in kaohsiung.bundles_by_id["ema"].courses]
    a = Assessor(kaohsiung).assess(marks, AS_OF)
    assert a.bundle("ema").complete and a.comp_leave_hours == 0
    assert a.rewards[0].pending_off_duty == 4
    confirmed = [Completion(c.key, off_duty_claim=True) for c in kaohsiung.bundles_by_id["ema"].courses]
    assert Assessor(kaohsiung).assess(confirmed, AS_OF).comp_leave_hours == 4
