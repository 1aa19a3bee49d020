"""`python -m bot check` as HR and staff run it: a record on stdin, a summary or JSON out."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.plans.model import Plan
from tests.conftest import ROOT, bundle_rows, record_text

SAMPLE = (ROOT / "samples" / "kaohsiung-112-record.tsv").read_text(encoding="utf-8")


def run(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "check", *args], input=stdin, capture_output=True, text=True, cwd=ROOT,
        check=False,
    )  # fmt: skip


def test_summary_in_chinese() -> None:
    result = run("--plan", "kaohsiung-112", "--as-of", "2023-08-01", stdin=SAMPLE)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "計算日期：112年8月1日（二）" in out
    assert "10／10 小時" in out and "可申請補休 4 小時" in out
    assert "補休：目前可申請 4 小時（最高 16 小時）" in out
    assert "112年8月31日（四）" in out and "還有 30 天" in out


def test_json_fields() -> None:
    result = run("--plan", "kaohsiung-112", "--as-of", "2023-08-01", "--json", stdin=SAMPLE)
    data = json.loads(result.stdout)
    assert data["plan"] == "kaohsiung-112"
    assert data["comp_leave_hours"] == 4 and data["commendation"] is False
    ema = data["bundles"][0]
    assert ema == {
        **ema,
        "name": "e馬當先育職能",
        "hours_done": 10,
        "hours_required": 10,
        "complete": True,
        "comp_leave_hours": 4,
    }
    assert data["unmatched"] == []
    assert any("認證時數" in n for n in data["notes"])


def test_json_explains_office_hours_and_unmatched(kaohsiung: Plan) -> None:
    rows = bundle_rows(kaohsiung, "exing", "2023-03-01", hour=10)
    rows.append(("上班族如何維持規律的運動", "2023-03-04 10:00:00", "2023-03-04 11:00:00"))
    result = run("--plan", "kaohsiung-112", "--as-of", "2023-08-01", "--json", stdin=record_text(rows))
    data = json.loads(result.stdout)
    assert data["comp_leave_hours"] == 0
    exing = data["bundles"][1]
    assert exing["complete"] is True and exing["comp_leave_hours"] == 0
    assert [u["name"] for u in data["unmatched"]] == ["上班族如何維持規律的運動"]
    assert any("行政程序法與案例解析" in n and "112年3月1日（三）" in n and "上班時間" in n for n in data["notes"])


def test_unpaid_leave_flag(kaohsiung: Plan) -> None:
    rows = [r for b in ("ema", "exing", "ejian", "loud") for r in bundle_rows(kaohsiung, b, "2023-03-05")]
    result = run(
        "--plan", "kaohsiung-112", "--as-of", "2023-08-01", "--unpaid-leave", "--json", stdin=record_text(rows)
    )
    data = json.loads(result.stdout)
    assert data["comp_leave_hours"] == 0 and data["commendation"] is True


def test_hsinchu_has_no_commendation(hsinchu: Plan) -> None:
    rows = bundle_rows(hsinchu, "hccg", "2020-08-05", hour=9)
    result = run("--plan", "hsinchu-109", "--as-of", "2020-09-01", "--json", stdin=record_text(rows))
    data = json.loads(result.stdout)
    assert data["comp_leave_hours"] == 8 and data["commendation"] is None


@pytest.mark.parametrize(("stdin", "message"), [("", "沒有收到學習紀錄"), ("隨便貼的文字\n", "看不懂這份學習紀錄")])
def test_empty_or_unreadable_record(stdin: str, message: str) -> None:
    result = run("--plan", "kaohsiung-112", stdin=stdin)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr


def test_unknown_plan() -> None:
    result = run("--plan", "taipei-999", stdin=SAMPLE)
    assert result.returncode != 0 and "taipei-999" in result.stderr and "kaohsiung-112" in result.stderr


@pytest.mark.parametrize(
    ("bad", "said"),
    [
        ("2023-02-30 19:00:00~2023-02-30 20:00:00", "上課開始時間「2023-02-30 19:00:00」不是存在的日期或時間"),
        ("2023-13-01 19:00:00~2023-13-01 20:00:00", "上課開始時間「2023-13-01 19:00:00」不是存在的日期或時間"),
        ("2023-03-01 19:00:00~2023-03-01 25:00:00", "上課結束時間「2023-03-01 25:00:00」不是存在的日期或時間"),
        ("2023-03-01 21:00:00~2023-03-01 20:00:00", "結束時間「2023-03-01 20:00:00」早於開始時間"),
        ("2023-08-20 19:00:00~2023-08-20 20:00:00", "上課開始時間「2023-08-20」在今天之後"),
        ("2099-03-01 19:00:00~2099-03-01 20:00:00", "上課開始時間「2099-03-01」在今天之後"),
    ],
)
def test_impossible_rows_are_named_and_nothing_is_assessed(bad: str, said: str) -> None:
    text = SAMPLE.replace("2023-01-01 09:00:00~2023-01-01 10:00:00", bad)
    result = run("--plan", "kaohsiung-112", "--as-of", "2023-08-01", stdin=text)
    assert result.returncode == 1 and "Traceback" not in result.stderr and result.stdout == ""
    assert "沒有記下任何進度" in result.stderr and f"第 2 筆「來玩六龜，遛溜忘歸」：{said}" in result.stderr


def test_a_record_in_files_is_one_record(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    lines = SAMPLE.splitlines()
    (folder / "a.txt").write_text("\n".join(lines[:9]), encoding="utf-8")  # the header and the first rows
    (folder / "b.txt").write_text("\n".join(lines[9:]), encoding="utf-8")
    result = run(
        "--plan", "kaohsiung-112", "--as-of", "2023-08-01", str(folder / "a.txt"), str(folder / "b.txt"), stdin=""
    )
    assert result.returncode == 0, result.stderr
    assert "10／10 小時" in result.stdout


def test_screenshots_given_as_files_are_one_record(tmp_path: object, kaohsiung: Plan) -> None:
    from pathlib import Path

    from tests.support.screenshots import FONT_DIR, Row, phone_shots

    if not (FONT_DIR / "NotoSansCJK-Regular.ttc").exists():
        pytest.skip("needs Debian's fonts-noto-cjk (.ci/run installs it)")
    folder = Path(str(tmp_path))
    rows = [
        Row(c.name, f"2023-03-{n + 4:02d} 19:00:00", f"2023-03-{n + 4:02d} {19 + int(c.hours)}:00:00")
        for n, c in enumerate(kaohsiung.bundles_by_id["ema"].courses)
    ]
    names = []
    for n, shot in enumerate(phone_shots(rows, per_shot=4, overlap=1)):
        (folder / f"shot{n}.png").write_bytes(shot)
        names.append(str(folder / f"shot{n}.png"))
    result = run("--plan", "kaohsiung-112", "--as-of", "2023-08-01", "--json", *names, stdin="")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["bundles"][0]["hours_done"] == 10 and data["comp_leave_hours"] == 4
