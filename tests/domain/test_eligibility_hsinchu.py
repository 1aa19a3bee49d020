"""Hsinchu 109: one day (8 hours) of comp leave for the whole 30-hour bundle, no off-duty condition."""

from __future__ import annotations

from datetime import date

from bot.domain.eligibility import Assessor
from bot.domain.record import parse_record
from bot.domain.record_reading import read_record
from bot.plans.model import Plan
from tests.conftest import bundle_rows, record_text


def assess(plan: Plan, rows: list[tuple[str, str, str]], as_of: date = date(2020, 9, 1), unpaid: bool = False):  # type: ignore[no-untyped-def]
    reading = read_record(plan, parse_record(record_text(rows)))
    return Assessor(plan).assess(reading.completions, as_of, on_unpaid_leave=unpaid)


def test_whole_bundle_earns_eight_hours(hsinchu: Plan) -> None:
    a = assess(hsinchu, bundle_rows(hsinchu, "hccg", "2020-08-05", hour=9))  # a Wednesday, office hours
    assert a.bundle("hccg").complete and a.bundle("hccg").hours_done == 30
    assert a.comp_leave_hours == 8
    assert a.commendation is None
    assert not any(n.kind == "office_hours" for n in a.notes)


def test_required_part_alone_earns_nothing(hsinchu: Plan) -> None:
    rows = bundle_rows(hsinchu, "hccg", "2020-08-08")[:7]
    a = assess(hsinchu, rows)
    assert a.bundle("hccg").hours_done == 10 and a.comp_leave_hours == 0
    assert a.rewards[0].potential_hours == 8


def test_record_must_be_in_by_the_thirtieth_of_september(hsinchu: Plan) -> None:
    on_time = assess(hsinchu, bundle_rows(hsinchu, "hccg", "2020-09-30"), as_of=date(2020, 9, 30))
    assert on_time.comp_leave_hours == 8
    late = assess(hsinchu, bundle_rows(hsinchu, "hccg", "2020-10-01"), as_of=date(2020, 10, 2))
    assert late.comp_leave_hours == 0  # done, but late: shown as done, earning nothing
    assert late.bundle("hccg").complete and [n.kind for n in late.bundle("hccg").reasons] == ["late"]


def test_unpaid_leave_is_not_a_condition_in_hsinchu(hsinchu: Plan) -> None:
    a = assess(hsinchu, bundle_rows(hsinchu, "hccg", "2020-08-08"), unpaid=True)
    assert a.comp_leave_hours == 8
