"""Staff questions written from the plan documents alone (tests/data/qa) must get the
right facts, through the whole dialogue, exactly as a person would see the reply."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from bot.core.clock import FixedClock
from bot.core.dialogue import Dialogue
from bot.core.messages import Incoming
from bot.core.services import Services
from bot.domain.calendar import TAIPEI
from bot.plans.loader import load_rules_dir
from bot.qa.outcome import outcome_of
from bot.storage import open_store
from tests.qa.grading import load, passes

TARGET = 0.98  # issue 15: at least 98% of in-scope answers hold the right fact (lowest measured: heldout 98.3%)
UNSURE_TARGET = 0.03  # at most 3% of in-scope answers hedged or declined (highest measured: 0.8%)
MEDIAN_LENGTH, P90_LENGTH = 300, 600  # the first message fits a phone (measured at most 258 and 576)
DAYS = {
    "kaohsiung-112": datetime(2023, 6, 1, 20, 0, tzinfo=TAIPEI),
    "hsinchu-109": datetime(2020, 6, 1, 20, 0, tzinfo=TAIPEI),
}


@dataclass
class Graded:
    score: float  # share of in-scope answers holding the right facts
    failures: list[str]  # in-scope questions whose answer lacks a fact
    wrong: list[str]  # out-of-scope questions answered or hedged, not declined
    unsure: list[str] = field(default_factory=list)  # in-scope questions hedged or declined
    lengths: list[int] = field(default_factory=list)  # first messages of in-scope answers


async def accuracy(tmp_path: Path, name: str) -> Graded:
    store = await open_store(f"sqlite:///{tmp_path}/qa.sqlite3")
    book = load_rules_dir()
    failures: list[str] = []
    wrong: list[str] = []
    unsure: list[str] = []
    lengths: list[int] = []
    rows = load(name)
    try:
        dialogues = {plan: Dialogue(Services(book, store, FixedClock(day))) for plan, day in DAYS.items()}
        for plan in DAYS:
            for lang in ("zh-TW", "en"):
                await dialogues[plan].prepare_ready("console", f"{plan}-{lang}", plan, lang)
        for row in rows:
            replies = await dialogues[row["plan"]].handle(
                Incoming("console", f"{row['plan']}-{row['lang']}", text=row["q"])
            )
            text = "\n".join(r.text for r in replies)
            if row["expect"] is None:  # out of scope: declined (not in the plan, who to ask), as `ask --json` says
                if outcome_of(replies) != "declined":
                    wrong.append(f"{row['plan']} {row['q']!r} {outcome_of(replies)}, not declined")
                continue
            if not passes(text, row["expect"]):
                failures.append(f"{row['plan']} {row['q']!r} expected {row['expect']}")
            if outcome_of(replies) != "answered":
                unsure.append(f"{row['plan']} {row['q']!r} {outcome_of(replies)}")
            lengths.append(len(replies[0].text))
    finally:
        await store.close()
    answerable = sum(1 for row in rows if row["expect"] is not None)
    return Graded(1 - len(failures) / answerable if answerable else 1.0, failures, wrong, unsure, lengths)


# blind4 was measured untouched, once, at the end of issue 15's first part: 181/200 (90.5%); it
# then guided the glossary, dates, scope and phone-cut work (200/200). blind5 was measured untouched
# once: 192/200 (96.0%), 7 hedged or declined; it then guided the work on courses named by English
# words, category abbreviations, comparisons and the plan's own year (200/200, none hedged). blind6 was
# measured untouched once: 191/200 (95.5%), 5 hedged or declined; it then guided the work on what the
# plans never mention and on wrong days, web paths and nicknamed courses (198/200, none hedged). blind8
# was measured untouched once: 193/200 (96.5%), 4 hedged; it then guided the plan's parts, the app's
# inner path, a plan without commendation, where one's own hours show, the plan's period (200/200).
# blind9 was measured untouched once, after that work: 196/200 (98.0%), 6 hedged or declined (3.0%);
# it then guided bundles named by their English subtitles and Hsinchu's "comp day" (199/200).
# blind10 was measured untouched once, after that: 145/150 (96.7%), 6 hedged or declined (4.0%); it
# then guided sections beside categories, what each bundle earns in a personal answer, and 考英檢
# asked of a bundle (149/150).
SETS = [
    "dev", "heldout", "fresh", "blind", "blind2", "blind3", "blind4", "blind5", "blind6", "blind8", "blind9",
    "blind10", "blind11", "blind12", "blind13", "blind14", "blind15", "blind16", "blind17",
    "blind18",  # untouched first: 142/150 (94.7%), 4 hedged or declined
    "blind19",  # untouched first: 147/150 (98.0%), 6 hedged or declined (4.0%)
    "blind20",  # untouched first: 140/150 (93.3%), 9 hedged or declined (6.0%)
    "blind21",  # untouched first: 143/150 (95.3%), 7 hedged or declined (4.7%)
    "blind22",  # untouched first: 143/150 (95.3%), 10 hedged or declined (6.7%)
    "blind23",  # untouched first: 148/150 (98.7%), none hedged or declined
]  # fmt: skip


@pytest.mark.parametrize("name", SETS)
async def test_answers_carry_the_right_facts(tmp_path: Path, name: str) -> None:
    graded = await accuracy(tmp_path, name)
    assert graded.score >= TARGET, f"{graded.score:.1%} < {TARGET:.0%}:\n" + "\n".join(graded.failures)
    assert len(graded.wrong) <= 3, "\n".join(graded.wrong)  # fresh.jsonl has 30 out-of-scope questions
    assert len(graded.unsure) <= UNSURE_TARGET * len(graded.lengths), "\n".join(graded.unsure)
    ranked = sorted(graded.lengths)
    assert statistics.median(ranked) <= MEDIAN_LENGTH
    assert ranked[min(len(ranked) - 1, int(len(ranked) * 0.9))] <= P90_LENGTH


# Issue 15 asks at least 90% of out-of-scope questions declined. outofscope2: measured 80/80.
# outofscope3 was measured untouched once, 68/80 (85.0%); it then guided the scope patterns (80/80).
# outofscope4 was measured untouched once, 65/80 (81.2%); it then guided the declining of questions
# whose core the plans never mention (78/80). outofscope6 was measured untouched once, 67/80 (83.8%);
# it then guided a course's lecturer where the plan names none, English bundles a plan lacks, and
# more of what the plans never cover: equipment, side jobs, other counties, HR's own phone (80/80).
# outofscope7 was measured untouched once, after that work: 66/80 (82.5%); it then guided appeals,
# other exams' scores, e-mailed records, two phones at once, buying a card reader (78/80).
# outofscope8 (100 questions) was measured untouched once, after that: 83/100 (83.0%); it then
# guided what the plans name without detail (fees of MOOCs), expired certificates, refusing
# superiors, lost progress, duty rosters, password rules (98/100).
DECLINED_TARGETS = {
    "outofscope2": 0.975, "outofscope3": 0.975, "outofscope4": 0.975, "outofscope6": 0.975, "outofscope7": 0.95,
    "outofscope8": 0.95, "outofscope9": 0.9, "outofscope10": 0.9,
    "outofscope11": 0.95, "outofscope12": 0.95, "outofscope13": 0.95, "outofscope14": 0.95,
    "outofscope15": 0.95, "outofscope16": 0.95, "outofscope17": 0.95,  # untouched first: 86%, 76%, 81%
    "outofscope18": 0.95,  # untouched first: 83%
    "outofscope19": 0.95,  # untouched first: 88% (86% at the session's start)
    "outofscope20": 0.95,  # untouched first: 92% (86% at the session's start)
    "outofscope21": 0.95,  # untouched first: 86% (85% at the session's start)
    "outofscope22": 0.95,  # untouched first: 89% (88% at the session's start)
    "outofscope23": 0.95,  # untouched first: 93% (89% at the session's start)
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(DECLINED_TARGETS))
async def test_out_of_scope_questions_are_declined(tmp_path: Path, name: str) -> None:
    graded = await accuracy(tmp_path, name)
    total = len(load(name))
    assert 1 - len(graded.wrong) / total >= DECLINED_TARGETS[name], "\n".join(graded.wrong)
