"""Numbers and dates the way staff read them: 4 小時, 112年8月31日（四）, Thu 31 Aug 2023."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache, lru_cache
from typing import Literal

from babel import Locale
from babel.dates import format_date, get_day_names

from bot.i18n import current_lang, folder_of, t, tn


def num(value: float) -> str:
    """4.0 → "4", 1.5 → "1.5"."""
    return f"{value:g}"


def roc_year(day: date) -> int:
    return day.year - 1911


@cache
def babel_locale(lang: str) -> Locale:
    """Parsed once: given a name, babel searches its ~1,000 locales on every call (125 µs)."""
    return Locale.parse(folder_of(lang))


def weekday(day: date) -> str:
    style: Literal["narrow", "abbreviated"] = "narrow" if current_lang() == "zh-TW" else "abbreviated"
    return str(get_day_names(style, locale=babel_locale(current_lang()))[day.weekday()])


def show_date(day: date | datetime) -> str:
    """zh-TW: 112年8月31日（四）; en: Thu 31 Aug 2023."""
    if isinstance(day, datetime):
        day = day.date()
    return _show_date(day, current_lang())


@lru_cache(maxsize=4096)
def _show_date(day: date, lang: str) -> str:
    return t(
        "date.format",
        roc_year=roc_year(day),
        year=day.year,
        month=day.month,
        day=day.day,
        month_name=format_date(day, "MMM", locale=babel_locale(current_lang())),
        weekday=weekday(day),
    )


def show_time(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def show_hours(hours: float) -> str:
    return tn("unit.hours", hours)
