"""One toneless syllable per Chinese character, for matching homophones (補修 for 補休).

The readings are pypinyin's (its first reading of each character, as `lazy_pinyin` gives it
without its phrase dictionary), kept in syllables.txt by tools/make_syllables.py: pypinyin's
own dictionary costs 12 MB and a tenth of a second at every start for 42,000 characters,
where an array of syllable numbers by code point takes 400 KB.
"""

from __future__ import annotations

from array import array
from pathlib import Path

SYLLABLES_FILE = Path(__file__).with_name("syllables.txt")


class Readings:
    """For each code point from the first to the last character read, its syllable's number + 1
    (0: no reading); 400 KB, looked up in constant time."""

    def __init__(self, path: Path = SYLLABLES_FILE) -> None:
        groups = [line.partition("\t") for line in path.read_text(encoding="utf-8").splitlines() if "\t" in line]
        self.names = [sound for sound, _, _ in groups]
        codes = [ord(c) for _, _, chars in groups for c in chars]
        self.first = min(codes)
        self.numbers = array("H", bytes(2 * (max(codes) - self.first + 1)))
        for number, (_, _, chars) in enumerate(groups, start=1):
            for c in chars:
                self.numbers[ord(c) - self.first] = number

    def sound(self, char: str) -> str:
        """The character's syllable; anything else (a letter, a digit, an unknown character) itself."""
        at = ord(char) - self.first
        number = self.numbers[at] if 0 <= at < len(self.numbers) else 0
        return self.names[number - 1] if number else char

    def sounds(self, text: str) -> tuple[str, ...]:
        return tuple(self.sound(c) for c in text)


READINGS = Readings()
