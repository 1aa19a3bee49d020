"""`python -m bot ask`: answer questions from standard input, one per line, exactly as a
person would see them: how HR tests a rules file's answers before publishing it. With --json
each object also says the outcome (answered, hedged, declined): which answers the bot would not
stand behind."""

from __future__ import annotations

import json
from typing import TextIO

from bot.core.dialogue import Dialogue
from bot.core.messages import Incoming, Reply
from bot.qa.outcome import outcome_of

USER = "hr-ask"


def flatten(replies: list[Reply]) -> tuple[str, list[str]]:
    return "\n\n".join(r.text for r in replies), [b.label for r in replies for b in r.buttons]


async def run_ask(dialogue: Dialogue, plan_id: str, lang: str, stdin: TextIO, out: TextIO, as_json: bool) -> int:
    await dialogue.prepare_ready("console", USER, plan_id, lang)
    for line in stdin:
        question = line.rstrip("\n")
        if not question.strip():
            continue
        replies = await dialogue.handle(Incoming("console", USER, text=question))
        text, buttons = flatten(replies)
        if as_json:
            row = {"question": question, "text": text, "buttons": buttons, "outcome": outcome_of(replies)}
            print(json.dumps(row, ensure_ascii=False), file=out)
        else:
            print(f"? {question}\n{text}\n" + "".join(f"  [{b}]" for b in buttons) + "\n", file=out)
    return 0
