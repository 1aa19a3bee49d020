"""`python -m bot rules draft`: a rules file drafted from the plan document itself. Drafting
each seed document reproduces the shipped rules file's bundles, courses, hours, groups, reward
conditions and dates, and the engine judges records on the drafts as on the shipped files;
the fictional plans' drafts, used as they are, give the right rewards on their record cases."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.commands.rules_draft import draft_text
from bot.domain.calendar import TAIPEI
from bot.domain.eligibility import Assessor, Completion
from bot.plans.loader import parse_plan
from bot.plans.model import Plan
from tests.conftest import ROOT
from tests.plans.test_new_shapes import CASES, completions, staff_answers

SEEDS = ROOT.parent / "shared" / "seeds"
DATA = ROOT / "tests" / "data" / "plans"
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed plan documents are in ../shared/seeds")


def drafted(document: Path, plan_id: str) -> Plan:
    found, text, _ = draft_text(document, plan_id)
    return parse_plan(text, found, f"{found}.yaml")


def names(plan: Plan, targets: tuple[str, ...]) -> list[str]:
    return sorted(plan.target_name(t) for t in targets)


def shape(plan: Plan) -> dict[str, Any]:
    """What the document decides, with the file's own ids replaced by names."""
    return {
        "bundles": [
            (b.name, b.platform_title, b.hours, b.choose, [(c.name, c.hours, c.category) for c in b.courses])
            for b in plan.bundles
        ],
        "groups": [(g.name, names(plan, g.bundles), g.need) for g in plan.groups],
        "rewards": [
            (
                r.type, r.mode, r.finish_by, r.hand_in_by, r.cap_hours, r.off_duty_required, r.unpaid_leave,
                sorted((tuple(names(plan, a.requires)), a.hours) for a in r.awards),
            )
            for r in plan.rewards
        ],
    }  # fmt: skip


@needs_seeds
@pytest.mark.parametrize("plan_id", ["kaohsiung-112", "hsinchu-109"])
def test_drafting_a_seed_reproduces_its_rules_file(plan_id: str, book: Any) -> None:
    draft, shipped = drafted(SEEDS / f"{plan_id}-plan.txt", plan_id), book.get(plan_id)
    got, want = shape(draft), shape(shipped)
    for part in ("bundles", "groups", "rewards"):
        assert len(got[part]) == len(want[part]), part
        for mine, theirs in zip(got[part], want[part], strict=True):
            assert mine == theirs, part
    assert (draft.plan.roc_year, draft.plan.period.end, draft.plan.city.zh_TW) == (
        shipped.plan.roc_year, shipped.plan.period.end, shipped.plan.city.zh_TW,
    )  # fmt: skip


def _every_record(plan: Plan) -> list[list[Completion]]:
    """Records that matter for the rewards: each subset of bundles done, in the evening or in office
    hours, before or after the first deadline."""
    found = []
    first = min(r.finish_by for r in plan.rewards)
    bundles = plan.bundles
    for size in range(len(bundles) + 1):
        for chosen in itertools.combinations(bundles, size):
            for hour, day in (
                (19, first - timedelta(days=40)),
                (9, first - timedelta(days=39)),
                (19, first + timedelta(1)),
            ):
                moment = datetime.combine(day, datetime.min.time(), TAIPEI).replace(hour=hour)
                found.append(
                    [
                        Completion(c.key, start=moment, end=moment + timedelta(minutes=30), source="record")
                        for b in chosen
                        for c in b.courses
                    ]
                )
    return found


@needs_seeds
@pytest.mark.parametrize("plan_id", ["kaohsiung-112", "hsinchu-109"])
def test_the_draft_judges_records_as_the_shipped_file_does(plan_id: str, book: Any) -> None:
    draft, shipped = drafted(SEEDS / f"{plan_id}-plan.txt", plan_id), book.get(plan_id)
    keys = {c.name: c.key for _, c in draft.iter_courses()}
    shipped_names = {c.key: c.name for _, c in shipped.iter_courses()}
    as_of = min(r.finish_by for r in shipped.rewards) - timedelta(days=5)
    for record in _every_record(shipped):
        theirs = Assessor(shipped).assess(record, as_of)
        mine = Assessor(draft).assess(
            [Completion(keys[shipped_names[c.course_key]], start=c.start, end=c.end, source="record") for c in record],
            as_of,
        )
        assert (mine.comp_leave_hours, mine.commendation) == (theirs.comp_leave_hours, theirs.commendation)
        assert [b.complete for b in mine.bundles] == [b.complete for b in theirs.bundles]


@pytest.mark.parametrize(("plan_id", "case"), CASES, ids=[f"{p}:{c['name'][:24]}" for p, c in CASES])
def test_a_draft_used_as_it_is_gives_the_right_rewards(plan_id: str, case: dict[str, Any]) -> None:
    plan = drafted(DATA / f"{plan_id}-plan.txt", plan_id)
    staff = staff_answers(plan, case["staff"]["category"])
    a = Assessor(plan).assess(
        completions(plan, case["rows"]), date.fromisoformat(case["as_of"]), case["staff"]["unpaid_leave"], staff
    )
    assert a.comp_leave_hours == case["expect"]["comp_leave_hours"], case["expect"]["notes"]
    commendation = [r.earned for r in a.rewards if r.reward.label and "嘉獎" in r.reward.label.zh_TW]
    assert any(commendation) == bool(case["expect"]["commendation"]), case["expect"]["notes"]


def test_the_command_prints_the_file_and_lists_what_to_confirm(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "rules", "draft", str(DATA / "taichung-113-plan.txt")],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "# 請確認：" in done.stdout and "草稿完成：存成 rules/taichung-113.yaml" in done.stderr
    saved = tmp_path / "taichung-113.yaml"
    saved.write_text(done.stdout, encoding="utf-8")
    checked = subprocess.run(
        [sys.executable, "-m", "bot", "rules", "check", str(saved)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr
    assert "taichung-113：臺中市 113 年度，2 套組裝課程" in checked.stdout


def test_a_docx_plan_is_read_and_other_files_are_refused_by_name(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    for line in (DATA / "tainan-114-plan.txt").read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    path = tmp_path / "tainan-114-plan.docx"
    document.save(str(path))
    plan = drafted(path, "tainan-114")
    assert [b.name for b in plan.bundles] == [
        b["name"] for b in json.loads((DATA / "tainan-114-expected.json").read_text())["bundles"]
    ]
    strange = tmp_path / "plan.xlsx"
    strange.write_bytes(b"PK\x03\x04 not a plan")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "rules", "draft", str(strange)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1 and str(strange) in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("plan_id", ["taichung-113", "tainan-114", "taoyuan-113"])
def test_drafting_a_new_shape_reproduces_its_expected_rules_file(plan_id: str) -> None:
    expected = parse_plan((DATA / f"{plan_id}.yaml").read_text(encoding="utf-8"), plan_id, f"{plan_id}.yaml")
    got, want = shape(drafted(DATA / f"{plan_id}-plan.txt", plan_id)), shape(expected)
    for part in ("bundles", "groups", "rewards"):
        assert got[part] == want[part], part
