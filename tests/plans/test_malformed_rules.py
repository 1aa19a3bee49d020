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


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("deadline: {date: 2023-08-31, action: complete}", "deadline: {date: 2022-08-31, action: complete}"),
            "rewards[0] (comp-leave).deadline.date 2022-08-31 is before the plan starts (2023-01-01)",
        ),
        (
            ("deadline: {date: 2023-08-31, action: complete}", "deadline: {date: 2024-01-31, action: complete}"),
            "rewards[0] (comp-leave).deadline.date 2024-01-31 is after the plan ends (2023-12-31)",
        ),
        (
            ("roc_year: 112", "roc_year: 113"),
            "plan.roc_year 113 is 2024, but plan.period runs 2023-01-01 to 2023-12-31",
        ),
        (
            ("    cap_hours: 16", "    cap_hours: 16\n    cap_hours: 12"),
            "line 135, column 5: not valid YAML: the key 'cap_hours' is given twice",
        ),
        (
            ("deadline: {date: 2023-08-31, action: complete}", "deadline: {date: 2023-02-30, action: complete}"),
            "rewards[0] (comp-leave).deadline.date: Input should be a valid date or datetime, day value is outside",
        ),
        (
            ("period: {start: 2023-01-01, end: 2023-12-31}", "period: {start: 2023-13-01, end: 2023-12-31}"),
            "plan.period.start: Input should be a valid date",
        ),
        (("  - id: egov", "  - id: ecpa"), "help_desks: ids must be unique; repeated: ecpa"),
        (
            (
                "      - {name: 西餐禮儀實戰教學, hours: 1}",
                "      - {name: 西餐禮儀實戰教學, hours: 1}\n      - {name: 西餐禮儀實戰教學, hours: 1}",
            ),
            "a course is listed twice in this bundle: 西餐禮儀實戰教學",
        ),
    ],
)
def test_wrong_plans_are_refused_naming_file_field_and_problem(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    old, new = change
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1), "kaohsiung-112.yaml")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "rules", "check", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{path}: " in done.stderr and expected in done.stderr, done.stderr


def test_run_refuses_to_start_with_a_wrong_plan_and_says_why(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    write(rules, GOOD.replace("deadline: {date: 2023-08-31", "deadline: {date: 2023-02-30", 1), "kaohsiung-112.yaml")
    env = {
        "PATH": "/usr/bin:/bin", "RULES_DIR": str(rules), "DATABASE_URL": f"sqlite:///{tmp_path}/bot.sqlite3",
        "TELEGRAM_BOT_TOKEN": "123456:" + "A" * 35, "TELEGRAM_API_URL": "http://127.0.0.1:9",
    }  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], capture_output=True, text=True, check=False, env=env, timeout=60
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "kaohsiung-112.yaml: rewards[0] (comp-leave).deadline.date: Input should be a valid date" in done.stderr
