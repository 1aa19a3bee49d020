"""Translations from gettext catalogs in `locales/`, with the current locale in a ContextVar.

Message ids are stable keys (e.g. `status.header`) and every locale, zh_TW included,
translates them, so translators work with ordinary `.po` files and no English text is
privileged in code. Catalogs are compiled in memory at start, so there is no build step.
"""

from __future__ import annotations

import gettext
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot import shipped

LOCALES_DIR: Path = shipped.LOCALES_DIR  # the checkout's locales/, or the copy in an installed wheel
DEFAULT_LANG = "zh-TW"
LANGS = ("zh-TW", "en")

log = logging.getLogger(__name__)
_current: ContextVar[str] = ContextVar("lang", default=DEFAULT_LANG)


def folder_of(lang: str) -> str:
    """`zh-TW` → `zh_TW`: keep the territory, which decides Traditional characters."""
    return lang.replace("-", "_")


def normalize_lang(value: str | None) -> str | None:
    """Map a platform's language hint (zh-hant, zh_TW, en-US…) to a supported language."""
    if not value:
        return None
    low = value.strip().lower().replace("_", "-")
    if low.startswith("en"):
        return "en"
    if low.startswith("zh"):
        return "zh-TW"
    return None


@cache
def catalog(lang: str) -> gettext.GNUTranslations:
    path = LOCALES_DIR / folder_of(lang) / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        po = read_po(fh, locale=folder_of(lang))
    buffer = io.BytesIO()
    write_mo(buffer, po)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def current_lang() -> str:
    return _current.get()


@contextmanager
def using(lang: str) -> Iterator[None]:
    token = _current.set(lang if lang in LANGS else DEFAULT_LANG)
    try:
        yield
    finally:
        _current.reset(token)


def _lookup(key: str, lang: str) -> str:
    text = catalog(lang).gettext(key)
    if text == key and lang != DEFAULT_LANG:
        text = catalog(DEFAULT_LANG).gettext(key)
    if text == key:
        log.error("missing message %s", key)
    return text


def t(key: str, /, **params: Any) -> str:
    """The message `key` in the current language, with `{name}` fields filled in."""
    text = _lookup(key, current_lang())
    return text.format(**params) if params else text


def tn(key: str, n: float, /, **params: Any) -> str:
    """Plural-aware message; `n` is also available to the text as `{n}`."""
    lang = current_lang()
    count = int(n) if float(n).is_integer() else 2
    text = catalog(lang).ngettext(key, key, count)
    if text == key:
        text = _lookup(key, lang)
    return text.format(n=f"{n:g}", **params)
