"""Grading of answers against the QA evaluation sets in tests/data/qa (see its README)."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data" / "qa"
_DROP = re.compile(r"[\s\-()（）「」『』,.，。:：、;；!！?？/／~～·•・\[\]【】<>《》\"'`]+")


def norm(text: str) -> str:
    return _DROP.sub("", unicodedata.normalize("NFKC", text).lower())


def passes(answer: str, expect: list[Any]) -> bool:
    text = norm(answer)
    for fact in expect:
        options = fact if isinstance(fact, list) else [fact]
        if not any(norm(o) in text for o in options):
            return False
    return True


def load(name: str) -> list[dict[str, Any]]:
    with (DATA / f"{name}.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
