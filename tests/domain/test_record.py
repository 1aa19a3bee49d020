"""The learning record copied from the platform is read tolerantly, and refused clearly."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bot.domain.course_match import CourseMatcher
from bot.domain.record import RecordError, parse_record
from bot.plans.model import Plan
from tests.conftest import record_text

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "kaohsiung-112-record.tsv"


def test_sample_from_the_plan_document() -> None:
    rows = parse_record(SAMPLE.read_text(encoding="utf-8"))
    assert [r.number for r in rows] == list(range(1, 9))
    first = rows[0]
    assert first.name == "政府數位轉型新視界" and first.code == "PCENTER112100461"
    assert first.start == datetime(2023, 1, 1, 8) and first.end == datetime(2023, 1, 1, 9)
    assert first.passed and first.certified_hours == 1.0
    assert rows[5].certified_hours == 2.0


def test_header_is_optional_and_spaces_work() -> None:
    text = record_text([("友善職場", "2023-03-01 19:00:00", "2023-03-01 19:30:00")], header=False)
    assert parse_record(text)[0].name == "友善職場"
    spaced = "1  開放式  友善職場 (PKCG112100999)  2023-03-01 19:00:00~2023-03-01 19:30:00  00:30:00  100  已填  已通過  1.0  成功"
    (row,) = parse_record(spaced)
    assert row.name == "友善職場" and row.passed and row.code == "PKCG112100999"


def test_failed_row_is_read_as_not_passed() -> None:
    text = record_text([("友善職場", "2023-03-01 19:00:00", "2023-03-01 19:30:00", "未通過")])
    (row,) = parse_record(text)
    assert not row.passed and row.status == "未通過"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "record.empty"),
        ("   \n\n", "record.empty"),
        ("hello there\nhow are you", "record.unreadable"),
        ("No.\t課程類型\t課程名稱\t上課期間\n", "record.unreadable"),
        ("x" * 300_000, "record.too_long"),
    ],
)
def test_unusable_text(text: str, reason: str) -> None:
    with pytest.raises(RecordError) as caught:
        parse_record(text)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("台灣 2050 淨零排放路徑及政策", "台灣2050淨零排放路徑及政策"),
        ("臺灣２０５０淨零排放路徑及政策", "台灣2050淨零排放路徑及政策"),
        ("職場 Power:打造故事力", "職場Power：打造故事力"),
        ("公務英文 E-mail 篇", "公務英文E-mail篇"),
        ("智慧城市治理的趨勢與挑戰（上）", "智慧城市治理的趨勢與挑戰(上)"),
        ("智慧城市治理的趨勢與挑戰(下)", "智慧城市治理的趨勢與挑戰(下)"),
        ("行政程序法與案例解析(陳慈陽講座)", "行政程序法與案例解析"),
        ("认识日常生活中的「隐微」歧视", "認識日常生活中的「隱微」歧視"),
    ],
)
def test_course_names_match_tolerantly(kaohsiung: Plan, written: str, expected: str) -> None:
    course = CourseMatcher(kaohsiung).match(written)
    assert course is not None and course.name == expected


def test_sibling_courses_are_not_confused(kaohsiung: Plan) -> None:
    matcher = CourseMatcher(kaohsiung)
    assert matcher.match("智慧城市治理的趨勢與挑戰") is None  # ambiguous between (上) and (下)
    assert matcher.match("上班族如何維持規律的運動") is None
    assert matcher.match("anything", "PCENTER112100461").name == "政府數位轉型新視界"  # type: ignore[union-attr]
