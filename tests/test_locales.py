"""Every message the code uses exists in both catalogs with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, t, using

ROOT = Path(__file__).resolve().parents[1]
KEY_USE = re.compile(r'(?:\bt|\btn|button|_b)\(\s*"([a-z_]+\.[a-z0-9_.-]+)"|\(\s*"(button\.[a-z0-9_.]+)"\s*,')


def catalog(lang: str) -> dict[str, object]:
    with (LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in read_po(fh) if m.id}


def fields(text: object) -> set[str]:
    texts = text if isinstance(text, tuple | list) else [text]
    return {name for s in texts for _, name, _, _ in string.Formatter().parse(str(s)) if name}


def used_keys() -> set[str]:
    keys = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for a, b in KEY_USE.findall(path.read_text(encoding="utf-8")):
            keys.add(a or b)
    return keys


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    zh, en = catalog("zh_TW"), catalog("en")
    assert zh.keys() == en.keys()
    for key in zh:
        if key != "date.format":  # each language picks its own parts of the date
            assert fields(zh[key]) == fields(en[key]), key
        assert zh[key] and en[key], key


def test_every_key_used_in_code_is_translated() -> None:
    zh = catalog("zh_TW")
    missing = sorted(k for k in used_keys() if k not in zh)
    assert not missing


@pytest.mark.parametrize(("lang", "expected"), [("zh-TW", "112年8月31日（四）"), ("en", "Thu, Aug 31, 2023")])
def test_dates_as_staff_read_them(lang: str, expected: str) -> None:
    from datetime import date

    from bot.render.numbers import show_date

    with using(lang):
        assert show_date(date(2023, 8, 31)) == expected


def test_zh_tw_keeps_its_territory() -> None:
    with using("zh-TW"):
        assert t("button.menu") == "🏠 選單"
