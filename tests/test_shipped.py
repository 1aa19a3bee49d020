"""bot.shipped: the checkout's rules/ and locales/ in a checkout, the wheel's copies when installed."""

from __future__ import annotations

from pathlib import Path

from bot import shipped
from bot.config import Settings, rules_dir_from_env
from bot.plans.loader import DEFAULT_RULES_DIR
from tests.conftest import ROOT


def test_in_the_checkout_the_top_level_folders_are_used() -> None:
    assert shipped.RULES_DIR == ROOT / "rules" == DEFAULT_RULES_DIR
    assert shipped.LOCALES_DIR == ROOT / "locales"


def test_an_installed_package_uses_its_copies(tmp_path: Path) -> None:
    package = tmp_path / "site-packages" / "bot"
    (package / "_shipped" / "rules").mkdir(parents=True)
    (tmp_path / "site-packages" / "rules").mkdir()  # another distribution's top-level folder: not ours
    assert shipped.shipped_dir("rules", package) == package / "_shipped" / "rules"
    assert shipped.shipped_dir("locales", package) == package / "_shipped" / "locales"


def test_a_checkout_is_recognised_by_its_pyproject(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "rules").mkdir()
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    assert shipped.shipped_dir("rules", tmp_path / "bot") == tmp_path / "rules"


def test_rules_dir_is_hr_s_folder_when_set_else_the_shipped_plans(tmp_path: Path) -> None:
    assert rules_dir_from_env({}) == DEFAULT_RULES_DIR
    assert rules_dir_from_env({"RULES_DIR": " "}) == DEFAULT_RULES_DIR
    assert rules_dir_from_env({"RULES_DIR": str(tmp_path)}) == tmp_path
    assert Settings.from_env({"RULES_DIR": str(tmp_path)}).rules_dir == tmp_path
