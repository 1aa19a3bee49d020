"""How people name what the plan calls otherwise: English and everyday words for courses and
categories (the glossary of bot/qa/vocabulary.yaml), dates as they type them, other years."""

from __future__ import annotations

from pathlib import Path

from tests.qa.asking import ask


async def test_courses_by_english_and_everyday_words(tmp_path: Path) -> None:
    net_zero, care, smart = await ask(
        tmp_path,
        "kaohsiung-112",
        "en",
        ["Is there a class on net zero?", "有沒有講長照的課", "smart city course, how long?"],
    )
    assert (
        "台灣2050淨零排放路徑及政策: 1 hour" in net_zero.first and "永續發展，邁向淨零未來: 3 hours" in net_zero.first
    )
    assert "「台灣長照趨勢」: 1 hour" in care.first
    assert "智慧城市治理的趨勢與挑戰(上)" in smart.first and "智慧城市治理的趨勢與挑戰(下)" in smart.first
    assert {net_zero.outcome, care.outcome, smart.outcome} == {"answered"}


async def test_abbreviations_and_subjects_list_every_course_on_them(tmp_path: Path) -> None:
    ai, gender, epidemic = await ask(
        tmp_path, "hsinchu-109", "zh-TW", ["ＡＩ那門課多久", "性平的課有哪些", "防疫的課有幾堂"]
    )
    assert "人工智慧在臺灣" in ai.first and "2 小時" in ai.first
    assert "多元性別權益保障教育訓練" in gender.first and "CEDAW" in gender.first
    assert "海外防疫與保健" in epidemic.first and "傳染病防治" in epidemic.first


async def test_a_course_named_in_full_is_that_course(tmp_path: Path) -> None:
    (seen,) = await ask(tmp_path, "hsinchu-109", "zh-TW", ["5G網路、應用與資安議題幾小時"])
    assert seen.first.startswith("「5G網路、應用與資安議題」：1 小時")


async def test_categories_by_their_english_names(tmp_path: Path) -> None:
    (seen,) = await ask(tmp_path, "kaohsiung-112", "en", ["How many hours of environmental education?"])
    assert seen.first.startswith("「環境教育」") and "4 hours" in seen.first


async def test_the_plans_dates_as_people_type_them(tmp_path: Path) -> None:
    (hsinchu,) = await ask(tmp_path, "hsinchu-109", "zh-TW", ["九月三十號以前要做什麼"])
    assert "109年9月30日" in hsinchu.first and "學習紀錄" in hsinchu.first and hsinchu.outcome == "answered"
    end_of_month, slash = await ask(tmp_path, "kaohsiung-112", "zh-TW", ["八月底前上完就可以嗎", "8/31是什麼日子"])
    assert "112年8月31日" in end_of_month.first and "112年8月31日" in slash.first


async def test_other_years_and_other_matters_are_declined(tmp_path: Path) -> None:
    questions = ["明年的組裝課程有哪些", "婚假可以請幾天", "How do I request sick leave?", "補休可以讓給同事嗎"]
    questions += ["補休可以預借嗎", "嘉獎可以加考績幾分", "Can I watch the courses at double speed?"]
    seen = await ask(tmp_path, "kaohsiung-112", "zh-TW", questions)
    assert [s.outcome for s in seen] == ["declined"] * len(questions)
    assert "其他年度的計畫請洽人事單位" in seen[0].first
    assert all("02-2397-9108" in s.first for s in seen)  # who to ask instead


async def test_words_one_typo_from_an_out_of_scope_word_are_not_declined(tmp_path: Path) -> None:
    (seen,) = await ask(tmp_path, "kaohsiung-112", "en", ["Which course covers current major government policy?"])
    assert seen.outcome == "answered" and "政府數位轉型新視界" in seen.first  # policy is not police


async def test_the_line_asked_about_leads_a_long_answer(tmp_path: Path) -> None:
    (seen,) = await ask(tmp_path, "kaohsiung-112", "en", ["can i log in with my google account"])
    assert "cannot be merged" in seen.first and len(seen.first) <= 600


async def test_a_step_answer_shows_the_warning_asked_about_and_keeps_the_rest_behind_more(tmp_path: Path) -> None:
    (seen,) = await ask(tmp_path, "kaohsiung-112", "zh-TW", ["忘記密碼怎麼辦"])
    assert "「忘記密碼」取得新密碼後" in seen.first
    assert "Google 或 Facebook" not in seen.first  # a warning not asked about waits behind 「更多」
    assert len(seen.first) <= 400 and any("更多" in label for label in seen.buttons)


async def test_channels_are_named_first(tmp_path: Path) -> None:
    (seen,) = await ask(tmp_path, "hsinchu-109", "en", ["What other ways to learn does the city promote?"])
    head = seen.first.split("\n")[0]
    assert all(name in head for name in ("Open courses", "MOOCs", "E-books", "Live-streamed courses"))
