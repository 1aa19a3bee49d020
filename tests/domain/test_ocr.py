"""Reading learning-record screenshots offline: the real OCR engine on rendered pictures.

The pictures are drawn by tests/support/screenshots.py from real course rows of both plans,
chosen for the characters OCR gets wrong: brackets (上)(下), 「」, 【】, full-width
punctuation, English letters and digits. A course must come back as the plan's course
(through the same matcher the bot uses), with its exact study period, status and hours.
The engine is loaded once per session and each picture is read once.
"""

from __future__ import annotations

import io
import itertools
import re
import threading
from collections.abc import Sequence

import pytest
from PIL import Image, ImageDraw
from rapidfuzz import fuzz

from bot.domain.course_match import CourseMatcher
from bot.domain.ocr import (
    DET_PIXELS,
    MAX_BYTES,
    STRIP_OVERLAP,
    ImageError,
    RapidOcrEngine,
    decode,
    default_engine,
    strips,
    working_size,
)
from bot.domain.record import parse_record
from bot.domain.record_reading import RecordReading, read_record
from bot.plans.model import Plan
from tests.support.reading import card_records, strip_code, table_records
from tests.support.screenshots import FONT_DIR, INK, Row, as_jpeg, font, pc_table, phone_shots

pytestmark = pytest.mark.skipif(
    not (FONT_DIR / "NotoSansCJK-Regular.ttc").exists(), reason="needs Debian's fonts-noto-cjk (.ci/run installs it)"
)

KAOHSIUNG_ROWS = [
    Row("台灣2050淨零排放路徑及政策", "2023-03-04 19:05:00", "2023-03-04 20:17:00", code="PTAINAN112100075"),
    Row(
        "認識日常生活中的「隱微」歧視",
        "2023-04-08 09:30:00",
        "2023-04-08 11:42:00",
        hours="2.0",
        code="PCENTER112100490",
    ),
    Row("智慧城市治理的趨勢與挑戰(上)", "2023-05-13 20:00:00", "2023-05-13 22:03:00", hours="2.0"),
    Row("智慧城市治理的趨勢與挑戰(下)", "2023-05-14 08:10:00", "2023-05-14 10:26:00", status="未通過", hours="0.0"),
    Row("職場Power：打造故事力", "2023-06-03 18:45:00", "2023-06-03 19:51:00"),
    Row("來玩六龜，遛溜忘歸", "2023-06-10 07:00:00", "2023-06-10 08:09:00", code="PKCG112100138"),
    Row("地方創生-產業永續與重生", "2023-07-01 21:15:00", "2023-07-01 22:28:00", code="PKCG112100051"),
]
HSINCHU_ROWS = [
    Row("5G網路、應用與資安議題", "2020-03-07 19:00:00", "2020-03-07 20:04:00"),
    Row(
        "【資安通識】面對資通安全管理法該如何應對及生活化資安意識的提升",
        "2020-04-11 09:00:00",
        "2020-04-11 11:08:00",
        hours="2.0",
    ),
    Row("CEDAW施行法-暫行特別措施及案例", "2020-05-02 13:20:00", "2020-05-02 16:31:00", hours="3.0"),
    Row("如何學習第二語言？聽聽語言學家怎麼說？", "2020-06-06 20:00:00", "2020-06-06 21:02:00"),
    Row("懸浮微粒—小粒子的大衝擊", "2020-07-04 08:30:00", "2020-07-04 10:39:00", hours="2.0"),
    Row("你不能不知道的新興毒品X檔案", "2020-08-01 22:00:00", "2020-08-01 23:01:00", status="未通過", hours="0.0"),
]
NOT_IN_PLAN = [
    Row("智慧城市治理的趨勢與挑戰(中)", "2023-05-20 20:00:00", "2023-05-20 21:00:00"),
    Row("區塊鏈技術與數位治理應用", "2023-05-21 20:00:00", "2023-05-21 21:00:00"),
]


@pytest.fixture(scope="session")
def engine() -> RapidOcrEngine:
    e = RapidOcrEngine()
    e.load()
    return e


