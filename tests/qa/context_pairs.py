"""Writes bot/qa/context_pairs.txt: the character pairs and English words in-scope questions carry
beside what the vocabulary knows and the plan never uses (學校這邊, 辦公室, 原因, 咋辦, "actually").

The matcher declines a question whose unexplained part holds a pair the plan never uses (it is
about that word, 「補休可以折現嗎」); pairs that questions about the plan were seen to carry are
not such a sign. They are read off every answerable question of tests/data/qa, so the file
changes with the vocabulary and the sets: test_context_pairs.py fails when it is not current.

    .venv/bin/python -m tests.qa.context_pairs   # rewrites the file
"""

from __future__ import annotations

from bot.plans.loader import load_rules_dir
from bot.qa.features import Vocabulary
from bot.qa.matcher import CONTEXT_FILE, Matcher, load_topics
from tests.qa.grading import DATA, load

HEADER = (
    "# Character pairs and English words that answerable questions carry beside what the vocabulary\n"
    "# knows and the plan never uses: not a sign of a question about something else. Written by\n"
    "# `python -m tests.qa.context_pairs` from tests/data/qa; do not edit by hand.\n"
)


def expected_text() -> str:
    book = load_rules_dir()
    vocabulary, topics = Vocabulary.load(), load_topics()
    matchers: dict[str, Matcher] = {}
    pairs: set[str] = set()
    for path in sorted(DATA.glob("*.jsonl")):
        for row in load(path.stem):
            if row["expect"] is None and not row.get("personal"):
                continue  # out of scope: what these carry is exactly the sign
            plan = row["plan"]
            if plan not in matchers:
                matchers[plan] = Matcher(book.plans[plan], vocabulary, topics)
            pairs |= matchers[plan].match(row["q"]).unplanned
    return HEADER + "".join(f"{pair}\n" for pair in sorted(pairs))


if __name__ == "__main__":
    CONTEXT_FILE.write_text(expected_text(), encoding="utf-8")
    print(f"wrote {CONTEXT_FILE}")
