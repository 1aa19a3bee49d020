"""The answer figures of issue 15, per question set of tests/data/qa, through the whole dialogue.

    .venv/bin/python bench/answers.py blind3 outofscope2 personal [--show wrong|hedged|oos|long|all]

Per set: the share of in-scope answers holding the right fact, the share of out-of-scope
questions declined, the share of in-scope (and personal) questions hedged or declined, and the
first message's length (median, 90th percentile, in characters). The outcome is the one
`python -m bot ask --json` prints (answered, hedged, declined), not a guess from the wording.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.core.clock import FixedClock  # noqa: E402
from bot.core.dialogue import Dialogue  # noqa: E402
from bot.core.messages import Incoming  # noqa: E402
from bot.core.services import Services  # noqa: E402
from bot.plans.loader import load_rules_dir  # noqa: E402
from bot.qa.outcome import outcome_of  # noqa: E402
from bot.render import phone  # noqa: E402
from bot.storage import open_store  # noqa: E402
from tests.qa.grading import load, passes  # noqa: E402
from tests.qa.test_accuracy import DAYS  # noqa: E402


@dataclass
class Figures:
    name: str
    in_scope: int = 0
    right: int = 0
    hedged: int = 0  # in-scope (or personal) answers hedged or declined
    out_of_scope: int = 0
    declined: int = 0
    lengths: list[int] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)

    def line(self) -> str:
        parts = [f"{self.name:12}"]
        if self.in_scope:
            parts.append(f"right {self.right}/{self.in_scope} ({self.right / self.in_scope:.1%})")
            parts.append(f"hedged {self.hedged}/{self.in_scope} ({self.hedged / self.in_scope:.1%})")
        if self.out_of_scope:
            parts.append(f"declined {self.declined}/{self.out_of_scope} ({self.declined / self.out_of_scope:.1%})")
        ranked = sorted(self.lengths)
        p90 = ranked[min(len(ranked) - 1, int(len(ranked) * 0.9))] if ranked else 0
        parts.append(f"len p50 {statistics.median(ranked) if ranked else 0:.0f} p90 {p90}")
        return "  ".join(parts)


async def measure(name: str, show: str | None) -> Figures:
    figures = Figures(name)
    folder = tempfile.mkdtemp()
    store = await open_store(f"sqlite:///{folder}/qa.sqlite3")
    try:
        book = load_rules_dir()
        dialogues = {plan: Dialogue(Services(book, store, FixedClock(day))) for plan, day in DAYS.items()}
        for plan in DAYS:
            for lang in ("zh-TW", "en"):
                await dialogues[plan].prepare_ready("console", f"{plan}-{lang}", plan, lang)
        for row in load(name):
            replies = await dialogues[row["plan"]].handle(
                Incoming("console", f"{row['plan']}-{row['lang']}", text=row["q"])
            )
            text = "\n".join(r.text for r in replies)
            outcome = outcome_of(replies)
            figures.lengths.append(len(replies[0].text) if replies else 0)
            note = f"[{outcome}] {row['plan']} {row['q']}\n    " + text.replace("\n", "\n    ")
            if show == "all":
                figures.shown.append(note)
            if row["expect"] is None and not row.get("personal"):
                figures.out_of_scope += 1
                figures.declined += outcome == "declined"
                if show == "oos" and outcome != "declined":
                    figures.shown.append(note)
                continue
            figures.in_scope += 1
            ok = row["expect"] is None or passes(text, row["expect"])
            figures.right += ok
            figures.hedged += outcome != "answered"
            if (show == "wrong" and not ok) or (show == "hedged" and outcome != "answered"):
                figures.shown.append(note + (f"\n    EXPECT {row['expect']}" if not ok else ""))
            if show == "long" and replies and len(replies[0].text) > 300:
                figures.shown.append(f"({len(replies[0].text)}) " + note)
    finally:
        await store.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+")
    parser.add_argument("--show", choices=("wrong", "hedged", "oos", "long", "all"), help="all: every answer, to diff")
    args = parser.parse_args()
    print(f"first messages cut at {phone.LIMIT} characters ({phone.FILL} when filled with lines not asked about)")
    for name in args.sets:
        figures = asyncio.run(measure(name, args.show))
        for item in figures.shown:
            print(item)
        print(figures.line(), flush=True)


if __name__ == "__main__":
    main()