@pytest.fixture(scope="session")
def read(engine: RapidOcrEngine) -> dict[str, list[list[str]]]:
    """Every picture of the module read once: name → lines of each picture."""
    pictures = {
        "pc-kaohsiung": [pc_table(KAOHSIUNG_ROWS)],
        "pc-hsinchu": [pc_table(HSINCHU_ROWS)],
        "pc-not-in-plan": [pc_table(NOT_IN_PLAN)],
        "pc-kaohsiung-jpeg": [as_jpeg(pc_table(KAOHSIUNG_ROWS), scale=1.05)],
        "phone-kaohsiung": phone_shots(KAOHSIUNG_ROWS),
        "phone-hsinchu": phone_shots(HSINCHU_ROWS, width=750, height=1624),
        "phone-hsinchu-jpeg": [as_jpeg(s) for s in phone_shots(HSINCHU_ROWS)],
        "phone-hsinchu-scrolling": [scrolling_shot(HSINCHU_ROWS)],
    }
    return {k: [engine.read(p) for p in shots] for k, shots in pictures.items()}


def scrolling_shot(rows: Sequence[Row]) -> bytes:
    """One phone screenshot of the whole card list (a "scrolling screenshot")."""
    (shot,) = phone_shots(rows, per_shot=len(rows), overlap=0, height=620 * len(rows) + 400)
    return shot


def assert_rows_read(
    plan: Plan, rows: Sequence[Row], records: Sequence[dict[str, str]], name: str, period: str
) -> None:
    matcher = CourseMatcher(plan)
    found = {}
    for r in records:
        course = matcher.match(strip_code(r.get(name, "")))
        if course is not None:
            found.setdefault(course.name, []).append(r)
    for row in rows:
        assert row.name in found, f"{row.name} not read; read: {[r.get(name) for r in records]}"
        whole = [r for r in found[row.name] if {period, "通過狀態", "認證時數"} <= r.keys()]  # cut cards lack some
        assert whole, found[row.name]
        rec = whole[0]
        when = re.sub(r"\s*~\s*", "~", rec[period])
        assert f"{row.start}~{row.end}" == when.strip(), rec
        assert rec["通過狀態"] == row.status, rec
        assert rec["認證時數"] == row.hours, rec


@pytest.mark.parametrize(("key", "plan_name", "rows"), [
    ("pc-kaohsiung", "kaohsiung", KAOHSIUNG_ROWS),
    ("pc-kaohsiung-jpeg", "kaohsiung", KAOHSIUNG_ROWS),
    ("pc-hsinchu", "hsinchu", HSINCHU_ROWS),
])  # fmt: skip
def test_desktop_table_one_line_per_row(
    read: dict[str, list[list[str]]], key: str, plan_name: str, rows: list[Row], request: pytest.FixtureRequest
) -> None:
    plan = request.getfixturevalue(plan_name)
    records = table_records(read[key][0])
    assert len(records) == len(rows)
    assert [r["No."] for r in records] == [str(n) for n in range(1, len(rows) + 1)]
    assert all(r["通過條件"].startswith("課程測驗") and "需填問卷" in r["通過條件"] for r in records)
    assert_rows_read(plan, rows, records, "課程名稱", "上課期間")


@pytest.mark.parametrize(("key", "plan_name", "rows"), [
    ("phone-kaohsiung", "kaohsiung", KAOHSIUNG_ROWS),
    ("phone-hsinchu", "hsinchu", HSINCHU_ROWS),
    ("phone-hsinchu-jpeg", "hsinchu", HSINCHU_ROWS),
])  # fmt: skip
def test_phone_cards_over_overlapping_shots(
    read: dict[str, list[list[str]]], key: str, plan_name: str, rows: list[Row], request: pytest.FixtureRequest
) -> None:
    shots = read[key]
    assert len(shots) >= 2
    assert all(lines[0].startswith("10:24") for lines in shots)  # the status bar is a line of its own
    assert_rows_read(request.getfixturevalue(plan_name), rows, card_records(shots), "課程名稱", "上課期間")


def test_scrolling_screenshot_read_in_strips(read: dict[str, list[list[str]]], hsinchu: Plan) -> None:
    with Image.open(io.BytesIO(scrolling_shot(HSINCHU_ROWS))) as img:
        assert len(strips(*working_size(*img.size))) >= 2  # the seam between strips crosses the cards
    lines = read["phone-hsinchu-scrolling"][0]
    assert sum(line.startswith("No.\t") for line in lines) == len(HSINCHU_ROWS)  # no card read twice
    assert_rows_read(hsinchu, HSINCHU_ROWS, card_records([lines]), "課程名稱", "上課期間")


