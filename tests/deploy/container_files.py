"""Reading deploy/Dockerfile as the tests need it: instructions with their continuation lines joined."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ROOT

DOCKERFILE = ROOT / "deploy" / "Dockerfile"


def instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, comments dropped, `\\` continuations joined."""
    found: list[tuple[str, str]] = []
    pending = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        whole = (pending + line.strip()).strip()
        pending = ""
        name, _, args = whole.partition(" ")
        found.append((name.upper(), args.strip()))
    return found


def healthcheck_command() -> list[str]:
    """The HEALTHCHECK's exec-form command."""
    (args,) = [a for name, a in instructions() if name == "HEALTHCHECK"]
    return list(json.loads(args[args.index("CMD") + 3 :].strip()))
