"""Where the plans (`rules/`) and the message catalogs (`locales/`) that ship with the bot are.

Why this exists: both folders stay at the top of the repository, where HR edits `rules/` and
translators edit `locales/`, outside the `bot` package. An installed wheel has no checkout
around it, so the build copies them into the package as `bot/_shipped/rules` and
`bot/_shipped/locales` (setup.py's `build_py`; the copy exists only in the build, never in the
checkout). This module picks the one that applies: in a checkout (the package sits beside
`pyproject.toml`) the top-level folders, so an edit is seen at once; otherwise the copies.
`RULES_DIR` (bot.config) still points at any other folder of plans.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
COPIES = "_shipped"  # where setup.py's build_py puts the copies in a built wheel


def shipped_dir(name: str, package: Path = PACKAGE) -> Path:
    """The folder `name` (`rules` or `locales`): the checkout's when the package is in one,
    else the copy built into the package."""
    checkout = package.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / name).is_dir():
        return checkout / name
    return package / COPIES / name


RULES_DIR = shipped_dir("rules")
LOCALES_DIR = shipped_dir("locales")
