"""The bot's syllable table reads every character as pypinyin does (without its phrases), so
homophones typed on a phone (補修, 家獎, 整批選科) still match what they stand for."""

from __future__ import annotations

import os

os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")
from pypinyin import lazy_pinyin
from pypinyin.pinyin_dict import pinyin_dict

from bot.qa.features import sounds_of
from bot.qa.syllables import READINGS


def test_every_character_pypinyin_knows_has_its_reading() -> None:
    differ = [chr(c) for c in pinyin_dict if READINGS.sound(chr(c)) != lazy_pinyin(chr(c))[0]]
    assert differ == [], f"{len(differ)} characters read otherwise; run tools/make_syllables.py"


def test_a_question_sounds_as_pypinyin_reads_it_and_other_characters_stand_for_themselves() -> None:
    for text in ("我想問補修最多幾小時", "家獎 8月31日 ＡＰＰ login", "整批選科ㄅ𠮷～", "补休顶多能补几个小时"):
        assert sounds_of(text) == tuple(lazy_pinyin(text, errors=lambda run: list(run)))
    assert sounds_of("補修") == sounds_of("補休") and sounds_of("家獎") == sounds_of("嘉獎")
