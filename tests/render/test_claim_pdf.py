"""The comp-leave claim form: every field on the page comes from the assessed record.

PDFs are built from the real rules files and read back with pypdf, field by field, in the
order they are printed (a course's name, its study period and its hours in one row).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.domain.calendar import TAIPEI
from bot.domain.eligibility import Assessment, Assessor, Completion
from bot.plans.model import Plan
from bot.render.claim_font import FONT_ENV, ClaimFontError
from bot.render.claim_pdf import Applicant, ApplicantError, claim_pdf, claimable

WEEKDAYS = "一二三四五六日"
APPLICANT = Applicant(name="王小明", unit="高雄市政府人事處綜合企劃科", title="科員")
ALL_FOUR = ("ema", "exing", "ejian", "loud")


def record(plan: Plan, bundles: tuple[str, ...], first: datetime) -> list[Completion]:
    """Each bundle on its own day from `first` on, its courses 20 minutes each from `first`'s hour."""
    rows = []
    for i, bundle_id in enumerate(bundles):
        start = first + timedelta(days=i)
        for course in plan.bundles_by_id[bundle_id].courses:
            end = start + timedelta(minutes=20)
            rows.append(Completion(course.key, start=start, end=end, source="record"))
            start = end
    return rows


def evening(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 19, 0, tzinfo=TAIPEI)


def roc(moment: datetime | date) -> str:
    """112年1月1日（日）, written out here independently of bot.render.numbers."""
    return f"{moment.year - 1911}年{moment.month}月{moment.day}日（{WEEKDAYS[moment.weekday()]}）"


def period(c: Completion) -> str:
    assert c.start and c.end
    return f"{roc(c.start)}{c.start:%H:%M}–{c.end:%H:%M}"


def text_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(pages: list[str]) -> str:
    """All pages' text without whitespace: cells wrap wherever their width ends."""
    return re.sub(r"\s+", "", "".join(pages))


def assess(plan: Plan, completions: list[Completion], as_of: date) -> Assessment:
    return Assessor(plan).assess(completions, as_of)


@pytest.fixture(scope="module")
def four(kaohsiung: Plan) -> tuple[list[Completion], Assessment, bytes]:
    done = record(kaohsiung, ALL_FOUR, evening(date(2023, 1, 1)))
    a = assess(kaohsiung, done, date(2023, 6, 1))
    return done, a, claim_pdf(a, APPLICANT, today=date(2023, 6, 2), completions=done)


@pytest.fixture(scope="module")
def hsinchu_pdf(hsinchu: Plan) -> tuple[list[Completion], Assessment, bytes]:
    done = record(hsinchu, ("hccg",), datetime(2020, 5, 2, 8, 0, tzinfo=TAIPEI))
    a = assess(hsinchu, done, date(2020, 6, 1))
    who = Applicant(name=" 陳美玲 ", unit="新竹市政府人事處", title="專員")
    return done, a, claim_pdf(a, who, today=date(2020, 6, 2), completions=done)


def test_kaohsiung_all_four_parts_off_duty(kaohsiung: Plan, four: tuple[list[Completion], Assessment, bytes]) -> None:
    done, a, pdf = four
    assert a.comp_leave_hours == 16
    text = flat(text_of(pdf))
    assert kaohsiung.plan.title.zh_TW == "高雄市政府112年度推動數位學習－「雄心高飛·e表人才」實施計畫"
    assert text.startswith("附件3" + kaohsiung.plan.title.zh_TW + "公餘時間完成數位學習補休申請表")
    assert "姓名王小明職稱科員服務單位高雄市政府人事處綜合企劃科申請日期112年6月2日（五）" in text
    by_key = {c.course_key: c for c in done}
    number = 0
    for bundle_id in ALL_FOUR:
        bundle = kaohsiung.bundles_by_id[bundle_id]
        assert f"組裝課程：{bundle.name}（{len(bundle.courses)}門課程）104" in text
        for course in bundle.courses:
            number += 1
            row = f"{number}{course.name}{period(by_key[course.key])}{course.hours:g}"
            assert row.replace(" ", "") in text, row
    assert "1政府數位轉型新視界112年1月1日（日）19:00–19:201" in text
    assert "申請補休時數合計（最高16小時）16" in text
    assert "完成期限：課程須於112年8月31日（四）前完成" in text
    assert "檢附平臺學習紀錄：「e等公務園⁺學習平臺」個人專區→學習紀錄" in text
    assert "所附學習紀錄起迄時間均應為公餘時間；留職停薪期間完成規定時數者" in text
    assert "□上列課程之上課起迄時間均為公餘時間。□上列課程非於留職停薪期間完成。" in text
    assert "核章申請人單位主管人事單位" in text
    assert "機智英檢生活" not in text  # the English group counts once, by the bundle done


