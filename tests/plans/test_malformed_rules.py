"""A malformed rules file yields one clear line per problem: file, field path, what is wrong."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.plans.loader import PlanError, load_plan

ROOT = Path(__file__).resolve().parents[2]
GOOD = (ROOT / "rules" / "kaohsiung-112.yaml").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str, name: str = "test-999.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            (
                "      - {name: 政府數位轉型新視界, category: 當前政府重大政策, hours: 1, code: PCENTER112100461}",
                "      - {name: 政府數位轉型新視界, category: 當前政府重大政策, hours: 0, code: PCENTER112100461}",
            ),
            "bundles[0] (ema).courses[0] (政府數位轉型新視界).hours: Input should be greater than 0",
        ),
        (
            (
                "      - {name: 為民服務與陳情處理, category: 服務管理, hours: 1}",
                "      - {name: 為民服務與陳情處理, category: 服務管理, hours: 2}",
            ),
            "bundles[1] (exing): hours is 10 but its courses add up to 11",
        ),
        (
            ("    cap_hours: 16", "    cap_hours: 16\n    cap_hour: 12"),
            "rewards[0] (comp-leave).cap_hour: unknown field",
        ),
        (
            ("      - {requires: [english], hours: 4}", "      - {requires: [englsh], hours: 4}"),
            "requires unknown bundles or groups: englsh",
        ),
        (
            ("    total_hours: 40", "    total_hours: 30"),
            "reward commendation says total_hours 30 but what it requires adds up to 40",
        ),
        (
            ('    - {start: "08:00", end: "17:30"}', "    - {start: 08:00, end: 17:30}"),
            'local.office_hours[0].end: write the time in quotes, e.g. "08:00"',
        ),
        (("    bundles: [loud, gept]", "    bundles: [loud, toeic]"), "group english names unknown bundles: toeic"),
        (("  roc_year: 112\n", ""), "plan.roc_year: required field is missing"),
    ],
)
def test_problem_is_named(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    old, new = change
    assert old in GOOD, old
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    assert any(p.startswith(f"{path}: ") and expected in p for p in caught.value.problems), caught.value.problems


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, "schema: 1\nplan: {city: [\n")
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    (problem,) = caught.value.problems
    assert problem.startswith(f"{path}: line ") and "not valid YAML" in problem


@pytest.mark.parametrize("text", ["", "- just\n- a list\n", "plain text"])
def test_not_a_mapping(tmp_path: Path, text: str) -> None:
    with pytest.raises(PlanError, match="expected a mapping"):
        load_plan(write(tmp_path, text))


def test_rules_check_cli_reports_without_traceback(tmp_path: Path) -> None:
    bad = write(tmp_path, GOOD.replace("  roc_year: 112\n", "  roc_year: many\n"), "bad-112.yaml")
    good = ROOT / "rules" / "hsinchu-109.yaml"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "rules", "check", str(good), str(bad)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{bad}: plan.roc_year: Input should be a valid integer" in result.stderr
    assert result.stdout.startswith("hsinchu-109：新竹市 109 年度，1 套組裝課程")


def test_rules_check_cli_all_files_pass() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "rules", "check"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("kaohsiung-112：") and "32 門課，共 50 小時" in line and "112年8月31日（四）" in line
        for line in lines
    )
    assert any(
        line.startswith("hsinchu-109：") and "20 門課，共 30 小時" in line and "109年9月30日（三）" in line
        for line in lines
    )
