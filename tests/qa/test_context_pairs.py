"""bot/qa/context_pairs.txt is what tests/qa/context_pairs.py reads off the question sets now."""

from __future__ import annotations

from bot.qa.matcher import CONTEXT_FILE
from tests.qa.context_pairs import expected_text


def test_the_context_pairs_file_is_current() -> None:
    assert CONTEXT_FILE.read_text(encoding="utf-8") == expected_text(), (
        "bot/qa/context_pairs.txt is out of date: run .venv/bin/python -m tests.qa.context_pairs"
    )
