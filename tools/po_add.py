"""Append messages to both catalogs (developer helper; the .po files stay the source of truth).

Usage: python tools/po_add.py FILE.py  where FILE.py defines MESSAGES = {key: (zh_TW, en)}
and, for plurals, PLURALS = {key: (zh_TW, en_singular, en_plural)}. Existing keys are replaced.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1] / "locales"


def load(lang: str) -> Catalog:
    path = ROOT / lang / "LC_MESSAGES" / "messages.po"
    if path.exists():
        with path.open("rb") as fh:
            return read_po(fh, locale=lang)
    return Catalog(locale=lang, project="elearn-bot", charset="utf-8")


def save(catalog: Catalog, lang: str) -> None:
    catalog.fuzzy = False
    catalog.project, catalog.version = "elearn-bot", "0.1"
    path = ROOT / lang / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=0, sort_output=True, omit_header=False)


def main(source: str) -> None:
    ns = runpy.run_path(source)
    zh, en = load("zh_TW"), load("en")
    for key, (z, e) in ns.get("MESSAGES", {}).items():
        zh.delete(key)
        en.delete(key)
        zh.add(key, z)
        en.add(key, e)
    for key, (z, e1, e2) in ns.get("PLURALS", {}).items():
        zh.delete((key, key))
        en.delete((key, key))
        zh.add((key, key), (z,))
        en.add((key, key), (e1, e2))
    save(zh, "zh_TW")
    save(en, "en")


if __name__ == "__main__":
    main(sys.argv[1])