@pytest.mark.parametrize(
    ("width", "height"), [(600, 1300), (600, 1700), (600, 20_000), (1920, 1194), (2000, 300), (37, 9)]
)
def test_strips_cover_the_picture_within_the_budget(width: int, height: int) -> None:
    bands = strips(width, height)
    assert bands[0][0] == 0 and bands[-1][1] == height
    for (_, bottom), (top, _) in itertools.pairwise(bands):
        assert bottom - top >= STRIP_OVERLAP
    if len(bands) > 1:
        assert all(width * (bottom - top) <= DET_PIXELS for top, bottom in bands)
        assert all((bottom - top) % 32 == 0 for top, bottom in bands)  # no resizing in the detector


def test_one_line_picture(engine: RapidOcrEngine) -> None:
    img = Image.new("RGB", (360, 20), "white")  # lower than the detector's smallest input
    ImageDraw.Draw(img).text((4, 0), "認證時數 2.0 已通過", font=font(16), fill=INK)
    out = io.BytesIO()
    img.save(out, "PNG")
    assert [line.replace("\t", " ") for line in engine.read(out.getvalue())] == ["認證時數 2.0 已通過"]


def test_course_not_in_plan_is_not_matched(read: dict[str, list[list[str]]], kaohsiung: Plan) -> None:
    records = table_records(read["pc-not-in-plan"][0])
    assert len(records) == len(NOT_IN_PLAN)
    matcher = CourseMatcher(kaohsiung)
    for row, rec in zip(NOT_IN_PLAN, records, strict=True):
        assert fuzz.ratio(rec["課程名稱"], row.name) >= 80  # read, just not a course of the plan
        assert matcher.match(rec["課程名稱"]) is None, rec


def test_desktop_table_through_the_record_parser(read: dict[str, list[list[str]]], kaohsiung: Plan) -> None:
    rows = parse_record("\n".join(read["pc-kaohsiung"][0]))
    assert_completions(kaohsiung, read_record(kaohsiung, rows), KAOHSIUNG_ROWS)


def assert_completions(plan: Plan, reading: RecordReading, rows: Sequence[Row]) -> None:
    """Exactly the rendered passed courses, once each, with their study periods."""
    matcher = CourseMatcher(plan)
    expected = {}
    for r in rows:
        course = matcher.match(r.name)
        assert course is not None
        if r.status == "已通過":
            expected[course.key] = (r.start, r.end)
    assert not reading.unmatched
    assert sorted(c.course_key for c in reading.completions) == sorted(expected)
    for c in reading.completions:
        assert c.start is not None and c.end is not None
        assert (f"{c.start:%Y-%m-%d %H:%M:%S}", f"{c.end:%Y-%m-%d %H:%M:%S}") == expected[c.course_key]


def test_phone_shots_through_the_record_parser(read: dict[str, list[list[str]]], kaohsiung: Plan) -> None:
    rows = parse_record("\n".join(line for lines in read["phone-kaohsiung"] for line in lines))
    assert_completions(kaohsiung, read_record(kaohsiung, rows), KAOHSIUNG_ROWS)


def test_garbage_is_refused(engine: RapidOcrEngine) -> None:
    for data in (b"", b"not an image at all", b"%PDF-1.4\n" + b"0" * 100, pc_table(NOT_IN_PLAN)[:2000]):
        with pytest.raises(ImageError) as err:
            engine.read(data)
        assert err.value.reason == "record.image_unreadable"


def test_oversize_is_refused(engine: RapidOcrEngine) -> None:
    with pytest.raises(ImageError) as err:
        engine.read(b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_BYTES)
    assert err.value.reason == "record.image_too_large"
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, "PNG")  # 48 megapixels in a few kilobytes
    with pytest.raises(ImageError) as err:
        engine.read(out.getvalue())
    assert err.value.reason == "record.image_too_large"


def test_exif_rotation_is_undone() -> None:
    upright = Image.open(io.BytesIO(phone_shots(HSINCHU_ROWS[:2], width=750, height=1624)[0]))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view": the sensor's picture lies on its side
    out = io.BytesIO()
    upright.rotate(90, expand=True).save(out, "JPEG", exif=exif)
    assert decode(out.getvalue()).size == upright.size


def test_one_default_engine_for_every_thread() -> None:
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(default_engine())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(e) for e in seen}) == 1


def test_concurrent_reads_agree(engine: RapidOcrEngine) -> None:
    shot = phone_shots(HSINCHU_ROWS[:1], width=750, height=1624)[0]
    results: list[list[str]] = []
    threads = [threading.Thread(target=lambda: results.append(engine.read(shot))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and results[0] == results[1]
