"""Regenerate bot/qa/syllables.txt from pypinyin: one toneless syllable per character.

    .venv/bin/python tools/make_syllables.py

The bot matches homophones by one syllable per character (bot.qa.features.sounds_of).
pypinyin holds that reading for 42,000 characters in a 12 MB dictionary loaded at start;
the bot needs only its first reading without tone, which this file keeps in 143 KB and
bot.qa.syllables holds in 400 KB. tests/qa/test_syllables.py checks the file against
pypinyin for every character, so a pypinyin upgrade that changes a reading is noticed.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")
from pypinyin import lazy_pinyin
from pypinyin.pinyin_dict import pinyin_dict

TARGET = Path(__file__).resolve().parents[1] / "bot" / "qa" / "syllables.txt"
HEADER = "# One toneless syllable per character, from pypinyin; made by tools/make_syllables.py.\n"


def readings() -> dict[str, str]:
    """{syllable: the characters read so}, each character under its first reading."""
    by_sound: dict[str, list[str]] = defaultdict(list)
    for code in sorted(pinyin_dict):
        (sound,) = lazy_pinyin(chr(code))
        by_sound[sound].append(chr(code))
    return {sound: "".join(chars) for sound, chars in sorted(by_sound.items())}


def main() -> None:
    lines = [f"{sound}\t{chars}\n" for sound, chars in readings().items()]
    TARGET.write_text(HEADER + "".join(lines), encoding="utf-8")
    print(f"{TARGET}: {len(lines)} syllables, {sum(len(line) - 1 for line in lines)} characters")


if __name__ == "__main__":
    main()