def test_the_table_continues_on_page_two_under_its_header(four: tuple[list[Completion], Assessment, bytes]) -> None:
    pages = [re.sub(r"\s+", "", p) for p in text_of(four[2])]
    assert len(pages) == 2
    header = "序號課程名稱上課期間（起迄時間）時數補休時數"
    assert all(header in p for p in pages)
    assert "第1頁／共2頁" in pages[0] and "第2頁／共2頁" in pages[1]


def test_font_is_embedded_subset_and_prints_the_plus(four: tuple[list[Completion], Assessment, bytes]) -> None:
    pdf = four[2]
    assert len(pdf) < 1_000_000
    reader = PdfReader(io.BytesIO(pdf))
    names = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font["/BaseFont"]
            names.append(str(font["/BaseFont"]))
    assert any("NotoSansCJKTC" in n for n in names)
    assert all(re.match(r"/[A-Z]{6}\+", n) for n in names)  # subset tags
    assert "e等公務園⁺學習平臺" in "".join(text_of(pdf))


def test_two_bundles_give_eight_hours_and_list_only_those(kaohsiung: Plan) -> None:
    done = record(kaohsiung, ("ema", "ejian"), evening(date(2023, 3, 4)))
    a = assess(kaohsiung, done, date(2023, 6, 1))
    text = flat(text_of(claim_pdf(a, APPLICANT, today=date(2023, 6, 2), completions=done)))
    assert "組裝課程：e馬當先育職能（8門課程）104" in text
    assert "組裝課程：e見鍾情戀高雄（7門課程）104" in text
    assert "申請補休時數合計（最高16小時）8" in text
    for absent in ("e興盎然學專業", "英語大聲公", "行政程序法與案例解析"):
        assert absent not in text


def test_a_bundle_done_in_office_hours_is_not_listed(kaohsiung: Plan) -> None:
    done = record(kaohsiung, ("ema",), evening(date(2023, 3, 4)))
    done += record(kaohsiung, ("exing",), datetime(2023, 3, 8, 10, 0, tzinfo=TAIPEI))  # a Wednesday morning
    a = assess(kaohsiung, done, date(2023, 6, 1))
    assert a.bundle("exing").complete and a.bundle("exing").comp_leave_hours == 0
    text = flat(text_of(claim_pdf(a, APPLICANT, today=date(2023, 6, 2), completions=done)))
    assert "組裝課程：e馬當先育職能（8門課程）104" in text
    assert "e興盎然學專業" not in text and "行政程序法與案例解析" not in text
    assert "申請補休時數合計（最高16小時）4" in text


def test_the_period_printed_is_the_one_that_counted(kaohsiung: Plan) -> None:
    done = record(kaohsiung, ("ema",), evening(date(2023, 3, 4)))
    first = kaohsiung.bundles_by_id["ema"].courses[0]
    office = Completion(
        first.key,
        start=datetime(2023, 3, 1, 9, tzinfo=TAIPEI),
        end=datetime(2023, 3, 1, 10, tzinfo=TAIPEI),
        source="record",
    )
    a = assess(kaohsiung, [office, *done], date(2023, 6, 1))
    text = flat(text_of(claim_pdf(a, APPLICANT, today=date(2023, 6, 2), completions=[office, *done])))
    assert f"1{first.name}112年3月4日（六）19:00–19:201" in text
    assert "112年3月1日" not in text


def test_hsinchu_cover_sheet(hsinchu: Plan, hsinchu_pdf: tuple[list[Completion], Assessment, bytes]) -> None:
    done, a, pdf = hsinchu_pdf
    assert a.comp_leave_hours == 8
    text = flat(text_of(pdf))
    assert text.startswith("新竹市政府109年度推動數位學習實施計畫數位學習補休申請送件單受文：人事處／服務機關人事單位")
    assert "姓名陳美玲職稱專員服務單位新竹市政府人事處申請日期109年6月2日（二）" in text
    bundle = hsinchu.bundles_by_id["hccg"]
    assert "組裝課程：新竹市政府109年度數位學習組裝課程（20門課程）308" in text
    for number, (course, c) in enumerate(zip(bundle.courses, done, strict=True), 1):
        assert f"{number}{course.name}{period(c)}{course.hours:g}".replace(" ", "") in text
    assert "申請補休時數合計8" in text
    assert "送件期限：請於109年9月30日（三）前檢附學習紀錄送交人事單位" in text
    assert "檢附終身學習入口網「學習時數」紀錄（109年度，列印）" in text
    assert "核給補休1天（8小時）" in text
    assert "核章申請人人事單位" in text
    assert "單位主管" not in text and "公餘時間完成" not in text and "附件3" not in text


