"""The wheel works on its own: deploy/install.sh (what the Dockerfile runs) builds it and installs
it into a fresh virtual environment, and the installed `elearn-bot`, run from a folder outside
the checkout with nothing of the test's environment, checks the shipped plans, answers in
Traditional Chinese and in English from the shipped catalogs, honours RULES_DIR, and serves
/healthz (the image's HEALTHCHECK passes) until SIGTERM stops it cleanly.

Installing takes about 30 s (dependencies from pip's cache; bytecode is not compiled, which
halves it), once for the module.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.deploy.container_files import healthcheck_command

INSTALL = ROOT / "deploy" / "install.sh"


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with the wheel installed, as deploy/install.sh makes it."""
    target = tmp_path_factory.mktemp("installed") / "venv"
    env = {**os.environ, "PYTHON": sys.executable, "PIP_INSTALL_ARGS": "--no-compile"}
    started = time.monotonic()
    done = subprocess.run(
        ["bash", str(INSTALL), str(target)], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    print(f"deploy/install.sh took {time.monotonic() - started:.1f} s")
    return target


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A working folder that is not the checkout (nor inside it)."""
    assert ROOT not in tmp_path.resolve().parents
    return tmp_path


def bot_env(venv: Path, home: Path, **extra: str) -> dict[str, str]:
    """Only what a service manager would give: no PYTHONPATH, no checkout, no RULES_DIR from the test."""
    return {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", **extra}


def elearn_bot(
    venv: Path, cwd: Path, *args: str, stdin: str = "", env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "elearn-bot"), *args],
        input=stdin, capture_output=True, text=True, cwd=cwd, env=dict(env or bot_env(venv, cwd)), timeout=120,
        check=False,
    )  # fmt: skip


def test_the_installed_package_is_the_wheel_with_its_own_plans_and_catalogs(venv: Path, outside: Path) -> None:
    code = "import bot, bot.shipped as s; print(bot.__file__); print(s.RULES_DIR); print(s.LOCALES_DIR)"
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, cwd=outside,
        env=bot_env(venv, outside), check=True,
    )  # fmt: skip
    package, rules, locales = (Path(line) for line in done.stdout.splitlines())
    site = venv.resolve()
    assert site in package.parents and site in rules.parents and site in locales.parents, done.stdout
    assert sorted(p.name for p in rules.glob("*.yaml")) == sorted(p.name for p in (ROOT / "rules").glob("*.yaml"))
    for lang in ("zh_TW", "en"):
        shipped = (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").read_bytes()
        assert (locales / lang / "LC_MESSAGES" / "messages.po").read_bytes() == shipped


def test_rules_check_passes_on_the_shipped_plans(venv: Path, outside: Path) -> None:
    done = elearn_bot(venv, outside, "rules", "check")
    assert done.returncode == 0, done.stderr
    ids = [line.partition("：")[0] for line in done.stdout.splitlines()[:-1]]
    assert ids == sorted(p.stem for p in (ROOT / "rules").glob("*.yaml")), done.stdout
    assert "rules.summary" not in done.stdout and "rules.result" not in done.stdout  # translated, not keys


def test_answers_come_from_the_shipped_catalogs_in_both_languages(venv: Path, outside: Path) -> None:
    zh = elearn_bot(venv, outside, "ask", "--plan", "kaohsiung-112", "--today", "2023-06-01", "--json", stdin="截止\n")
    assert zh.returncode == 0, zh.stderr
    answer = json.loads(zh.stdout)
    assert answer["text"].startswith("📅 截止日") and "還有 91 天" in answer["text"], answer
    assert "🏠 選單" in answer["buttons"], answer
    en = elearn_bot(
        venv, outside, "ask", "--plan", "kaohsiung-112", "--today", "2023-06-01", "--lang", "en", "--json",
        stdin="What is the deadline?\n",
    )  # fmt: skip
    assert en.returncode == 0, en.stderr
    assert json.loads(en.stdout)["text"].startswith("📅 Deadlines"), en.stdout
    unknown = elearn_bot(venv, outside, "ask", "--plan", "nowhere-999", stdin="截止\n")
    assert unknown.returncode == 2
    assert "找不到計畫「nowhere-999」。可用的計畫：hsinchu-109, kaohsiung-112" in unknown.stderr, unknown.stderr


def test_rules_dir_points_at_hr_s_own_folder(venv: Path, outside: Path) -> None:
    hr = outside / "hr-rules"
    hr.mkdir()
    shutil.copyfile(ROOT / "rules" / "kaohsiung-112.yaml", hr / "kaohsiung-trial.yaml")
    env = bot_env(venv, outside, RULES_DIR=str(hr))
    checked = elearn_bot(venv, outside, "rules", "check", env=env)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("kaohsiung-trial：高雄市 112 年度") and checked.stdout.count("\n") == 2, (
        checked.stdout
    )
    asked = elearn_bot(
        venv, outside, "ask", "--plan", "kaohsiung-trial", "--today", "2023-06-01", "--json", stdin="截止\n", env=env
    )
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["text"].startswith("📅 截止日"), asked.stdout
    shipped_only = elearn_bot(venv, outside, "ask", "--plan", "kaohsiung-112", stdin="截止\n", env=env)
    assert shipped_only.returncode == 2 and "可用的計畫：kaohsiung-trial" in shipped_only.stderr, shipped_only.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def docker_healthcheck(env: Mapping[str, str]) -> int:
    return subprocess.run(healthcheck_command(), env=dict(env), capture_output=True, timeout=30, check=False).returncode


def test_run_serves_healthz_and_stops_cleanly_on_sigterm(venv: Path, outside: Path) -> None:
    port = free_port()
    env = bot_env(
        venv, outside,
        DATABASE_URL=f"sqlite:///{outside}/state/bot.sqlite3", BOT_HTTP_HOST="127.0.0.1", BOT_HTTP_PORT=str(port),
        # LINE needs no call to its API to start; nothing is sent in this test (port 9: discard).
        LINE_CHANNEL_SECRET="0123456789abcdef0123456789abcdef", LINE_CHANNEL_ACCESS_TOKEN="test-token",
        LINE_API_URL="http://127.0.0.1:9",
    )  # fmt: skip
    log = outside / "run.log"
    with log.open("w", encoding="utf-8") as out:
        bot = subprocess.Popen([str(venv / "bin" / "elearn-bot"), "run"], cwd=outside, env=env, stdout=out, stderr=out)
    try:
        health = None
        deadline = time.monotonic() + 60
        while health is None and time.monotonic() < deadline and bot.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    health = (response.status, json.loads(response.read()))
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        assert health == (200, {"ok": True, "webhooks": ["line"]}), log.read_text(encoding="utf-8")
        assert docker_healthcheck(env) == 0  # the image's HEALTHCHECK, as Docker runs it
        bot.send_signal(signal.SIGTERM)
        assert bot.wait(timeout=30) == 0, log.read_text(encoding="utf-8")
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait()
    output = log.read_text(encoding="utf-8")
    assert "Traceback" not in output and "stopping" in output, output
    assert docker_healthcheck(env) != 0
    assert (outside / "state" / "bot.sqlite3").is_file()
