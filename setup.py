"""Build hook: the wheel carries the top-level `rules/` and `locales/` inside the package.

Everything else about the project is in pyproject.toml. The two folders stay at the top of
the repository (HR edits `rules/`, translators `locales/`); `build_py` copies them into the
built package as `bot/_shipped/rules` and `bot/_shipped/locales`, which `bot/shipped.py`
finds when the bot runs from an installed wheel. An editable install (`pip install -e .`)
copies nothing: it runs from the checkout, which has the folders themselves.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
COPIES = "_shipped"  # bot.shipped.COPIES
SHIPPED = {"rules": ("*.yaml",), "locales": ("*/LC_MESSAGES/*.po",)}


class BuildWithShippedData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "bot" / COPIES
        shutil.rmtree(target, ignore_errors=True)  # a file removed from rules/ must not linger from a last build
        for folder, patterns in SHIPPED.items():
            files = sorted({p for pattern in patterns for p in (HERE / folder).glob(pattern) if p.is_file()})
            if not files:
                raise SystemExit(f"setup.py: nothing matches {patterns} in {HERE / folder}; it must ship with the bot")
            for source in files:
                destination = target / source.relative_to(HERE)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, destination)


setup(cmdclass={"build_py": BuildWithShippedData})
