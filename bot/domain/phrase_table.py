"""OpenCC's phrase dictionary in a tenth of the memory a dict of it takes.

opencc-python-reimplemented reads each dictionary file into a dict of str → str: for the
49,000 Simplified phrases of STPhrases.txt that is about 10 MB held for the life of the
process, a tenth of the bot's whole budget, for the odd question typed in Simplified. The
converter only ever asks `key in table` and `table[key]`, so the same phrases kept sorted in
two packed strings with their offsets answer those by binary search, in about 2 MB.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterator, Mapping
from pathlib import Path

# A bit per hash value of the keys (128 KB): the converter tries every substring of a text up to
# 16 characters against the table, and this turns nearly all misses away at once.
_BITS = 1 << 20
_MASK = _BITS - 1


class _Column:
    """The i-th string of a packed column, for bisect (which needs only len and [i])."""

    def __init__(self, text: str, ends: array) -> None:
        self._text = text
        self._ends = ends

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> str:
        start = self._ends[i - 1] if i else 0
        return self._text[start : self._ends[i]]


class _Packer:
    """Strings appended into one, a few hundred at a time (io.StringIO would keep every
    written piece as its own object until the end, the peak this module avoids)."""

    BATCH = 512

    def __init__(self) -> None:
        self._chunks: list[str] = []
        self._batch: list[str] = []
        self._ends = array("I")
        self._total = 0

    def add(self, s: str) -> None:
        self._total += len(s)
        self._ends.append(self._total)
        self._batch.append(s)
        if len(self._batch) >= self.BATCH:
            self._chunks.append("".join(self._batch))
            self._batch.clear()

    def column(self) -> _Column:
        return _Column("".join(self._chunks) + "".join(self._batch), self._ends)


class PhraseTable(Mapping[str, str]):
    """A read-only key → value table, read from an OpenCC dictionary file.

    The file is read a line at a time and packed as it goes, so that building the table
    never holds the 49,000 phrases as separate objects (their memory would stay with the
    process). The files are sorted but for a handful of lines: those few go to a small dict.
    """

    def __init__(self, path: Path) -> None:
        keys, values = _Packer(), _Packer()
        self._unsorted: dict[str, str] = {}
        seen = self._seen = bytearray(_BITS // 8)
        last = ""
        longest, shortest = 1, 1000  # as the library starts them
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if not line:
                    continue
                key, value = line.split("\t")  # as the library reads a line
                n = len(key)
                if n > longest:
                    longest = n
                if n < shortest:
                    shortest = n
                if key <= last:
                    self._unsorted[key] = value
                    continue
                last = key
                h = hash(key) & _MASK
                seen[h >> 3] |= 1 << (h & 7)
                keys.add(key)
                values.add(value)
        self.max_len, self.min_len = longest, shortest
        self._keys = keys.column()
        self._values = values.column()

    def _find(self, key: str) -> int:
        h = hash(key) & _MASK
        if not self._seen[h >> 3] & (1 << (h & 7)):
            return -1  # most words looked up are in no dictionary: answered without a search
        i = bisect_left(self._keys, key)
        return i if i < len(self._keys) and self._keys[i] == key else -1

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and (key in self._unsorted or self._find(key) >= 0)

    def __getitem__(self, key: str) -> str:
        if key in self._unsorted:
            return self._unsorted[key]
        i = self._find(key)
        if i < 0:
            raise KeyError(key)
        return self._values[i]

    def __len__(self) -> int:
        return len(self._keys) + len(self._unsorted)

    def __iter__(self) -> Iterator[str]:
        yield from (self._keys[i] for i in range(len(self._keys)))
        yield from self._unsorted
