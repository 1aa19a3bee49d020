"""`python -m bot ask` (HR tests answers) and `python -m bot console` (piped script)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def run(args: list[str], stdin: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/bot.sqlite3"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )


def test_ask_json(tmp_path: Path) -> None:
    result = run(
        ["ask", "--plan", "kaohsiung-112", "--json", "--today", "2023-06-01"],
        "補休最多幾小時？\n\n客服電話\n",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == ["補休最多幾小時？", "客服電話"]
    assert "最高 16 小時" in lines[0]["text"] and "🏠 選單" in lines[0]["buttons"]
    assert "02-2192-7111" in lines[1]["text"]


def test_ask_english_text(tmp_path: Path) -> None:
    result = run(["ask", "--plan", "hsinchu-109", "--lang", "en"], "How much comp leave do I get?\n", tmp_path)
    assert "8 hours" in result.stdout


def test_console_script_and_persistence(tmp_path: Path) -> None:
    script = "1\n1\n我完成了 e馬當先\n1\n/status\n"
    result = run(["console", "--plan", "kaohsiung-112", "--today", "2023-06-01", "--user", "amy"], script, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "補休：目前可申請 4 小時" in result.stdout
    again = run(["console", "--user", "amy", "--today", "2023-06-01"], "進度\n", tmp_path)
    assert "10／10 小時" in again.stdout  # progress survived the restart


def test_console_reads_a_pasted_record(tmp_path: Path) -> None:
    record = (ROOT / "samples" / "kaohsiung-112-record.tsv").read_text(encoding="utf-8")
    script = "1\n1\n" + record + "\n"
    result = run(["console", "--plan", "kaohsiung-112", "--today", "2023-06-01", "--user", "rec"], script, tmp_path)
    assert "已讀取學習紀錄：8 筆，對應到本計畫 8 門課" in result.stdout
    assert "可申請補休 4 小時" in result.stdout


def test_bad_database_url(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": "mysql://x"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input="",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert result.returncode == 1 and "DATABASE_URL" in result.stderr and "Traceback" not in result.stderr


def test_ask_reads_invalid_utf8_and_answers(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/bot.sqlite3"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--plan", "kaohsiung-112", "--json", "--today", "2023-06-01"],
        input="補休".encode() + b"\xff\n" + "客服電話\n".encode(),  # a byte that is not UTF-8
        capture_output=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert b"Traceback" not in result.stderr
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [line["question"] for line in lines] == ["補休\ufffd", "客服電話"]  # the bad byte replaced
    assert "02-2192-7111" in lines[1]["text"]
