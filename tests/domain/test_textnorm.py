"""Simplified text is read as Traditional; Traditional text is left as typed (OpenCC's tables are
loaded only when a text has something for them to change)."""

from __future__ import annotations

import subprocess
import sys

from bot.domain.textnorm import normalize, to_traditional


def test_simplified_and_taiwan_forms_are_converted() -> None:
    assert to_traditional("补休最多几小时") == "補休最多幾小時"
    assert to_traditional("学习纪录怎么打印") == "學習紀錄怎麼列印"
    assert to_traditional("这个软件") == "這個軟體"  # the Taiwan word, not only the characters
    assert normalize("ＡＰＰ 登录？") == "app登入"


def test_traditional_text_is_left_as_typed() -> None:
    assert to_traditional("新竹有嘉獎嗎還是只有補休") == "新竹有嘉獎嗎還是只有補休"  # not 「隻有」
    assert to_traditional("計畫核定後公布") == "計畫核定後公布"
    assert to_traditional("行政程序法的適用對象") == "行政程序法的適用對象"  # not 「程式」, 「物件」


def test_traditional_words_taiwan_writes_as_they_are_are_not_converted() -> None:
    """群 is 羣 in OpenCC's characters and 群 again in its Taiwan variants: a plan or question
    with 族群 is Traditional already, and its 程序 and 通過 must not become 程式 and 透過."""
    assert to_traditional("多元族群文化：行政程序法通過了嗎") == "多元族群文化：行政程序法通過了嗎"
    assert to_traditional("族群补休") == "族群補休"


def test_starting_on_the_shipped_plans_and_reading_traditional_questions_does_not_load_opencc() -> None:
    """The tables cost a tenth of the start-up: the plans, the vocabulary and the matchers are
    all Traditional as Taiwan writes it (vocabulary entries in Simplified would be redundant:
    a question is converted before it is matched)."""
    probe = (
        "import bot.domain.textnorm as t\n"
        "from bot.plans.loader import load_rules_dir\n"
        "from bot.core.services import plan_tools\n"
        "plan_tools(load_rules_dir()); t.normalize('補休最多幾小時')\n"
        "assert t._converter.cache_info().currsize == 0\n"
        "t.normalize('补休'); assert t._converter.cache_info().currsize == 1\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True)


def test_packed_phrase_table_converts_as_opencc_itself_does() -> None:
    """The bot keeps OpenCC's 49,000 phrases packed (bot/domain/phrase_table.py); every
    conversion must be the library's own, phrase for phrase and in running text."""
    import json
    from pathlib import Path

    import opencc

    from bot.domain.textnorm import _converter

    stock = opencc.OpenCC("s2twp")
    data = Path(__file__).resolve().parents[1] / "data" / "qa"
    texts = [json.loads(line)["q"] for f in sorted(data.glob("*.jsonl")) for line in f.read_text("utf-8").splitlines()]
    phrases = Path(opencc.__file__).parent / "dictionary" / "STPhrases.txt"
    keys = [line.split("\t")[0] for line in phrases.read_text(encoding="utf-8").splitlines()[::5]]
    texts += keys + ["".join(keys[i : i + 4]) + "的课" for i in range(0, len(keys), 4)]
    differing = [t for t in texts if _converter().convert(t) != stock.convert(t)]
    assert not differing, differing[:5]
    assert _converter().convert("恒指恒大恒生") == stock.convert("恒指恒大恒生")  # the file's few unsorted lines
