"""What an answer says of the plan reads as the plan says it: each figure once, no word doubled
by a template (「核定之日起起至」), the hours a reward takes beside the reward."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from bot.core.clock import TAIPEI
from tests.qa.asking import ask

PLANS = Path(__file__).resolve().parents[1] / "data" / "plans"


async def test_a_period_without_a_start_date_reads_once(tmp_path: Path) -> None:
    (zh,) = await ask(tmp_path, "hsinchu-109", "zh-TW", ["計畫期程到什麼時候"])
    assert "期程：本計畫核定之日起至109年12月31日（四）止" in zh.first
    (en,) = await ask(tmp_path, "hsinchu-109", "en", ["How long does the plan run?"])
    assert "runs from the plan's approval to Thu, Dec 31, 2020" in en.first


async def test_a_period_the_rules_file_words_in_full_is_shown_as_written(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(PLANS / "taoyuan-113.yaml", rules)  # start_text: 自本計畫核定之日起至113年12月31日止
    day = datetime(2024, 6, 3, 20, 0, tzinfo=TAIPEI)
    (seen,) = await ask(tmp_path, "taoyuan-113", "zh-TW", ["計畫期程"], rules=rules, day=day)
    assert "期程：自本計畫核定之日起至113年12月31日止。" in seen.first
    assert seen.first.count("至") == 1


async def test_a_title_shared_by_two_bundles_is_listed_once(tmp_path: Path) -> None:
    (seen,) = await ask(tmp_path, "kaohsiung-112", "zh-TW", ["平臺上的組裝課程叫什麼名字"])
    assert seen.first.count("「高雄市政府112年度數位學習組裝課程－e猶未盡上課趣」") == 1
    assert "「高雄市政府112年度數位學習組裝課程－e馬當先育職能」（10 小時）" in seen.first


async def test_a_bundle_and_its_hours_are_named_together(tmp_path: Path) -> None:
    title, leave = await ask(tmp_path, "hsinchu-109", "en", ["What is the plan called?", "comp leave?"])
    assert "「新竹市政府109年度數位學習組裝課程」 (30 hours)" in title.first
    assert "Complete 新竹市政府109年度數位學習組裝課程 (30 hours): 8 hours" in leave.first


async def test_the_english_group_is_named_with_what_it_trains(tmp_path: Path) -> None:
    (seen,) = await ask(tmp_path, "kaohsiung-112", "zh-TW", ["四個部分分別是什麼"])
    assert "・e猶未盡上課趣（英語能力訓練）：英語大聲公或機智英檢生活" in seen.first
