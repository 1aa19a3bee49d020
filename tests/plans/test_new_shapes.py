"""Plans in shapes neither seed has — electives inside a bundle, tiers that do not add up, days
said as the plan says them, two dates, staff categories outside a reward — written as rules
files (drafted from the expected facts of tests/data/plans) and judged on their record cases."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.domain.calendar import TAIPEI
from bot.domain.eligibility import Assessor, Completion
from bot.plans.draft.emit import build, render
from bot.plans.loader import PlanError, parse_plan
from bot.plans.model import Plan

DATA = Path(__file__).resolve().parents[1] / "data" / "plans"
PLANS = ("taichung-113", "tainan-114", "taoyuan-113")


def plan_of(plan_id: str) -> Plan:
    facts = json.loads((DATA / f"{plan_id}-expected.json").read_text(encoding="utf-8"))
    return parse_plan(render(build(facts), f"{plan_id}-plan.txt"), plan_id, f"{plan_id}.yaml")


def _folded(category: str) -> str:
    return re.sub(r"[（）()]|人員", "", category)


SAME = {"教師": ("教師", "教職員")}  # a teacher answers yes to 「各級學校教職員工」


def staff_answers(plan: Plan, category: str) -> dict[str, bool]:
    """The person's answer to each "are you …?" the plan asks, from their category."""
    words = SAME.get(category, (_folded(category),))
    return {c: any(w in _folded(c) or _folded(c) in w for w in words) for c in plan.staff_questions}


def completions(plan: Plan, rows: list[dict[str, Any]]) -> list[Completion]:
    by_name = {c.name: c for _, c in plan.iter_courses()}
    found = []
    for row in rows:
        if row["status"] != "已通過":
            continue
        start = datetime.fromisoformat(row["start"]).replace(tzinfo=TAIPEI)
        end = datetime.fromisoformat(row["end"]).replace(tzinfo=TAIPEI)
        found.append(Completion(by_name[row["course"]].key, start=start, end=end, source="record"))
    return found


CASES = [
    (plan_id, case)
    for plan_id in PLANS
    for case in json.loads((DATA / f"{plan_id}-records.json").read_text(encoding="utf-8"))
]


@pytest.mark.parametrize(("plan_id", "case"), CASES, ids=[f"{p}:{c['name'][:24]}" for p, c in CASES])
def test_the_rewards_of_each_record_case(plan_id: str, case: dict[str, Any]) -> None:
    plan = plan_of(plan_id)
    staff = staff_answers(plan, case["staff"]["category"])
    a = Assessor(plan).assess(
        completions(plan, case["rows"]), date.fromisoformat(case["as_of"]), case["staff"]["unpaid_leave"], staff
    )
    expect = case["expect"]
    assert a.comp_leave_hours == expect["comp_leave_hours"], case["expect"]["notes"]
    commendation = [r.earned for r in a.rewards if r.reward.label and "嘉獎" in r.reward.label.zh_TW]
    assert any(commendation) == bool(expect["commendation"]), case["expect"]["notes"]
    assert sorted(b.bundle.name for b in a.bundles if b.complete) == sorted(expect["complete_bundles"])
    for label in expect.get("other_awards", []):
        (other,) = [r for r in a.rewards if r.reward.label and r.reward.label.zh_TW == label]
        assert other.earned, label


def test_tiers_give_the_highest_alone_and_say_it_as_the_plan_does() -> None:
    plan = plan_of("taichung-113")
    (comp,) = [r for r in plan.rewards if r.type == "comp_leave"]
    assert comp.mode == "highest" and [a.amount.zh_TW for a in comp.awards if a.amount] == [
        "補休半日（4小時）", "補休1日（8小時）",
    ]  # fmt: skip
    assert comp.complete_by == date(2024, 9, 30) and comp.submit_by == date(2024, 10, 15)
    assert [kind for kind, _ in comp.dates] == ["complete", "submit"]
    assert date(2024, 10, 15) in plan.deadlines  # a reminder falls before each date


def test_an_elective_bundle_asks_for_its_least() -> None:
    plan = plan_of("taichung-113")
    elective = plan.bundles[1]
    assert elective.choose is not None and (elective.choose.courses, elective.choose.hours) == (3, 5)
    assert elective.hours == 5 and sum(c.hours for c in elective.courses) > 5


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        (
            "  choose:\n    courses: 3\n    hours: 5\n",
            "  choose:\n    courses: 9\n    hours: 5\n",
            "choose.courses is 9",
        ),
        (
            "  choose:\n    courses: 3\n    hours: 5\n",
            "  choose:\n    courses: 3\n    hours: 50\n",
            "choose.hours is 50",
        ),
        ("  choose:\n    courses: 3\n    hours: 5\n", "  choose: {}\n", "give courses (at least N courses)"),
        (
            "  complete_by: 2024-09-30\n  submit_by: 2024-10-15\n",
            "  complete_by: 2024-09-30\n  submit_by: 2024-09-15\n",
            "submit_by 2024-09-15 is before complete_by 2024-09-30",
        ),
        ("  complete_by: 2024-09-30\n  submit_by: 2024-10-15\n", "", "a reward needs a date"),
        (
            "  complete_by: 2024-09-30\n  submit_by: 2024-10-15\n",
            "  complete_by: 2024-09-30\n  deadline: {date: 2024-09-30}\n",
            "give either deadline or complete_by",
        ),
        ("  mode: highest\n", "  mode: best\n", "mode: Input should be 'additive' or 'highest'"),
    ],
)
def test_rules_check_refuses_each_shape_when_wrong(old: str, new: str, said: str) -> None:
    facts = json.loads((DATA / "taichung-113-expected.json").read_text(encoding="utf-8"))
    text = render(build(facts), "taichung-113-plan.txt")
    assert old in text, old
    with pytest.raises(PlanError) as caught:
        parse_plan(text.replace(old, new, 1), "taichung-113", "taichung-113.yaml")
    assert any(p.startswith("taichung-113.yaml: ") and said in p for p in caught.value.problems), caught.value.problems


def test_a_reminder_offers_no_comp_leave_to_someone_it_leaves_out() -> None:
    from bot.reminders.message import reminder_replies

    plan = plan_of("taichung-113")
    rows = [
        {"course": c.name, "start": f"2024-04-{n + 13:02d} 19:00:00", "end": f"2024-04-{n + 13:02d} 21:00:00",
         "status": "已通過"}
        for n, c in enumerate(plan.bundles[0].courses[:3])
    ]  # fmt: skip
    record, day = completions(plan, rows), date(2024, 9, 23)
    on_staff = Assessor(plan).assess(record, day, staff={"約聘僱人員": False})
    on_contract = Assessor(plan).assess(record, day, staff={"約聘僱人員": True})
    assert "可再得補休" in reminder_replies(on_staff, date(2024, 9, 30))[0].text
    text = reminder_replies(on_contract, date(2024, 9, 30))[0].text
    assert "可再得補休" not in text and "約聘僱人員不適用" in text
