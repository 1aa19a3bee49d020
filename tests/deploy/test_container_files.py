"""The image and compose files agree with install.sh, the settings and each other (no container
runtime needed; tests/deploy/test_installed_wheel.py runs install.sh and the HEALTHCHECK itself)."""

from __future__ import annotations

import re
import shlex

import yaml

from tests.conftest import ROOT
from tests.deploy.container_files import healthcheck_command, instructions

DEPLOY = ROOT / "deploy"


def install_inputs() -> set[str]:
    """What install.sh builds the wheel from (its `for needed in …` check)."""
    (line,) = [ln for ln in (DEPLOY / "install.sh").read_text().splitlines() if ln.startswith("for needed in ")]
    return set(line.removeprefix("for needed in ").removesuffix("; do").split())


def test_the_image_copies_and_the_context_keeps_what_install_sh_needs() -> None:
    copied: set[str] = set()
    for name, args in instructions():
        if name == "COPY" and "--from=" not in args:
            *sources, _ = shlex.split(args)
            copied |= {s.rstrip("/") for s in sources}
    assert copied == install_inputs() | {"deploy/install.sh"}
    allowed = {ln[1:].rstrip("/") for ln in (ROOT / ".dockerignore").read_text().splitlines() if ln.startswith("!")}
    assert copied <= allowed
    assert any(name == "RUN" and "deploy/install.sh /opt/elearn-bot" in args for name, args in instructions())


def test_the_image_runs_the_bot_unprivileged_on_its_settings() -> None:
    steps = instructions()
    assert [args.split()[0] for name, args in steps if name == "FROM"] == ["${PYTHON_IMAGE}", "${PYTHON_IMAGE}"]
    assert ("ARG", "PYTHON_IMAGE=python:3.11-slim") in steps
    (user,) = [args for name, args in steps if name == "USER"]
    assert user not in ("root", "0")
    assert steps[-1] == ("CMD", '["elearn-bot", "run"]')
    env = dict(re.findall(r"(\w+)=(\S+)", " ".join(args for name, args in steps if name == "ENV")))
    known = set(re.findall(r"^#?([A-Z_]+)=", (DEPLOY / ".env.example").read_text(), re.MULTILINE))
    assert set(env) - {"PATH", "PYTHONUNBUFFERED"} <= known, "an ENV that is not one of the bot's settings"
    assert env["DATABASE_URL"].startswith("sqlite:////var/lib/elearn-bot/")
    assert [args for name, args in steps if name == "EXPOSE"] == [env["BOT_HTTP_PORT"]]
    command = healthcheck_command()
    assert command[:2] == ["python", "-c"] and "/healthz" in command[2]


def test_compose_runs_the_bot_on_postgresql_once_it_is_ready() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    bot, postgres = compose["services"]["bot"], compose["services"]["postgres"]
    assert bot["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert bot["env_file"] == ".env"
    assert bot["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert re.fullmatch(
        r"postgresql://bot:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432/bot", bot["environment"]["DATABASE_URL"]
    )
    assert bot["environment"]["BOT_HTTP_HOST"] == "0.0.0.0"
    assert re.fullmatch(r"postgres:1[56](\D.*)?", postgres["image"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert postgres["environment"]["POSTGRES_USER"] == postgres["environment"]["POSTGRES_DB"] == "bot"
    (volume,) = postgres["volumes"]
    assert volume.split(":")[0] in compose["volumes"]
