"""Every form of the learning record a person has in hand gives the same reading, and a
record with impossible content is refused naming the row and what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest

from bot.domain.eligibility import Assessor
from bot.domain.record import parse_record
from bot.domain.record_reading import read_record
from bot.plans.model import Plan
from tests.support.records import (
    PortalRow,
    Row,
    cards,
    desktop,
    evening_rows,
    one_per_line,
    portal,
    single_spaces,
    spaced,
)

TODAY = date(2023, 9, 10)
FORMS: dict[str, Callable[..., str]] = {
    "desktop": desktop,
    "desktop-no-header": lambda rows: desktop(rows, header=False),
    "single-spaces": single_spaces,
    "single-spaces-header": lambda rows: single_spaces(rows, header=True),
    "runs-of-spaces": spaced,
    "one-cell-per-line": one_per_line,
    "one-cell-per-line-header": lambda rows: one_per_line(rows, header=True),
    "phone-cards": cards,
}


@pytest.mark.parametrize("form", FORMS)
def test_every_form_of_the_platform_record_reads_the_same(kaohsiung: Plan, form: str) -> None:
    rows = evening_rows(kaohsiung, "ema")
    rows[2] = Row(rows[2].name, rows[2].start, rows[2].end, status="未通過", hours="0")
    reading = read_record(kaohsiung, parse_record(FORMS[form](rows)), today=TODAY)
    assert not reading.problems and not reading.unclear and not reading.unmatched
    got = {(c.course_key, c.start, c.end) for c in reading.completions}
    courses = kaohsiung.bundles_by_id["ema"].courses
    expected = {
        (course.key, datetime.fromisoformat(r.start), datetime.fromisoformat(r.end))
        for course, r in zip(courses, rows, strict=True)
        if r.status == "已通過"
    }
    assert got == expected
    assert [n.kind for n in reading.notes] == ["not_passed"]


def test_a_course_seen_in_two_overlapping_screenshots_counts_once(kaohsiung: Plan) -> None:
    rows = evening_rows(kaohsiung, "ema")
    shots = cards(rows[:5]) + "\n" + cards(rows[4:])  # the fifth course is at the bottom of one and top of the next
    reading = read_record(kaohsiung, parse_record(shots), today=TODAY)
    assert len(reading.completions) == len(rows) == len({c.course_key for c in reading.completions})


def test_names_with_spaces_digits_and_brackets_survive_single_spaces(kaohsiung: Plan) -> None:
    rows = [
        Row("台灣 2050 淨零排放路徑及政策", "2023-03-04 19:00:00", "2023-03-04 20:00:00", code="PTAINAN112100075"),
        Row("職場 Power：打造故事力", "2023-03-05 19:00:00", "2023-03-05 20:00:00"),
        Row("智慧城市治理的趨勢與挑戰（下）", "2023-03-06 19:00:00", "2023-03-06 21:00:00"),
        Row("公務英文 E-mail 篇", "2023-03-07 19:00:00", "2023-03-07 20:00:00"),
    ]
    reading = read_record(kaohsiung, parse_record(single_spaces(rows)), today=TODAY)
    names = [kaohsiung.courses_by_key[c.course_key].name for c in reading.completions]
    assert names == [
        "台灣2050淨零排放路徑及政策",
        "職場Power：打造故事力",
        "智慧城市治理的趨勢與挑戰(下)",
        "公務英文E-mail篇",
    ]


HSINCHU_TODAY = date(2020, 9, 20)


@pytest.mark.parametrize("separator", ["\t", " ", "\n"])
def test_the_lifelong_learning_portal_table_proves_hsinchus_bundle(hsinchu: Plan, separator: str) -> None:
    courses = hsinchu.bundles_by_id["hccg"].courses
    rows = [PortalRow(c.name, f"10908{n % 28 + 1:02d}", int(c.hours)) for n, c in enumerate(courses)]
    rows.insert(3, PortalRow("上班族如何維持規律的運動", "1090305"))  # not in the plan
    reading = read_record(hsinchu, parse_record(portal(rows, separator)), today=HSINCHU_TODAY)
    assert not reading.problems and not reading.unclear and reading.portal
    assert {c.course_key for c in reading.completions} == {c.key for c in courses}
    assert [r.name for r in reading.unmatched] == ["上班族如何維持規律的運動"]
    finished = max(c.finished_on for c in reading.completions if c.finished_on)
    assert finished == date(2020, 8, len(courses))  # judged by the 登 date
    assessment = Assessor(hsinchu).assess(reading.completions, HSINCHU_TODAY)
    assert assessment.comp_leave_hours == 8


def test_the_portal_cannot_prove_off_duty_time_and_says_so(kaohsiung: Plan) -> None:
    rows = [PortalRow(c.name, "1120401", int(c.hours)) for c in kaohsiung.bundles_by_id["ema"].courses]
    reading = read_record(kaohsiung, parse_record(portal(rows)), today=TODAY)
    assert "portal_no_times" in [n.kind for n in reading.notes]
    assessment = Assessor(kaohsiung).assess(reading.completions, TODAY)
    ema = assessment.bundle("ema")
    assert ema.complete and ema.comp_leave_hours == 0 and ema.off_duty_ok is None  # asked, not assumed
    assert assessment.commendation is False  # the other bundles are missing, not the proof


@pytest.mark.parametrize(
    ("start", "end", "field", "kind", "value"),
    [
        ("2023-02-30 19:00:00", "2023-02-30 20:00:00", "start", "impossible", "2023-02-30 19:00:00"),
        ("2023-13-01 19:00:00", "2023-13-01 20:00:00", "start", "impossible", "2023-13-01 19:00:00"),
        ("2023-03-01 19:00:00", "2023-03-01 25:00:00", "end", "impossible", "2023-03-01 25:00:00"),
        ("2023-03-01 21:00:00", "2023-03-01 20:00:00", "end", "before_start", "2023-03-01 20:00:00"),
        ("2023-09-20 19:00:00", "2023-09-20 20:00:00", "start", "future", "2023-09-20"),
        ("2021-03-01 19:00:00", "2021-03-01 20:00:00", "start", "outside_plan", "2021-03-01"),
    ],
)
def test_impossible_content_is_named(kaohsiung: Plan, start: str, end: str, field: str, kind: str, value: str) -> None:
    rows = evening_rows(kaohsiung, "ema")[:3]
    rows[1] = Row(rows[1].name, start, end)
    reading = read_record(kaohsiung, parse_record(desktop(rows)), today=TODAY)
    ((row, problem), *_) = reading.problems
    assert row.number == 2 and row.name == kaohsiung.bundles_by_id["ema"].courses[1].name  # the plan's spelling
    assert (problem.field, problem.kind, problem.value) == (field, kind, value)


def test_an_impossible_portal_date_is_named(hsinchu: Plan) -> None:
    text = portal([PortalRow("傳染病防治", "1090231"), PortalRow("你今天開會了嗎", "1090801")])
    reading = read_record(hsinchu, parse_record(text), today=HSINCHU_TODAY)
    ((row, problem),) = reading.problems
    assert row.name == "傳染病防治" and (problem.field, problem.kind, problem.value) == (
        "recorded",
        "impossible",
        "1090231",
    )


def test_a_cut_status_is_asked_not_guessed(kaohsiung: Plan) -> None:
    rows = evening_rows(kaohsiung, "ema")[:2]
    text = cards(rows).replace("通過狀態：已通過", "")  # the first card's status was cut off the screenshot
    reading = read_record(kaohsiung, parse_record(text), today=TODAY)
    ((unclear),) = reading.unclear
    assert unclear.field == "status" and unclear.course is not None and unclear.course.name == rows[0].name
    assert [kaohsiung.courses_by_key[c.course_key].name for c in reading.completions] == [rows[1].name]


def test_a_course_misread_by_a_character_is_found_but_a_sibling_is_never_guessed(kaohsiung: Plan) -> None:
    rows = [
        Row("元宇宙發展趨勢與產業新經齊", "2023-03-04 19:00:00", "2023-03-04 20:00:00"),  # 濟 read as 齊
        Row("智慧城市治理的趨勢與挑戰(土)", "2023-03-05 19:00:00", "2023-03-05 21:00:00"),  # 上 or 下?
    ]
    reading = read_record(kaohsiung, parse_record(desktop(rows)), today=TODAY)
    assert [kaohsiung.courses_by_key[c.course_key].name for c in reading.completions] == ["元宇宙發展趨勢與產業新經濟"]
    ((unclear),) = reading.unclear
    assert unclear.field == "name" and unclear.row.name == "智慧城市治理的趨勢與挑戰(土)"