def test_another_plan_gets_the_generic_form(kaohsiung: Plan) -> None:
    reward = kaohsiung.rewards[0].model_copy(
        update={"off_duty_required": False, "notes": None, "unpaid_leave": "allowed"}
    )
    plan = kaohsiung.model_copy(update={"rewards": (reward, *kaohsiung.rewards[1:])})
    done = record(plan, ("ema",), datetime(2023, 3, 8, 10, 0, tzinfo=TAIPEI))  # office hours count here
    a = assess(plan, done, date(2023, 6, 1))
    text = flat(text_of(claim_pdf(a, APPLICANT, today=date(2023, 6, 2), completions=done)))
    assert text.startswith("附件3" + plan.plan.title.zh_TW + "數位學習補休申請表依據：")
    assert "組裝課程：e馬當先育職能（8門課程）104" in text
    assert "檢附平臺學習紀錄及「公餘時間完成數位學習補休申請表」（附件3）" in text  # the plan's own claim text
    assert "□" not in text
    assert "核章申請人單位主管人事單位" in text


def test_english_form(kaohsiung: Plan, four: tuple[list[Completion], Assessment, bytes]) -> None:
    done, a, _ = four
    text = flat(text_of(claim_pdf(a, APPLICANT, "en", today=date(2023, 6, 2), completions=done)))
    assert "KaohsiungCityGovernment2023DigitalLearningPlan" in text
    assert "Bundle:e馬當先育職能(8courses)104" in text
    assert "Thu,Aug31,2023" in text
    assert "ApplicantUnitheadPersonneloffice" in text


def test_without_the_record_the_finishing_day_is_shown(kaohsiung: Plan) -> None:
    done = [
        Completion(c.key, end=evening(date(2023, 3, 4)), off_duty_claim=True)
        for c in kaohsiung.bundles_by_id["ema"].courses
    ]
    a = assess(kaohsiung, done, date(2023, 6, 1))
    text = flat(text_of(claim_pdf(a, APPLICANT, today=date(2023, 6, 2))))
    assert "1政府數位轉型新視界112年3月4日（六）完成（自行登錄）1" in text


def test_claimable(kaohsiung: Plan, hsinchu: Plan, four: tuple[list[Completion], Assessment, bytes]) -> None:
    assert claimable(four[1])
    assert not claimable(assess(kaohsiung, [], date(2023, 6, 1)))
    office = record(kaohsiung, ("ema",), datetime(2023, 3, 8, 10, 0, tzinfo=TAIPEI))
    nothing = assess(kaohsiung, office, date(2023, 6, 1))
    assert not claimable(nothing)
    with pytest.raises(ValueError, match=r"^claim\.error\.not_claimable$"):
        claim_pdf(nothing, APPLICANT, completions=office)
    half = record(hsinchu, ("hccg",), evening(date(2020, 5, 2)))[:-1]
    assert not claimable(assess(hsinchu, half, date(2020, 6, 1)))


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("", "claim.error.empty"),
        ("   ", "claim.error.empty"),
        ("王" * 41, "claim.error.too_long"),
        ("王\x07明", "claim.error.control"),
        ("王\u200b明", "claim.error.control"),
    ],
)
def test_applicant_fields_are_checked(value: str, key: str) -> None:
    with pytest.raises(ApplicantError) as err:
        Applicant(name=value, unit="人事處", title="科員")
    assert str(err.value) == key and err.value.field == "name"
    assert isinstance(err.value, ValueError)


def test_applicant_fields_are_stripped() -> None:
    who = Applicant(name=" 王小明\n", unit="人" * 40, title="科員 ")
    assert (who.name, who.title) == ("王小明", "科員")


def test_a_character_no_font_has_fails_loudly(
    kaohsiung: Plan, four: tuple[list[Completion], Assessment, bytes]
) -> None:
    done, a, _ = four
    with pytest.raises(ClaimFontError, match=r"U\+10000.*CLAIM_FONT"):
        claim_pdf(a, Applicant(name="王\U00010000明", unit="人事處", title="科員"), completions=done)


def test_claim_font_override(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, four: tuple[list[Completion], Assessment, bytes]
) -> None:
    done, a, _ = four
    monkeypatch.setenv(FONT_ENV, str(tmp_path / "missing.ttf"))
    with pytest.raises(ClaimFontError, match=FONT_ENV):
        claim_pdf(a, APPLICANT, completions=done)
    latin = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if latin.is_file():
        monkeypatch.setenv(FONT_ENV, str(latin))
        with pytest.raises(ClaimFontError, match=r"no glyph for: .*高.*CLAIM_FONT"):
            claim_pdf(a, APPLICANT, completions=done)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
@pytest.mark.parametrize("which", ["four", "hsinchu_pdf"])
def test_first_page_renders(which: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    pdf: bytes = request.getfixturevalue(which)[2]
    (tmp_path / "claim.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "50",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(tmp_path / "claim.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
        capture_output=True,
    )
    png = (tmp_path / "page.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert abs(height / width - 297 / 210) < 0.01  # A4 portrait
